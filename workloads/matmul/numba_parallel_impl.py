"""Numba ``parallel=True``: each algorithm's task body (``numba_bodies``) over ``prange``.

naive: (batch, row) tasks, each MiniTorch's j, k loops; tuned: (batch, 64-row block)
tasks of the blocked, packed, register-blocked product. The serial ``numba`` backend runs
the same bodies with the same fastmath flags, so the two differ only in the threads.
"""

from __future__ import annotations

from numba import njit, prange

from harness.workload import Kernel, StepTimer

from .inputs import MatmulInputs
from .numba_bodies import FASTMATH, MatmulOperands, naive_task, prepare_kernel, tuned_task


@njit(parallel=True, cache=True, fastmath=FASTMATH["naive"])
def naive_matmul(operands: MatmulOperands, tasks: int) -> None:
    for task in prange(tasks):
        naive_task(operands, task)


@njit(parallel=True, cache=True, fastmath=FASTMATH["tuned"])
def tuned_matmul(operands: MatmulOperands, tasks: int) -> None:
    for task in prange(tasks):
        tuned_task(operands, task)


KERNELS = {"naive": naive_matmul, "tuned": tuned_matmul}


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(KERNELS, inputs, steps)
