"""Numba ``parallel=True``: each algorithm's chunk body (``numba_bodies``) over ``prange``.

A few chunks of outputs per thread; each chunk runs the body the serial ``numba``
backend runs, with the same fastmath flags, so the two differ only in the threads.
naive: MiniTorch's reduce loop per chunk; tuned: tiles and local accumulators.
"""

from __future__ import annotations

from numba import get_num_threads, njit, prange

from harness.workload import Kernel, StepTimer

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


KERNELS = {"naive": naive_reduce, "tuned": tuned_reduce}


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(KERNELS, inputs, steps, threads=get_num_threads)
