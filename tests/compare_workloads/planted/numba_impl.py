"""Numba ``njit``: the same loop, compiled (cached on disk)."""

from __future__ import annotations

import numpy as np
from numba import njit

from harness.core.workload import Kernel, StepTimer

from . import padded


@njit(cache=True)
def logistic(points: np.ndarray, steps: int, keep: int) -> np.ndarray:
    output = np.empty(points.size)
    for i in range(points.size):
        x = points[i]
        for _ in range(steps):
            x = 3.9 * x * (1.0 - x)
        output[i] = x
    return output[:keep]


def prepare(inputs: np.ndarray, params: dict, steps: StepTimer) -> Kernel:
    points = padded(inputs, "numba")
    count, keep = int(params["steps"]), inputs.size
    return Kernel(call=lambda: logistic(points, count, keep))
