# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: both algorithms, one thread per output, a TILE x TILE block of outputs per block.

- naive: MiniTorch's dot product per output, read straight from global memory, k
  innermost: each thread reads its left row and right column, so every element is read
  by n threads from global memory (through the caches at best).
- tuned: the GPU form of the blocked product: a shared-memory tiled matmul. Each block
  loads a TILE x TILE tile of each operand into shared memory per step along k, so every
  global element is read once per block instead of once per thread. (The CPU's packed
  panel and register tile play the same part: reuse from fast memory.)

The batch index is the grid's z; batch stride 0 broadcasts a batch of 1 (MiniTorch).
Both add each output's products in order of k (the GPU may fuse multiply and add).
"""

from __future__ import annotations

from typing import Any

from numba import cuda, float64

from harness.core.cuda_launch import launched_kernel
from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.cuda_helpers import tensors_to_device

from . import dot as strided_dot
from .inputs import MatmulInputs, batch_strides

TILE = 16

dot = cuda.jit(device=True)(strided_dot.dot)


@cuda.jit(cache=True)
def naive_matmul_kernel(  # type: ignore[no-untyped-def]
    out, out_shape, out_strides, left, left_strides, right, right_strides, left_batch, right_batch, inner
):
    batch = cuda.blockIdx.z
    j, i = cuda.grid(2)
    if i < out_shape[1] and j < out_shape[2]:
        left_start = batch * left_batch + i * left_strides[1]
        right_start = batch * right_batch + j * right_strides[2]
        total = dot(left, left_start, left_strides[2], right, right_start, right_strides[1], inner)
        out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


@cuda.jit(cache=True)
def tuned_matmul_kernel(  # type: ignore[no-untyped-def]
    out, out_shape, out_strides, left, left_strides, right, right_strides, left_batch, right_batch, inner
):
    left_tile = cuda.shared.array((TILE, TILE), float64)
    right_tile = cuda.shared.array((TILE, TILE), float64)
    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
    batch = cuda.blockIdx.z
    i = cuda.blockIdx.y * TILE + ty
    j = cuda.blockIdx.x * TILE + tx
    rows, cols = out_shape[1], out_shape[2]
    total = 0.0
    for k0 in range(0, inner, TILE):
        k = k0 + tx
        if i < rows and k < inner:
            position = batch * left_batch + i * left_strides[1] + k * left_strides[2]
            left_tile[ty, tx] = left[position]
        else:
            left_tile[ty, tx] = 0.0
        k = k0 + ty
        if k < inner and j < cols:
            position = batch * right_batch + k * right_strides[1] + j * right_strides[2]
            right_tile[ty, tx] = right[position]
        else:
            right_tile[ty, tx] = 0.0
        cuda.syncthreads()
        for kk in range(TILE):
            total += left_tile[ty, kk] * right_tile[kk, tx]
        cuda.syncthreads()
    if i < rows and j < cols:
        out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    output = inputs.output()
    on_device = tensors_to_device(steps, inputs.left, inputs.right, output)
    (left, _, left_strides), (right, _, right_strides), (out, out_shape, out_strides) = on_device
    batches, rows, cols = (int(s) for s in output.shape)
    grid = ((cols + TILE - 1) // TILE, (rows + TILE - 1) // TILE, batches)
    kernel = naive_matmul_kernel if inputs.algorithm == "naive" else tuned_matmul_kernel
    launch = kernel[grid, (TILE, TILE)]
    args: tuple[Any, ...] = (out, out_shape, out_strides, left, left_strides, right, right_strides)
    args += (*batch_strides(inputs), int(inputs.left.shape[2]))
    info = {"algorithm": inputs.algorithm, "tile": TILE, "grid": list(grid)}
    return launched_kernel(launch, args, out, info, output.reshape_values)
