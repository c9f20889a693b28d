"""numba-cuda: one thread per point; transfers and kernel timed apart, kernel with CUDA events."""

from __future__ import annotations

import numpy as np
from numba import cuda

from harness.core.cuda_launch import launched_kernel
from harness.core.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs
from .point import escape_count

THREADS_PER_BLOCK = 256


point_escape_count = cuda.jit(device=True)(escape_count)


@cuda.jit(cache=True)
def calculate_z_kernel(q_real, q_imag, maxiter, output):  # type: ignore[no-untyped-def]
    i = cuda.grid(1)
    if i < q_real.size:
        output[i] = point_escape_count(q_real[i], q_imag[i], maxiter)


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    with steps("to_arrays"):
        q_real, q_imag = inputs.as_arrays()
    with steps("to_device"):
        d_real = cuda.to_device(q_real)
        d_imag = cuda.to_device(q_imag)
        d_output = cuda.device_array(q_real.size, dtype=np.int64)
        cuda.synchronize()
    blocks = (q_real.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    launch = calculate_z_kernel[blocks, THREADS_PER_BLOCK]
    args = (d_real, d_imag, inputs.maxiter, d_output)
    return launched_kernel(launch, args, d_output, {"threads_per_block": THREADS_PER_BLOCK, "blocks": blocks})
