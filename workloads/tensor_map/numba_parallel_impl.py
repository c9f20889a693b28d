"""Numba ``parallel=True``: ``prange`` over output rows, index arithmetic once per row.

Three things make it fast, each named in the issue:
- when input and output are laid out alike, ordinal == position, so the loop skips
  indexing altogether (a flat ``prange`` the compiler vectorises);
- otherwise work is split into row chunks; each chunk allocates its index buffers once,
  and each row finds its start positions once (to_index, broadcast_index), then walks
  the last dimension with constant strides;
- the op code is loop-invariant, so the dispatch branch hoists out of the inner loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import get_num_threads, njit, prange

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import (
    apply_unary,
    broadcast_index,
    compile_for,
    index_to_position,
    same_layout,
    to_index,
)

from .inputs import MapInputs

CHUNKS_PER_THREAD = 4


@njit(parallel=True, cache=True)
def tensor_map(
    code: int,
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    in_storage: np.ndarray,
    in_shape: np.ndarray,
    in_strides: np.ndarray,
    chunks_wanted: int,
) -> None:
    if same_layout(out_shape, out_strides, in_shape, in_strides):
        for position in prange(out.size):
            out[position] = apply_unary(code, in_storage[position])
        return
    last = out_shape[len(out_shape) - 1]
    rows = out.size // last
    out_step = out_strides[len(out_strides) - 1]
    in_step = in_strides[len(in_strides) - 1] if in_shape[len(in_shape) - 1] > 1 else 0
    chunks = min(rows, chunks_wanted)
    for chunk in prange(chunks):
        out_index = np.empty(len(out_shape), np.int64)
        in_index = np.empty(len(in_shape), np.int64)
        for row in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            to_index(row * last, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            out_start = index_to_position(out_index, out_strides)
            in_start = index_to_position(in_index, in_strides)
            for column in range(last):
                value = in_storage[in_start + column * in_step]
                out[out_start + column * out_step] = apply_unary(code, value)


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    source, output, code = inputs.source, inputs.output(), inputs.code
    args: tuple[Any, ...] = (code, output.storage, output.shape, output.strides)
    args += (source.storage, source.shape, source.strides)
    with steps("compile"):
        compile_for(tensor_map, (*args, 1))

    def call() -> np.ndarray:
        run_args = (*args, CHUNKS_PER_THREAD * get_num_threads())
        tensor_map(*run_args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
