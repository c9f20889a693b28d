"""Pure Python: the seed's zip loop over output ordinals, on flat Python lists."""

from __future__ import annotations

from harness.workload import Kernel, StepTimer
from workloads.tensor_core import python_limit
from workloads.tensor_core.indexing import broadcast_index, index_to_position, to_index
from workloads.tensor_core.operators import BINARY_FUNCTIONS, BinaryFunction

from .inputs import ZipInputs


def tensor_zip(
    fn: BinaryFunction,
    out: list[float],
    out_shape: list[int],
    out_strides: list[int],
    left: tuple[list[float], list[int], list[int]],
    right: tuple[list[float], list[int], list[int]],
) -> None:
    """out[o] = fn(left[i], right[j]) for every output index, i and j found by broadcasting."""
    left_storage, left_shape, left_strides = left
    right_storage, right_shape, right_strides = right
    out_index = [0] * len(out_shape)
    left_index = [0] * len(left_shape)
    right_index = [0] * len(right_shape)
    for ordinal in range(len(out)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left_storage[index_to_position(left_index, left_strides)]
        y = right_storage[index_to_position(right_index, right_strides)]
        out[index_to_position(out_index, out_strides)] = fn(x, y)


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output = inputs.output()
    python_limit.check(output.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements")
    with steps("to_lists"):
        left, right = inputs.left.as_lists(), inputs.right.as_lists()
        out, out_shape, out_strides = output.as_lists()
    fn = BINARY_FUNCTIONS[inputs.op]

    def call() -> list[float]:
        tensor_zip(fn, out, out_shape, out_strides, left, right)
        return out

    return Kernel(call=call, fetch=output.reshape_values)
