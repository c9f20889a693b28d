"""Numba ``njit``: the seed's per-element loop (to_index, broadcast_index, positions), compiled."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from harness.workload import Kernel, StepTimer
from workloads.tensor_core.numba_helpers import (
    apply_unary,
    broadcast_index,
    compile_for,
    index_to_position,
    to_index,
)

from .inputs import MapInputs


@njit(cache=True)
def tensor_map(
    code: int,
    out: np.ndarray,
    out_shape: np.ndarray,
    out_strides: np.ndarray,
    in_storage: np.ndarray,
    in_shape: np.ndarray,
    in_strides: np.ndarray,
) -> None:
    out_index = np.empty(len(out_shape), np.int64)
    in_index = np.empty(len(in_shape), np.int64)
    for ordinal in range(out.size):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        position = index_to_position(out_index, out_strides)
        out[position] = apply_unary(code, in_storage[index_to_position(in_index, in_strides)])


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    source, output, code = inputs.source, inputs.output(), inputs.code
    args: tuple[Any, ...] = (code, output.storage, output.shape, output.strides)
    args += (source.storage, source.shape, source.strides)
    with steps("compile"):
        compile_for(tensor_map, args)

    def call() -> np.ndarray:
        tensor_map(*args)
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values)
