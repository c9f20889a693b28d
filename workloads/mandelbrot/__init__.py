"""Mandelbrot escape counts: Ian Ozsvald's ``calculate_z`` from the high-performance Python talk.

The grid is built exactly as the talk's program builds it (a while loop appending, then
stepping, from x1 to x2 and from y2 down to y1), so every backend reproduces the original
output. That is checked against the talk's own program, not only between backends: for
every preset case, the sum of the escape counts must equal the validation sum that
Ozsvald's ``pure_python.py`` prints for the same w and maxiter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.core.parameters import ParameterType
from harness.core.workload import Comparison, OutsideReference, Params, Work, Workload

from .inputs import MandelbrotInputs, make_inputs


def _work(params: Params, inputs: MandelbrotInputs) -> Work:
    return Work(amount=float(len(inputs.q)), unit="points")


TALK_PROGRAM = (
    "the validation sum printed by the talk's own program, Ian Ozsvald's pure_python.py "
    "(EuroPython 2011 High Performance Python tutorial, github.com/ianozsvald/"
    "EuroPython2011_HighPerformanceComputing, mandelbrot/python/pure_python.py), run as "
    "`python pure_python.py {w} {maxiter}` (w = h)"
)
# (w = h, maxiter) -> the validation sum the talk's program prints; 1,148,485 is the
# talk's own 1000 x 1000, maxiter 1000 run (the ozsvald preset)
TALK_VALIDATION_SUMS: dict[tuple[int, int], int] = {
    (1000, 1000): 1_148_485,
    (160, 100): 22_528,
    (600, 300): 349_694,
    (150, 300): 21_118,
    (300, 300): 86_330,
    (1200, 300): 1_408_070,
    (80, 200): 7_319,
    (60, 60): 2_559,
}


def _escape_count_sum(result: Any) -> float:
    return float(np.sum(np.asarray(result, dtype=np.int64)))


OUTSIDE_REFERENCES = [
    OutsideReference(
        case={"width": w, "height": w, "maxiter": maxiter},
        quantity="sum of the escape counts",
        expected=total,
        summarise=_escape_count_sum,
        source=TALK_PROGRAM.format(w=w, maxiter=maxiter),
    )
    for (w, maxiter), total in TALK_VALIDATION_SUMS.items()
]

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
    comparison=Comparison.exact(
        "iteration counts are integers and every backend evaluates the same float64 "
        "recurrence, without fused multiply-add"
    ),
    reference="numpy",
    work=_work,
    parameter_types={
        # the talk's program needs w, h >= 2; 8000 makes 16 million points, which the python
        # backend holds as Python complex numbers (about 1 GiB)
        "width": ParameterType(int, minimum=2, maximum=8000),
        "height": ParameterType(int, minimum=2, maximum=8000),
        "maxiter": ParameterType(int, minimum=1, maximum=1_000_000),
    },
    size_parameters=("width", "height"),
    outside_references=OUTSIDE_REFERENCES,
)
