"""The chunk bodies of zip's two algorithms, shared by the ``numba`` and ``numba_parallel`` backends.

Each algorithm is written once here as ``njit(inline="always")`` functions; the two
backends' top-level kernels loop over chunks (``range`` or ``prange``) and call them, so
they compile the same loop body. ``chunks`` functions say how many chunks a call makes,
``chunk`` functions do one. Tensors travel as (storage, shape, strides) tuples.

- naive: MiniTorch's zip loop body (``to_index``, ``broadcast_index`` for each operand,
  ``index_to_position`` for every element), over a chunk of output ordinals.
- tuned: when both operands are laid out like the output, ordinal == position, so a
  chunk is a plain loop over unit-stride views that LLVM vectorises. Otherwise a chunk
  is a run of rows: each row finds its three start positions once, then walks the last
  dimension with constant strides (0 for an operand broadcast along it), through
  unit-stride row views when all three strides are 1 (a broadcast row vector): an index
  computed from loaded strides carries Numba's negative-index check, which keeps LLVM
  from vectorising.

Numba's on-disk cache checks only the source file of the function it caches, so an edit
here does not reach the backends' cached kernels: delete ``__pycache__/*.nbi`` beside
``numba_impl.py`` and ``numba_parallel_impl.py`` after one. (The harness's check run
compiles into an empty cache, so its results are never stale.)
"""

from __future__ import annotations

import numpy as np

from workloads.lib.tensor_core.numba_elementwise import Parts, chunk_count, chunk_start, last_step, row_count
from workloads.lib.tensor_core.numba_helpers import (
    apply_binary,
    broadcast_index,
    index_to_position,
    inline,
    op_dispatch,
    same_layout,
    to_index,
)
from workloads.lib.tensor_core.numba_indexing import index_buffer
from workloads.lib.tensor_core.operators import BINARY_CODES


@inline
def naive_chunks(out: Parts, left: Parts, right: Parts, chunks_wanted: int) -> int:
    return chunk_count(out[0].size, chunks_wanted)


@inline
def naive_chunk(chunk: int, chunks: int, code: int, out: Parts, left: Parts, right: Parts) -> None:
    """MiniTorch's zip loop over one chunk of output ordinals."""
    out_storage, out_shape, out_strides = out
    left_storage, left_shape, left_strides = left
    right_storage, right_shape, right_strides = right
    out_index = index_buffer(len(out_shape))
    left_index = index_buffer(len(left_shape))
    right_index = index_buffer(len(right_shape))
    size = out_storage.size
    for ordinal in range(chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left_storage[index_to_position(left_index, left_strides)]
        y = right_storage[index_to_position(right_index, right_strides)]
        out_storage[index_to_position(out_index, out_strides)] = apply_binary(code, x, y)


@inline
def aligned(out: Parts, left: Parts, right: Parts) -> bool:
    """Both operands laid out like the output: the fast path's condition."""
    return same_layout(out[1], out[2], left[1], left[2]) and same_layout(out[1], out[2], right[1], right[2])


@inline
def tuned_chunks(out: Parts, left: Parts, right: Parts, chunks_wanted: int) -> int:
    """Chunks of positions on the same-layout fast path, of rows otherwise."""
    units = out[0].size if aligned(out, left, right) else row_count(out[1])
    return chunk_count(units, chunks_wanted)


@inline
def tuned_chunk(chunk: int, chunks: int, code: int, out: Parts, left: Parts, right: Parts) -> None:
    if aligned(out, left, right):
        size = out[0].size
        start, end = chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)
        unit_stride_part(code, out[0][start:end], left[0][start:end], right[0][start:end])
    else:
        rows = row_count(out[1])
        row_run(chunk_start(chunk, chunks, rows), chunk_start(chunk + 1, chunks, rows), code, out, left, right)


@inline
def unit_stride_loop(code: int, out_part: np.ndarray, left_part: np.ndarray, right_part: np.ndarray) -> None:
    for position in range(out_part.size):
        out_part[position] = apply_binary(code, left_part[position], right_part[position])


# out_part = f(left_part, right_part) over unit-stride views, which LLVM vectorises: the
# kernel's op is a constant, so no dispatch is left inside the loop for LLVM's loop
# unswitching (a size heuristic) to miss
unit_stride_part = op_dispatch(dict.fromkeys(BINARY_CODES.values(), unit_stride_loop))


@inline
def row_run(first_row: int, end_row: int, code: int, out: Parts, left: Parts, right: Parts) -> None:
    """Rows ``first_row`` to ``end_row``: start positions once a row, then constant strides."""
    out_storage, out_shape, out_strides = out
    left_storage, left_shape, left_strides = left
    right_storage, right_shape, right_strides = right
    out_index = index_buffer(len(out_shape))
    left_index = index_buffer(len(left_shape))
    right_index = index_buffer(len(right_shape))
    last = out_shape[len(out_shape) - 1]
    out_step = out_strides[len(out_strides) - 1]
    left_step = last_step(left_shape, left_strides)
    right_step = last_step(right_shape, right_strides)
    for row in range(first_row, end_row):
        to_index(row * last, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        out_start = index_to_position(out_index, out_strides)
        left_start = index_to_position(left_index, left_strides)
        right_start = index_to_position(right_index, right_strides)
        if out_step == 1 and left_step == 1 and right_step == 1:
            out_row = out_storage[out_start : out_start + last]
            left_row = left_storage[left_start : left_start + last]
            right_row = right_storage[right_start : right_start + last]
            unit_stride_part(code, out_row, left_row, right_row)
        else:
            for column in range(last):
                x = left_storage[left_start + column * left_step]
                y = right_storage[right_start + column * right_step]
                out_storage[out_start + column * out_step] = apply_binary(code, x, y)
