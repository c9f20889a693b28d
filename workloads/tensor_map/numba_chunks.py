"""The chunk bodies of map's two algorithms, shared by the ``numba`` and ``numba_parallel`` backends.

Each algorithm is written once here as ``njit(inline="always")`` functions; the two
backends' top-level kernels loop over chunks (``range`` or ``prange``) and call them, so
they compile the same loop body. ``chunks`` functions say how many chunks a call makes,
``chunk`` functions do one. Tensors travel as (storage, shape, strides) tuples.

- naive: MiniTorch's map loop body (``to_index``, ``broadcast_index``,
  ``index_to_position`` for every element), over a chunk of output ordinals.
- tuned: when input and output are laid out alike, ordinal == position, so a chunk is a
  plain loop over unit-stride views that LLVM vectorises, with exp and sigmoid from
  ``numba_exp`` (libm's scalar exp call would keep the loop scalar; Numba has no SVML
  since 0.62). Otherwise a chunk is a run of rows: each row finds its start positions
  once, then walks the last dimension with constant strides, with libm's exp (that loop
  does not vectorise, and there the polynomial measured slower: 35-80 ms against 26-27 ms
  for transposed exp and sigmoid at 2^22, one thread).

Numba's on-disk cache checks only the source file of the function it caches, so an edit
here does not reach the backends' cached kernels: delete ``__pycache__/*.nbi`` beside
``numba_impl.py`` and ``numba_parallel_impl.py`` after one. (The harness's check run
compiles into an empty cache, so its results are never stale.)
"""

from __future__ import annotations

import numpy as np

from workloads.lib.tensor_core.numba_elementwise import Parts, chunk_count, chunk_start, last_step, row_count
from workloads.lib.tensor_core.numba_helpers import (
    apply_unary,
    apply_unary_vectorisable,
    broadcast_index,
    index_to_position,
    inline,
    op_dispatch,
    same_layout,
    to_index,
)
from workloads.lib.tensor_core.numba_indexing import index_buffer
from workloads.lib.tensor_core.operators import UNARY_CODES


@inline
def naive_chunks(out: Parts, source: Parts, chunks_wanted: int) -> int:
    return chunk_count(out[0].size, chunks_wanted)


@inline
def naive_chunk(chunk: int, chunks: int, code: int, out: Parts, source: Parts) -> None:
    """MiniTorch's map loop over one chunk of output ordinals."""
    out_storage, out_shape, out_strides = out
    in_storage, in_shape, in_strides = source
    out_index = index_buffer(len(out_shape))
    in_index = index_buffer(len(in_shape))
    size = out_storage.size
    for ordinal in range(chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        position = index_to_position(out_index, out_strides)
        out_storage[position] = apply_unary(code, in_storage[index_to_position(in_index, in_strides)])


@inline
def aligned(out: Parts, source: Parts) -> bool:
    """Input laid out like the output: the fast path's condition."""
    return same_layout(out[1], out[2], source[1], source[2])


@inline
def tuned_chunks(out: Parts, source: Parts, chunks_wanted: int) -> int:
    """Chunks of positions on the same-layout fast path, of rows otherwise."""
    units = out[0].size if aligned(out, source) else row_count(out[1])
    return chunk_count(units, chunks_wanted)


@inline
def tuned_chunk(chunk: int, chunks: int, code: int, out: Parts, source: Parts) -> None:
    if aligned(out, source):
        size = out[0].size
        start, end = chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)
        unit_stride_part(code, out[0][start:end], source[0][start:end])
    else:
        rows = row_count(out[1])
        row_run(chunk_start(chunk, chunks, rows), chunk_start(chunk + 1, chunks, rows), code, out, source)


@inline
def unit_stride_loop(code: int, out_part: np.ndarray, in_part: np.ndarray) -> None:
    for position in range(out_part.size):
        out_part[position] = apply_unary_vectorisable(code, in_part[position])


# out_part = f(in_part) over unit-stride views, which LLVM vectorises: the kernel's op is a
# constant, so no dispatch is left inside the loop (left to LLVM's loop unswitching, a size
# heuristic, a loop over a run-time code had the four ops as selects: neg cost as much as exp)
unit_stride_part = op_dispatch(dict.fromkeys(UNARY_CODES.values(), unit_stride_loop))


@inline
def row_run(first_row: int, end_row: int, code: int, out: Parts, source: Parts) -> None:
    """Rows ``first_row`` to ``end_row``: start positions once a row, then constant strides."""
    out_storage, out_shape, out_strides = out
    in_storage, in_shape, in_strides = source
    out_index = index_buffer(len(out_shape))
    in_index = index_buffer(len(in_shape))
    last = out_shape[len(out_shape) - 1]
    out_step = out_strides[len(out_strides) - 1]
    in_step = last_step(in_shape, in_strides)
    for row in range(first_row, end_row):
        to_index(row * last, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        out_start = index_to_position(out_index, out_strides)
        in_start = index_to_position(in_index, in_strides)
        for column in range(last):
            out_storage[out_start + column * out_step] = apply_unary(code, in_storage[in_start + column * in_step])
