"""C: zip's naive and tuned algorithms in plain C, the per-core ceiling.

The Cython backend's loops (``cython_impl.pyx``) restated in C with ``tensor_core``'s C
helpers (``c_kernels.HEADER``): naive is MiniTorch's loop for every element; tuned is a
unit-stride loop when both operands are laid out as the output, else start positions
once a row and constant strides (unit-stride rows take the unit-stride loop).
"""

from __future__ import annotations

import ctypes

from harness.core.c_build import BoundCall, build_info
from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.c_kernels import TENSOR, c_function, tensor_arguments

from .inputs import ZipInputs

SOURCE = r"""
void naive_zip(int code, double *out, const int64_t *out_shape, const int64_t *out_strides, int64_t out_ndim,
               const double *left, const int64_t *left_shape, const int64_t *left_strides, int64_t left_ndim,
               const double *right, const int64_t *right_shape, const int64_t *right_strides, int64_t right_ndim,
               int64_t size)
{
    int64_t out_index[MAX_DIMS], left_index[MAX_DIMS], right_index[MAX_DIMS];
    for (int64_t ordinal = 0; ordinal < size; ordinal++) {
        to_index(ordinal, out_shape, out_ndim, out_index);
        broadcast_index(out_index, out_ndim, left_shape, left_ndim, left_index);
        broadcast_index(out_index, out_ndim, right_shape, right_ndim, right_index);
        double x = left[index_to_position(left_index, left_strides, left_ndim)];
        double y = right[index_to_position(right_index, right_strides, right_ndim)];
        out[index_to_position(out_index, out_strides, out_ndim)] = apply_binary(code, x, y);
    }
}

static void unit_stride_loop(int code, double *restrict out, const double *left, const double *right,
                             int64_t count)
{
    /* the loop written out once per op, so that no dispatch stays inside it */
    switch (code) {
    case 0: for (int64_t i = 0; i < count; i++) out[i] = apply_binary(0, left[i], right[i]); break;
    case 1: for (int64_t i = 0; i < count; i++) out[i] = apply_binary(1, left[i], right[i]); break;
    default: for (int64_t i = 0; i < count; i++) out[i] = apply_binary(2, left[i], right[i]); break;
    }
}

void tuned_zip(int code, double *out, const int64_t *out_shape, const int64_t *out_strides, int64_t out_ndim,
               const double *left, const int64_t *left_shape, const int64_t *left_strides, int64_t left_ndim,
               const double *right, const int64_t *right_shape, const int64_t *right_strides, int64_t right_ndim,
               int64_t size)
{
    if (same_layout(out_shape, out_strides, out_ndim, left_shape, left_strides, left_ndim)
        && same_layout(out_shape, out_strides, out_ndim, right_shape, right_strides, right_ndim)) {
        unit_stride_loop(code, out, left, right, size);
        return;
    }
    int64_t out_index[MAX_DIMS], left_index[MAX_DIMS], right_index[MAX_DIMS];
    int64_t last = out_shape[out_ndim - 1], out_step = out_strides[out_ndim - 1];
    int64_t left_step = last_step(left_shape, left_strides, left_ndim);
    int64_t right_step = last_step(right_shape, right_strides, right_ndim);
    int64_t rows = row_count(out_shape, out_ndim);
    for (int64_t row = 0; row < rows; row++) {
        to_index(row * last, out_shape, out_ndim, out_index);
        broadcast_index(out_index, out_ndim, left_shape, left_ndim, left_index);
        broadcast_index(out_index, out_ndim, right_shape, right_ndim, right_index);
        int64_t out_start = index_to_position(out_index, out_strides, out_ndim);
        int64_t left_start = index_to_position(left_index, left_strides, left_ndim);
        int64_t right_start = index_to_position(right_index, right_strides, right_ndim);
        if (out_step == 1 && left_step == 1 && right_step == 1) {
            unit_stride_loop(code, out + out_start, left + left_start, right + right_start, last);
        } else {
            for (int64_t column = 0; column < last; column++)
                out[out_start + column * out_step] = apply_binary(
                    code, left[left_start + column * left_step], right[right_start + column * right_step]);
        }
    }
}
"""


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("compile"):
        kernel = c_function(
            "tensor_zip", SOURCE, f"{inputs.algorithm}_zip", [ctypes.c_int, *TENSOR, *TENSOR, *TENSOR, ctypes.c_int64]
        )
    output = inputs.output()
    arguments = (
        inputs.code,
        *tensor_arguments(output),
        *tensor_arguments(inputs.left),
        *tensor_arguments(inputs.right),
        output.storage.size,
    )

    call = BoundCall(kernel, arguments, keep_alive=(output, inputs.left, inputs.right), result=output.storage)
    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm, **build_info()})
