"""Mandelbrot escape counts: Ian Ozsvald's ``calculate_z`` from the high-performance Python talk.

The grid is built exactly as the talk's program builds it (a while loop stepping from
x1 to x2 and from y2 down to y1), so every backend reproduces the original output.
"""

from __future__ import annotations

from typing import Any

from harness.workload import Comparison, Params, Work, Workload

from .inputs import MandelbrotInputs, make_inputs


def _work(params: Params, inputs: MandelbrotInputs) -> Work:
    return Work(amount=float(len(inputs.q)), unit="points")


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [{"width": 160, "height": 160, "maxiter": 100}],
    "default": [{"width": 600, "height": 600, "maxiter": 300}],
    "full": [{"width": w, "height": w, "maxiter": 300} for w in (150, 300, 600, 1200)],
    "ozsvald": [{"width": 1000, "height": 1000, "maxiter": 1000}],
}

WORKLOAD = Workload(
    name="mandelbrot",
    description="Escape iteration counts of z <- z*z + q over the talk's complex grid",
    parameters={
        "width": "the talk's w: the x step is (x2 - x1) / w * 2, so about w/2 columns",
        "height": "the talk's h: the y step is (y1 - y2) / h * 2, so about h/2 rows",
        "maxiter": "iterations before a point is taken to be inside the set",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    implementations={
        "python": "workloads.mandelbrot.python_impl",
        "numpy": "workloads.mandelbrot.numpy_impl",
        "cython": "workloads.mandelbrot.cython_impl",
        "numba": "workloads.mandelbrot.numba_impl",
        "numba_parallel": "workloads.mandelbrot.numba_parallel_impl",
        "cuda": "workloads.mandelbrot.cuda_impl",
    },
    comparison=Comparison.exact(
        "iteration counts are integers and every backend evaluates the same float64 "
        "recurrence, without fused multiply-add"
    ),
    reference="numpy",
    work=_work,
    size_parameters=("width", "height"),
)
