# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: zip's naive and tuned algorithms, with the cdef inline helpers of ``tensor_core``'s .pxd files.

The same chunks and loops as the numba backends (``numba_chunks``), one thread:

- naive: MiniTorch's zip loop (``to_index``, ``broadcast_index`` for each operand,
  ``index_to_position`` for every element), over chunks of output ordinals.
- tuned: when both operands are laid out like the output, a plain unit-stride loop with
  no indexing; otherwise chunks of rows: three start positions once a row, then the
  last dimension with constant strides, through a unit-stride loop when all three
  strides are 1 (a broadcast row vector). The unit-stride loop is written out once per
  op, so that no dispatch stays in it.

``-fno-trapping-math`` (one of the build's flags, ``harness.core.c_build.OPTIMISE``) lets
GCC turn ``lt``'s select into a vector compare, as LLVM does for Numba (LLVM assumes by default that floating-point operations
do not trap; GCC does not). No result changes: CPython runs with floating-point traps
off. Index buffers are arrays on the stack, as in the c kernels (``cindexing.pxd``); the
whole call runs without the GIL.
"""

from libc.stdint cimport int64_t

from harness.core.workload import Kernel
from workloads.lib.tensor_core.elementwise import CHUNKS_PER_THREAD
from workloads.lib.tensor_core.celementwise cimport chunk_count, chunk_start, last_step, row_count, same_layout
from workloads.lib.tensor_core.cindexing cimport (
    MAX_DIMS,
    apply_binary,
    broadcast_index,
    check_dims,
    index_to_position,
    to_index,
)


cpdef void naive_zip(int code, double[::1] out, const int64_t[::1] out_shape,
                     const int64_t[::1] out_strides, const double[::1] left,
                     const int64_t[::1] left_shape, const int64_t[::1] left_strides,
                     const double[::1] right, const int64_t[::1] right_shape,
                     const int64_t[::1] right_strides, Py_ssize_t chunks_wanted):
    """out[o] = op(left[i], right[j]) for every output index, MiniTorch's loop, chunk by chunk."""
    cdef Py_ssize_t chunks = chunk_count(out.shape[0], chunks_wanted)
    cdef Py_ssize_t chunk
    check_dims(out_shape.shape[0])
    with nogil:
        for chunk in range(chunks):
            naive_chunk(chunk_start(chunk, chunks, out.shape[0]), chunk_start(chunk + 1, chunks, out.shape[0]),
                        code, out, out_shape, out_strides, left, left_shape, left_strides,
                        right, right_shape, right_strides)


cdef void naive_chunk(Py_ssize_t start, Py_ssize_t end, int code, double[::1] out,
                      const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                      const double[::1] left, const int64_t[::1] left_shape,
                      const int64_t[::1] left_strides, const double[::1] right,
                      const int64_t[::1] right_shape, const int64_t[::1] right_strides) noexcept nogil:
    cdef int64_t out_index[MAX_DIMS]
    cdef int64_t left_index[MAX_DIMS]
    cdef int64_t right_index[MAX_DIMS]
    cdef Py_ssize_t out_ndim = out_shape.shape[0]
    cdef Py_ssize_t left_ndim = left_shape.shape[0], right_ndim = right_shape.shape[0]
    cdef Py_ssize_t ordinal
    cdef double x, y
    for ordinal in range(start, end):
        to_index(ordinal, &out_shape[0], out_ndim, out_index)
        broadcast_index(out_index, out_ndim, &left_shape[0], left_ndim, left_index)
        broadcast_index(out_index, out_ndim, &right_shape[0], right_ndim, right_index)
        x = left[index_to_position(left_index, &left_strides[0], left_ndim)]
        y = right[index_to_position(right_index, &right_strides[0], right_ndim)]
        out[index_to_position(out_index, &out_strides[0], out_ndim)] = apply_binary(code, x, y)


