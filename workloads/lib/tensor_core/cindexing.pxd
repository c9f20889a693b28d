# cython: language_level=3, cdivision=True
"""Cython restatement of ``indexing.py`` and ``operators.py`` (Cython cannot wrap Python functions).

``cdef inline`` bodies in a .pxd are inlined into every module that cimports them, with
this file's compiler directives, not the importing .pyx's: ``cdivision=True`` above makes
``to_index``'s ``%`` and ``//`` C's single division (without it, Python's rules: a zero
check, an overflow check and a sign fix-up around each, 1.74x c's time on the naive map).
"""

from libc.math cimport exp
from libc.stdint cimport int64_t


cdef enum:
    MAX_DIMS = 32  # the index buffers' size, as the c kernels' (``c_kernels.MAX_DIMS``)


# Pointers and a dim count, as the c kernels' helpers take them: the callers' index
# buffers are arrays on their stack, which GCC knows no other pointer reaches. (Typed
# memoryviews over heap buffers made it reload shapes and strides after every store:
# the naive zip took 1.28x c's time, 1.11x with these.)

cdef inline int64_t index_to_position(const int64_t* index, const int64_t* strides, Py_ssize_t ndim) noexcept nogil:
    cdef int64_t position = 0
    cdef Py_ssize_t dim
    for dim in range(ndim):
        position += index[dim] * strides[dim]
    return position


cdef inline void to_index(int64_t ordinal, const int64_t* shape, Py_ssize_t ndim, int64_t* out_index) noexcept nogil:
    cdef int64_t remaining = ordinal
    cdef Py_ssize_t dim
    for dim in range(ndim - 1, -1, -1):
        out_index[dim] = remaining % shape[dim]
        remaining = remaining // shape[dim]


cdef inline void broadcast_index(const int64_t* big_index, Py_ssize_t big_ndim, const int64_t* shape,
                                 Py_ssize_t ndim, int64_t* out_index) noexcept nogil:
    cdef Py_ssize_t offset = big_ndim - ndim
    cdef Py_ssize_t dim
    for dim in range(ndim):
        out_index[dim] = big_index[dim + offset] if shape[dim] > 1 else 0


cdef inline int check_dims(Py_ssize_t ndim) except -1:
    """Raise ValueError for a tensor with more dims than the index buffers hold."""
    if ndim > MAX_DIMS:
        raise ValueError(f"the cython backend takes tensors of at most {MAX_DIMS} dims, not {ndim}")
    return 0


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
