"""Numba ``njit``: the seed's per-element zip loop, compiled."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import (
    apply_binary,
    broadcast_index,
    compile_for,
    index_to_position,
    to_index,
)

from .inputs import ZipInputs


@njit(cache=True)
def tensor_zip(
    code: int,
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    left: np.ndarray,
    left_shape: np.ndarray,
    left_strides: np.ndarray,
    right: np.ndarray,
    right_shape: np.ndarray,
    right_strides: np.ndarray,
) -> None:
    out_index = np.empty(len(out_shape), np.int64)
    left_index = np.empty(len(left_shape), np.int64)
    right_index = np.empty(len(right_shape), np.int64)
    for ordinal in range(out.size):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left[index_to_position(left_index, left_strides)]
        y = right[index_to_position(right_index, right_strides)]
        out[index_to_position(out_index, out_strides)] = apply_binary(code, x, y)


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output, left, right = inputs.output(), inputs.left, inputs.right
    args: tuple[Any, ...] = (inputs.code, output.storage, output.shape, output.strides)
    args += (left.storage, left.shape, left.strides, right.storage, right.shape, right.strides)
    with steps("compile"):
        compile_for(tensor_zip, args)

    def call() -> np.ndarray:
        tensor_zip(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
