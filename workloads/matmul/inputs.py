"""Inputs of matmul: a batch of square matrices, a batch (or a single broadcast matrix), the algorithm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.core.workload import Params
from workloads.lib.tensor_core import StridedTensor, rng_for
from workloads.lib.tensor_core.algorithm import DEFAULT_ALGORITHM, algorithm_of

LAYOUTS = ("contiguous", "broadcast")


@dataclass(frozen=True)
class MatmulInputs:
    left: StridedTensor
    right: StridedTensor
    algorithm: str = DEFAULT_ALGORITHM

    def output(self) -> StridedTensor:
        """A fresh contiguous (batch, rows, cols) output; batch broadcast MiniTorch-style."""
        batch = max(int(self.left.shape[0]), int(self.right.shape[0]))
        return StridedTensor.zeros((batch, int(self.left.shape[1]), int(self.right.shape[2])))

    @property
    def multiply_adds(self) -> int:
        out = self.output()
        return out.size * int(self.left.shape[2])


def batch_strides(inputs: MatmulInputs) -> tuple[int, int]:
    """Batch strides of left and right, 0 where the batch dim is 1 (MiniTorch's broadcast)."""
    left, right = inputs.left, inputs.right
    left_batch = int(left.strides[0]) if left.shape[0] > 1 else 0
    right_batch = int(right.strides[0]) if right.shape[0] > 1 else 0
    return left_batch, right_batch


def check_shapes(left_shape: tuple[int, ...], right_shape: tuple[int, ...]) -> None:
    """Raise ValueError unless both are 3-D, inner sizes agree and batches broadcast."""
    if len(left_shape) != 3 or len(right_shape) != 3:
        raise ValueError(f"matmul takes (batch, n, m) tensors, got {left_shape} and {right_shape}")
    if left_shape[2] != right_shape[1]:
        raise ValueError(f"matmul shapes {left_shape} and {right_shape}: inner sizes differ")
    left_batch, right_batch = left_shape[0], right_shape[0]
    if left_batch != right_batch and 1 not in (left_batch, right_batch):
        raise ValueError(f"matmul shapes {left_shape} and {right_shape}: batches do not broadcast")


def make_pair(left: np.ndarray, right: np.ndarray, algorithm: str = DEFAULT_ALGORITHM) -> MatmulInputs:
    check_shapes(left.shape, right.shape)
    return MatmulInputs(StridedTensor.contiguous(left), StridedTensor.contiguous(right), algorithm)


def make_inputs(params: Params) -> MatmulInputs:
    """Standard normals; ``broadcast`` gives the right operand a batch dim of 1."""
    layout = str(params.get("layout", "contiguous"))
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from: {', '.join(LAYOUTS)}")
    algorithm = algorithm_of(params)
    n, batch = int(params["n"]), int(params.get("batch", 2))
    rng = rng_for(params, salt=4)
    left = rng.standard_normal((batch, n, n))
    right = rng.standard_normal((batch if layout == "contiguous" else 1, n, n))
    return make_pair(left, right, algorithm)
