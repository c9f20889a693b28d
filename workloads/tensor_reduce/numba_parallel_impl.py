"""Numba ``parallel=True``: each algorithm's chunk body (``numba_bodies``) over ``prange``.

A few chunks of outputs per thread; each chunk runs the body the serial ``numba``
backend runs, with the same fastmath flags, so the two differ only in the threads.
naive: MiniTorch's reduce loop per chunk; tuned: tiles and local accumulators.
"""

from __future__ import annotations

from typing import Any

from numba import get_num_threads, njit, prange

from harness.core.workload import Kernel, StepTimer

from .inputs import ReduceInputs
from .numba_bodies import FASTMATH, ReduceOperands, naive_chunk, prepare_kernel, tuned_chunk


@njit(parallel=True, cache=True, fastmath=FASTMATH["naive"])
def naive_reduce(operands: ReduceOperands, chunks: int) -> None:
    for chunk in prange(chunks):
        naive_chunk(operands, chunk, chunks)


@njit(parallel=True, cache=True, fastmath=FASTMATH["tuned"])
def tuned_reduce(operands: ReduceOperands, chunks: int) -> None:
    for chunk in prange(chunks):
        tuned_chunk(operands, chunk, chunks)


# ``harness profile`` line-profiles these, as their interpreted ``py_func``
PROFILE_FUNCTIONS = ("naive_reduce", "tuned_reduce", "naive_chunk", "tuned_chunk")


def kernels() -> dict[str, Any]:
    """Each algorithm's kernel, looked up when called: ``harness profile`` swaps the module's
    jitted functions for their ``py_func`` after import, and ``prepare`` must see the swap."""
    return {"naive": naive_reduce, "tuned": tuned_reduce}


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(kernels(), inputs, steps, threads=get_num_threads)
