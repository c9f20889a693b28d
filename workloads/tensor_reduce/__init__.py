"""tensor_reduce: sum or max along one dimension of a strided tensor (MiniTorch ``reduce``).

The output keeps the reduced dimension with size 1 (MiniTorch's semantics, NumPy's
``keepdims=True``). Layouts: ``contiguous`` and ``transposed`` (a transposed view, so
reducing along the last dim walks memory with a large stride). ``dim`` defaults to the
last dimension; tests reduce along every dim.

Sizes: ``default`` runs 2^16 and 2^22 elements; the python backend declines cases above
2^18 elements as unavailable (see ``workloads.tensor_core.python_limit``).
"""

from __future__ import annotations

from typing import Any

from harness.workload import Comparison, Params, Work, Workload

from .inputs import LAYOUTS, ReduceInputs, make_inputs

OPS = ("sum", "max")


def _work(params: Params, inputs: ReduceInputs) -> Work:
    """Bytes moved: every input element read once, every output element written once."""
    return Work(amount=float((inputs.source.size + inputs.output().size) * 8), unit="B")


def _cases(sizes: tuple[int, ...], ops: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"op": op, "layout": layout, "elements": size, "dim": -1}
        for size in sizes
        for layout in LAYOUTS
        for op in ops
    ]


PRESETS: dict[str, list[dict[str, Any]]] = {
    "quick": _cases((1 << 10,), OPS),
    "default": _cases((1 << 16, 1 << 22), OPS),
    "full": _cases(tuple(1 << e for e in range(12, 25, 2)), ("sum",)),
}

WORKLOAD = Workload(
    name="tensor_reduce",
    description="Sum or max along one dim of a strided float64 tensor (MiniTorch reduce)",
    parameters={
        "op": f"the reduction: {', '.join(OPS)}",
        "layout": f"the input's layout: {', '.join(LAYOUTS)} (a transposed view)",
        "elements": "number of elements, a power of two, as a near-square matrix",
        "dim": "the dimension to reduce, negative counts from the end (default -1)",
        "seed": "RNG seed for the standard-normal input (default 0)",
        "python_limit": "most elements the python backend runs (default 2^18)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    implementations={
        "python": "workloads.tensor_reduce.python_impl",
        "numpy": "workloads.tensor_reduce.numpy_impl",
        "cython": "workloads.tensor_reduce.cython_impl",
        "numba": "workloads.tensor_reduce.numba_impl",
        "numba_parallel": "workloads.tensor_reduce.numba_parallel_impl",
        "cuda": "workloads.tensor_reduce.cuda_impl",
    },
    comparison=Comparison.tolerance(
        rtol=1e-10,
        atol=1e-10,
        reason="max is exact, but sums are added in different orders (NumPy's pairwise sum, "
        "sequential loops, several accumulators, a GPU tree), so they differ by rounding; "
        "atol covers sums of a few thousand standard normals that cancel to near zero",
    ),
    reference="numpy",
    work=_work,
)
