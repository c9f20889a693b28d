"""NumPy, vectorised: every still-active point advances one iteration per array operation.

Escaped points are dropped from the working arrays, so late iterations only touch the
points that are still inside. Real and imaginary parts are kept apart and combined in
the same order as Python's complex multiply, so the counts match the talk's exactly.
"""

from __future__ import annotations

import numpy as np

from harness.core.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs, array_kernel


def calculate_z(q_real: np.ndarray, q_imag: np.ndarray, maxiter: int) -> np.ndarray:
    output = np.zeros(q_real.shape, dtype=np.int64)
    index = np.arange(q_real.size)
    z_real = np.zeros_like(q_real)
    z_imag = np.zeros_like(q_imag)
    c_real, c_imag = q_real, q_imag
    for iteration in range(maxiter):
        z_real, z_imag = (
            z_real * z_real - z_imag * z_imag + c_real,
            z_real * z_imag + z_imag * z_real + c_imag,
        )
        escaped = z_real * z_real + z_imag * z_imag > 4.0
        if escaped.any():
            output[index[escaped]] = iteration
            inside = ~escaped
            index, z_real, z_imag = index[inside], z_real[inside], z_imag[inside]
            c_real, c_imag = c_real[inside], c_imag[inside]
            if index.size == 0:
                break
    return output


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    return array_kernel(calculate_z, inputs, steps)
