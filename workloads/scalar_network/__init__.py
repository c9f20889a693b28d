"""The diary's scalar network: an MLP written as a graph of scalar nodes, trained with SGD.

Construction (build, differentiate, optimise, compile) and evaluation are measured apart,
and the ladder of the diary is a parameter: one call is one loss evaluation, one gradient,
one training step or K training steps. See docs/workloads/scalar_network.md.
"""

from __future__ import annotations

from typing import Any

from harness.core.parameters import ParameterType
from harness.core.workload import Comparison, Params, Work, Workload

from .inputs import RUNGS, NetworkInputs, make_inputs
from .rungs import EVALUATORS


def _work(params: Params, inputs: NetworkInputs) -> Work:
    """Samples pushed through the per-sample graph per call (K times the batch for steps)."""
    passes = inputs.k if params.get("rung", "step") == "steps" else 1
    return Work(amount=float(inputs.batch * passes), unit="samples")


def _ladder(hidden: int, batch: int, k: int, evaluator: str = "codegen",
            rungs: tuple[str, ...] = RUNGS) -> list[dict[str, Any]]:
    return [{"hidden": hidden, "batch": batch, "rung": rung, "k": k, "evaluator": evaluator}
            for rung in rungs]


PRESETS: dict[str, list[dict[str, Any]]] = {
    # quick keeps the two rungs the diary aims at (one call per step, per K steps); every
    # rung of the ladder is in default, and each rung is tested in tests/workloads
    "quick": _ladder(hidden=4, batch=8, k=3, evaluator="tape", rungs=("step", "steps")),
    # default: the tape (compiled once for every graph) for loss and gradient; the step
    # rung on all three evaluators, so the report shows the trade-offs on one rung (the
    # tape against straight-line code, one sample at a time against lanes of them); K
    # steps per call in lanes, the fastest. Every cold straight-line construction costs
    # 7-12 s of Numba compilation, times the cold run, the cache-load run and 2 backends.
    "default": [*_ladder(hidden=16, batch=256, k=10, evaluator="tape", rungs=("loss", "gradient", "step")),
                *_ladder(hidden=16, batch=256, k=10, evaluator="codegen", rungs=("step",)),
                *_ladder(hidden=16, batch=256, k=10, evaluator="lanes", rungs=("step", "steps"))],
    "full": [{"hidden": hidden, "batch": batch, "rung": "step", "k": 10, "evaluator": "tape"}
             for hidden in (8, 16, 32) for batch in (64, 256, 1024)],
}

WORKLOAD = Workload(
    name="scalar_network",
    description="MLP 2-16-16-1 as a scalar autodiff graph: loss, gradient and SGD training "
    "steps on a two-moons batch, with construction and optimizer passes profiled",
    parameters={
        "hidden": "width of both hidden layers (16: the 337-parameter network)",
        "batch": "samples in the training batch (two moons, seeded)",
        "rung": "what one call does: loss | gradient | step | steps (K steps)",
        "k": "training steps per call for rung=steps",
        "evaluator": "the compiled backends (c, cython, numba, numba_parallel, cuda): codegen "
        "(straight-line, built per graph: slow compile, fast run, one sample at a time), "
        "lanes (the same code on blocks of 8 samples, one per SIMD lane; not on cuda, whose "
        "threads are its lanes) or tape (one interpreter, built once for every graph); python "
        "walks the graph and numpy runs a ufunc per node on any",
        "learning_rate": "SGD step size (default 0.1)",
        "seed": "seed of the data set and the initial weights (default 0)",
        "noise": "standard deviation of the noise added to the two moons (default 0.1)",
    },
    presets=PRESETS,
    make_inputs=make_inputs,
    comparison=Comparison.tolerance(
        rtol=1e-9,
        atol=1e-12,
        reason="the batch sums run in a different order on each backend (NumPy pairwise, "
        "sequential loops, per-thread chunks, lane by lane, device reductions) and exp/log/tanh "
        "may differ by a few ulp between libm, glibc's vector math, NumPy's SIMD loops and the "
        "device; after K SGD steps these rounding differences stay near 1e-14 relative",
    ),
    reference="numpy",
    work=_work,
    parameter_types={
        # the generated straight-line code grows with hidden^2 and is compiled whole
        "hidden": ParameterType(int, minimum=1, maximum=64),
        "batch": ParameterType(int, minimum=1, maximum=1 << 20),
        "rung": ParameterType(str, choices=RUNGS),
        "k": ParameterType(int, minimum=1, maximum=100_000),
        "evaluator": ParameterType(str, choices=EVALUATORS),
        "learning_rate": ParameterType(float, minimum=0.0),
        "seed": ParameterType(int, minimum=0, maximum=2**32 - 1),
        "noise": ParameterType(float, minimum=0.0),
    },
    size_parameters=("batch",),
)
