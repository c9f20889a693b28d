"""Inputs of tensor_zip: a matrix and either a matrix of the same shape or a row vector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.core.workload import Params
from workloads.lib.tensor_core import StridedTensor, matrix_shape, rng_for, shape_broadcast
from workloads.lib.tensor_core.algorithm import DEFAULT_ALGORITHM, algorithm_of
from workloads.lib.tensor_core.operators import BINARY_CODES, check_name

LAYOUTS = ("contiguous", "broadcast")


@dataclass(frozen=True)
class ZipInputs:
    left: StridedTensor
    right: StridedTensor
    op: str
    algorithm: str = DEFAULT_ALGORITHM

    @property
    def code(self) -> int:
        return BINARY_CODES[self.op]

    def output(self) -> StridedTensor:
        """A fresh contiguous output of the broadcast shape."""
        return StridedTensor.zeros(shape_broadcast(self.left.shape, self.right.shape))

    def kernel_args(self, output: StridedTensor) -> tuple[Any, ...]:
        """What compiled kernels take: the op code, then storage, shape and strides of the output and operands."""
        tensors = (output, self.left, self.right)
        return (self.code, *(part for tensor in tensors for part in (tensor.storage, tensor.shape, tensor.strides)))


def make_inputs(params: Params) -> ZipInputs:
    """Standard normals; ``broadcast`` makes the right operand a (1, cols) row vector."""
    op = str(params["op"])
    check_name("binary", op, BINARY_CODES)
    algorithm = algorithm_of(params)
    layout = str(params.get("layout", "contiguous"))
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from: {', '.join(LAYOUTS)}")
    rows, cols = matrix_shape(int(params["elements"]))
    rng = rng_for(params, salt=2)
    left = StridedTensor.contiguous(rng.standard_normal((rows, cols)))
    right_rows = rows if layout == "contiguous" else 1
    right = StridedTensor.contiguous(rng.standard_normal((right_rows, cols)))
    return ZipInputs(left=left, right=right, op=op, algorithm=algorithm)