cpdef void tuned_zip(int code, double[::1] out, const int64_t[::1] out_shape,
                     const int64_t[::1] out_strides, const double[::1] left,
                     const int64_t[::1] left_shape, const int64_t[::1] left_strides,
                     const double[::1] right, const int64_t[::1] right_shape,
                     const int64_t[::1] right_strides, Py_ssize_t chunks_wanted):
    """The same result with no indexing on the same-layout fast path, else once per row."""
    cdef bint aligned = (same_layout(out_shape, out_strides, left_shape, left_strides)
                         and same_layout(out_shape, out_strides, right_shape, right_strides))
    cdef Py_ssize_t units = out.shape[0] if aligned else row_count(out_shape)
    cdef Py_ssize_t chunks = chunk_count(units, chunks_wanted)
    cdef Py_ssize_t chunk, start, end
    check_dims(out_shape.shape[0])
    with nogil:
        for chunk in range(chunks):
            start, end = chunk_start(chunk, chunks, units), chunk_start(chunk + 1, chunks, units)
            if aligned:
                unit_stride_part(code, &out[start], &left[start], &right[start], end - start)
            else:
                row_run(start, end, code, out, out_shape, out_strides, left, left_shape, left_strides,
                        right, right_shape, right_strides)


cdef inline void unit_stride_part(int code, double* out, const double* left, const double* right,
                                  Py_ssize_t count) noexcept nogil:
    """out = f(left, right) over ``count`` elements, the loop written out once per op (a constant code)."""
    if code == 0:
        unit_stride_loop(0, out, left, right, count)
    elif code == 1:
        unit_stride_loop(1, out, left, right, count)
    else:
        unit_stride_loop(2, out, left, right, count)


cdef inline void unit_stride_loop(int code, double* out, const double* left, const double* right,
                                  Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t position
    for position in range(count):
        out[position] = apply_binary(code, left[position], right[position])


cdef void row_run(Py_ssize_t first_row, Py_ssize_t end_row, int code, double[::1] out,
                  const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                  const double[::1] left, const int64_t[::1] left_shape,
                  const int64_t[::1] left_strides, const double[::1] right,
                  const int64_t[::1] right_shape, const int64_t[::1] right_strides) noexcept nogil:
    """Rows ``first_row`` to ``end_row``: start positions once a row, then constant strides."""
    cdef int64_t out_index[MAX_DIMS]
    cdef int64_t left_index[MAX_DIMS]
    cdef int64_t right_index[MAX_DIMS]
    cdef Py_ssize_t ndim = out_shape.shape[0]
    cdef Py_ssize_t left_ndim = left_shape.shape[0], right_ndim = right_shape.shape[0]
    cdef int64_t last = out_shape[ndim - 1], out_step = out_strides[ndim - 1]
    cdef int64_t left_step = last_step(left_shape, left_strides)
    cdef int64_t right_step = last_step(right_shape, right_strides)
    cdef int64_t out_start, left_start, right_start
    cdef Py_ssize_t row, column
    for row in range(first_row, end_row):
        to_index(row * last, &out_shape[0], ndim, out_index)
        broadcast_index(out_index, ndim, &left_shape[0], left_ndim, left_index)
        broadcast_index(out_index, ndim, &right_shape[0], right_ndim, right_index)
        out_start = index_to_position(out_index, &out_strides[0], ndim)
        left_start = index_to_position(left_index, &left_strides[0], left_ndim)
        right_start = index_to_position(right_index, &right_strides[0], right_ndim)
        if out_step == 1 and left_step == 1 and right_step == 1:
            unit_stride_part(code, &out[out_start], &left[left_start], &right[right_start], last)
        else:
            for column in range(last):
                out[out_start + column * out_step] = apply_binary(
                    code, left[left_start + column * left_step], right[right_start + column * right_step]
                )


def prepare(inputs, params, steps):
    output = inputs.output()
    kernel = {"naive": naive_zip, "tuned": tuned_zip}[inputs.algorithm]
    args = (*inputs.kernel_args(output), CHUNKS_PER_THREAD)

    def call():
        kernel(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
