"""Pure Python over a list of floats."""

from __future__ import annotations

import numpy as np

from harness.core.workload import Kernel, StepTimer

from . import padded


def logistic(points: list[float], steps: int, keep: int) -> list[float]:
    output = []
    for x in points:
        for _ in range(steps):
            x = 3.9 * x * (1.0 - x)
        output.append(x)
    return output[:keep]


def prepare(inputs: np.ndarray, params: dict, steps: StepTimer) -> Kernel:
    points = padded(inputs, "python").tolist()
    count, keep = int(params["steps"]), inputs.size
    return Kernel(call=lambda: logistic(points, count, keep), fetch=np.asarray)
