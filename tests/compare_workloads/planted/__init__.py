"""A test-only workload whose kernel can be slowed down on purpose, to measure a check's power.

Each point runs ``steps`` iterations of the logistic map ``x <- 3.9 x (1 - x)``, so every
point costs the same. With ``HARNESS_PLANTED_SLOWDOWN=0.10`` set, the backends named in
``HARNESS_PLANTED_BACKENDS`` (default: numba) also process 10% extra points (copies of
the first ones) and drop them from the result: exactly 10% more work, the same answer.
The slowdown applies only on the side named by ``HARNESS_PLANTED_SIDE`` (default
``new``), which ``harness check`` sets as ``HARNESS_CHECK_SIDE`` for each side; so one
A/B check measures an unchanged tree against a planted regression. Never used by the
built-in workloads.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from harness.core.workload import Comparison, Params, Work, Workload


def make_inputs(params: Params) -> np.ndarray:
    return np.random.default_rng(7).uniform(0.1, 0.9, int(params["n"]))


def slowdown(backend: str) -> float:
    """The planted fraction of extra work for ``backend`` on this side (0.0 when none)."""
    side = os.environ.get("HARNESS_CHECK_SIDE", "")
    if side != os.environ.get("HARNESS_PLANTED_SIDE", "new"):
        return 0.0
    if backend not in os.environ.get("HARNESS_PLANTED_BACKENDS", "numba").split(","):
        return 0.0
    return float(os.environ.get("HARNESS_PLANTED_SLOWDOWN", "0") or 0.0)


def padded(points: np.ndarray, backend: str) -> np.ndarray:
    extra = round(points.size * slowdown(backend))
    return np.concatenate([points, np.resize(points, extra)]) if extra else points


def _work(params: Params, inputs: Any) -> Work:
    return Work(amount=float(params["n"]) * float(params["steps"]), unit="iterations")


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [{"n": 4000, "steps": 50}],
    "default": [{"n": 20000, "steps": 100}],
    "full": [{"n": n, "steps": 100} for n in (5000, 20000, 80000)],
}

WORKLOAD = Workload(
    name="planted",
    description="Logistic map per point; a test-only workload that can be slowed on purpose",
    parameters={"n": "number of points", "steps": "iterations per point"},
    presets=PRESETS,
    make_inputs=make_inputs,
    implementations={
        "python": "planted.python_impl",
        "numpy": "planted.numpy_impl",
        "numba": "planted.numba_impl",
    },
    comparison=Comparison.exact("the same float64 operations in the same order on every backend"),
    reference="numpy",
    work=_work,
)
