"""Numba ``njit``: MiniTorch's triple loop (i, j, then k innermost), compiled, serial.

The inner k loop reads the right operand down a column, one cache line per element at
large n; numba_parallel_impl shows what reordering and tiling buy over this.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import compile_for

from .inputs import MatmulInputs, batch_strides


@njit(cache=True)
def matmul(
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    left: np.ndarray,
    left_strides: np.ndarray,
    right: np.ndarray,
    right_strides: np.ndarray,
    left_batch: int,
    right_batch: int,
    inner: int,
) -> None:
    for batch in range(out_shape[0]):
        for i in range(out_shape[1]):
            for j in range(out_shape[2]):
                left_position = batch * left_batch + i * left_strides[1]
                right_position = batch * right_batch + j * right_strides[2]
                total = 0.0
                for k in range(inner):
                    total += (
                        left[left_position + k * left_strides[2]]
                        * right[right_position + k * right_strides[1]]
                    )
                out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


def prepare_with(dispatcher: Any, inputs: MatmulInputs, steps: StepTimer) -> Kernel:
    """Compile ``dispatcher`` (serial or parallel matmul) for these inputs and wrap it."""
    output, left, right = inputs.output(), inputs.left, inputs.right
    args: tuple[Any, ...] = (
        output.storage,
        output.shape,
        output.strides,
        left.storage,
        left.strides,
    )
    args += (right.storage, right.strides, *batch_strides(inputs), int(left.shape[2]))
    with steps("compile"):
        compile_for(dispatcher, args)

    def call() -> np.ndarray:
        dispatcher(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_with(matmul, inputs, steps)
