# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: the seed's per-element zip loop with the cdef inline helpers of ``cindexing.pxd``."""

from libc.stdint cimport int64_t

import numpy as np

from harness.workload import Kernel
from workloads.tensor_core.cindexing cimport (
    apply_binary,
    broadcast_index,
    index_to_position,
    to_index,
)


cpdef void tensor_zip(int code, double[::1] out, const int64_t[::1] out_shape,
                      const int64_t[::1] out_strides, const double[::1] left,
                      const int64_t[::1] left_shape, const int64_t[::1] left_strides,
                      const double[::1] right, const int64_t[::1] right_shape,
                      const int64_t[::1] right_strides):
    """out[o] = op(left[i], right[j]) for every output index, as in the seed's loop."""
    cdef int64_t[::1] out_index = np.empty(out_shape.shape[0], dtype=np.int64)
    cdef int64_t[::1] left_index = np.empty(left_shape.shape[0], dtype=np.int64)
    cdef int64_t[::1] right_index = np.empty(right_shape.shape[0], dtype=np.int64)
    cdef Py_ssize_t ordinal
    cdef double x, y
    with nogil:
        for ordinal in range(out.shape[0]):
            to_index(ordinal, out_shape, out_index)
            broadcast_index(out_index, out_shape, left_shape, left_index)
            broadcast_index(out_index, out_shape, right_shape, right_index)
            x = left[index_to_position(left_index, left_strides)]
            y = right[index_to_position(right_index, right_strides)]
            out[index_to_position(out_index, out_strides)] = apply_binary(code, x, y)


def prepare(inputs, params, steps):
    output, left, right = inputs.output(), inputs.left, inputs.right
    args = (inputs.code, output.storage, output.shape, output.strides,
            left.storage, left.shape, left.strides, right.storage, right.shape, right.strides)

    def call():
        tensor_zip(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
