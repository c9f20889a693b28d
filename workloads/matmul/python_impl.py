"""Pure Python: MiniTorch's batched triple loop with batch stride 0 broadcasting, on lists."""

from __future__ import annotations

from harness.workload import Kernel, StepTimer
from workloads.tensor_core import python_limit

from .inputs import MatmulInputs, batch_strides


def matmul(
    out: list[float],
    out_shape: list[int],
    out_strides: list[int],
    left: tuple[list[float], list[int], list[int]],
    right: tuple[list[float], list[int], list[int]],
    batch_steps: tuple[int, int],
) -> None:
    """out[b, i, j] = sum_k left[b, i, k] * right[b, k, j], batch dims broadcast."""
    left_storage, left_shape, left_strides = left
    right_storage, _, right_strides = right
    left_batch, right_batch = batch_steps
    for batch in range(out_shape[0]):
        for i in range(out_shape[1]):
            for j in range(out_shape[2]):
                left_position = batch * left_batch + i * left_strides[1]
                right_position = batch * right_batch + j * right_strides[2]
                total = 0.0
                for _ in range(left_shape[2]):
                    total += left_storage[left_position] * right_storage[right_position]
                    left_position += left_strides[2]
                    right_position += right_strides[1]
                out[batch * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = total


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.multiply_adds,
        params,
        limit=python_limit.PYTHON_MAX_MULTIPLY_ADDS,
        what="multiply-adds",
    )
    output = inputs.output()
    with steps("to_lists"):
        left, right = inputs.left.as_lists(), inputs.right.as_lists()
        out, out_shape, out_strides = output.as_lists()
    batch_steps = batch_strides(inputs)

    def call() -> list[float]:
        matmul(out, out_shape, out_strides, left, right, batch_steps)
        return out

    return Kernel(call=call, fetch=output.reshape_values)
