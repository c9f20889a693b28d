"""Numba ``njit``, serial: each algorithm's task body (``numba_bodies``) over the tasks in turn.

The same bodies, fastmath flags and tasks as ``numba_parallel``, looped with ``range``
instead of ``prange``, so ``numba`` -> ``numba_parallel`` measures the threads alone.
naive over (batch, row) tasks is MiniTorch's triple loop, i, j, then k innermost.
"""

from __future__ import annotations

from numba import njit

from harness.workload import Kernel, StepTimer

from .inputs import MatmulInputs
from .numba_bodies import FASTMATH, MatmulOperands, naive_task, prepare_kernel, tuned_task


@njit(cache=True, fastmath=FASTMATH["naive"])
def naive_matmul(operands: MatmulOperands, tasks: int) -> None:
    for task in range(tasks):
        naive_task(operands, task)


@njit(cache=True, fastmath=FASTMATH["tuned"])
def tuned_matmul(operands: MatmulOperands, tasks: int) -> None:
    for task in range(tasks):
        tuned_task(operands, task)


KERNELS = {"naive": naive_matmul, "tuned": tuned_matmul}


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(KERNELS, inputs, steps)
