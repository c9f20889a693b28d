"""A small strided tensor core shared by the tensor workloads (not a workload itself).

``indexing`` holds the index arithmetic in plain Python; ``numba_helpers``,
``cuda_helpers`` and ``cindexing.pxd`` are its per-backend forms. Importing this package
imports NumPy only.
"""

from .indexing import (
    BroadcastError,
    broadcast_index,
    contiguous_strides,
    index_to_position,
    shape_broadcast,
    to_index,
)
from .tensor import StridedTensor, matrix_shape, rng_for

__all__ = [
    "BroadcastError",
    "StridedTensor",
    "broadcast_index",
    "contiguous_strides",
    "index_to_position",
    "matrix_shape",
    "rng_for",
    "shape_broadcast",
    "to_index",
]
