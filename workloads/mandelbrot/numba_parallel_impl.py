"""Numba ``njit(parallel=True)``: ``prange`` over points, one independent loop each."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from harness.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs


@njit(parallel=True, cache=True)
def calculate_z(q_real: np.ndarray, q_imag: np.ndarray, maxiter: int) -> np.ndarray:
    output = np.zeros(q_real.size, dtype=np.int64)
    for i in prange(q_real.size):
        c_real = q_real[i]
        c_imag = q_imag[i]
        z_real = 0.0
        z_imag = 0.0
        for iteration in range(maxiter):
            z_real, z_imag = (
                z_real * z_real - z_imag * z_imag + c_real,
                z_real * z_imag + z_imag * z_real + c_imag,
            )
            if z_real * z_real + z_imag * z_imag > 4.0:
                output[i] = iteration
                break
    return output


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("to_arrays"):
        q_real, q_imag = inputs.as_arrays()
    maxiter = inputs.maxiter
    return Kernel(call=lambda: calculate_z(q_real, q_imag, maxiter))
