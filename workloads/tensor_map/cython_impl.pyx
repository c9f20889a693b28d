# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: map's naive and tuned algorithms, with the cdef inline helpers of ``tensor_core``'s .pxd files.

The same chunks and loops as the numba backends (``numba_chunks``), one thread:

- naive: MiniTorch's map loop (``to_index``, ``broadcast_index``, ``index_to_position``
  for every element), over chunks of output ordinals.
- tuned: when input and output are laid out alike, a plain unit-stride loop with no
  indexing, written out once per op so that no dispatch stays in it; otherwise chunks
  of rows: start positions once a row, then the last dimension with constant strides.

exp and sigmoid: as in Numba, the unit-stride loop uses the polynomial exp
(``cexp.pxd``, a port of ``numba_exp``) and the strided loops libm's. The polynomial is
part of the tuned algorithm (it is what lets the loop vectorise), so Cython runs the
same arithmetic and the comparison with numba measures the compilers, not two exps.
The extension is built as the c backend's kernels are (``harness.core.c_build.OPTIMISE``):
for the host CPU, as Numba compiles, and with ``-fno-trapping-math``, which lets GCC
turn the exp's selects into vector compares, as LLVM does for Numba (LLVM assumes by default that floating-point
operations do not trap; GCC does not). No result changes: CPython runs with
floating-point traps off.

Index buffers are arrays on the stack, as in the c kernels (``cindexing.pxd``); the
whole call runs without the GIL.
"""

from libc.stdint cimport int64_t

from harness.core.workload import Kernel
from workloads.lib.tensor_core.elementwise import CHUNKS_PER_THREAD
from workloads.lib.tensor_core.celementwise cimport chunk_count, chunk_start, last_step, row_count, same_layout
from workloads.lib.tensor_core.cexp cimport apply_unary_vectorisable
from workloads.lib.tensor_core.cindexing cimport (
    MAX_DIMS,
    apply_unary,
    broadcast_index,
    check_dims,
    index_to_position,
    to_index,
)


cpdef void naive_map(int code, double[::1] out, const int64_t[::1] out_shape,
                     const int64_t[::1] out_strides, const double[::1] in_storage,
                     const int64_t[::1] in_shape, const int64_t[::1] in_strides,
                     Py_ssize_t chunks_wanted):
    """out[o] = op(in[j]) for every output index, MiniTorch's loop, chunk by chunk."""
    cdef Py_ssize_t chunks = chunk_count(out.shape[0], chunks_wanted)
    cdef Py_ssize_t chunk
    check_dims(out_shape.shape[0])
    with nogil:
        for chunk in range(chunks):
            naive_chunk(chunk_start(chunk, chunks, out.shape[0]), chunk_start(chunk + 1, chunks, out.shape[0]),
                        code, out, out_shape, out_strides, in_storage, in_shape, in_strides)


cdef void naive_chunk(Py_ssize_t start, Py_ssize_t end, int code, double[::1] out,
                      const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                      const double[::1] in_storage, const int64_t[::1] in_shape,
                      const int64_t[::1] in_strides) noexcept nogil:
    cdef int64_t out_index[MAX_DIMS]
    cdef int64_t in_index[MAX_DIMS]
    cdef Py_ssize_t out_ndim = out_shape.shape[0], in_ndim = in_shape.shape[0]
    cdef Py_ssize_t ordinal
    for ordinal in range(start, end):
        to_index(ordinal, &out_shape[0], out_ndim, out_index)
        broadcast_index(out_index, out_ndim, &in_shape[0], in_ndim, in_index)
        out[index_to_position(out_index, &out_strides[0], out_ndim)] = apply_unary(
            code, in_storage[index_to_position(in_index, &in_strides[0], in_ndim)]
        )


cpdef void tuned_map(int code, double[::1] out, const int64_t[::1] out_shape,
                     const int64_t[::1] out_strides, const double[::1] in_storage,
                     const int64_t[::1] in_shape, const int64_t[::1] in_strides,
                     Py_ssize_t chunks_wanted):
    """The same result with no indexing on the same-layout fast path, else once per row."""
    cdef bint aligned = same_layout(out_shape, out_strides, in_shape, in_strides)
    cdef Py_ssize_t units = out.shape[0] if aligned else row_count(out_shape)
    cdef Py_ssize_t chunks = chunk_count(units, chunks_wanted)
    cdef Py_ssize_t chunk, start, end
    check_dims(out_shape.shape[0])
    with nogil:
        for chunk in range(chunks):
            start, end = chunk_start(chunk, chunks, units), chunk_start(chunk + 1, chunks, units)
            if aligned:
                unit_stride_part(code, &out[start], &in_storage[start], end - start)
            else:
                row_run(start, end, code, out, out_shape, out_strides, in_storage, in_shape, in_strides)


cdef inline void unit_stride_part(int code, double* out, const double* source, Py_ssize_t count) noexcept nogil:
    """out = f(source) over ``count`` elements, the loop written out once per op (a constant code)."""
    if code == 0:
        unit_stride_loop(0, out, source, count)
    elif code == 1:
        unit_stride_loop(1, out, source, count)
    elif code == 2:
        unit_stride_loop(2, out, source, count)
    else:
        unit_stride_loop(3, out, source, count)


cdef inline void unit_stride_loop(int code, double* out, const double* source, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t position
    for position in range(count):
        out[position] = apply_unary_vectorisable(code, source[position])


cdef void row_run(Py_ssize_t first_row, Py_ssize_t end_row, int code, double[::1] out,
                  const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                  const double[::1] in_storage, const int64_t[::1] in_shape,
                  const int64_t[::1] in_strides) noexcept nogil:
    """Rows ``first_row`` to ``end_row``: start positions once a row, then constant strides."""
    cdef int64_t out_index[MAX_DIMS]
    cdef int64_t in_index[MAX_DIMS]
    cdef Py_ssize_t ndim = out_shape.shape[0], in_ndim = in_shape.shape[0]
    cdef int64_t last = out_shape[ndim - 1], out_step = out_strides[ndim - 1]
    cdef int64_t in_step = last_step(in_shape, in_strides)
    cdef int64_t out_start, in_start
    cdef Py_ssize_t row, column
    for row in range(first_row, end_row):
        to_index(row * last, &out_shape[0], ndim, out_index)
        broadcast_index(out_index, ndim, &in_shape[0], in_ndim, in_index)
        out_start = index_to_position(out_index, &out_strides[0], ndim)
        in_start = index_to_position(in_index, &in_strides[0], in_ndim)
        for column in range(last):
            out[out_start + column * out_step] = apply_unary(code, in_storage[in_start + column * in_step])


def prepare(inputs, params, steps):
    output = inputs.output()
    kernel = {"naive": naive_map, "tuned": tuned_map}[inputs.algorithm]
    args = (*inputs.kernel_args(output), CHUNKS_PER_THREAD)

    def call():
        kernel(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
