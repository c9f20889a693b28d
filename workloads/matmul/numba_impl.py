"""Numba ``njit``, serial: each algorithm's task body (``numba_bodies``) over the tasks in turn.

The same bodies, fastmath flags and tasks as ``numba_parallel``, looped with ``range``
instead of ``prange``, so ``numba`` -> ``numba_parallel`` measures the threads alone.
naive over (batch, row) tasks is MiniTorch's triple loop, i, j, then k innermost.
"""

from __future__ import annotations

from typing import Any

from numba import njit

from harness.core.workload import Kernel, StepTimer

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


# ``harness profile`` line-profiles these, as their interpreted ``py_func``
PROFILE_FUNCTIONS = ("naive_matmul", "tuned_matmul", "naive_task", "tuned_task")


def kernels() -> dict[str, Any]:
    """Each algorithm's kernel, looked up when called: ``harness profile`` swaps the module's
    jitted functions for their ``py_func`` after import, and ``prepare`` must see the swap."""
    return {"naive": naive_matmul, "tuned": tuned_matmul}


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_kernel(kernels(), inputs, steps)
