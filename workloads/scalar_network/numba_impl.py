"""Numba ``njit``: generated straight-line code (``evaluator=codegen``) or a tape interpreter
(``evaluator=tape``), with the whole training step compiled: one Python call per step."""

from __future__ import annotations

import numba  # noqa: F401  (a missing numba makes this backend unavailable)

from harness.core.workload import Kernel, StepTimer

from .inputs import NetworkInputs
from .numba_kernels import prepare_numba


def prepare(inputs: NetworkInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_numba(inputs, params, steps, parallel=False)
