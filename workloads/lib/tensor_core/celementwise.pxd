# cython: language_level=3
"""Cython restatement of ``elementwise.py`` and ``indexing.same_layout`` (Cython cannot wrap Python functions)."""

cimport cython
from libc.stdint cimport int64_t


cdef inline Py_ssize_t chunk_count(Py_ssize_t units, Py_ssize_t chunks_wanted) noexcept nogil:
    return units if units < chunks_wanted else chunks_wanted


@cython.cdivision(True)
cdef inline Py_ssize_t chunk_start(Py_ssize_t chunk, Py_ssize_t chunks, Py_ssize_t units) noexcept nogil:
    return chunk * units // chunks


cdef inline int64_t last_step(const int64_t[::1] shape, const int64_t[::1] strides) noexcept nogil:
    return strides[strides.shape[0] - 1] if shape[shape.shape[0] - 1] > 1 else 0


cdef inline Py_ssize_t row_count(const int64_t[::1] shape) noexcept nogil:
    cdef Py_ssize_t rows = 1
    cdef Py_ssize_t dim
    for dim in range(shape.shape[0] - 1):
        rows *= shape[dim]
    return rows


cdef inline bint same_layout(const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                             const int64_t[::1] in_shape, const int64_t[::1] in_strides) noexcept nogil:
    cdef Py_ssize_t dim
    if out_shape.shape[0] != in_shape.shape[0]:
        return False
    for dim in range(out_shape.shape[0]):
        if out_shape[dim] != in_shape[dim] or out_strides[dim] != in_strides[dim]:
            return False
    return True
