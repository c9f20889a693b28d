# mypy: disable-error-code="operator,call-arg,call-overload,var-annotated"
# (numba.cuda types its device intrinsics, threadIdx, grid, local.array, as host objects)
"""numba-cuda: one thread per output element, the seed's zip loop body as the thread's work."""

from __future__ import annotations

from typing import Any

from numba import cuda, int64

from harness.cuda_timing import cuda_event_timer, device_info
from harness.workload import Kernel, StepTimer
from workloads.tensor_core.cuda_helpers import (
    MAX_DIMS,
    apply_binary,
    broadcast_index,
    check_dims,
    index_to_position,
    to_device_tensor,
    to_index,
)

from .inputs import ZipInputs

THREADS_PER_BLOCK = 256


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


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output = inputs.output()
    check_dims(output.ndim)
    with steps("to_device"):
        left_args = to_device_tensor(inputs.left)
        right_args = to_device_tensor(inputs.right)
        out_args = to_device_tensor(output)
        cuda.synchronize()
    blocks = (output.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    launch = tensor_zip_kernel[blocks, THREADS_PER_BLOCK]
    args: tuple[Any, ...] = (inputs.code, *out_args, *left_args, *right_args)

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
