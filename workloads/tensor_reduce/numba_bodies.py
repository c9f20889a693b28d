"""The loop bodies of tensor_reduce's ``numba`` and ``numba_parallel`` kernels, one per algorithm.

Each body reduces one chunk of outputs. It is written once, as an ``njit(inline="always")``
function, and inlined into two kernels compiled with the same fastmath flags
(``FASTMATH``): ``numba_impl`` loops over the chunks with ``range``, ``numba_parallel_impl``
with ``prange``. So ``numba`` -> ``numba_parallel`` changes only the threads. The two
kernels are two Python functions, not one decorated twice: Numba's on-disk cache keys a
compiled function by its signature, the code generator's magic tuple and its bytecode
hash (``numba/core/caching.py``, ``_index_key``), not by the compile flags, so a serial
and a parallel compilation of one function would overwrite each other in the cache.

- ``naive``, MiniTorch's reduce (module 3): per output, ``to_index``; then the reduced dim
  is walked element by element, each position found by ``index_to_position`` and folded in
  with ``apply_reduce``. No fastmath flags: the sum is added in order.
- ``tuned``: per output the first input position is found once; then the reduced dim is
  walked with a constant stride into local accumulators (no calls, no writes to shared
  arrays in the inner loop). Reduced dim contiguous (stride 1): one output at a time, a
  plain loop over a view, which ``fastmath={"reassoc"}`` lets LLVM turn into SIMD partial
  sums (max: four interleaved maxima, so the comparisons do not wait on each other).
  Reduced dim strided (a transposed view): a tile of ``TILE`` consecutive outputs is
  walked together, so each step reads neighbouring elements (one cache line) instead of
  one element per line; where the tile's lines start side by side (a transposed view), a
  step adds one contiguous run, through views, which vectorises.

Both orders differ from NumPy's pairwise sum, which the workload's tolerance allows for.
The bodies allocate with ``np.empty`` only (and the naive index buffer on the stack,
``numba_indexing.index_buffer``): under ``parallel=True`` an ``np.zeros`` or an array
expression becomes a parallel loop of its own (see docs/workloads/scalar_network.md);
inside the ``prange`` loop such a loop would run serially, but ``np.empty`` is no loop at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
from numba import njit

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import StridedTensor, partition
from workloads.lib.tensor_core.numba_helpers import (
    apply_reduce,
    index_to_position,
    op_dispatch,
    output_kernel,
    to_index,
)
from workloads.lib.tensor_core.numba_indexing import index_buffer
from workloads.lib.tensor_core.operators import MAX, SUM, maximum

from .inputs import ReduceInputs
from .tiling import CHUNKS_PER_THREAD, TILE

FASTMATH: dict[str, Any] = {"naive": False, "tuned": {"reassoc"}}

# (start, out storage, shape, strides, source storage, shape, strides, dim); the op code is
# a constant of each kernel (``kernels_for``), passed to the chunk bodies beside these
ReduceOperands: TypeAlias = tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]

chunk_bounds = njit(inline="always")(partition.chunk_bounds)
# MiniTorch's max, ``x if x > y else y``, as in the naive body and the c and Cython
# kernels (builtin max keeps the accumulator where this takes a NaN value)
larger = njit(inline="always")(maximum)


@njit(inline="always")
def naive_chunk(code: int, operands: ReduceOperands, chunk: int, chunks: int) -> None:
    """MiniTorch's reduce loop over the outputs of ``chunk`` (``code``: the kernel's op, a constant)."""
    start, out, out_shape, out_strides, source, source_shape, source_strides, dim = operands
    out_index = index_buffer(len(out_shape))
    first_output, end = chunk_bounds(chunk, chunks, out.size)
    for ordinal in range(first_output, end):
        to_index(ordinal, out_shape, out_index)
        accumulator = start
        for k in range(source_shape[dim]):
            out_index[dim] = k
            value = source[index_to_position(out_index, source_strides)]
            accumulator = apply_reduce(code, accumulator, value)
        out_index[dim] = 0
        out[index_to_position(out_index, out_strides)] = accumulator


@njit(inline="always")
def tuned_chunk(code: int, operands: ReduceOperands, chunk: int, chunks: int) -> None:
    """The outputs of ``chunk``, ``TILE`` at a time; the output is contiguous (ordinal == position)."""
    start, out, out_shape, _, source, source_shape, source_strides, dim = operands
    step, count = source_strides[dim], source_shape[dim]
    out_index = index_buffer(len(out_shape))
    firsts = np.empty(TILE, np.int64)
    accumulators = np.empty(TILE, np.float64)
    first_output, end = chunk_bounds(chunk, chunks, out.size)
    for tile_start in range(first_output, end, TILE):
        width = min(TILE, end - tile_start)
        for t in range(width):
            to_index(tile_start + t, out_shape, out_index)
            firsts[t] = index_to_position(out_index, source_strides)
        if step == 1:
            reduce_lines(code, start, source, firsts, width, count, accumulators)
        else:
            reduce_tile(code, start, source, firsts, width, step, count, accumulators)
        for t in range(width):
            out[tile_start + t] = accumulators[t]


@njit(inline="always")
def sum_lines(
    code: int, start: float, source: np.ndarray, firsts: np.ndarray, width: int, count: int, accumulators: np.ndarray
) -> None:
    """accumulators[t] = start + the sum of the ``count`` contiguous values from firsts[t], one output at a time."""
    for t in range(width):
        accumulators[t] = contiguous_sum(start, source[firsts[t] : firsts[t] + count])


@njit(inline="always")
def max_lines(
    code: int, start: float, source: np.ndarray, firsts: np.ndarray, width: int, count: int, accumulators: np.ndarray
) -> None:
    """accumulators[t] = the largest of ``start`` and the ``count`` contiguous values from firsts[t]."""
    for t in range(width):
        accumulators[t] = contiguous_max(start, source[firsts[t] : firsts[t] + count])


@njit(inline="always")
def contiguous_sum(start: float, line: np.ndarray) -> float:
    """start + the sum of ``line``: a plain loop over a view indexed from 0 (no negative-index
    checks), which the kernel's ``reassoc`` flag lets LLVM vectorise into SIMD partial sums."""
    total = start
    for k in range(line.size):
        total += line[k]
    return total


