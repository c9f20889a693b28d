"""The loop bodies of matmul's ``numba`` and ``numba_parallel`` kernels, one per algorithm.

Each body computes the rows of one task: one (batch, row) pair for ``naive``, one
(batch, ``ROWS``-row block) for ``tuned``. It is written once, as an
``njit(inline="always")`` function, and inlined into two kernels compiled with the same
fastmath flags (``FASTMATH``): ``numba_impl`` loops over the tasks with ``range``,
``numba_parallel_impl`` with ``prange``. They are two Python functions, not one decorated
twice, because Numba's on-disk cache keys a compiled function by signature, code
generator magic tuple and bytecode hash (``numba/core/caching.py``, ``_index_key``), not by
compile flags: a serial and a parallel compilation of one function would overwrite each
other in the cache.

- ``naive``, MiniTorch's ``matrix_multiply`` (module 3): for each output of the row, the dot
  product of a left row and a right column, k innermost. The k loop reads the right
  operand down a column, one cache line per element at large n. No fastmath flags.
- ``tuned``: blocked i-k-j. The task walks the columns in panels of ``COLS``; the right
  operand's (``DEPTH`` x ``COLS``) panel is copied into a contiguous buffer (any strides, a
  broadcast batch with stride 0 included, become stride 1); the inner loop runs along j
  over that buffer and a local (``ROWS`` x ``COLS``) accumulator tile, contiguous on both
  sides, so LLVM vectorises it; four rows and four k go through it at once (register
  blocking, ``multiply_panel``), so loads and stores do not limit the multiply-adds. The tile is written to
  the output once per panel; the inner loop makes no calls and writes nothing shared.
  ``fastmath={"contract"}`` lets LLVM fuse multiply and add (FMA).

The tuned order (blocks of k, sums of four products, FMA) differs from the naive one and from
BLAS; the workload's tolerance allows for it. The bodies allocate with ``np.empty``; the
tile's reset (``tile[:, :width] = 0.0``) is a parallel loop under ``parallel=True``, but one
nested in the ``prange`` loop, which Numba runs serially: one parallel region per call.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numba import njit

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import StridedTensor, partition
from workloads.lib.tensor_core.numba_helpers import output_kernel

from . import dot as strided_dot
from .blocking import COLS, DEPTH, ROWS, TASK_ROWS
from .inputs import MatmulInputs, batch_strides

FASTMATH: dict[str, Any] = {"naive": False, "tuned": {"contract"}}

# (out storage, shape, strides, left storage, strides, right storage, strides,
#  left batch stride, right batch stride, inner size)
MatmulOperands: TypeAlias = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, int
]

row_block = njit(inline="always")(partition.row_block)
dot = njit(inline="always")(strided_dot.dot)


@njit(inline="always")
def naive_task(operands: MatmulOperands, task: int) -> None:
    """Row i of batch b (task b * rows + i) by MiniTorch's loop: j, then k innermost."""
    out, out_shape, out_strides, left, left_strides, right, right_strides, left_batch, right_batch, inner = operands
    batch, i, _ = row_block(task, out_shape[1], 1)
    for j in range(out_shape[2]):
        left_start = batch * left_batch + i * left_strides[1]
        right_start = batch * right_batch + j * right_strides[2]
        total = dot(left, left_start, left_strides[2], right, right_start, right_strides[1], inner)
        out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


