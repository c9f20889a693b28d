"""The chunk bodies of zip's two algorithms, shared by the ``numba`` and ``numba_parallel`` backends.

Each algorithm is written once here as ``njit(inline="always")`` functions; the two
backends' top-level kernels loop over chunks (``range`` or ``prange``) and call them, so
they compile the same loop body. ``chunks`` functions say how many chunks a call makes,
``chunk`` functions do one.

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

from workloads.tensor_core.numba_elementwise import chunk_count, chunk_start, last_step, row_count
from workloads.tensor_core.numba_helpers import (
    apply_binary,
    broadcast_index,
    index_to_position,
    inline,
    same_layout,
    to_index,
)
from workloads.tensor_core.operators import BINARY_CODES

ADD, MUL, LT = (BINARY_CODES[name] for name in ("add", "mul", "lt"))


@inline
def naive_chunks(out: np.ndarray, chunks_wanted: int) -> int:
    return chunk_count(out.size, chunks_wanted)


@inline
def naive_chunk(
    chunk: int,
    chunks: int,
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
    """MiniTorch's zip loop over one chunk of output ordinals."""
    out_index = np.empty(len(out_shape), np.int64)
    left_index = np.empty(len(left_shape), np.int64)
    right_index = np.empty(len(right_shape), np.int64)
    for ordinal in range(chunk_start(chunk, chunks, out.size), chunk_start(chunk + 1, chunks, out.size)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left[index_to_position(left_index, left_strides)]
        y = right[index_to_position(right_index, right_strides)]
        out[index_to_position(out_index, out_strides)] = apply_binary(code, x, y)


@inline
def aligned(
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    left_shape: np.ndarray,
    left_strides: np.ndarray,
    right_shape: np.ndarray,
    right_strides: np.ndarray,
) -> bool:
    """Both operands laid out like the output: the fast path's condition."""
    return same_layout(out_shape, out_strides, left_shape, left_strides) and same_layout(
        out_shape, out_strides, right_shape, right_strides
    )


@inline
def tuned_chunks(
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    left_shape: np.ndarray,
    left_strides: np.ndarray,
    right_shape: np.ndarray,
    right_strides: np.ndarray,
    chunks_wanted: int,
) -> int:
    """Chunks of positions on the same-layout fast path, of rows otherwise."""
    if aligned(out_shape, out_strides, left_shape, left_strides, right_shape, right_strides):
        return chunk_count(out.size, chunks_wanted)
    return chunk_count(row_count(out_shape), chunks_wanted)


@inline
def tuned_chunk(
    chunk: int,
    chunks: int,
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
    if aligned(out_shape, out_strides, left_shape, left_strides, right_shape, right_strides):
        start, end = chunk_start(chunk, chunks, out.size), chunk_start(chunk + 1, chunks, out.size)
        unit_stride_part(code, out[start:end], left[start:end], right[start:end])
    else:
        rows = row_count(out_shape)
        start, end = chunk_start(chunk, chunks, rows), chunk_start(chunk + 1, chunks, rows)
        row_run(start, end, code, out, out_shape, out_strides, left, left_shape, left_strides,
                right, right_shape, right_strides)


@inline
def unit_stride_part(code: int, out_part: np.ndarray, left_part: np.ndarray, right_part: np.ndarray) -> None:
    """out_part = f(left_part, right_part) over unit-stride views, which LLVM vectorises.

    The loop is written out once per op, each with its code a constant, so no dispatch is
    left inside it for LLVM's loop unswitching (a size heuristic) to miss.
    """
    if code == ADD:
        unit_stride_loop(ADD, out_part, left_part, right_part)
    elif code == MUL:
        unit_stride_loop(MUL, out_part, left_part, right_part)
    else:
        unit_stride_loop(LT, out_part, left_part, right_part)


@inline
def unit_stride_loop(code: int, out_part: np.ndarray, left_part: np.ndarray, right_part: np.ndarray) -> None:
    for position in range(out_part.size):
        out_part[position] = apply_binary(code, left_part[position], right_part[position])


@inline
def row_run(
    first_row: int,
    end_row: int,
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
    """Rows ``first_row`` to ``end_row``: start positions once a row, then constant strides."""
    out_index = np.empty(len(out_shape), np.int64)
    left_index = np.empty(len(left_shape), np.int64)
    right_index = np.empty(len(right_shape), np.int64)
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
            out_row = out[out_start : out_start + last]
            left_row = left[left_start : left_start + last]
            right_row = right[right_start : right_start + last]
            unit_stride_part(code, out_row, left_row, right_row)
        else:
            for column in range(last):
                x = left[left_start + column * left_step]
                y = right[right_start + column * right_step]
                out[out_start + column * out_step] = apply_binary(code, x, y)
