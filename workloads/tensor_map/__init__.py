"""tensor_map: a unary function applied to every element of a strided tensor (MiniTorch ``map``).

Ops: neg, exp, relu, sigmoid. Layouts: ``contiguous`` (row-major matrix) and
``transposed`` (the transpose of a row-major matrix, so the fastest-moving output index
walks the input with a large stride). The output is always a fresh contiguous tensor of
the input's shape, allocated in ``prepare``; a call fills it.

``algorithm`` (``workloads.lib.tensor_core.algorithm``) picks what every backend but numpy
runs: ``naive``, MiniTorch's per-element loop (``to_index``, ``broadcast_index``,
``index_to_position`` for every element), or ``tuned``: no indexing at all when input
and output share a layout (a unit-stride loop, exp and sigmoid from a vectorisable
polynomial), else start positions once per row and constant strides along it. numba and
numba_parallel compile the same chunk bodies (``numba_chunks``), so between them only
the threads change; naive -> tuned is its own comparison on each backend.

Presets are kept small because every case runs on six backends, and each case names
its algorithm: ``quick`` has two tuned cases and one naive one at 2^10 elements;
``default`` times tuned neg at 2^22 in both layouts and tuned sigmoid at 2^16, and the
same 2^16 sigmoid naive (the size the python backend runs, so naive -> tuned is
measured on every backend); ``full`` is a tuned scaling study of neg from 2^12 to 2^24
elements; the tests cover every op, layout and algorithm. The pure-Python backend runs
a few microseconds per element, so it declines cases above 2^18 elements as
unavailable, with the reason, instead of spending a minute per call.
"""

from __future__ import annotations

from typing import Any

from harness.core.workload import Comparison, Params, Work, Workload
from workloads.lib.tensor_core.algorithm import DESCRIPTION as ALGORITHM_DESCRIPTION
from workloads.lib.tensor_core.parameter_types import ELEMENTS, SHARED, choice

from .inputs import LAYOUTS, MapInputs, make_inputs

OPS = ("neg", "exp", "relu", "sigmoid")


def _work(params: Params, inputs: MapInputs) -> Work:
    """Bytes moved: every input element read once, every output element written once."""
    return Work(amount=float(2 * inputs.source.size * 8), unit="B")


def _case(op: str, layout: str, elements: int, algorithm: str) -> dict[str, Any]:
    return {"op": op, "layout": layout, "elements": elements, "algorithm": algorithm}


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [
        _case("neg", "contiguous", 1 << 10, "tuned"),
        _case("sigmoid", "transposed", 1 << 10, "tuned"),
        _case("neg", "contiguous", 1 << 10, "naive"),
    ],
    "default": [
        _case("neg", "contiguous", 1 << 22, "tuned"),
        _case("neg", "transposed", 1 << 22, "tuned"),
        _case("sigmoid", "contiguous", 1 << 16, "tuned"),
        _case("sigmoid", "contiguous", 1 << 16, "naive"),
    ],
    "full": [
        _case("neg", layout, 1 << exponent, "tuned") for layout in LAYOUTS for exponent in range(12, 25, 2)
    ],
}

WORKLOAD = Workload(
    name="tensor_map",
    description="Unary op over every element of a strided float64 tensor (MiniTorch map)",
    parameters={
        "op": f"the unary function: {', '.join(OPS)}",
        "layout": f"the input's layout: {', '.join(LAYOUTS)} (a transposed view)",
        "elements": "number of elements, a power of two, as a near-square matrix",
        "algorithm": ALGORITHM_DESCRIPTION,
        "seed": "RNG seed for the standard-normal input (default 0)",
        "python_limit": "most elements the python backend runs (default 2^18)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    comparison=Comparison.tolerance(
        rtol=1e-14,
        reason="neg and relu are exact; exp and sigmoid use NumPy's SIMD exp in the reference, "
        "libm's exp (naive loops, tuned strided rows), the GPU's, or a vectorisable polynomial exp "
        "(the tuned same-layout loop of numba, numba_parallel and cython, within 1 ulp of NumPy's, "
        "tested), so results may differ by a few units in the last place (2.2e-16 each); 1e-14 "
        "(about 45 of them) accepts that and nothing larger",
    ),
    reference="numpy",
    work=_work,
    parameter_types={"op": choice(OPS), "layout": choice(LAYOUTS), "elements": ELEMENTS, **SHARED},
    size_parameters=("elements",),
)
