# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: one thread per output element, for both algorithms.

- naive: each thread runs MiniTorch's map loop body for its element (``to_index``,
  ``broadcast_index``, ``index_to_position``).
- tuned: the GPU form of the CPU's same-layout fast path: when input and output are laid
  out alike, ``aligned_map_kernel`` reads and writes position i with no index
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
from workloads.lib.tensor_core.cuda_elementwise import one_thread_per_element
from workloads.lib.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_unary,
    broadcast_index,
    check_dims,
    index_to_position,
    tensors_to_device,
    to_index,
)
from workloads.lib.tensor_core.indexing import same_layout

from .inputs import MapInputs


@cuda.jit(cache=True)
def tensor_map_kernel(code, out, out_shape, out_strides, in_storage, in_shape, in_strides):  # type: ignore[no-untyped-def]
    out_index = cuda.local.array(MAX_DIMS, int64)
    in_index = cuda.local.array(MAX_DIMS, int64)
    ordinal = cuda.grid(1)
    if ordinal < out.size:
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        position = index_to_position(out_index, out_strides)
        out[position] = apply_unary(code, in_storage[index_to_position(in_index, in_strides)])


@cuda.jit(cache=True)
def aligned_map_kernel(code, out, in_storage):  # type: ignore[no-untyped-def]
    position = cuda.grid(1)
    if position < out.size:
        out[position] = apply_unary(code, in_storage[position])


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    source = inputs.source
    check_dims(source.ndim)
    output = inputs.output()
    source_args, out_args = tensors_to_device(steps, source, output)
    args: tuple[Any, ...]
    if inputs.algorithm == "tuned" and same_layout(output.shape, output.strides, source.shape, source.strides):
        kernel, args, kind = aligned_map_kernel, (inputs.code, out_args[0], source_args[0]), "aligned"
    else:
        kernel, args, kind = tensor_map_kernel, (inputs.code, *out_args, *source_args), "indexed"
    info = {"algorithm": inputs.algorithm, "kernel": kind}
    return one_thread_per_element(kernel, args, out_args[0], output, info)
