"""How the tensor kernels cut their work into pieces: chunks of outputs, blocks of rows.

Written once in plain Python, like ``indexing``: the python backend calls these as they
are, the Numba kernels wrap them with ``njit(inline="always")``. The serial ``numba``
backend and ``numba_parallel`` walk the same pieces with the same loop body, one after
another (``range``) or spread over threads (``prange``), so the two differ only in the
threads. The functions call nothing but builtins, so each can be wrapped on its own.
"""

from __future__ import annotations


def chunk_bounds(chunk: int, chunks: int, total: int) -> tuple[int, int]:
    """First item and one past the last of ``chunk`` when ``total`` items make ``chunks`` near-equal runs."""
    return chunk * total // chunks, (chunk + 1) * total // chunks


def chunk_count(total: int, chunks_per_thread: int, threads: int) -> int:
    """How many chunks to cut ``total`` items into: a few per thread, never more than the items."""
    return max(1, min(total, chunks_per_thread * threads))


def block_count(rows: int, block: int) -> int:
    """How many blocks of ``block`` rows cover ``rows`` rows (the last one may be short)."""
    return (rows + block - 1) // block


def row_block(task: int, rows: int, block: int) -> tuple[int, int, int]:
    """(batch, first row, row count) of ``task``, tasks numbered batch-major over row blocks.

    A batch of matrices of ``rows`` rows each is cut into blocks of ``block`` rows; task
    ``batch * block_count(rows, block) + b`` is block ``b`` of matrix ``batch``.
    """
    blocks = (rows + block - 1) // block  # block_count, spelled out: a wrapped helper calls no other
    first_row = (task % blocks) * block
    return task // blocks, first_row, min(block, rows - first_row)
