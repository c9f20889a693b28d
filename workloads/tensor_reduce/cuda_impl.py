# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: both algorithms.

- naive: MiniTorch's reduce with one thread per output: ``to_index``, then the reduced dim
  walked in global memory through ``index_to_position``, ``apply_reduce`` per element.
- tuned: the GPU form of the tuned kernel: each output's first position is found once,
  the reduced dim is split among threads, and the partial results meet in a shared-memory
  tree. A block is ``OUTPUTS`` x ``LANES`` threads (``THREADS_PER_BLOCK`` in all): column x
  serves output ``block * OUTPUTS + x``, row y folds positions y, y + LANES, ... of it. The
  shape is chosen so that the 32 threads of a warp read neighbouring addresses
  (coalesced): for a contiguous reduced dim, one output per block and all 128 threads
  along it; for a strided one (a transposed view, whose neighbouring outputs sit side by
  side), 32 outputs per block, the GPU's counterpart of the CPU tile of neighbouring
  outputs, and 4 threads along the dim.

The tree adds in a different order from every CPU backend; the workload's tolerance
allows for it.
"""

from __future__ import annotations

from typing import Any

from numba import cuda, float64, int64

from harness.core.cuda_launch import launched_kernel
from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_reduce,
    check_dims,
    index_to_position,
    tensors_to_device,
    to_index,
)

from .inputs import ReduceInputs

THREADS_PER_BLOCK = 128  # OUTPUTS x LANES, both powers of two (LANES halves in the tree)
WARP = 32


@cuda.jit(cache=True)
def naive_reduce_kernel(  # type: ignore[no-untyped-def]
    code, start, out, out_shape, out_strides, source, source_shape, source_strides, dim
):
    out_index = cuda.local.array(MAX_DIMS, int64)
    ordinal = cuda.grid(1)
    if ordinal < out.size:
        to_index(ordinal, out_shape, out_index)
        accumulator = start
        for k in range(source_shape[dim]):
            out_index[dim] = k
            accumulator = apply_reduce(code, accumulator, source[index_to_position(out_index, source_strides)])
        out_index[dim] = 0
        out[index_to_position(out_index, out_strides)] = accumulator


@cuda.jit(cache=True)
def tuned_reduce_kernel(  # type: ignore[no-untyped-def]
    code, start, out, out_shape, source, source_shape, source_strides, dim
):
    partial = cuda.shared.array(THREADS_PER_BLOCK, float64)
    out_index = cuda.local.array(MAX_DIMS, int64)
    x, y = cuda.threadIdx.x, cuda.threadIdx.y
    outputs, lanes = cuda.blockDim.x, cuda.blockDim.y
    ordinal = cuda.blockIdx.x * outputs + x
    accumulator = start
    if ordinal < out.size:  # threads past the end still take part in the tree's syncs
        to_index(ordinal, out_shape, out_index)
        first = index_to_position(out_index, source_strides)
        step = source_strides[dim]
        for k in range(y, source_shape[dim], lanes):
            accumulator = apply_reduce(code, accumulator, source[first + k * step])
    partial[y * outputs + x] = accumulator
    cuda.syncthreads()
    width = lanes // 2
    while width > 0:
        if y < width:
            slot = y * outputs + x
            partial[slot] = apply_reduce(code, partial[slot], partial[slot + width * outputs])
        cuda.syncthreads()
        width //= 2
    if y == 0 and ordinal < out.size:
        out[ordinal] = partial[x]


def block_shape(inputs: ReduceInputs) -> tuple[int, int]:
    """(outputs, lanes) of a tuned block: lanes along a contiguous reduced dim, else a warp of outputs."""
    if int(inputs.source.strides[inputs.dim]) == 1:
        return 1, THREADS_PER_BLOCK
    return WARP, THREADS_PER_BLOCK // WARP


def launch_of(inputs: ReduceInputs, source_args: tuple, out_args: tuple) -> tuple[Any, tuple, dict]:
    """The configured kernel of the case's algorithm, its arguments, and its launch facts."""
    source, shape, strides = source_args
    out, out_shape, out_strides = out_args
    size = inputs.output().size
    args: tuple[Any, ...]
    if inputs.algorithm == "naive":
        blocks = (size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        args = (inputs.code, inputs.start, out, out_shape, out_strides, source, shape, strides, inputs.dim)
        return naive_reduce_kernel[blocks, THREADS_PER_BLOCK], args, {"blocks": blocks}
    outputs, lanes = block_shape(inputs)
    blocks = (size + outputs - 1) // outputs
    args = (inputs.code, inputs.start, out, out_shape, source, shape, strides, inputs.dim)
    launch = tuned_reduce_kernel[blocks, (outputs, lanes)]
    return launch, args, {"blocks": blocks, "outputs_per_block": outputs, "lanes_per_output": lanes}


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    check_dims(inputs.source.ndim)
    output = inputs.output()
    source_args, out_args = tensors_to_device(steps, inputs.source, output)
    launch, args, facts = launch_of(inputs, source_args, out_args)
    info = {"algorithm": inputs.algorithm, "threads_per_block": THREADS_PER_BLOCK, **facts}
    return launched_kernel(launch, args, out_args[0], info, output.reshape_values)
