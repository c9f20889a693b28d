"""Numba ``parallel=True``: a blocked i-k-j matmul, ``prange`` over (batch, row block) tasks.

Each task owns ``ROWS`` output rows and walks the columns in panels of ``COLS``:
- the right operand's (``DEPTH`` x ``COLS``) panel is copied into a contiguous buffer, so
  any strides (a transposed view, a broadcast batch with stride 0) become stride 1;
- the inner loop runs along j over that buffer and a local accumulator tile, contiguous
  on both sides, so LLVM vectorises it; two rows and two k go through it at once
  (register blocking), so loads and stores do not limit the multiply-adds;
- the accumulator tile is written to the output once per panel; the inner loop makes no
  calls and writes nothing shared.

``fastmath={"contract"}`` lets LLVM fuse multiply and add (FMA); with the blocking that
changes the summation order, which the workload's tolerance allows for.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from harness.workload import Kernel, StepTimer

from .inputs import MatmulInputs
from .numba_impl import prepare_with

ROWS = 64
DEPTH = 64
COLS = 256


@njit(inline="always")
def pack_panel(
    right: np.ndarray,
    start: int,
    row_stride: int,
    col_stride: int,
    depth: int,
    width: int,
    panel: np.ndarray,
) -> None:
    """Copy a depth x width block of the right operand into the contiguous ``panel``."""
    for k in range(depth):
        for j in range(width):
            panel[k, j] = right[start + k * row_stride + j * col_stride]


@njit(inline="always")
def multiply_row(
    left: np.ndarray, start: int, col_stride: int, depth: int, panel: np.ndarray, row: np.ndarray
) -> None:
    """row[:] += left[start + k * col_stride] * panel[k, :] for k in range(depth)."""
    for k in range(depth):
        coefficient = left[start + k * col_stride]
        panel_row = panel[k]
        for j in range(row.size):
            row[j] += coefficient * panel_row[j]


@njit(inline="always")
def multiply_panel(
    left: np.ndarray,
    left_start: int,
    left_row_stride: int,
    left_col_stride: int,
    rows: int,
    depth: int,
    width: int,
    panel: np.ndarray,
    tile: np.ndarray,
) -> None:
    """tile[i, :width] += left[i, k] * panel[k, :width] over the block.

    Two rows and two k at a time: each panel value loaded feeds two rows and each
    accumulator load and store serves two k, so the vectorised j loop does four
    multiply-adds per lane for four loads and two stores. Odd leftovers go one at a time.
    """
    for pair in range(rows // 2):
        start0 = left_start + 2 * pair * left_row_stride
        start1 = start0 + left_row_stride
        row0 = tile[2 * pair, :width]
        row1 = tile[2 * pair + 1, :width]
        for half in range(depth // 2):
            k = 2 * half
            a00 = left[start0 + k * left_col_stride]
            a01 = left[start0 + (k + 1) * left_col_stride]
            a10 = left[start1 + k * left_col_stride]
            a11 = left[start1 + (k + 1) * left_col_stride]
            panel0 = panel[k]
            panel1 = panel[k + 1]
            for j in range(width):
                b0 = panel0[j]
                b1 = panel1[j]
                row0[j] += a00 * b0 + a01 * b1
                row1[j] += a10 * b0 + a11 * b1
        if depth % 2:
            last = panel[depth - 1 : depth, :width]
            multiply_row(left, start0 + (depth - 1) * left_col_stride, 0, 1, last, row0)
            multiply_row(left, start1 + (depth - 1) * left_col_stride, 0, 1, last, row1)
    if rows % 2:
        start = left_start + (rows - 1) * left_row_stride
        multiply_row(left, start, left_col_stride, depth, panel[:, :width], tile[rows - 1, :width])


@njit(parallel=True, fastmath={"contract"}, cache=True)
def matmul(
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    left: np.ndarray,
    left_strides: np.ndarray,
    right: np.ndarray,
    right_strides: np.ndarray,
    left_batch: int,
    right_batch: int,
    inner: int,
) -> None:
    batches, rows, cols = out_shape[0], out_shape[1], out_shape[2]
    row_blocks = (rows + ROWS - 1) // ROWS
    for task in prange(batches * row_blocks):
        batch = task // row_blocks
        row0 = (task % row_blocks) * ROWS
        block_rows = min(ROWS, rows - row0)
        panel = np.empty((DEPTH, COLS), np.float64)
        tile = np.empty((ROWS, COLS), np.float64)
        for col0 in range(0, cols, COLS):
            width = min(COLS, cols - col0)
            tile[:, :] = 0.0
            for k0 in range(0, inner, DEPTH):
                depth = min(DEPTH, inner - k0)
                right_start = batch * right_batch + k0 * right_strides[1] + col0 * right_strides[2]
                pack_panel(
                    right, right_start, right_strides[1], right_strides[2], depth, width, panel
                )
                left_start = batch * left_batch + row0 * left_strides[1] + k0 * left_strides[2]
                multiply_panel(
                    left,
                    left_start,
                    left_strides[1],
                    left_strides[2],
                    block_rows,
                    depth,
                    width,
                    panel,
                    tile,
                )
            out_start = batch * out_strides[0] + row0 * out_strides[1] + col0 * out_strides[2]
            for i in range(block_rows):
                for j in range(width):
                    out[out_start + i * out_strides[1] + j * out_strides[2]] = tile[i, j]


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    return prepare_with(matmul, inputs, steps)
