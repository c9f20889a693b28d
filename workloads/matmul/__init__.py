"""matmul: batched matrix multiply with batch broadcasting (MiniTorch's matrix_multiply).

``left`` is (batch, n, n); ``right`` is (batch, n, n) in the ``contiguous`` layout, or
(1, n, n) in the ``broadcast`` layout, read with batch stride 0 as MiniTorch does.

``algorithm`` (``workloads.lib.tensor_core.algorithm``) picks what every backend but numpy
runs: ``naive``, MiniTorch's triple loop (i, j, k innermost; the GPU: one thread per
output, no shared memory), or ``tuned`` (blocked, packed i-k-j with 4x4 register
blocking; the GPU: a shared-memory tiled kernel). numpy runs BLAS for both.

Presets (batch 2; every case names its algorithm): ``quick`` runs n = 16 in both
layouts, tuned, and broadcast naive; ``default`` runs n = 512 in both layouts and n = 64
broadcast, tuned, and n = 64 broadcast naive, so naive -> tuned is measured on every
backend, python included; ``full`` scales tuned n from 32 to 1024. The python backend
costs about a microsecond per multiply-add, so it declines cases above 2^21
multiply-adds as unavailable (n = 64 runs; see ``workloads.lib.tensor_core.python_limit``).
"""

from __future__ import annotations

from typing import Any

from harness.core.parameters import ParameterType
from harness.core.workload import Comparison, Params, Work, Workload
from workloads.lib.tensor_core.algorithm import DESCRIPTION as ALGORITHM_DESCRIPTION
from workloads.lib.tensor_core.parameter_types import SHARED, choice

from .inputs import LAYOUTS, MatmulInputs, make_inputs


def _work(params: Params, inputs: MatmulInputs) -> Work:
    """2 * n^3 * batch floating-point operations (a multiply and an add per step)."""
    return Work(amount=float(2 * inputs.multiply_adds), unit="FLOP")


def _case(layout: str, n: int, algorithm: str) -> dict[str, Any]:
    return {"layout": layout, "n": n, "batch": 2, "algorithm": algorithm}


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": [_case("contiguous", 16, "tuned"), _case("broadcast", 16, "tuned"), _case("broadcast", 16, "naive")],
    "default": [
        _case("contiguous", 512, "tuned"),
        _case("broadcast", 512, "tuned"),
        _case("broadcast", 64, "tuned"),
        _case("broadcast", 64, "naive"),
    ],
    "full": [_case(layout, n, "tuned") for layout in LAYOUTS for n in (32, 64, 128, 256, 512, 1024)],
}

WORKLOAD = Workload(
    name="matmul",
    description="Batched float64 matrix multiply with batch broadcasting (MiniTorch)",
    parameters={
        "n": "rows, cols and inner size of each square matrix",
        "batch": "batch size of the left operand (default 2)",
        "layout": "contiguous (both batched) or broadcast (right has batch 1, stride 0)",
        "algorithm": ALGORITHM_DESCRIPTION,
        "seed": "RNG seed for the standard-normal operands (default 0)",
        "python_limit": "most multiply-adds the python backend runs (default 2^21)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    comparison=Comparison.tolerance(
        rtol=1e-9,
        atol=1e-9,
        reason="each output is a sum of n products, added in a different order (and with "
        "fused multiply-adds) by BLAS, the tiled loops and the GPU; atol covers sums that "
        "cancel to near zero",
    ),
    reference="numpy",
    work=_work,
    parameter_types={
        "n": ParameterType(int, minimum=1, maximum=8192),  # 2 x 512 MiB operands at 8192
        "batch": ParameterType(int, minimum=1, maximum=64),
        "layout": choice(LAYOUTS),
        **SHARED,
    },
    size_parameters=("n",),
)
