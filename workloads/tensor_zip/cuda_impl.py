# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: one thread per output element, for both algorithms.

- naive: each thread runs MiniTorch's zip loop body for its element (``to_index``,
  ``broadcast_index`` for each operand, ``index_to_position``).
- tuned: the GPU form of the CPU's same-layout fast path: when both operands are laid
  out like the output, ``aligned_zip_kernel`` reads and writes position i with no index
  arithmetic; otherwise each thread does the full index arithmetic, as in naive (a
  thread has one element, so there is no row to hoist it out of). The layouts are
  compared once, on the host, when the kernel is chosen.

Kernels are module-level functions with ``cache=True`` (a closure could not be loaded
from Numba's disk cache).
"""

from __future__ import annotations

from typing import Any

from numba import cuda, int64

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import StridedTensor
from workloads.lib.tensor_core.cuda_elementwise import one_thread_per_element
from workloads.lib.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_binary,
    broadcast_index,
    check_dims,
    index_to_position,
    tensors_to_device,
    to_index,
)
from workloads.lib.tensor_core.indexing import same_layout

from .inputs import ZipInputs


@cuda.jit(cache=True)
def tensor_zip_kernel(  # type: ignore[no-untyped-def]
    code,
    out,
    out_shape,
    out_strides,
    left,
    left_shape,
    left_strides,
    right,
    right_shape,
    right_strides,
):
    out_index = cuda.local.array(MAX_DIMS, int64)
    left_index = cuda.local.array(MAX_DIMS, int64)
    right_index = cuda.local.array(MAX_DIMS, int64)
    ordinal = cuda.grid(1)
    if ordinal < out.size:
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left[index_to_position(left_index, left_strides)]
        y = right[index_to_position(right_index, right_strides)]
        out[index_to_position(out_index, out_strides)] = apply_binary(code, x, y)


@cuda.jit(cache=True)
def aligned_zip_kernel(code, out, left, right):  # type: ignore[no-untyped-def]
    position = cuda.grid(1)
    if position < out.size:
        out[position] = apply_binary(code, left[position], right[position])


def aligned(inputs: ZipInputs, output: StridedTensor) -> bool:
    """Both operands laid out like the output: the fast path's condition."""
    operands = (inputs.left, inputs.right)
    return all(same_layout(output.shape, output.strides, each.shape, each.strides) for each in operands)


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output = inputs.output()
    check_dims(output.ndim)
    left_args, right_args, out_args = tensors_to_device(steps, inputs.left, inputs.right, output)
    args: tuple[Any, ...]
    if inputs.algorithm == "tuned" and aligned(inputs, output):
        kernel, args, kind = aligned_zip_kernel, (inputs.code, out_args[0], left_args[0], right_args[0]), "aligned"
    else:
        kernel, args, kind = tensor_zip_kernel, (inputs.code, *out_args, *left_args, *right_args), "indexed"
    info = {"algorithm": inputs.algorithm, "kernel": kind}
    return one_thread_per_element(kernel, args, out_args[0], output, info)
