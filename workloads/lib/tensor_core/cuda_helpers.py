"""The plain-Python tensor helpers wrapped as CUDA device functions.

Imported only by ``cuda`` implementation modules. ``MAX_DIMS`` sizes the per-thread
index buffers (``cuda.local.array`` needs a compile-time size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import cuda

from . import indexing, operators

if TYPE_CHECKING:
    from harness.core.workload import StepTimer

    from .tensor import StridedTensor

MAX_DIMS = 8

device = cuda.jit(device=True)

index_to_position = device(indexing.index_to_position)
to_index = device(indexing.to_index)
broadcast_index = device(indexing.broadcast_index)
apply_unary = operators.make_unary_dispatch(device)
apply_binary = operators.make_binary_dispatch(device)
apply_reduce = operators.make_reduce_dispatch(device)


def to_device_tensor(tensor: object) -> tuple[object, object, object]:
    """Storage, shape and strides of a StridedTensor, copied to the device."""
    storage = cuda.to_device(tensor.storage)  # type: ignore[attr-defined]
    shape = cuda.to_device(np.ascontiguousarray(tensor.shape))  # type: ignore[attr-defined]
    strides = cuda.to_device(np.ascontiguousarray(tensor.strides))  # type: ignore[attr-defined]
    return storage, shape, strides


def tensors_to_device(steps: StepTimer, *tensors: StridedTensor) -> list[tuple[object, object, object]]:
    """Each tensor's storage, shape and strides on the device, in order; timed as ``to_device``."""
    with steps("to_device"):
        on_device = [to_device_tensor(tensor) for tensor in tensors]
        cuda.synchronize()
    return on_device


def check_dims(ndim: int) -> None:
    if ndim > MAX_DIMS:
        raise ValueError(f"the CUDA kernels handle at most {MAX_DIMS} dimensions, got {ndim}")
