"""Numba ``njit``, serial: each algorithm's chunk body (``numba_bodies``) over the chunks in turn.

The same bodies, fastmath flags and chunks as ``numba_parallel``, looped with ``range``
instead of ``prange`` (the chunk count is that of one thread), so ``numba`` ->
``numba_parallel`` measures the threads alone.
"""

from __future__ import annotations

from typing import Any

from numba import njit

from harness.core.workload import Kernel, StepTimer

from .inputs import ReduceInputs
from .numba_bodies import FASTMATH, ReduceOperands, naive_chunk, prepare_kernel, tuned_chunk


@njit(cache=True, fastmath=FASTMATH["naive"])
def naive_reduce(operands: ReduceOperands, chunks: int) -> None:
    for chunk in range(chunks):
        naive_chunk(operands, chunk, chunks)


@njit(cache=True, fastmath=FASTMATH["tuned"])
def tuned_reduce(operands: ReduceOperands, chunks: int) -> None:
    for chunk in range(chunks):
        tuned_chunk(operands, chunk, chunks)


# ``harness profile`` line-profiles these, as their interpreted ``py_func``
PROFILE_FUNCTIONS = ("naive_reduce", "tuned_reduce", "naive_chunk", "tuned_chunk")


def kernels() -> dict[str, Any]:
    """Each algorithm's kernel, looked up when called: ``harness profile`` swaps the module's
    jitted functions for their ``py_func`` after import, and ``prepare`` must see the swap."""
    return {"naive": naive_reduce, "tuned": tuned_reduce}


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(kernels(), inputs, steps, threads=lambda: 1)
