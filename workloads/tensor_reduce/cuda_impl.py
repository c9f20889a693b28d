# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: one block per output; threads stride along the reduced dim into shared memory,
then a tree reduction in shared memory leaves the result in slot 0."""

from __future__ import annotations

from typing import Any

from numba import cuda, float64, int64

from harness.cuda_timing import cuda_event_timer, device_info
from harness.workload import Kernel, StepTimer
from workloads.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_reduce,
    check_dims,
    index_to_position,
    to_device_tensor,
    to_index,
)

from .inputs import ReduceInputs

THREADS_PER_BLOCK = 128  # a power of two, for the halving tree


@cuda.jit(cache=True)
def tensor_reduce_kernel(  # type: ignore[no-untyped-def]
    code, start, out, out_shape, out_strides, source, source_shape, source_strides, dim
):
    partial = cuda.shared.array(THREADS_PER_BLOCK, float64)
    out_index = cuda.local.array(MAX_DIMS, int64)
    thread = cuda.threadIdx.x
    to_index(cuda.blockIdx.x, out_shape, out_index)
    first = index_to_position(out_index, source_strides)
    step = source_strides[dim]
    accumulator = start
    for k in range(thread, source_shape[dim], THREADS_PER_BLOCK):
        accumulator = apply_reduce(code, accumulator, source[first + k * step])
    partial[thread] = accumulator
    cuda.syncthreads()
    width = THREADS_PER_BLOCK // 2
    while width > 0:
        if thread < width:
            partial[thread] = apply_reduce(code, partial[thread], partial[thread + width])
        cuda.syncthreads()
        width //= 2
    if thread == 0:
        out[index_to_position(out_index, out_strides)] = partial[0]


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    check_dims(inputs.source.ndim)
    output = inputs.output()
    with steps("to_device"):
        source_args = to_device_tensor(inputs.source)
        out_args = to_device_tensor(output)
        cuda.synchronize()
    blocks = output.size
    launch = tensor_reduce_kernel[blocks, THREADS_PER_BLOCK]
    args: tuple[Any, ...] = (inputs.code, inputs.start, *out_args, *source_args, inputs.dim)

    def call() -> object:
        launch(*args)
        cuda.synchronize()
        return out_args[0]

    return Kernel(
        call=call,
        fetch=lambda storage: output.reshape_values(storage.copy_to_host()),
        time_loops=cuda_event_timer(lambda: launch(*args)),
        info={**device_info(), "threads_per_block": THREADS_PER_BLOCK, "blocks": blocks},
    )
