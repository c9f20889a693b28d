"""tensor_reduce: sum or max along one dimension of a strided tensor (MiniTorch ``reduce``).

The output keeps the reduced dimension with size 1 (MiniTorch's semantics, NumPy's
``keepdims=True``). Layouts: ``contiguous`` and ``transposed`` (a transposed view, so
reducing along the last dim walks memory with a large stride). ``dim`` defaults to the
last dimension; tests reduce along every dim.

``algorithm`` (``workloads.lib.tensor_core.algorithm``) picks what every backend but numpy
runs: ``naive``, MiniTorch's reduce (per output, the reduced dim walked through
``index_to_position``), or ``tuned`` (first positions found once per output, tiles of
neighbouring outputs for a strided dim, local accumulators). numpy runs its own
reductions for both.

Presets (small, since each case runs on six backends; every case names its algorithm):
``quick`` is sum contiguous and max transposed at 2^10, tuned, and sum contiguous naive;
``default`` times tuned sum along the last dim at 2^22 elements in both layouts and max
at 2^16, and max at 2^16 naive, so naive -> tuned is measured on every backend, python
included; ``full`` scales tuned sum from 2^12 to 2^24. The python backend declines cases
above 2^18 elements as unavailable (see ``workloads.lib.tensor_core.python_limit``) and runs
the 2^16 cases.
"""

from __future__ import annotations

from typing import Any

from harness.core.parameters import ParameterType
from harness.core.workload import Comparison, Params, Work, Workload
from workloads.lib.tensor_core.algorithm import DESCRIPTION as ALGORITHM_DESCRIPTION
from workloads.lib.tensor_core.parameter_types import ELEMENTS, SHARED, choice

from .inputs import LAYOUTS, ReduceInputs, make_inputs

OPS = ("sum", "max")


def _work(params: Params, inputs: ReduceInputs) -> Work:
    """Bytes moved: every input element read once, every output element written once."""
    return Work(amount=float((inputs.source.size + inputs.output().size) * 8), unit="B")


def _case(op: str, layout: str, elements: int, algorithm: str) -> dict[str, Any]:
    return {"op": op, "layout": layout, "elements": elements, "dim": -1, "algorithm": algorithm}


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [
        _case("sum", "contiguous", 1 << 10, "tuned"),
        _case("max", "transposed", 1 << 10, "tuned"),
        _case("sum", "contiguous", 1 << 10, "naive"),
    ],
    "default": [
        _case("sum", "contiguous", 1 << 22, "tuned"),
        _case("sum", "transposed", 1 << 22, "tuned"),
        _case("max", "contiguous", 1 << 16, "tuned"),
        _case("max", "contiguous", 1 << 16, "naive"),
    ],
    "full": [
        _case("sum", layout, 1 << exponent, "tuned") for layout in LAYOUTS for exponent in range(12, 25, 2)
    ],
}

WORKLOAD = Workload(
    name="tensor_reduce",
    description="Sum or max along one dim of a strided float64 tensor (MiniTorch reduce)",
    parameters={
        "op": f"the reduction: {', '.join(OPS)}",
        "layout": f"the input's layout: {', '.join(LAYOUTS)} (a transposed view)",
        "elements": "number of elements, a power of two, as a near-square matrix",
        "dim": "the dimension to reduce, negative counts from the end (default -1)",
        "algorithm": ALGORITHM_DESCRIPTION,
        "seed": "RNG seed for the standard-normal input (default 0)",
        "python_limit": "most elements the python backend runs (default 2^18)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    comparison=Comparison.tolerance(
        rtol=1e-10,
        atol=1e-10,
        reason="max is exact, but sums are added in different orders (NumPy's pairwise sum, "
        "sequential loops, SIMD or interleaved partial sums, a GPU tree), so they differ by rounding; "
        "atol covers sums of a few thousand standard normals that cancel to near zero",
    ),
    reference="numpy",
    work=_work,
    parameter_types={
        "op": choice(OPS),
        "layout": choice(LAYOUTS),
        "elements": ELEMENTS,
        "dim": ParameterType(int, minimum=-2, maximum=1),  # the input is a matrix
        **SHARED,
    },
    size_parameters=("elements",),
)
