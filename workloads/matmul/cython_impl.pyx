# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Cython: MiniTorch's triple loop (i, j, then k innermost), serial, like numba_impl."""

from libc.stdint cimport int64_t

from harness.workload import Kernel

from workloads.matmul.inputs import batch_strides


cpdef void matmul(double[::1] out, const int64_t[::1] out_shape, const int64_t[::1] out_strides,
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


def prepare(inputs, params, steps):
    output, left, right = inputs.output(), inputs.left, inputs.right
    left_batch, right_batch = batch_strides(inputs)
    args = (output.storage, output.shape, output.strides, left.storage, left.strides,
            right.storage, right.strides, left_batch, right_batch, int(left.shape[2]))

    def call():
        matmul(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
