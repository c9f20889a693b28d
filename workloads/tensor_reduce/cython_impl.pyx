# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: the seed's reduce loop with the cdef inline helpers of ``cindexing.pxd``."""

from libc.stdint cimport int64_t

import numpy as np

from harness.workload import Kernel
from workloads.tensor_core.cindexing cimport apply_reduce, index_to_position, to_index


cpdef void tensor_reduce(int code, double start, double[::1] out, const int64_t[::1] out_shape,
                         const int64_t[::1] out_strides, const double[::1] source,
                         const int64_t[::1] source_shape, const int64_t[::1] source_strides,
                         Py_ssize_t dim):
    """out[o] = op-fold of the source along ``dim``, as in the seed's loop."""
    cdef int64_t[::1] out_index = np.empty(out_shape.shape[0], dtype=np.int64)
    cdef Py_ssize_t ordinal, k
    cdef double accumulator
    with nogil:
        for ordinal in range(out.shape[0]):
            to_index(ordinal, out_shape, out_index)
            accumulator = start
            for k in range(source_shape[dim]):
                out_index[dim] = k
                accumulator = apply_reduce(
                    code, accumulator, source[index_to_position(out_index, source_strides)]
                )
            out_index[dim] = 0
            out[index_to_position(out_index, out_strides)] = accumulator


def prepare(inputs, params, steps):
    source, output = inputs.source, inputs.output()
    args = (inputs.code, inputs.start, output.storage, output.shape, output.strides,
            source.storage, source.shape, source.strides, inputs.dim)

    def call():
        tensor_reduce(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
