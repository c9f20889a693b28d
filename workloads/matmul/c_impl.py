"""C: both matmul algorithms in plain C, serial, the per-core ceiling.

The Cython backend's kernels (``cython_impl.pyx``) restated in C, with the same blocking
(``blocking.ROWS``, ``DEPTH``, ``COLS``) and summation order:

- naive: MiniTorch's triple loop (i, j, then k innermost).
- tuned: (batch, ``ROWS``-row block) tasks, the right operand's ``DEPTH`` x ``COLS``
  panel packed contiguous, a ``ROWS`` x ``COLS`` accumulator tile, and four rows and four k
  per pass of the j loop (4x4 register blocking), which the compiler vectorises.

Compiled for the host CPU with fused multiply-adds where it has them
(``harness.core.c_build``), as Numba's tuned kernel is: the sums differ from Cython's by
rounding, within the workload's tolerance. Where GCC on x86 takes them, both kernels are
tuned for a generic x86-64 (``c_build.GENERIC_TUNING``), as the Cython extension is: the
host's tuning reloads the 4x4 loop's panel values for every multiply-add.
"""

from __future__ import annotations

import ctypes

from harness.core.c_build import GENERIC_TUNING, BoundCall, accepted, build_info, load
from harness.core.workload import Kernel, StepTimer

from . import blocking
from .inputs import MatmulInputs, batch_strides

