# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# distutils: extra_compile_args = -ffp-contract=off
"""Cython: typed memoryviews, bounds checks off, complex math expanded into doubles.

Built with the c backend's flags but without fused multiply-adds (``-ffp-contract=off``,
after them, wins), as the c backend's loop is: with them, points on the set's boundary
escape an iteration early or late and the talk's escape counts are not reproduced
(``c_impl.py``).
"""

from libc.stdint cimport int64_t

import numpy as np

from harness.core.workload import Kernel


cpdef int64_t[::1] calculate_z(const double[::1] q_real, const double[::1] q_imag, int maxiter):
    cdef Py_ssize_t i, n = q_real.shape[0]
    cdef int iteration
    cdef double z_real, z_imag, c_real, c_imag, next_real
    output_array = np.zeros(n, dtype=np.int64)
    cdef int64_t[::1] output = output_array
    with nogil:
        for i in range(n):
            c_real = q_real[i]
            c_imag = q_imag[i]
            z_real = 0.0
            z_imag = 0.0
            for iteration in range(maxiter):
                next_real = z_real * z_real - z_imag * z_imag + c_real
                z_imag = z_real * z_imag + z_imag * z_real + c_imag
                z_real = next_real
                if z_real * z_real + z_imag * z_imag > 4.0:
                    output[i] = iteration
                    break
    return output


def prepare(inputs, params, steps):
    with steps("to_arrays"):
        q_real, q_imag = inputs.as_arrays()
    maxiter = inputs.maxiter
    return Kernel(call=lambda: calculate_z(q_real, q_imag, maxiter), fetch=np.asarray)
