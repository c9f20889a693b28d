"""Numba ``parallel=True``: ``prange`` over output rows, index arithmetic once per row.

As in tensor_map: when both operands are laid out like the output the loop skips
indexing (a flat, vectorisable ``prange``); otherwise row chunks allocate their index
buffers once, each row finds its three start positions once, and the last dimension is
walked with constant strides (stride 0 for an operand broadcast along it), in a
separate unit-stride loop when all three strides are 1 (a broadcast row vector), which
LLVM vectorises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import get_num_threads, njit, prange

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import (
    apply_binary,
    broadcast_index,
    compile_for,
    index_to_position,
    same_layout,
    to_index,
)

from .inputs import ZipInputs

CHUNKS_PER_THREAD = 4


@njit(inline="always")
def last_step(shape: np.ndarray, strides: np.ndarray) -> int:
    """Stride along the last dimension, 0 where that dimension is broadcast (size 1)."""
    return strides[len(strides) - 1] if shape[len(shape) - 1] > 1 else 0


@njit(parallel=True, cache=True)
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
    chunks_wanted: int,
) -> None:
    if same_layout(out_shape, out_strides, left_shape, left_strides) and same_layout(
        out_shape, out_strides, right_shape, right_strides
    ):
        for position in prange(out.size):
            out[position] = apply_binary(code, left[position], right[position])
        return
    last = out_shape[len(out_shape) - 1]
    rows = out.size // last
    out_step = out_strides[len(out_strides) - 1]
    left_step = last_step(left_shape, left_strides)
    right_step = last_step(right_shape, right_strides)
    chunks = min(rows, chunks_wanted)
    for chunk in prange(chunks):
        out_index = np.empty(len(out_shape), np.int64)
        left_index = np.empty(len(left_shape), np.int64)
        right_index = np.empty(len(right_shape), np.int64)
        for row in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            to_index(row * last, out_shape, out_index)
            broadcast_index(out_index, out_shape, left_shape, left_index)
            broadcast_index(out_index, out_shape, right_shape, right_index)
            out_start = index_to_position(out_index, out_strides)
            left_start = index_to_position(left_index, left_strides)
            right_start = index_to_position(right_index, right_strides)
            if out_step == 1 and left_step == 1 and right_step == 1:
                out_row = out[out_start : out_start + last]
                left_row = left[left_start : left_start + last]
                right_row = right[right_start : right_start + last]
                for column in range(last):  # unit strides over row views: vectorised
                    out_row[column] = apply_binary(code, left_row[column], right_row[column])
            else:
                for column in range(last):
                    x = left[left_start + column * left_step]
                    y = right[right_start + column * right_step]
                    out[out_start + column * out_step] = apply_binary(code, x, y)


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output, left, right = inputs.output(), inputs.left, inputs.right
    args: tuple[Any, ...] = (inputs.code, output.storage, output.shape, output.strides)
    args += (left.storage, left.shape, left.strides, right.storage, right.shape, right.strides)
    with steps("compile"):
        compile_for(tensor_zip, (*args, 1))

    def call() -> np.ndarray:
        run_args = (*args, CHUNKS_PER_THREAD * get_num_threads())
        tensor_zip(*run_args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
