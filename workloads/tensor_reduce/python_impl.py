"""Pure Python: the seed's reduce loop, one output ordinal at a time, on flat Python lists."""

from __future__ import annotations

from harness.workload import Kernel, StepTimer
from workloads.tensor_core import python_limit
from workloads.tensor_core.indexing import index_to_position, to_index
from workloads.tensor_core.operators import REDUCE_FUNCTIONS, BinaryFunction

from .inputs import ReduceInputs


def tensor_reduce(
    fn: BinaryFunction,
    start: float,
    out: list[float],
    out_shape: list[int],
    out_strides: list[int],
    source: tuple[list[float], list[int], list[int]],
    dim: int,
) -> None:
    """out[o] = fn(... fn(start, a[o, 0]), ..., a[o, n-1]) along ``dim``."""
    storage, shape, strides = source
    out_index = [0] * len(out_shape)
    for ordinal in range(len(out)):
        to_index(ordinal, out_shape, out_index)
        accumulator = start
        for k in range(shape[dim]):
            out_index[dim] = k
            accumulator = fn(accumulator, storage[index_to_position(out_index, strides)])
        out_index[dim] = 0
        out[index_to_position(out_index, out_strides)] = accumulator


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.source.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements"
    )
    output = inputs.output()
    with steps("to_lists"):
        source = inputs.source.as_lists()
        out, out_shape, out_strides = output.as_lists()
    fn, start, dim = REDUCE_FUNCTIONS[inputs.op], inputs.start, inputs.dim

    def call() -> list[float]:
        tensor_reduce(fn, start, out, out_shape, out_strides, source, dim)
        return out

    return Kernel(call=call, fetch=output.reshape_values)
