"""Pure Python: the seed's loop over output ordinals, on flat Python lists."""

from __future__ import annotations

from harness.workload import Kernel, StepTimer
from workloads.tensor_core import python_limit
from workloads.tensor_core.indexing import broadcast_index, index_to_position, to_index
from workloads.tensor_core.operators import UNARY_FUNCTIONS, UnaryFunction

from .inputs import MapInputs


def tensor_map(
    fn: UnaryFunction,
    out: list[float],
    out_shape: list[int],
    out_strides: list[int],
    in_storage: list[float],
    in_shape: list[int],
    in_strides: list[int],
) -> None:
    """out[o] = fn(in[j]) for every output index, j found by broadcasting."""
    out_index = [0] * len(out_shape)
    in_index = [0] * len(in_shape)
    for ordinal in range(len(out)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        position = index_to_position(out_index, out_strides)
        out[position] = fn(in_storage[index_to_position(in_index, in_strides)])


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.source.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements"
    )
    with steps("to_lists"):
        in_storage, in_shape, in_strides = inputs.source.as_lists()
        output = inputs.output()
        out, out_shape, out_strides = output.as_lists()
    fn = UNARY_FUNCTIONS[inputs.op]

    def call() -> list[float]:
        tensor_map(fn, out, out_shape, out_strides, in_storage, in_shape, in_strides)
        return out

    return Kernel(call=call, fetch=output.reshape_values)
