"""The talk's grid of complex points, built with its own step and while loops (``pure_python.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.workload import Kernel, StepTimer

X1, X2, Y1, Y2 = -2.13, 0.77, -1.3, 1.3


@dataclass(frozen=True)
class MandelbrotInputs:
    q: list[complex]
    maxiter: int

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Real and imaginary parts as contiguous float64 arrays."""
        q = np.array(self.q, dtype=np.complex128)
        return np.ascontiguousarray(q.real), np.ascontiguousarray(q.imag)


ArrayLoop = Callable[[np.ndarray, np.ndarray, int], Any]


def array_kernel(calculate_z: ArrayLoop, inputs: MandelbrotInputs, steps: StepTimer) -> Kernel:
    """A Kernel calling ``calculate_z(q_real, q_imag, maxiter)``, the arrays made once (``to_arrays``)."""
    with steps("to_arrays"):
        q_real, q_imag = inputs.as_arrays()
    maxiter = inputs.maxiter
    return Kernel(call=lambda: calculate_z(q_real, q_imag, maxiter))


def make_grid(width: int, height: int) -> list[complex]:
    x_step = (float(X2 - X1) / float(width)) * 2
    y_step = (float(Y1 - Y2) / float(height)) * 2
    ys = []
    ycoord = Y2
    while ycoord > Y1:
        ys.append(ycoord)
        ycoord += y_step
    xs = []
    xcoord = X1
    while xcoord < X2:  # append, then step: the grid starts at x1 = -2.13
        xs.append(xcoord)
        xcoord += x_step
    return [complex(xcoord, ycoord) for ycoord in ys for xcoord in xs]


def make_inputs(params: dict[str, Any]) -> MandelbrotInputs:
    width, height, maxiter = int(params["width"]), int(params["height"]), int(params["maxiter"])
    if width < 2 or height < 2 or maxiter < 1:
        raise ValueError("mandelbrot needs width >= 2, height >= 2 and maxiter >= 1")
    return MandelbrotInputs(q=make_grid(width, height), maxiter=maxiter)
