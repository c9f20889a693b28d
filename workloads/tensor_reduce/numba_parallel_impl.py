"""Numba ``parallel=True``: ``prange`` over chunks of outputs; a call-free inner loop.

Each chunk allocates its buffers once; each output finds its first input position once,
then the reduced dim is walked with a constant stride into local accumulators (no
function calls, no writes to shared arrays in the inner loop). Two loop shapes:

- reduced dim contiguous (stride 1): one output at a time, with four interleaved partial
  sums (or maxima) so the operations do not wait on each other;
- reduced dim strided (a transposed view): a tile of ``TILE`` consecutive outputs is
  walked together, so each step reads neighbouring elements (one cache line) instead of
  one element per line.

Both reorder a sum, which the workload's tolerance allows for.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import get_num_threads, njit, prange

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import compile_for, index_to_position, to_index
from workloads.tensor_core.operators import SUM

from .inputs import ReduceInputs

CHUNKS_PER_THREAD = 4
TILE = 256


@njit(inline="always")
def strided_sum(source: np.ndarray, first: int, step: int, count: int) -> float:
    """Sum of ``count`` values from ``first`` with ``step``, in four interleaved partial sums.

    With stride 1 a plain loop over a view is used instead: the kernel's ``reassoc``
    fast-math flag lets LLVM vectorise it into SIMD partial sums.
    """
    if step == 1:
        line = source[first : first + count]  # a view indexed from 0: no negative-index checks
        total = 0.0
        for k in range(count):
            total += line[k]
        return total
    s0 = s1 = s2 = s3 = 0.0
    quads = count // 4
    for q in range(quads):
        position = first + 4 * q * step
        s0 += source[position]
        s1 += source[position + step]
        s2 += source[position + 2 * step]
        s3 += source[position + 3 * step]
    for k in range(4 * quads, count):
        s0 += source[first + k * step]
    return (s0 + s1) + (s2 + s3)


@njit(inline="always")
def contiguous_max(source: np.ndarray, first: int, count: int) -> float:
    """Largest of ``count`` values from ``first`` with stride 1, in four interleaved maxima.

    The loop reads a view indexed from 0, so no negative-index checks sit in it.
    """
    line = source[first : first + count]
    m0 = m1 = m2 = m3 = -np.inf
    quads = count // 4
    for q in range(quads):
        m0 = max(m0, line[4 * q])
        m1 = max(m1, line[4 * q + 1])
        m2 = max(m2, line[4 * q + 2])
        m3 = max(m3, line[4 * q + 3])
    for k in range(4 * quads, count):
        m0 = max(m0, line[k])
    return max(max(m0, m1), max(m2, m3))


@njit(inline="always")
def reduce_tile(
    code: int,
    source: np.ndarray,
    firsts: np.ndarray,
    accumulators: np.ndarray,
    width: int,
    step: int,
    count: int,
) -> None:
    """Reduce ``width`` outputs at once: step k reads element k of every output's line.

    When the outputs' lines start at adjacent elements (a transposed view), step k reads
    one contiguous run, through a view, so the inner loop vectorises.
    """
    start = 0.0 if code == SUM else -np.inf
    for t in range(width):
        accumulators[t] = start
    adjacent = True
    for t in range(width):
        adjacent = adjacent and firsts[t] == firsts[0] + t
    if adjacent and code == SUM:  # the tile's lines sit side by side: add whole rows of views
        tile = accumulators[:width]
        for k in range(count):
            line = source[firsts[0] + k * step : firsts[0] + k * step + width]
            for t in range(width):
                tile[t] += line[t]
    elif code == SUM:
        for k in range(count):
            for t in range(width):
                accumulators[t] += source[firsts[t] + k * step]
    else:
        for k in range(count):
            for t in range(width):
                accumulators[t] = max(accumulators[t], source[firsts[t] + k * step])


@njit(parallel=True, fastmath={"reassoc"}, cache=True)
def tensor_reduce(
    code: int,
    out: np.ndarray,
    out_shape: np.ndarray,
    source: np.ndarray,
    source_shape: np.ndarray,
    source_strides: np.ndarray,
    dim: int,
    chunks_wanted: int,
) -> None:
    count = source_shape[dim]
    step = source_strides[dim]
    chunks = min(out.size, chunks_wanted)
    for chunk in prange(chunks):
        out_index = np.empty(len(out_shape), np.int64)
        firsts = np.empty(TILE, np.int64)
        accumulators = np.empty(TILE, np.float64)
        chunk_end = (chunk + 1) * out.size // chunks
        for tile_start in range(chunk * out.size // chunks, chunk_end, TILE):
            width = min(TILE, chunk_end - tile_start)
            for t in range(width):
                to_index(tile_start + t, out_shape, out_index)
                firsts[t] = index_to_position(out_index, source_strides)
            if step != 1:
                reduce_tile(code, source, firsts, accumulators, width, step, count)
                for t in range(width):
                    out[tile_start + t] = accumulators[t]
            elif code == SUM:
                for t in range(width):
                    out[tile_start + t] = strided_sum(source, firsts[t], step, count)
            else:
                for t in range(width):
                    out[tile_start + t] = contiguous_max(source, firsts[t], count)


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    source, output = inputs.source, inputs.output()
    args: tuple[Any, ...] = (inputs.code, output.storage, output.shape)
    args += (source.storage, source.shape, source.strides, inputs.dim)
    with steps("compile"):
        compile_for(tensor_reduce, (*args, 1))

    def call() -> np.ndarray:
        run_args = (*args, CHUNKS_PER_THREAD * get_num_threads())
        tensor_reduce(*run_args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
