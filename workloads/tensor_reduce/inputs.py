"""Inputs of tensor_reduce: a matrix (contiguous or a transposed view), the dim to reduce, the algorithm."""

from __future__ import annotations

from dataclasses import dataclass

from harness.core.workload import Params
from workloads.lib.tensor_core import StridedTensor
from workloads.lib.tensor_core.algorithm import DEFAULT_ALGORITHM, algorithm_of
from workloads.lib.tensor_core.operators import REDUCE_CODES, REDUCE_STARTS, check_name
from workloads.tensor_map.inputs import LAYOUTS, make_source


@dataclass(frozen=True)
class ReduceInputs:
    source: StridedTensor
    op: str
    dim: int
    algorithm: str = DEFAULT_ALGORITHM

    @property
    def code(self) -> int:
        return REDUCE_CODES[self.op]

    @property
    def start(self) -> float:
        """The reduction's identity: 0 for sum, -inf for max."""
        return REDUCE_STARTS[self.op]

    def output(self) -> StridedTensor:
        """A fresh contiguous output: the source's shape with the reduced dim set to 1."""
        shape = self.source.shape.tolist()
        shape[self.dim] = 1
        return StridedTensor.zeros(shape)


def normalise_dim(dim: int, ndim: int) -> int:
    """``dim`` in range(ndim), counting negative dims from the end as NumPy does."""
    if not -ndim <= dim < ndim:
        raise ValueError(f"dim {dim} is out of range for a {ndim}-dimensional tensor")
    return dim % ndim


def make_inputs(params: Params) -> ReduceInputs:
    op = str(params["op"])
    check_name("reduce", op, REDUCE_CODES)
    source = make_source(int(params["elements"]), str(params.get("layout", "contiguous")), params)
    dim = normalise_dim(int(params.get("dim", -1)), source.ndim)
    return ReduceInputs(source=source, op=op, dim=dim, algorithm=algorithm_of(params))


__all__ = ["LAYOUTS", "ReduceInputs", "make_inputs", "normalise_dim"]
