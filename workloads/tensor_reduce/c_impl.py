"""C: reduce's naive and tuned algorithms in plain C, the per-core ceiling.

The Cython backend's loops (``cython_impl.pyx``) restated in C with ``tensor_core``'s C
helpers (``c_kernels.HEADER``): naive is MiniTorch's reduce (an index per output, the
reduced dim walked through ``index_to_position``); tuned folds ``TILE`` outputs at a
time: a contiguous line in ``LANES`` partial sums (or four interleaved maxima), a
strided one by walking every output of the tile along the reduced dim together (four
steps a pass where the tile's lines sit side by side). Each
output's values are added in the Cython backend's order, so the results are the same.
"""

from __future__ import annotations

import ctypes

from harness.core.c_build import BoundCall, build_info
from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.c_kernels import TENSOR, c_function, tensor_arguments

from . import tiling
from .inputs import ReduceInputs

SOURCE = r"""
#define LANES 8

void naive_reduce(int code, double start, double *out, const int64_t *out_shape, const int64_t *out_strides,
                  int64_t out_ndim, const double *source, const int64_t *source_shape,
                  const int64_t *source_strides, int64_t source_ndim, int64_t dim, int64_t size, int64_t tile)
{
    int64_t out_index[MAX_DIMS];
    for (int64_t ordinal = 0; ordinal < size; ordinal++) {
        to_index(ordinal, out_shape, out_ndim, out_index);
        double accumulator = start;
        for (int64_t k = 0; k < source_shape[dim]; k++) {
            out_index[dim] = k;
            int64_t position = index_to_position(out_index, source_strides, source_ndim);
            accumulator = apply_reduce(code, accumulator, source[position]);
        }
        out_index[dim] = 0;
        out[index_to_position(out_index, out_strides, out_ndim)] = accumulator;
    }
}

static double contiguous_sum(double start, const double *line, int64_t count)
{
    double partial[LANES] = {0.0};
    int64_t blocks = count / LANES;
    for (int64_t k = 0; k < blocks; k++)
        for (int lane = 0; lane < LANES; lane++) partial[lane] += line[k * LANES + lane];
    for (int64_t k = blocks * LANES; k < count; k++) partial[0] += line[k];
    return start + (((partial[0] + partial[1]) + (partial[2] + partial[3]))
                    + ((partial[4] + partial[5]) + (partial[6] + partial[7])));
}

static double contiguous_max(double start, const double *line, int64_t count)
{
    double m0 = start, m1 = start, m2 = start, m3 = start;
    int64_t quads = count / 4;
    for (int64_t q = 0; q < quads; q++) {
        m0 = larger(m0, line[4 * q]);
        m1 = larger(m1, line[4 * q + 1]);
        m2 = larger(m2, line[4 * q + 2]);
        m3 = larger(m3, line[4 * q + 3]);
    }
    for (int64_t k = 4 * quads; k < count; k++) m0 = larger(m0, line[k]);
    return larger(larger(m0, m1), larger(m2, m3));
}

static void reduce_tile(int code, double start, const double *source, const int64_t *firsts, int64_t width,
                        int64_t step, int64_t count, double *accumulators)
{
    int adjacent = 1;
    for (int64_t t = 0; t < width; t++) {
        accumulators[t] = start;
        adjacent = adjacent && firsts[t] == firsts[0] + t;
    }
    if (adjacent && code == 0) {  /* four runs a pass, added in order */
        for (int64_t k = 0; k + 3 < count; k += 4) {
            const double *run = source + firsts[0] + k * step;
            for (int64_t t = 0; t < width; t++)
                accumulators[t] = (((accumulators[t] + run[t]) + run[step + t]) + run[2 * step + t])
                                  + run[3 * step + t];
        }
        for (int64_t k = count - count % 4; k < count; k++) {
            const double *run = source + firsts[0] + k * step;
            for (int64_t t = 0; t < width; t++) accumulators[t] += run[t];
        }
    } else if (code == 0) {
        for (int64_t k = 0; k < count; k++)
            for (int64_t t = 0; t < width; t++) accumulators[t] += source[firsts[t] + k * step];
    } else {
        for (int64_t k = 0; k < count; k++)
            for (int64_t t = 0; t < width; t++)
                accumulators[t] = larger(accumulators[t], source[firsts[t] + k * step]);
    }
}

void tuned_reduce(int code, double start, double *out, const int64_t *out_shape, const int64_t *out_strides,
                  int64_t out_ndim, const double *source, const int64_t *source_shape,
                  const int64_t *source_strides, int64_t source_ndim, int64_t dim, int64_t size, int64_t tile)
{
    int64_t out_index[MAX_DIMS];
    int64_t firsts[tile];
    double accumulators[tile];
    int64_t step = source_strides[dim], count = source_shape[dim];
    for (int64_t tile_start = 0; tile_start < size; tile_start += tile) {
        int64_t width = size - tile_start < tile ? size - tile_start : tile;
        for (int64_t t = 0; t < width; t++) {
            to_index(tile_start + t, out_shape, out_ndim, out_index);
            firsts[t] = index_to_position(out_index, source_strides, source_ndim);
        }
        if (step == 1) {
            for (int64_t t = 0; t < width; t++)
                accumulators[t] = code == 0 ? contiguous_sum(start, source + firsts[t], count)
                                            : contiguous_max(start, source + firsts[t], count);
        } else {
            reduce_tile(code, start, source, firsts, width, step, count, accumulators);
        }
        for (int64_t t = 0; t < width; t++) out[tile_start + t] = accumulators[t];  /* out is contiguous */
    }
}
"""


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("compile"):
        kernel = c_function(
            "tensor_reduce",
            SOURCE,
            f"{inputs.algorithm}_reduce",
            [ctypes.c_int, ctypes.c_double, *TENSOR, *TENSOR, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64],
        )
    output = inputs.output()
    arguments = (
        inputs.code,
        inputs.start,
        *tensor_arguments(output),
        *tensor_arguments(inputs.source),
        inputs.dim,
        output.storage.size,
        tiling.TILE,
    )

    call = BoundCall(kernel, arguments, keep_alive=(output, inputs.source), result=output.storage)
    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm, **build_info()})
