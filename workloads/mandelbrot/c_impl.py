"""C: the talk's loop in plain C, the per-core ceiling (``harness.core.c_build``).

The same loop as the Cython backend: real and imaginary parts in doubles, combined in
the order of Python's complex multiply, and compiled without fused multiply-adds
(``-ffp-contract=off``): with them, points on the set's boundary escape an iteration
early or late, and the escape counts of the talk's 1000 x 1000 run sum to 1,148,517
instead of its 1,148,485 (tests/workloads/test_mandelbrot.py).
"""

from __future__ import annotations

import ctypes

import numpy as np

from harness.core.c_build import BoundCall, build_info, load
from harness.core.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs

NO_CONTRACTION = ("-ffp-contract=off",)
SOURCE = r"""
#include <stdint.h>

void calculate_z(const double *q_real, const double *q_imag, int64_t n, int64_t maxiter, int64_t *output)
{
    for (int64_t i = 0; i < n; i++) {
        double c_real = q_real[i], c_imag = q_imag[i], z_real = 0.0, z_imag = 0.0;
        output[i] = 0;
        for (int64_t iteration = 0; iteration < maxiter; iteration++) {
            double next_real = z_real * z_real - z_imag * z_imag + c_real;
            z_imag = z_real * z_imag + z_imag * z_real + c_imag;
            z_real = next_real;
            if (z_real * z_real + z_imag * z_imag > 4.0) {
                output[i] = iteration;
                break;
            }
        }
    }
}
"""


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("compile"):
        function = load("mandelbrot", SOURCE, NO_CONTRACTION).calculate_z
        function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
        function.restype = None
    with steps("to_arrays"):
        q_real, q_imag = inputs.as_arrays()
        output = np.zeros(q_real.size, dtype=np.int64)
    arguments = (q_real.ctypes.data, q_imag.ctypes.data, q_real.size, inputs.maxiter, output.ctypes.data)
    call = BoundCall(function, arguments, keep_alive=(q_real, q_imag, output), result=output)
    return Kernel(call=call, fetch=np.copy, info=build_info(NO_CONTRACTION))
