"""Numba ``parallel=True``: map's naive and tuned chunk bodies (``numba_chunks``), ``prange`` over chunks.

The kernels here and in ``numba_impl`` are the same code but for ``prange`` where that
module has ``range``: the same chunk functions, chunk counts (``CHUNKS_PER_THREAD`` per
thread) and ``kernel_options()``, so numba -> numba_parallel changes only the threads.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.numba_elementwise import chunked_kernel, kernel_options

from .inputs import MapInputs
from .numba_chunks import naive_chunk, naive_chunks, tuned_chunk, tuned_chunks


@njit(parallel=True, cache=True, **kernel_options())
def naive_map(
    code: int,
    out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
    source: np.ndarray, source_shape: np.ndarray, source_strides: np.ndarray,
    chunks_wanted: int,
) -> None:
    chunks = naive_chunks((out, out_shape, out_strides), (source, source_shape, source_strides), chunks_wanted)
    for chunk in prange(chunks):
        naive_chunk(chunk, chunks, code, (out, out_shape, out_strides), (source, source_shape, source_strides))


@njit(parallel=True, cache=True, **kernel_options())
def tuned_map(
    code: int,
    out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
    source: np.ndarray, source_shape: np.ndarray, source_strides: np.ndarray,
    chunks_wanted: int,
) -> None:
    chunks = tuned_chunks((out, out_shape, out_strides), (source, source_shape, source_strides), chunks_wanted)
    for chunk in prange(chunks):
        tuned_chunk(chunk, chunks, code, (out, out_shape, out_strides), (source, source_shape, source_strides))


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    return chunked_kernel({"naive": naive_map, "tuned": tuned_map}, inputs, get_num_threads, steps)
