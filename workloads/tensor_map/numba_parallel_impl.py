"""Numba ``parallel=True``: map's naive and tuned chunk bodies (``numba_chunks``), ``prange`` over chunks.

The kernels here and in ``numba_impl`` are the same code but for ``prange`` where that
module has ``range``: the same chunk functions, chunk counts (``CHUNKS_PER_THREAD`` per
thread) and ``kernel_options()``, so numba -> numba_parallel changes only the threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import get_num_threads, njit, prange

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.numba_elementwise import chunked_kernel, kernel_options
from workloads.lib.tensor_core.numba_helpers import op_kernels
from workloads.lib.tensor_core.operators import UNARY_CODES

from .inputs import MapInputs
from .numba_chunks import naive_chunk, naive_chunks, tuned_chunk, tuned_chunks


def kernels_for(op: int) -> tuple[Any, Any]:
    """The naive and tuned kernels with the op a constant: Numba compiles that op's code alone."""

    @njit(parallel=True, cache=True, **kernel_options())
    def naive_map(
        out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
        source: np.ndarray, source_shape: np.ndarray, source_strides: np.ndarray,
        chunks_wanted: int,
    ) -> None:
        chunks = naive_chunks((out, out_shape, out_strides), (source, source_shape, source_strides), chunks_wanted)
        for chunk in prange(chunks):
            naive_chunk(chunk, chunks, op, (out, out_shape, out_strides), (source, source_shape, source_strides))

    @njit(parallel=True, cache=True, **kernel_options())
    def tuned_map(
        out: np.ndarray, out_shape: np.ndarray, out_strides: np.ndarray,
        source: np.ndarray, source_shape: np.ndarray, source_strides: np.ndarray,
        chunks_wanted: int,
    ) -> None:
        chunks = tuned_chunks((out, out_shape, out_strides), (source, source_shape, source_strides), chunks_wanted)
        for chunk in prange(chunks):
            tuned_chunk(chunk, chunks, op, (out, out_shape, out_strides), (source, source_shape, source_strides))

    return naive_map, tuned_map


# one pair a module-level name, so that ``harness profile`` finds them and swaps them for
# their ``py_func``; ``prepare`` looks them up when called (``op_kernels``)
naive_map_neg, tuned_map_neg = kernels_for(UNARY_CODES["neg"])
naive_map_exp, tuned_map_exp = kernels_for(UNARY_CODES["exp"])
naive_map_relu, tuned_map_relu = kernels_for(UNARY_CODES["relu"])
naive_map_sigmoid, tuned_map_sigmoid = kernels_for(UNARY_CODES["sigmoid"])


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    return chunked_kernel(op_kernels(globals(), "map", UNARY_CODES), inputs, get_num_threads, steps)