SOURCE = r"""
#include <stdint.h>
#include <stdlib.h>

static inline int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

void naive_matmul(double *out, const int64_t *out_shape, const int64_t *out_strides,
                  const double *left, const int64_t *left_strides, const double *right,
                  const int64_t *right_strides, int64_t left_batch, int64_t right_batch, int64_t inner)
{
    int64_t left_step = left_strides[2], right_step = right_strides[1];
    for (int64_t batch = 0; batch < out_shape[0]; batch++)
        for (int64_t i = 0; i < out_shape[1]; i++)
            for (int64_t j = 0; j < out_shape[2]; j++) {
                int64_t left_position = batch * left_batch + i * left_strides[1];
                int64_t right_position = batch * right_batch + j * right_strides[2];
                double total = 0.0;
                for (int64_t k = 0; k < inner; k++)
                    total += left[left_position + k * left_step] * right[right_position + k * right_step];
                out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total;
            }
}

static void pack_panel(const double *right, int64_t start, int64_t row_stride, int64_t col_stride,
                       int64_t depth, int64_t width, double *restrict panel)
{
    for (int64_t k = 0; k < depth; k++)
        for (int64_t j = 0; j < width; j++) panel[k * COLS + j] = right[start + k * row_stride + j * col_stride];
}

static inline void multiply_row(double coefficient, const double *restrict panel_row, double *restrict row,
                                int64_t width)
{
    for (int64_t j = 0; j < width; j++) row[j] += coefficient * panel_row[j];
}

static void multiply_panel(const double *left, int64_t start, int64_t row_stride, int64_t col_stride,
                           int64_t rows, int64_t depth, int64_t width, const double *restrict panel,
                           double *restrict tile)
{
    for (int64_t quad = 0; quad < rows / 4; quad++) {
        int64_t start0 = start + 4 * quad * row_stride, start1 = start0 + row_stride;
        int64_t start2 = start1 + row_stride, start3 = start2 + row_stride;
        double *row0 = tile + 4 * quad * COLS, *row1 = row0 + COLS, *row2 = row1 + COLS, *row3 = row2 + COLS;
        for (int64_t k = 0; k < depth - 3; k += 4) {
            const double *l0 = left + start0 + k * col_stride, *l1 = left + start1 + k * col_stride;
            const double *l2 = left + start2 + k * col_stride, *l3 = left + start3 + k * col_stride;
            double a00 = l0[0], a01 = l0[col_stride], a02 = l0[2 * col_stride], a03 = l0[3 * col_stride];
            double a10 = l1[0], a11 = l1[col_stride], a12 = l1[2 * col_stride], a13 = l1[3 * col_stride];
            double a20 = l2[0], a21 = l2[col_stride], a22 = l2[2 * col_stride], a23 = l2[3 * col_stride];
            double a30 = l3[0], a31 = l3[col_stride], a32 = l3[2 * col_stride], a33 = l3[3 * col_stride];
            const double *panel0 = panel + k * COLS, *panel1 = panel0 + COLS;
            const double *panel2 = panel1 + COLS, *panel3 = panel2 + COLS;
            for (int64_t j = 0; j < width; j++) {
                double b0 = panel0[j], b1 = panel1[j], b2 = panel2[j], b3 = panel3[j];
                row0[j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3;
                row1[j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3;
                row2[j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3;
                row3[j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3;
            }
        }
        for (int64_t k = depth - depth % 4; k < depth; k++) {
            const double *last = panel + k * COLS;
            multiply_row(left[start0 + k * col_stride], last, row0, width);
            multiply_row(left[start1 + k * col_stride], last, row1, width);
            multiply_row(left[start2 + k * col_stride], last, row2, width);
            multiply_row(left[start3 + k * col_stride], last, row3, width);
        }
    }
    for (int64_t i = rows - rows % 4; i < rows; i++) {
        int64_t start0 = start + i * row_stride;
        for (int64_t k = 0; k < depth; k++)
            multiply_row(left[start0 + k * col_stride], panel + k * COLS, tile + i * COLS, width);
    }
}
static void tuned_task(double *out, const int64_t *out_shape, const int64_t *out_strides, const double *left,
                       const int64_t *left_strides, const double *right, const int64_t *right_strides,
                       int64_t left_batch, int64_t right_batch, int64_t inner, int64_t batch, int64_t row0,
                       double *panel, double *tile)
{
    int64_t block_rows = smaller(ROWS, out_shape[1] - row0), cols = out_shape[2];
    for (int64_t col0 = 0; col0 < cols; col0 += COLS) {
        int64_t width = smaller(COLS, cols - col0);
        for (int64_t i = 0; i < block_rows; i++)
            for (int64_t j = 0; j < width; j++) tile[i * COLS + j] = 0.0;
        for (int64_t k0 = 0; k0 < inner; k0 += DEPTH) {
            int64_t depth = smaller(DEPTH, inner - k0);
            pack_panel(right, batch * right_batch + k0 * right_strides[1] + col0 * right_strides[2],
                       right_strides[1], right_strides[2], depth, width, panel);
            multiply_panel(left, batch * left_batch + row0 * left_strides[1] + k0 * left_strides[2],
                           left_strides[1], left_strides[2], block_rows, depth, width, panel, tile);
        }
        int64_t out_start = batch * out_strides[0] + row0 * out_strides[1] + col0 * out_strides[2];
        for (int64_t i = 0; i < block_rows; i++)
            for (int64_t j = 0; j < width; j++)
                out[out_start + i * out_strides[1] + j * out_strides[2]] = tile[i * COLS + j];
    }
}

int tuned_matmul(double *out, const int64_t *out_shape, const int64_t *out_strides,
                 const double *left, const int64_t *left_strides, const double *right,
                 const int64_t *right_strides, int64_t left_batch, int64_t right_batch, int64_t inner)
{
    double *panel = malloc(DEPTH * COLS * sizeof(double)), *tile = malloc(ROWS * COLS * sizeof(double));
    if (panel == NULL || tile == NULL) {
        free(panel);
        free(tile);
        return 1;
    }
    int64_t blocks = (out_shape[1] + ROWS - 1) / ROWS;
    for (int64_t task = 0; task < out_shape[0] * blocks; task++)
        tuned_task(out, out_shape, out_strides, left, left_strides, right, right_strides, left_batch, right_batch,
                   inner, task / blocks, (task % blocks) * ROWS, panel, tile);
    free(panel);
    free(tile);
    return 0;
}
"""


def source() -> str:
    constants = f"#define ROWS {blocking.ROWS}\n#define DEPTH {blocking.DEPTH}\n#define COLS {blocking.COLS}\n"
    return constants + SOURCE


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("compile"):
        tuning = accepted(GENERIC_TUNING)  # as the Cython extension is built (cython_impl.pyx)
        kernel = getattr(load("matmul", source(), tuning), f"{inputs.algorithm}_matmul")
        kernel.argtypes = [ctypes.c_void_p] * 7 + [ctypes.c_int64] * 3
        kernel.restype = ctypes.c_int if inputs.algorithm == "tuned" else None
    output, left, right = inputs.output(), inputs.left, inputs.right
    left_batch, right_batch = batch_strides(inputs)
    arguments = (
        output.storage.ctypes.data,
        output.shape.ctypes.data,
        output.strides.ctypes.data,
        left.storage.ctypes.data,
        left.strides.ctypes.data,
        right.storage.ctypes.data,
        right.strides.ctypes.data,
        left_batch,
        right_batch,
        int(left.shape[2]),
    )

    call = BoundCall(kernel, arguments, keep_alive=(output, left, right), result=output.storage)
    info = {"algorithm": inputs.algorithm, **build_info(tuning)}
    return Kernel(call=call, fetch=output.reshape_values, info=info)
