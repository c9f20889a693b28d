"""Numba ``parallel=True``: each algorithm's task body (``numba_bodies``) over ``prange``.

naive: (batch, row) tasks, each MiniTorch's j, k loops; tuned: (batch, 128-row block)
tasks of the blocked, packed, register-blocked product. The serial ``numba`` backend runs
the same bodies with the same fastmath flags, so the two differ only in the threads.
"""

from __future__ import annotations

from typing import Any

from numba import njit, prange

from harness.core.workload import Kernel, StepTimer

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


# ``harness profile`` line-profiles these, as their interpreted ``py_func``
PROFILE_FUNCTIONS = ("naive_matmul", "tuned_matmul", "naive_task", "tuned_task")


def kernels() -> dict[str, Any]:
    """Each algorithm's kernel, looked up when called: ``harness profile`` swaps the module's
    jitted functions for their ``py_func`` after import, and ``prepare`` must see the swap."""
    return {"naive": naive_matmul, "tuned": tuned_matmul}


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(kernels(), inputs, steps)
