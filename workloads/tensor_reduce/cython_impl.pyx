# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: both algorithms, with the cdef inline helpers of ``cindexing.pxd``.

- naive: MiniTorch's reduce loop: per output ``to_index``, then the reduced dim walked
  through ``index_to_position``, ``apply_reduce`` per element.
- tuned: the compiled tuned kernel of ``numba_bodies`` ported: the same chunks (those of
  one thread), tiles of ``TILE`` outputs whose first input positions are found once, a
  contiguous reduced dim folded one output at a time, a strided one a whole tile per
  step (one contiguous run per step when the tile's lines sit side by side).

Summation order. naive adds in order, as numba's naive kernel does. tuned: for a
contiguous reduced dim Numba's kernel is a plain loop that ``fastmath={"reassoc"}`` lets
LLVM split into SIMD partial sums; GCC keeps a C sum in order unless allowed to
reassociate (``-ffast-math``, which the build does not use), so this loop writes
the partial sums out: ``LANES`` of them, element k into lane k % LANES, combined pairwise
at the end. The lanes differ from LLVM's (its vector width times its interleave), so
the two round differently, within the workload's tolerance. A strided tile adds in
order per output, as Numba's does. Max is exact in any order.
"""

from libc.stdint cimport int64_t

import numpy as np

from harness.core.workload import Kernel
from workloads.lib.tensor_core.cindexing cimport MAX_DIMS, apply_reduce, check_dims, index_to_position, to_index
from workloads.lib.tensor_core.partition import chunk_count
from workloads.tensor_reduce import tiling

cdef enum:
    LANES = 8  # partial sums of a contiguous line
    MAX_TILE = 256  # the size of reduce_tile's array: tiling.TILE at most
    SUM = 0  # the op's code (operators.REDUCE_CODES), a constant as in the c kernel
cdef Py_ssize_t TILE = tiling.TILE
CHUNKS_PER_THREAD = tiling.CHUNKS_PER_THREAD
if TILE > MAX_TILE:
    raise ImportError(f"tiling.TILE is {TILE}, more than MAX_TILE ({MAX_TILE}) in {__name__}: raise MAX_TILE")


cpdef void naive_reduce(int code, double start, double[::1] out, const int64_t[::1] out_shape,
                        const int64_t[::1] out_strides, const double[::1] source,
                        const int64_t[::1] source_shape, const int64_t[::1] source_strides,
                        Py_ssize_t dim):
    """out[o] = op-fold of the source along ``dim``, as in MiniTorch's reduce."""
    cdef int64_t out_index[MAX_DIMS]
    cdef Py_ssize_t ndim = out_shape.shape[0]
    cdef Py_ssize_t ordinal, k
    cdef double accumulator
    check_dims(ndim)
    with nogil:
        for ordinal in range(out.shape[0]):
            to_index(ordinal, &out_shape[0], ndim, out_index)
            accumulator = start
            for k in range(source_shape[dim]):
                out_index[dim] = k
                accumulator = apply_reduce(
                    code, accumulator, source[index_to_position(out_index, &source_strides[0], ndim)]
                )
            out_index[dim] = 0
            out[index_to_position(out_index, &out_strides[0], ndim)] = accumulator


cpdef void tuned_reduce(int code, double start, double[::1] out, const int64_t[::1] out_shape,
                        const double[::1] source, const int64_t[::1] source_shape,
                        const int64_t[::1] source_strides, Py_ssize_t dim, Py_ssize_t chunks):
    """The same fold, tile by tile within ``chunks`` chunks; ``out`` is contiguous."""
    cdef int64_t out_index[MAX_DIMS]
    cdef Py_ssize_t ndim = out_shape.shape[0]
    cdef int64_t[::1] firsts = np.empty(TILE, dtype=np.int64)
    cdef double[::1] accumulators = np.empty(TILE, dtype=np.float64)
    cdef Py_ssize_t chunk, tile_start, end, width, t
    cdef int64_t step = source_strides[dim], count = source_shape[dim]
    check_dims(ndim)
    with nogil:
        for chunk in range(chunks):
            tile_start = chunk * out.shape[0] // chunks
            end = (chunk + 1) * out.shape[0] // chunks
            while tile_start < end:
                width = min(TILE, end - tile_start)
                for t in range(width):
                    to_index(tile_start + t, &out_shape[0], ndim, out_index)
                    firsts[t] = index_to_position(out_index, &source_strides[0], ndim)
                if step == 1:
                    reduce_lines(code, start, source, firsts, width, count, accumulators)
                else:
                    reduce_tile(code, start, source, firsts, width, step, count, accumulators)
                for t in range(width):
                    out[tile_start + t] = accumulators[t]
                tile_start += TILE


cdef inline void reduce_lines(int code, double start, const double[::1] source, const int64_t[::1] firsts,
                              Py_ssize_t width, int64_t count, double[::1] accumulators) noexcept nogil:
    """accumulators[t] = the fold of the ``count`` contiguous values from firsts[t]."""
    cdef Py_ssize_t t
    for t in range(width):
        if code == SUM:
            accumulators[t] = contiguous_sum(start, &source[firsts[t]], count)
        else:
            accumulators[t] = contiguous_max(start, &source[firsts[t]], count)


cdef inline double contiguous_sum(double start, const double* line, int64_t count) noexcept nogil:
    """start + the sum of ``count`` values, in ``LANES`` partial sums (the reassociation spelled out)."""
    cdef double partial[LANES]
    cdef int64_t k, blocks = count // LANES
    cdef int lane
    for lane in range(LANES):
        partial[lane] = 0.0
    for k in range(blocks):
        for lane in range(LANES):
            partial[lane] += line[k * LANES + lane]
    for k in range(blocks * LANES, count):
        partial[0] += line[k]
    return start + (((partial[0] + partial[1]) + (partial[2] + partial[3]))
                    + ((partial[4] + partial[5]) + (partial[6] + partial[7])))


cdef inline double contiguous_max(double start, const double* line, int64_t count) noexcept nogil:
    """The largest of ``start`` and ``count`` values, in four interleaved maxima."""
    cdef double m0 = start, m1 = start, m2 = start, m3 = start
    cdef int64_t q, k, quads = count // 4
    for q in range(quads):
        m0 = larger(m0, line[4 * q])
        m1 = larger(m1, line[4 * q + 1])
        m2 = larger(m2, line[4 * q + 2])
        m3 = larger(m3, line[4 * q + 3])
    for k in range(4 * quads, count):
        m0 = larger(m0, line[k])
    return larger(larger(m0, m1), larger(m2, m3))


cdef inline double larger(double x, double y) noexcept nogil:
    return x if x > y else y


cdef inline void reduce_tile(int code, double start, const double[::1] source, const int64_t[::1] firsts,
                             Py_ssize_t width, int64_t step, int64_t count,
                             double[::1] accumulators) noexcept nogil:
    """Reduce ``width`` outputs at once: step k reads element k of every output's line.

    Side by side, four runs a pass, added in order, as the c and Numba kernels do. The tile is
    folded in an array on the stack, as the c backend's is, then copied out: folded in
    ``accumulators`` (on the heap, like ``source``), the transposed sum at 2^22 took
    1.18x c's time instead of 0.95x (tools/alternating_cpu_time.py).
    """
    cdef double tile[MAX_TILE]
    cdef const double* values = &source[0]
    cdef const int64_t* first = &firsts[0]
    cdef const double* run
    cdef Py_ssize_t t
    cdef int64_t k
    cdef bint adjacent = True
    for t in range(width):
        tile[t] = start
        adjacent = adjacent and first[t] == first[0] + t
    if adjacent and code == SUM:  # the tile's lines sit side by side: add whole runs
        k = 0
        while k + 3 < count:  # a while loop: GCC's unroll and jam took the C for loop, not range's
            run = values + first[0] + k * step
            for t in range(width):
                tile[t] = (((tile[t] + run[t]) + run[step + t]) + run[2 * step + t]) + run[3 * step + t]
            k += 4
        for k in range(count - count % 4, count):
            run = values + first[0] + k * step
            for t in range(width):
                tile[t] += run[t]
    elif code == SUM:
        for k in range(count):
            for t in range(width):
                tile[t] += values[first[t] + k * step]
    else:
        for k in range(count):
            for t in range(width):
                tile[t] = larger(tile[t], values[first[t] + k * step])
    for t in range(width):
        accumulators[t] = tile[t]


def prepare(inputs, params, steps):
    cdef object kernel  # the Python callable
    source, output = inputs.source, inputs.output()
    if inputs.algorithm == "naive":
        args = (inputs.code, inputs.start, output.storage, output.shape, output.strides,
                source.storage, source.shape, source.strides, inputs.dim)
        kernel = naive_reduce
    else:
        args = (inputs.code, inputs.start, output.storage, output.shape, source.storage,
                source.shape, source.strides, inputs.dim,
                chunk_count(output.size, CHUNKS_PER_THREAD, 1))
        kernel = tuned_reduce

    def call():
        kernel(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
