# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
# distutils: extra_compile_args = -mtune=generic -mtune-ctrl=avoid_fma_chains
"""Cython: both algorithms, serial.

- naive: MiniTorch's triple loop (i, j, then k innermost), like numba's naive kernel.
- tuned: the blocked, packed i-k-j kernel of ``numba_bodies`` ported: (batch, ``ROWS``-row
  block) tasks, the right operand's ``DEPTH`` x ``COLS`` panel packed contiguous, a
  ``ROWS`` x ``COLS`` accumulator tile, and four rows and four k per pass of the j loop
  (4x4 register blocking), which GCC vectorises at ``-O3``.

Summation order: the tuned kernel adds each output's products in Numba's tuned order
(blocks of ``DEPTH`` k, sums ``a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3`` added to the tile), with fused
multiply-adds where the CPU has them: the extension is built as the c backend's kernels
are (``harness.core.c_build.OPTIMISE``: for the host CPU, ``-ffp-contract=fast``), so GCC
contracts ``a * b + c`` into an FMA as Numba's kernel does under
``fastmath={"contract"}``. Its ``# distutils`` line asks for the c kernel's tuning
(``c_build.GENERIC_TUNING``, dropped by setup.py where the compiler does not take it). The python backend rounds every product before it adds it;
the orders differ by rounding, within the workload's tolerance.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

from harness.core.workload import Kernel

from workloads.matmul import blocking
from workloads.matmul.inputs import batch_strides

# blocking's sizes as compile-time constants, as the c backend's #defines are, so that GCC
# sees the same constant row and panel strides in both (module variables might change
# under any store through a pointer, as far as GCC knows, and are reloaded)
cdef enum:
    ROWS = 128
    DEPTH = 128
    COLS = 128
if (ROWS, DEPTH, COLS) != (blocking.ROWS, blocking.DEPTH, blocking.COLS):
    raise ImportError(f"{__name__} is built with ROWS, DEPTH, COLS = {ROWS}, {DEPTH}, {COLS}, but "
                      f"matmul.blocking has {blocking.ROWS}, {blocking.DEPTH}, {blocking.COLS}: "
                      "change the enum in cython_impl.pyx and rebuild (pip install -e .)")


cpdef void naive_matmul(double[::1] out, const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                        const double[::1] left, const int64_t[::1] left_strides,
                        const double[::1] right, const int64_t[::1] right_strides,
                        int64_t left_batch, int64_t right_batch, int64_t inner):
    """out[b, i, j] = sum_k left[b, i, k] * right[b, k, j], batch dims broadcast."""
    cdef int64_t batch, i, j, k, left_position, right_position
    cdef int64_t left_step = left_strides[2], right_step = right_strides[1]
    cdef double total
    with nogil:
        for batch in range(out_shape[0]):
            for i in range(out_shape[1]):
                for j in range(out_shape[2]):
                    left_position = batch * left_batch + i * left_strides[1]
                    right_position = batch * right_batch + j * right_strides[2]
                    total = 0.0
                    for k in range(inner):
                        total += (left[left_position + k * left_step]
                                  * right[right_position + k * right_step])
                    out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


cpdef void tuned_matmul(double[::1] out, const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                        const double[::1] left, const int64_t[::1] left_strides,
                        const double[::1] right, const int64_t[::1] right_strides,
                        int64_t left_batch, int64_t right_batch, int64_t inner):
    """The same product, (batch, row block) task by task, with one panel and tile buffer."""
    cdef double* panel = <double*> malloc(DEPTH * COLS * sizeof(double))
    cdef double* tile = <double*> malloc(ROWS * COLS * sizeof(double))
    cdef int64_t task, blocks = (out_shape[1] + ROWS - 1) // ROWS
    try:
        if panel == NULL or tile == NULL:
            raise MemoryError("no memory for the matmul panel and tile")
        with nogil:
            for task in range(out_shape[0] * blocks):
                tuned_task(out, out_shape, out_strides, left, left_strides, right, right_strides,
                           left_batch, right_batch, inner, task // blocks, (task % blocks) * ROWS,
                           panel, tile)
    finally:
        free(panel)
        free(tile)


cdef void tuned_task(double[::1] out, const int64_t[::1] out_shape, const int64_t[::1] out_strides,
                     const double[::1] left, const int64_t[::1] left_strides,
                     const double[::1] right, const int64_t[::1] right_strides,
                     int64_t left_batch, int64_t right_batch, int64_t inner, int64_t batch, int64_t row0,
                     double* panel, double* tile) noexcept nogil:
    """Rows row0 .. row0 + ROWS of ``batch``, panel by panel of ``COLS`` columns."""
    cdef int64_t block_rows = min(ROWS, out_shape[1] - row0), cols = out_shape[2]
    cdef int64_t col0, k0, width, depth, i, j, out_start, col_panel, k_step
    for col_panel in range((cols + COLS - 1) // COLS):  # C loops step by 1: count the panels
        col0 = col_panel * COLS
        width = min(COLS, cols - col0)
        for i in range(block_rows):
            for j in range(width):
                tile[i * COLS + j] = 0.0
        for k_step in range((inner + DEPTH - 1) // DEPTH):
            k0 = k_step * DEPTH
            depth = min(DEPTH, inner - k0)
            pack_panel(right, batch * right_batch + k0 * right_strides[1] + col0 * right_strides[2],
                       right_strides[1], right_strides[2], depth, width, panel)
            multiply_panel(left, batch * left_batch + row0 * left_strides[1] + k0 * left_strides[2],
                           left_strides[1], left_strides[2], block_rows, depth, width, panel, tile)
        out_start = batch * out_strides[0] + row0 * out_strides[1] + col0 * out_strides[2]
        for i in range(block_rows):
            for j in range(width):
                out[out_start + i * out_strides[1] + j * out_strides[2]] = tile[i * COLS + j]


cdef inline void pack_panel(const double[::1] right, int64_t start, int64_t row_stride, int64_t col_stride,
                            int64_t depth, int64_t width, double* panel) noexcept nogil:
    """Copy a depth x width block of the right operand into the contiguous ``panel`` (rows of COLS)."""
    cdef int64_t k, j
    for k in range(depth):
        for j in range(width):
            panel[k * COLS + j] = right[start + k * row_stride + j * col_stride]


cdef inline void multiply_row(double coefficient, const double* panel_row, double* row,
                              int64_t width) noexcept nogil:
    """row[j] += coefficient * panel_row[j]."""
    cdef int64_t j
    for j in range(width):
        row[j] += coefficient * panel_row[j]


cdef inline (double, double, double, double) four(const double[::1] left, int64_t start,
                                                  int64_t stride) noexcept nogil:
    """left at start and the next three steps of ``stride``."""
    return left[start], left[start + stride], left[start + 2 * stride], left[start + 3 * stride]


cdef inline void multiply_panel(const double[::1] left, int64_t start, int64_t row_stride, int64_t col_stride,
                                int64_t rows, int64_t depth, int64_t width, const double* panel,
                                double* tile) noexcept nogil:
    """tile[i, :width] += left[i, k] * panel[k, :width]; four rows and four k per pass of j."""
    cdef int64_t quad, k, j, i, start0, start1, start2, start3
    cdef double a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33
    cdef double b0, b1, b2, b3
    cdef double* row0
    cdef double* row1
    cdef double* row2
    cdef double* row3
    cdef const double* panel0
    cdef const double* panel1
    cdef const double* panel2
    cdef const double* panel3
    for quad in range(rows // 4):
        start0 = start + 4 * quad * row_stride
        start1 = start0 + row_stride
        start2 = start1 + row_stride
        start3 = start2 + row_stride
        row0 = tile + 4 * quad * COLS
        row1 = row0 + COLS
        row2 = row1 + COLS
        row3 = row2 + COLS
        for k in range(0, depth - 3, 4):
            a00, a01, a02, a03 = four(left, start0 + k * col_stride, col_stride)
            a10, a11, a12, a13 = four(left, start1 + k * col_stride, col_stride)
            a20, a21, a22, a23 = four(left, start2 + k * col_stride, col_stride)
            a30, a31, a32, a33 = four(left, start3 + k * col_stride, col_stride)
            panel0 = panel + k * COLS
            panel1 = panel0 + COLS
            panel2 = panel1 + COLS
            panel3 = panel2 + COLS
            for j in range(width):
                b0 = panel0[j]
                b1 = panel1[j]
                b2 = panel2[j]
                b3 = panel3[j]
                row0[j] += a00 * b0 + a01 * b1 + a02 * b2 + a03 * b3
                row1[j] += a10 * b0 + a11 * b1 + a12 * b2 + a13 * b3
                row2[j] += a20 * b0 + a21 * b1 + a22 * b2 + a23 * b3
                row3[j] += a30 * b0 + a31 * b1 + a32 * b2 + a33 * b3
        for k in range(depth - depth % 4, depth):
            multiply_row(left[start0 + k * col_stride], panel + k * COLS, row0, width)
            multiply_row(left[start1 + k * col_stride], panel + k * COLS, row1, width)
            multiply_row(left[start2 + k * col_stride], panel + k * COLS, row2, width)
            multiply_row(left[start3 + k * col_stride], panel + k * COLS, row3, width)
    for i in range(rows - rows % 4, rows):
        start0 = start + i * row_stride
        for k in range(depth):
            multiply_row(left[start0 + k * col_stride], panel + k * COLS, tile + i * COLS, width)


def prepare(inputs, params, steps):
    output, left, right = inputs.output(), inputs.left, inputs.right
    left_batch, right_batch = batch_strides(inputs)
    args = (output.storage, output.shape, output.strides, left.storage, left.strides,
            right.storage, right.strides, left_batch, right_batch, int(left.shape[2]))
    cdef object kernel = naive_matmul if inputs.algorithm == "naive" else tuned_matmul  # the Python callable

    def call():
        kernel(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
