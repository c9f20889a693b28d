"""Numba ``njit(parallel=True)``: ``prange`` over points, each point independent."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from harness.core.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs, array_kernel
from .point import escape_count

point_escape_count = njit(inline="always")(escape_count)


@njit(parallel=True, cache=True)
def calculate_z(q_real: np.ndarray, q_imag: np.ndarray, maxiter: int) -> np.ndarray:
    output = np.zeros(q_real.size, dtype=np.int64)
    for i in prange(q_real.size):
        output[i] = point_escape_count(q_real[i], q_imag[i], maxiter)
    return output


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    return array_kernel(calculate_z, inputs, steps)
