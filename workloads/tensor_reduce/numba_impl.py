"""Numba ``njit``, serial: each algorithm's chunk body (``numba_bodies``) over the chunks in turn.

The same bodies, fastmath flags and chunks as ``numba_parallel``, looped with ``range``
instead of ``prange`` (the chunk count is that of one thread), so ``numba`` ->
``numba_parallel`` measures the threads alone.
"""

from __future__ import annotations

from typing import Any

from numba import njit

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.numba_helpers import op_kernels
from workloads.lib.tensor_core.operators import REDUCE_CODES

from .inputs import ReduceInputs
from .numba_bodies import FASTMATH, ReduceOperands, naive_chunk, prepare_kernel, tuned_chunk


def kernels_for(op: int) -> tuple[Any, Any]:
    """The naive and tuned kernels with the op a constant: Numba compiles that op's code alone."""

    @njit(cache=True, fastmath=FASTMATH["naive"])
    def naive_reduce(operands: ReduceOperands, chunks: int) -> None:
        for chunk in range(chunks):
            naive_chunk(op, operands, chunk, chunks)

    @njit(cache=True, fastmath=FASTMATH["tuned"])
    def tuned_reduce(operands: ReduceOperands, chunks: int) -> None:
        for chunk in range(chunks):
            tuned_chunk(op, operands, chunk, chunks)

    return naive_reduce, tuned_reduce


# one pair a module-level name, so that ``harness profile`` finds them and swaps them for
# their ``py_func``; ``kernels`` looks them up when called
naive_reduce_sum, tuned_reduce_sum = kernels_for(REDUCE_CODES["sum"])
naive_reduce_max, tuned_reduce_max = kernels_for(REDUCE_CODES["max"])

# ``harness profile`` line-profiles these, as their interpreted ``py_func``
PROFILE_FUNCTIONS = (
    "naive_reduce_sum", "tuned_reduce_sum", "naive_reduce_max", "tuned_reduce_max", "naive_chunk", "tuned_chunk"
)


def kernels() -> dict[int, dict[str, Any]]:
    """Each op's and algorithm's kernel, looked up when called: ``harness profile`` swaps the
    module's jitted functions for their ``py_func`` after import, and ``prepare`` must see the swap."""
    return op_kernels(globals(), "reduce", REDUCE_CODES)


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(kernels(), inputs, steps, threads=lambda: 1)
