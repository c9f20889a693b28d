"""tensor_zip: a binary function of two broadcast strided tensors (MiniTorch ``zip``).

Ops: add, mul, lt (1.0 where left < right, else 0.0). Layouts: ``contiguous`` (two
row-major matrices of the same shape) and ``broadcast`` (a matrix and a (1, cols) row
vector, read with stride 0 along the rows). The output is a fresh contiguous tensor of
the broadcast shape, allocated in ``prepare``.

``algorithm`` (``workloads.lib.tensor_core.algorithm``) picks what every backend but numpy
runs: ``naive``, MiniTorch's per-element loop (``to_index``, ``broadcast_index`` for
each operand, ``index_to_position`` for every element), or ``tuned``: no indexing at
all when both operands are laid out like the output, else three start positions once
per row and constant strides along it (a unit-stride loop when all three strides are
1). numba and numba_parallel compile the same chunk bodies (``numba_chunks``), so
between them only the threads change; naive -> tuned is its own comparison on each
backend.

Presets (small, since each case runs on six backends; each case names its algorithm):
``quick`` has two tuned cases and one naive one at 2^10 elements; ``default`` times
tuned add at 2^22 elements in both layouts and tuned mul broadcast at 2^16, and the
same 2^16 case naive (the size the python backend runs, so naive -> tuned is measured
on every backend); ``full`` scales tuned add from 2^12 to 2^24; the tests cover every
op, layout and algorithm. The python backend declines cases above 2^18 elements as
unavailable (see ``workloads.lib.tensor_core.python_limit``).
"""

from __future__ import annotations

from typing import Any

from harness.core.workload import Comparison, Params, Work, Workload
from workloads.lib.tensor_core.algorithm import DESCRIPTION as ALGORITHM_DESCRIPTION
from workloads.lib.tensor_core.parameter_types import ELEMENTS, SHARED, choice

from .inputs import LAYOUTS, ZipInputs, make_inputs

OPS = ("add", "mul", "lt")


def _work(params: Params, inputs: ZipInputs) -> Work:
    """Bytes moved: both operands read once (a broadcast row only once) and the output written."""
    elements = inputs.left.size + inputs.right.size + inputs.output().size
    return Work(amount=float(elements * 8), unit="B")


def _case(op: str, layout: str, elements: int, algorithm: str) -> dict[str, Any]:
    return {"op": op, "layout": layout, "elements": elements, "algorithm": algorithm}


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [
        _case("add", "contiguous", 1 << 10, "tuned"),
        _case("lt", "broadcast", 1 << 10, "tuned"),
        _case("add", "contiguous", 1 << 10, "naive"),
    ],
    "default": [
        _case("add", "contiguous", 1 << 22, "tuned"),
        _case("add", "broadcast", 1 << 22, "tuned"),
        _case("mul", "broadcast", 1 << 16, "tuned"),
        _case("mul", "broadcast", 1 << 16, "naive"),
    ],
    "full": [
        _case("add", layout, 1 << exponent, "tuned") for layout in LAYOUTS for exponent in range(12, 25, 2)
    ],
}

WORKLOAD = Workload(
    name="tensor_zip",
    description="Binary op of two broadcast strided float64 tensors (MiniTorch zip)",
    parameters={
        "op": f"the binary function: {', '.join(OPS)}",
        "layout": "contiguous (same shapes) or broadcast (a row vector against a matrix)",
        "elements": "elements of the output, a power of two, as a near-square matrix",
        "algorithm": ALGORITHM_DESCRIPTION,
        "seed": "RNG seed for the standard-normal operands (default 0)",
        "python_limit": "most elements the python backend runs (default 2^18)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    comparison=Comparison.exact(
        "add, mul and lt are single correctly rounded IEEE operations on the same operands"
    ),
    reference="numpy",
    work=_work,
    parameter_types={"op": choice(OPS), "layout": choice(LAYOUTS), "elements": ELEMENTS, **SHARED},
    size_parameters=("elements",),
)