@njit(inline="always")
def contiguous_max(start: float, line: np.ndarray) -> float:
    """The largest of ``start`` and ``line``, in four interleaved maxima."""
    m0 = m1 = m2 = m3 = start
    quads = line.size // 4
    for q in range(quads):
        m0 = larger(m0, line[4 * q])
        m1 = larger(m1, line[4 * q + 1])
        m2 = larger(m2, line[4 * q + 2])
        m3 = larger(m3, line[4 * q + 3])
    for k in range(4 * quads, line.size):
        m0 = larger(m0, line[k])
    return larger(larger(m0, m1), larger(m2, m3))


@njit(inline="always")
def starting_tile(start: float, firsts: np.ndarray, width: int, accumulators: np.ndarray) -> bool:
    """Set the tile's accumulators to ``start``; True when the outputs' lines start at adjacent elements."""
    for t in range(width):
        accumulators[t] = start
    adjacent = True
    for t in range(width):
        adjacent = adjacent and firsts[t] == firsts[0] + t
    return adjacent


@njit(inline="always")
def sum_tile(
    code: int,
    start: float,
    source: np.ndarray,
    firsts: np.ndarray,
    width: int,
    step: int,
    count: int,
    accumulators: np.ndarray,
) -> None:
    """Sum ``width`` outputs at once: step k reads element k of every output's line.

    When the outputs' lines start at adjacent elements (a transposed view), step k reads
    one contiguous run, through a view, so the inner loop vectorises; four runs a pass,
    added in order, so the tile is loaded and stored once for four steps and four
    streams of memory are read at once. (GCC did this, "unroll and jam", to the c
    backend's loop of one run a pass but not to Cython's or LLVM's, which then took
    1.3-1.5x its time on a transposed sum at 2^22; written out, the c, Cython and Numba
    kernels all run it. GCC still jams the c and Cython loops to eight runs; LLVM keeps four.)
    """
    if starting_tile(start, firsts, width, accumulators):  # the lines sit side by side: whole runs of views
        tile = accumulators[:width]
        for k in range(0, count - 3, 4):
            base = firsts[0] + k * step
            run0 = source[base : base + width]
            run1 = source[base + step : base + step + width]
            run2 = source[base + 2 * step : base + 2 * step + width]
            run3 = source[base + 3 * step : base + 3 * step + width]
            for t in range(width):
                tile[t] = (((tile[t] + run0[t]) + run1[t]) + run2[t]) + run3[t]
        for k in range(count - count % 4, count):
            line = source[firsts[0] + k * step : firsts[0] + k * step + width]
            for t in range(width):
                tile[t] += line[t]
    else:
        for k in range(count):
            for t in range(width):
                accumulators[t] += source[firsts[t] + k * step]


@njit(inline="always")
def max_tile(
    code: int,
    start: float,
    source: np.ndarray,
    firsts: np.ndarray,
    width: int,
    step: int,
    count: int,
    accumulators: np.ndarray,
) -> None:
    """The largest of ``start`` and each of ``width`` outputs' lines, step k reading element k of each."""
    starting_tile(start, firsts, width, accumulators)
    for k in range(count):
        for t in range(width):
            accumulators[t] = larger(accumulators[t], source[firsts[t] + k * step])


# The kernels are compiled for one op (a constant): only that op's loops are compiled
reduce_lines = op_dispatch({SUM: sum_lines, MAX: max_lines})
reduce_tile = op_dispatch({SUM: sum_tile, MAX: max_tile})


def operands_of(inputs: ReduceInputs, output: StridedTensor) -> ReduceOperands:
    """The kernels' one argument besides the chunk count, built once in ``prepare``."""
    source = inputs.source
    return (
        inputs.start, output.storage, output.shape, output.strides,
        source.storage, source.shape, source.strides, inputs.dim,
    )  # fmt: skip


def prepare_kernel(
    kernels: dict[int, dict[str, Any]], inputs: ReduceInputs, steps: StepTimer, threads: Callable[[], int]
) -> Kernel:
    """Compile the op's and algorithm's kernel (serial or parallel; ``kernels`` by op code, then
    algorithm: ``numba_helpers.op_kernels``) and call it on ``threads()`` x a few chunks."""
    output = inputs.output()
    # read once: ``StridedTensor.size`` is a NumPy product, 2 us a call, 15% of a tuned max
    # over 2^16 values (``Kernel.call`` took 3.5 us on 16 values, the kernel itself 1.3 us)
    outputs = output.size

    def chunks() -> int:
        return partition.chunk_count(outputs, CHUNKS_PER_THREAD, threads())

    args, info = (operands_of(inputs, output),), {"algorithm": inputs.algorithm}
    return output_kernel(kernels[inputs.code][inputs.algorithm], args, chunks, output, steps, info)
