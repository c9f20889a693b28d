"""C: map's naive and tuned algorithms in plain C, the per-core ceiling.

The Cython backend's loops (``cython_impl.pyx``) restated in C with ``tensor_core``'s C
helpers (``c_kernels.HEADER``): naive is MiniTorch's loop (``to_index``,
``broadcast_index``, ``index_to_position`` for every element); tuned is a unit-stride
loop with the polynomial exp when input and output are laid out alike, else start
positions once a row and constant strides along the last dimension.
"""

from __future__ import annotations

import ctypes

from harness.core.c_build import BoundCall, build_info
from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.c_kernels import TENSOR, c_function, tensor_arguments

from .inputs import MapInputs

SOURCE = r"""
void naive_map(int code, double *out, const int64_t *out_shape, const int64_t *out_strides, int64_t out_ndim,
               const double *in, const int64_t *in_shape, const int64_t *in_strides, int64_t in_ndim,
               int64_t size)
{
    int64_t out_index[MAX_DIMS], in_index[MAX_DIMS];
    for (int64_t ordinal = 0; ordinal < size; ordinal++) {
        to_index(ordinal, out_shape, out_ndim, out_index);
        broadcast_index(out_index, out_ndim, in_shape, in_ndim, in_index);
        out[index_to_position(out_index, out_strides, out_ndim)] =
            apply_unary(code, in[index_to_position(in_index, in_strides, in_ndim)]);
    }
}

static void unit_stride_loop(int code, double *restrict out, const double *restrict in, int64_t count)
{
    /* the loop written out once per op, so that no dispatch stays inside it */
    switch (code) {
    case 0: for (int64_t i = 0; i < count; i++) out[i] = apply_unary_vectorisable(0, in[i]); break;
    case 1: for (int64_t i = 0; i < count; i++) out[i] = apply_unary_vectorisable(1, in[i]); break;
    case 2: for (int64_t i = 0; i < count; i++) out[i] = apply_unary_vectorisable(2, in[i]); break;
    default: for (int64_t i = 0; i < count; i++) out[i] = apply_unary_vectorisable(3, in[i]); break;
    }
}

void tuned_map(int code, double *out, const int64_t *out_shape, const int64_t *out_strides, int64_t out_ndim,
               const double *in, const int64_t *in_shape, const int64_t *in_strides, int64_t in_ndim,
               int64_t size)
{
    if (same_layout(out_shape, out_strides, out_ndim, in_shape, in_strides, in_ndim)) {
        unit_stride_loop(code, out, in, size);
        return;
    }
    int64_t out_index[MAX_DIMS], in_index[MAX_DIMS];
    int64_t last = out_shape[out_ndim - 1], out_step = out_strides[out_ndim - 1];
    int64_t in_step = last_step(in_shape, in_strides, in_ndim);
    int64_t rows = row_count(out_shape, out_ndim);
    for (int64_t row = 0; row < rows; row++) {
        to_index(row * last, out_shape, out_ndim, out_index);
        broadcast_index(out_index, out_ndim, in_shape, in_ndim, in_index);
        int64_t out_start = index_to_position(out_index, out_strides, out_ndim);
        int64_t in_start = index_to_position(in_index, in_strides, in_ndim);
        for (int64_t column = 0; column < last; column++)
            out[out_start + column * out_step] = apply_unary(code, in[in_start + column * in_step]);
    }
}
"""


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("compile"):
        kernel = c_function(
            "tensor_map", SOURCE, f"{inputs.algorithm}_map", [ctypes.c_int, *TENSOR, *TENSOR, ctypes.c_int64]
        )
    output = inputs.output()
    arguments = (inputs.code, *tensor_arguments(output), *tensor_arguments(inputs.source), output.storage.size)

    call = BoundCall(kernel, arguments, keep_alive=(output, inputs.source), result=output.storage)
    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm, **build_info()})
