# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: one thread per output element, the seed's loop body as the thread's work."""

from __future__ import annotations

from typing import Any

from numba import cuda, int64

from harness.cuda_timing import cuda_event_timer, device_info
from harness.workload import Kernel, StepTimer
from workloads.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_unary,
    broadcast_index,
    check_dims,
    index_to_position,
    to_device_tensor,
    to_index,
)

from .inputs import MapInputs

THREADS_PER_BLOCK = 256


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


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    check_dims(inputs.source.ndim)
    output = inputs.output()
    with steps("to_device"):
        source_args = to_device_tensor(inputs.source)
        out_args = to_device_tensor(output)
        cuda.synchronize()
    blocks = (output.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    launch = tensor_map_kernel[blocks, THREADS_PER_BLOCK]
    args: tuple[Any, ...] = (inputs.code, *out_args, *source_args)

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