@njit(inline="always")
def tuned_task(operands: MatmulOperands, task: int) -> None:
    """A block of ``ROWS`` rows of one batch, panel by panel of ``COLS`` columns."""
    out, out_shape, out_strides, left, left_strides, right, right_strides, left_batch, right_batch, inner = operands
    batch, row0, block_rows = row_block(task, out_shape[1], ROWS)
    panel = np.empty((min(DEPTH, inner), min(COLS, out_shape[2])), np.float64)  # no bigger than used
    tile = np.empty((block_rows, min(COLS, out_shape[2])), np.float64)
    for col0 in range(0, out_shape[2], COLS):
        width = min(COLS, out_shape[2] - col0)
        tile[:, :width] = 0.0
        for k0 in range(0, inner, DEPTH):
            depth = min(DEPTH, inner - k0)
            right_start = batch * right_batch + k0 * right_strides[1] + col0 * right_strides[2]
            pack_panel(right, right_start, right_strides[1], right_strides[2], depth, width, panel)
            left_start = batch * left_batch + row0 * left_strides[1] + k0 * left_strides[2]
            multiply_panel(
                left, left_start, left_strides[1], left_strides[2], block_rows, depth, width, panel, tile
            )
        out_start = batch * out_strides[0] + row0 * out_strides[1] + col0 * out_strides[2]
        for i in range(block_rows):
            for j in range(width):
                out[out_start + i * out_strides[1] + j * out_strides[2]] = tile[i, j]


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

    Four rows and four k at a time (4x4 register blocking): each panel value
    loaded feeds four rows and each accumulator load and store serves four k, so the
    vectorised j loop does sixteen multiply-adds per lane for eight loads and four stores,
    and the sixteen left values stay in registers. Leftover k, then leftover rows, go one
    at a time.
    """
    for quad in range(rows // 4):
        start0 = left_start + 4 * quad * left_row_stride
        start1 = start0 + left_row_stride
        start2 = start1 + left_row_stride
        start3 = start2 + left_row_stride
        row0 = tile[4 * quad, :width]
        row1 = tile[4 * quad + 1, :width]
        row2 = tile[4 * quad + 2, :width]
        row3 = tile[4 * quad + 3, :width]
        for step in range(depth // 4):
            k = 4 * step
            a00, a01, a02, a03 = four(left, start0 + k * left_col_stride, left_col_stride)
            a10, a11, a12, a13 = four(left, start1 + k * left_col_stride, left_col_stride)
            a20, a21, a22, a23 = four(left, start2 + k * left_col_stride, left_col_stride)
            a30, a31, a32, a33 = four(left, start3 + k * left_col_stride, left_col_stride)
            panel0 = panel[k]
            panel1 = panel[k + 1]
            panel2 = panel[k + 2]
            panel3 = panel[k + 3]
            for j in range(width):
                b0 = panel0[j]
                b1 = panel1[j]
                b2 = panel2[j]
                b3 = panel3[j]
                row0[j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3
                row1[j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3
                row2[j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3
                row3[j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3
        for k in range(depth - depth % 4, depth):
            last = panel[k : k + 1, :width]
            multiply_row(left, start0 + k * left_col_stride, 0, 1, last, row0)
            multiply_row(left, start1 + k * left_col_stride, 0, 1, last, row1)
            multiply_row(left, start2 + k * left_col_stride, 0, 1, last, row2)
            multiply_row(left, start3 + k * left_col_stride, 0, 1, last, row3)
    for i in range(rows - rows % 4, rows):
        start = left_start + i * left_row_stride
        multiply_row(left, start, left_col_stride, depth, panel[:, :width], tile[i, :width])


@njit(inline="always")
def four(left: np.ndarray, start: int, stride: int) -> tuple[float, float, float, float]:
    """left at start and the next three steps of ``stride``."""
    return left[start], left[start + stride], left[start + 2 * stride], left[start + 3 * stride]


def operands_of(inputs: MatmulInputs, output: StridedTensor) -> MatmulOperands:
    """The kernels' one argument besides the task count, built once in ``prepare``."""
    left, right = inputs.left, inputs.right
    return (
        output.storage, output.shape, output.strides, left.storage, left.strides,
        right.storage, right.strides, *batch_strides(inputs), int(left.shape[2]),
    )  # fmt: skip


def task_count(inputs: MatmulInputs, output: StridedTensor) -> int:
    """(batch, row block) tasks of the algorithm: one row each for naive, ``ROWS`` for tuned."""
    batches, rows = int(output.shape[0]), int(output.shape[1])
    return batches * partition.block_count(rows, TASK_ROWS[inputs.algorithm])


def prepare_kernel(kernels: dict[str, Any], inputs: MatmulInputs, steps: StepTimer) -> Kernel:
    """Compile the algorithm's kernel (serial or parallel) for these inputs and wrap it."""
    output = inputs.output()
    tasks = task_count(inputs, output)
    args, info = (operands_of(inputs, output),), {"algorithm": inputs.algorithm}
    return output_kernel(kernels[inputs.algorithm], args, lambda: tasks, output, steps, info)
