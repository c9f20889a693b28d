"""Numba ``njit``, one thread: zip's naive and tuned chunk bodies (``numba_chunks``), chunk after chunk.

The kernels here and in ``numba_parallel_impl`` are the same code but for ``range``
where that module has ``prange``: the same chunk functions, chunk counts and
``kernel_options()``, so numba -> numba_parallel changes only the threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.numba_elementwise import chunked_kernel, kernel_options, one_thread

from .inputs import ZipInputs
from .numba_chunks import naive_chunk, naive_chunks, tuned_chunk, tuned_chunks


@njit(cache=True, **kernel_options())
def naive_zip(
    code: int,
    out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
    left: np.ndarray, left_shape: np.ndarray, left_strides: np.ndarray,
    right: np.ndarray, right_shape: np.ndarray, right_strides: np.ndarray,
    chunks_wanted: int,
) -> None:
    chunks = naive_chunks((out, out_shape, out_strides), (left, left_shape, left_strides),
                          (right, right_shape, right_strides), chunks_wanted)
    for chunk in range(chunks):
        naive_chunk(chunk, chunks, code, (out, out_shape, out_strides), (left, left_shape, left_strides),
                    (right, right_shape, right_strides))


@njit(cache=True, **kernel_options())
def tuned_zip(
    code: int,
    out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
    left: np.ndarray, left_shape: np.ndarray, left_strides: np.ndarray,
    right: np.ndarray, right_shape: np.ndarray, right_strides: np.ndarray,
    chunks_wanted: int,
) -> None:
    chunks = tuned_chunks((out, out_shape, out_strides), (left, left_shape, left_strides),
                          (right, right_shape, right_strides), chunks_wanted)
    for chunk in range(chunks):
        tuned_chunk(chunk, chunks, code, (out, out_shape, out_strides), (left, left_shape, left_strides),
                    (right, right_shape, right_strides))


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    return chunked_kernel({"naive": naive_zip, "tuned": tuned_zip}, inputs, one_thread, steps)
