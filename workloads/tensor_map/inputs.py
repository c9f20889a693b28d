"""Inputs of tensor_map: one float64 matrix, contiguous or a transposed view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.core.workload import Params
from workloads.lib.tensor_core import StridedTensor, matrix_shape, rng_for
from workloads.lib.tensor_core.algorithm import DEFAULT_ALGORITHM, algorithm_of
from workloads.lib.tensor_core.operators import UNARY_CODES, check_name

LAYOUTS = ("contiguous", "transposed")


@dataclass(frozen=True)
class MapInputs:
    source: StridedTensor
    op: str
    algorithm: str = DEFAULT_ALGORITHM

    @property
    def code(self) -> int:
        return UNARY_CODES[self.op]

    def output(self) -> StridedTensor:
        """A fresh contiguous output of the source's shape."""
        return StridedTensor.zeros(self.source.shape.tolist())

    def kernel_args(self, output: StridedTensor) -> tuple[Any, ...]:
        """What compiled kernels take: the op code, then storage, shape and strides of the output and operands."""
        tensors = (output, self.source)
        return (self.code, *(part for tensor in tensors for part in (tensor.storage, tensor.shape, tensor.strides)))


def make_source(elements: int, layout: str, params: Params) -> StridedTensor:
    """A (rows, cols) matrix of standard normals, contiguous or a transposed (cols, rows) one."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from: {', '.join(LAYOUTS)}")
    rows, cols = matrix_shape(elements)
    rng = rng_for(params, salt=1)
    if layout == "contiguous":
        return StridedTensor.contiguous(rng.standard_normal((rows, cols)))
    return StridedTensor.contiguous(rng.standard_normal((cols, rows))).permute(1, 0)


def make_inputs(params: Params) -> MapInputs:
    op = str(params["op"])
    check_name("unary", op, UNARY_CODES)
    algorithm = algorithm_of(params)
    source = make_source(int(params["elements"]), str(params.get("layout", "contiguous")), params)
    return MapInputs(source=source, op=op, algorithm=algorithm)
