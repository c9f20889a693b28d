"""Loop pieces of map and zip's two algorithms, in plain Python and wrapped per backend.

Both algorithms split their outer loop into chunks (``CHUNKS_PER_THREAD`` per thread) so
that numba_parallel can hand chunks to threads; the serial backends run the same chunks
one after another, as if on one thread. A chunk allocates its index buffers once. The
naive algorithm chunks output ordinals; the tuned one chunks positions on its
same-layout fast path and rows otherwise.

Like ``indexing``, these are integer arithmetic only, so the same source runs in CPython
and compiles under ``numba.njit`` (``numba_elementwise``); ``celementwise.pxd`` restates
them for Cython.
"""

from __future__ import annotations

from .indexing import Ints

CHUNKS_PER_THREAD = 4


def chunk_count(units: int, chunks_wanted: int) -> int:
    """How many chunks ``units`` pieces of work make: ``chunks_wanted``, or fewer for less work."""
    return min(units, chunks_wanted)


def chunk_start(chunk: int, chunks: int, units: int) -> int:
    """Where the ``chunk``-th of ``chunks`` near-equal parts of ``range(units)`` starts.

    The chunk ends where the next one starts: ``chunk_start(chunk + 1, chunks, units)``.
    """
    return chunk * units // chunks


def last_step(shape: Ints, strides: Ints) -> int:
    """Stride along the last dimension, 0 where that dimension is broadcast (size 1)."""
    return strides[len(strides) - 1] if shape[len(shape) - 1] > 1 else 0


def row_count(shape: Ints) -> int:
    """Rows of a tensor of ``shape``: all its elements over the size of its last dimension."""
    rows = 1
    for dim in range(len(shape) - 1):
        rows *= shape[dim]
    return rows
