"""tensor_zip: a binary function of two broadcast strided tensors (MiniTorch ``zip``).

Ops: add, mul, lt (1.0 where left < right, else 0.0). Layouts: ``contiguous`` (two
row-major matrices of the same shape) and ``broadcast`` (a matrix and a (1, cols) row
vector, read with stride 0 along the rows). The output is a fresh contiguous tensor of
the broadcast shape, allocated in ``prepare``.

Presets (small, since each case runs on six backends): ``default`` times add at 2^22
elements in both layouts and mul at 2^16; ``full`` scales add from 2^12 to 2^24; the
tests cover every op and layout. The python backend declines cases above 2^18 elements
as unavailable (see ``workloads.tensor_core.python_limit``) and runs the 2^16 case.
"""

from __future__ import annotations

from typing import Any

from harness.workload import Comparison, Params, Work, Workload

from .inputs import LAYOUTS, ZipInputs, make_inputs

OPS = ("add", "mul", "lt")


def _work(params: Params, inputs: ZipInputs) -> Work:
    """Bytes moved: both operands read once (a broadcast row only once) and the output written."""
    elements = inputs.left.size + inputs.right.size + inputs.output().size
    return Work(amount=float(elements * 8), unit="B")


def _case(op: str, layout: str, elements: int) -> dict[str, Any]:
    return {"op": op, "layout": layout, "elements": elements}


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [_case("add", "contiguous", 1 << 10), _case("lt", "broadcast", 1 << 10)],
    "default": [
        _case("add", "contiguous", 1 << 22),
        _case("add", "broadcast", 1 << 22),
        _case("mul", "broadcast", 1 << 16),
    ],
    "full": [
        _case("add", layout, 1 << exponent) for layout in LAYOUTS for exponent in range(12, 25, 2)
    ],
}

WORKLOAD = Workload(
    name="tensor_zip",
    description="Binary op of two broadcast strided float64 tensors (MiniTorch zip)",
    parameters={
        "op": f"the binary function: {', '.join(OPS)}",
        "layout": "contiguous (same shapes) or broadcast (a row vector against a matrix)",
        "elements": "elements of the output, a power of two, as a near-square matrix",
        "seed": "RNG seed for the standard-normal operands (default 0)",
        "python_limit": "most elements the python backend runs (default 2^18)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    implementations={
        "python": "workloads.tensor_zip.python_impl",
        "numpy": "workloads.tensor_zip.numpy_impl",
        "cython": "workloads.tensor_zip.cython_impl",
        "numba": "workloads.tensor_zip.numba_impl",
        "numba_parallel": "workloads.tensor_zip.numba_parallel_impl",
        "cuda": "workloads.tensor_zip.cuda_impl",
    },
    comparison=Comparison.exact(
        "add, mul and lt are single correctly rounded IEEE operations on the same operands"
    ),
    reference="numpy",
    work=_work,
    size_parameters=("elements",),
)
