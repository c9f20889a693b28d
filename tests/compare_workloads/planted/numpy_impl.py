"""NumPy: one array operation per step over all points."""

from __future__ import annotations

import numpy as np

from harness.core.workload import Kernel, StepTimer

from . import padded


def logistic(points: np.ndarray, steps: int, keep: int) -> np.ndarray:
    x = points.copy()
    for _ in range(steps):
        x = 3.9 * x * (1.0 - x)
    return x[:keep]


def prepare(inputs: np.ndarray, params: dict, steps: StepTimer) -> Kernel:
    points = padded(inputs, "numpy")
    count, keep = int(params["steps"]), inputs.size
    return Kernel(call=lambda: logistic(points, count, keep))
