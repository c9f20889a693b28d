# cython: language_level=3
"""Cython restatement of ``indexing.py`` and ``operators.py`` (Cython cannot wrap Python functions).

``cdef inline`` bodies in a .pxd are inlined into every module that cimports them.
"""

from libc.math cimport exp
from libc.stdint cimport int64_t


cdef inline int64_t index_to_position(const int64_t[::1] index, const int64_t[::1] strides) noexcept nogil:
    cdef int64_t position = 0
    cdef Py_ssize_t dim
    for dim in range(strides.shape[0]):
        position += index[dim] * strides[dim]
    return position


cdef inline void to_index(int64_t ordinal, const int64_t[::1] shape, int64_t[::1] out_index) noexcept nogil:
    cdef int64_t remaining = ordinal
    cdef Py_ssize_t dim
    for dim in range(shape.shape[0] - 1, -1, -1):
        out_index[dim] = remaining % shape[dim]
        remaining = remaining // shape[dim]


cdef inline void broadcast_index(const int64_t[::1] big_index, const int64_t[::1] big_shape,
                                 const int64_t[::1] shape, int64_t[::1] out_index) noexcept nogil:
    cdef Py_ssize_t offset = big_shape.shape[0] - shape.shape[0]
    cdef Py_ssize_t dim
    for dim in range(shape.shape[0]):
        if shape[dim] > 1:
            out_index[dim] = big_index[dim + offset]
        else:
            out_index[dim] = 0


cdef inline double apply_unary(int code, double x) noexcept nogil:
    if code == 0:
        return -x
    if code == 1:
        return exp(x)
    if code == 2:
        return x if x > 0.0 else 0.0
    return 1.0 / (1.0 + exp(-x))


cdef inline double apply_binary(int code, double x, double y) noexcept nogil:
    if code == 0:
        return x + y
    if code == 1:
        return x * y
    return 1.0 if x < y else 0.0


cdef inline double apply_reduce(int code, double accumulator, double x) noexcept nogil:
    if code == 0:
        return accumulator + x
    return accumulator if accumulator > x else x
