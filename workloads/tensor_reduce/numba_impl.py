"""Numba ``njit``: the seed's reduce loop (to_index per output, fn per element), compiled."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import (
    apply_reduce,
    compile_for,
    index_to_position,
    to_index,
)

from .inputs import ReduceInputs


@njit(cache=True)
def tensor_reduce(
    code: int,
    start: float,
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    source: np.ndarray,
    source_shape: np.ndarray,
    source_strides: np.ndarray,
    dim: int,
) -> None:
    out_index = np.empty(len(out_shape), np.int64)
    for ordinal in range(out.size):
        to_index(ordinal, out_shape, out_index)
        accumulator = start
        for k in range(source_shape[dim]):
            out_index[dim] = k
            value = source[index_to_position(out_index, source_strides)]
            accumulator = apply_reduce(code, accumulator, value)
        out_index[dim] = 0
        out[index_to_position(out_index, out_strides)] = accumulator


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    source, output = inputs.source, inputs.output()
    args: tuple[Any, ...] = (
        inputs.code,
        inputs.start,
        output.storage,
        output.shape,
        output.strides,
    )
    args += (source.storage, source.shape, source.strides, inputs.dim)
    with steps("compile"):
        compile_for(tensor_reduce, args)

    def call() -> np.ndarray:
        tensor_reduce(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
