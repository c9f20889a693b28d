# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: the seed's per-element loop with the cdef inline helpers of ``cindexing.pxd``."""

from libc.stdint cimport int64_t

import numpy as np

from harness.workload import Kernel
from workloads.tensor_core.cindexing cimport (
    apply_unary,
    broadcast_index,
    index_to_position,
    to_index,
)


cpdef void tensor_map(int code, double[::1] out, const int64_t[::1] out_shape,
                      const int64_t[::1] out_strides, const double[::1] in_storage,
                      const int64_t[::1] in_shape, const int64_t[::1] in_strides):
    """out[o] = op(in[j]) for every output index, as in the seed's loop."""
    cdef int64_t[::1] out_index = np.empty(out_shape.shape[0], dtype=np.int64)
    cdef int64_t[::1] in_index = np.empty(in_shape.shape[0], dtype=np.int64)
    cdef Py_ssize_t ordinal
    with nogil:
        for ordinal in range(out.shape[0]):
            to_index(ordinal, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            out[index_to_position(out_index, out_strides)] = apply_unary(
                code, in_storage[index_to_position(in_index, in_strides)]
            )


def prepare(inputs, params, steps):
    source, output, code = inputs.source, inputs.output(), inputs.code
    args = (code, output.storage, output.shape, output.strides,
            source.storage, source.shape, source.strides)

    def call():
        tensor_map(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
