"""Pure Python on lists: both algorithms, as every other backend runs them.

- naive: MiniTorch's batched triple loop (i, j, then k innermost), batch stride 0
  broadcasting a batch of 1.
- tuned: the blocked, packed i-k-j product of the compiled tuned kernels
  (``numba_bodies``): (batch, ``ROWS``-row block) tasks, ``DEPTH`` x ``COLS`` panels of the
  right operand packed into lists, an accumulator tile, four rows and four k per pass over
  j. It adds in the compiled kernels' order (without their fused multiply-adds). In
  CPython the blocking buys little: what it saves is cache misses, and an interpreted
  multiply-add costs far more than a miss.
"""

from __future__ import annotations

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import python_limit
from workloads.lib.tensor_core.partition import block_count, row_block

from .blocking import COLS, DEPTH, ROWS
from .inputs import MatmulInputs, batch_strides

Tensor = tuple[list[float], list[int], list[int]]  # storage, shape, strides (as_lists)


def naive_matmul(out: Tensor, left: Tensor, right: Tensor, batch_steps: tuple[int, int]) -> None:
    """out[b, i, j] = sum_k left[b, i, k] * right[b, k, j], batch dims broadcast."""
    out_storage, out_shape, out_strides = out
    left_storage, left_shape, left_strides = left
    right_storage, _, right_strides = right
    left_batch, right_batch = batch_steps
    for batch in range(out_shape[0]):
        for i in range(out_shape[1]):
            for j in range(out_shape[2]):
                left_position = batch * left_batch + i * left_strides[1]
                right_position = batch * right_batch + j * right_strides[2]
                total = 0.0
                for _ in range(left_shape[2]):
                    total += left_storage[left_position] * right_storage[right_position]
                    left_position += left_strides[2]
                    right_position += right_strides[1]
                out_storage[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


def tuned_matmul(out: Tensor, left: Tensor, right: Tensor, batch_steps: tuple[int, int]) -> None:
    """The same product, (batch, row block) task by task, panel by panel."""
    out_storage, out_shape, out_strides = out
    rows, cols, inner = out_shape[1], out_shape[2], left[1][2]
    for task in range(out_shape[0] * block_count(rows, ROWS)):
        batch, row0, block_rows = row_block(task, rows, ROWS)
        left_start = batch * batch_steps[0] + row0 * left[2][1]
        right_start = batch * batch_steps[1]
        out_start = batch * out_strides[0] + row0 * out_strides[1]
        for col0 in range(0, cols, COLS):
            width = min(COLS, cols - col0)
            tile = [[0.0] * width for _ in range(block_rows)]
            for k0 in range(0, inner, DEPTH):
                depth = min(DEPTH, inner - k0)
                panel = pack_panel(right, right_start + k0 * right[2][1] + col0 * right[2][2], depth, width)
                multiply_panel(left, left_start + k0 * left[2][2], panel, tile)
            for i, tile_row in enumerate(tile):
                position = out_start + i * out_strides[1] + col0 * out_strides[2]
                for j, value in enumerate(tile_row):
                    out_storage[position + j * out_strides[2]] = value


def pack_panel(right: Tensor, start: int, depth: int, width: int) -> list[list[float]]:
    """A depth x width block of the right operand from ``start``, copied into rows of lists."""
    storage, _, strides = right
    return [
        [storage[start + k * strides[1] + j * strides[2]] for j in range(width)] for k in range(depth)
    ]


def multiply_panel(left: Tensor, start: int, panel: list[list[float]], tile: list[list[float]]) -> None:
    """tile[i][j] += left[i, k] * panel[k][j]; four rows and four k per pass, leftovers one at a time."""
    storage, _, strides = left
    row_stride, col_stride = strides[1], strides[2]
    depth = len(panel)
    for quad in range(len(tile) // 4):
        starts = [start + (4 * quad + r) * row_stride for r in range(4)]
        rows = tile[4 * quad : 4 * quad + 4]
        for k in range(0, depth - 3, 4):
            a00, a01, a02, a03 = (storage[starts[0] + (k + q) * col_stride] for q in range(4))
            a10, a11, a12, a13 = (storage[starts[1] + (k + q) * col_stride] for q in range(4))
            a20, a21, a22, a23 = (storage[starts[2] + (k + q) * col_stride] for q in range(4))
            a30, a31, a32, a33 = (storage[starts[3] + (k + q) * col_stride] for q in range(4))
            row0, row1, row2, row3 = rows
            for j, (b0, b1, b2, b3) in enumerate(zip(*panel[k : k + 4], strict=True)):
                row0[j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3
                row1[j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3
                row2[j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3
                row3[j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3
        for k in range(depth - depth % 4, depth):
            for s, row in zip(starts, rows, strict=True):
                multiply_row(storage[s + k * col_stride], panel[k], row)
    for i in range(len(tile) - len(tile) % 4, len(tile)):
        first = start + i * row_stride
        for k in range(depth):
            multiply_row(storage[first + k * col_stride], panel[k], tile[i])


def multiply_row(coefficient: float, panel_row: list[float], row: list[float]) -> None:
    """row[j] += coefficient * panel_row[j]."""
    for j, value in enumerate(panel_row):
        row[j] += coefficient * value


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.multiply_adds,
        params,
        limit=python_limit.PYTHON_MAX_MULTIPLY_ADDS,
        what="multiply-adds",
    )
    output = inputs.output()
    with steps("to_lists"):
        left, right = inputs.left.as_lists(), inputs.right.as_lists()
        out = output.as_lists()
    batch_steps = batch_strides(inputs)
    matmul = naive_matmul if inputs.algorithm == "naive" else tuned_matmul

    def call() -> list[float]:
        matmul(out, left, right, batch_steps)
        return out[0]

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
