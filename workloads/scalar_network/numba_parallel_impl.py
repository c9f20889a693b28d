"""Numba ``njit(parallel=True)``: ``prange`` over one chunk of samples per thread, each chunk
accumulating its own gradient, the chunks summed in order afterwards."""

from __future__ import annotations

import numba  # noqa: F401  (a missing numba makes this backend unavailable)

from harness.core.workload import Kernel, StepTimer

from .inputs import NetworkInputs
from .numba_kernels import prepare_numba


def prepare(inputs: NetworkInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_numba(inputs, params, steps, parallel=True)
