"""Quick measurements of one backend on this workload, outside the harness (short runs).

    python -m workloads.scalar_network.measure numba --evaluator codegen --rung step
    python -m workloads.scalar_network.measure --pass-table

Prints construction time by step, the best time per call over a few repeats, and the
Python calls per call counted with ``harness.run.calls.count_calls``. The harness's own
benchmarks are the reference; this is for the figures in the workload's documentation.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from harness.core.workload import StepTimer
from harness.run.calls import count_calls

from . import WORKLOAD
from .inputs import RUNGS
from .network import construct
from .rungs import EVALUATORS


def best_seconds_per_call(call: Callable[[], Any], repeats: int = 5,
                          budget_seconds: float = 0.3, max_calls: int = 200) -> float:
    """Minimum over repeats of the mean time per call, each repeat within a time budget."""
    best = float("inf")
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed > budget_seconds or calls >= max_calls:
                break
        best = min(best, elapsed / calls)
    return best


def measure(backend: str, params: dict[str, Any]) -> dict[str, Any]:
    """Construct (timed by step), run once, then time calls and count Python calls."""
    inputs = WORKLOAD.make_inputs(params)
    steps = StepTimer()
    start = time.perf_counter()
    kernel = WORKLOAD.load(backend).prepare(inputs, params, steps)
    construction = time.perf_counter() - start
    kernel.call()
    counts, _ = count_calls(kernel.call)
    return {"backend": backend, "construction_seconds": construction,
            "steps": steps.seconds, "seconds_per_call": best_seconds_per_call(kernel.call),
            "python_calls": counts.python_calls, "builtin_calls": counts.builtin_calls}


def memory_profile(backend: str, params: dict[str, Any], calls: int) -> dict[str, Any]:
    """Peak traced Python memory of ``prepare``, then process memory over ``calls`` calls.

    tracemalloc sees Python allocations only (graph lists, Numba's compiler objects), not
    LLVM's or the C compiler's (a subprocess). After construction the resident size should
    stay flat: every rung writes into buffers allocated once.
    """
    import tracemalloc

    import psutil

    inputs = WORKLOAD.make_inputs(params)
    module = WORKLOAD.load(backend)
    tracemalloc.start()
    kernel = module.prepare(inputs, params, StepTimer())
    _, construction_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    process = psutil.Process()
    kernel.call()
    rss = [process.memory_info().rss]
    for _ in range(4):
        for _ in range(calls // 4):
            kernel.call()
        rss.append(process.memory_info().rss)
    return {"construction_peak_traced_bytes": construction_peak, "rss_bytes": rss}


def format_result(result: dict[str, Any], params: dict[str, Any]) -> str:
    steps = " ".join(f"{name}={seconds:.3f}" for name, seconds in result["steps"].items())
    compiled = ("c", "cython", "numba", "numba_parallel", "cuda")
    evaluator = params["evaluator"] if result["backend"] in compiled else "-"
    return (f"{result['backend']:<15} {evaluator:<8} "
            f"hidden={params['hidden']} batch={params['batch']} rung={params['rung']} "
            f"construction={result['construction_seconds']:.3f}s ({steps}) "
            f"per_call={result['seconds_per_call'] * 1e3:.4f}ms "
            f"calls={result['python_calls']}/{result['builtin_calls']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend", nargs="?", choices=WORKLOAD.backends)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rung", default="step", choices=RUNGS)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--evaluator", default="codegen", choices=EVALUATORS)
    parser.add_argument("--pass-table", action="store_true", help="print the optimizer table")
    parser.add_argument("--memory", type=int, default=0, metavar="CALLS",
                        help="instead of timing: peak traced memory of prepare, and the "
                        "resident size every CALLS/4 calls")
    args = parser.parse_args(argv)
    if args.pass_table:
        print(construct(args.hidden, args.rung, StepTimer()).pass_table())
    if args.backend:
        params = {"hidden": args.hidden, "batch": args.batch, "rung": args.rung, "k": args.k,
                  "evaluator": args.evaluator}
        if args.memory:
            memory = memory_profile(args.backend, params, args.memory)
            rss = ", ".join(f"{value / 2**20:.1f}" for value in memory["rss_bytes"])
            print(f"{args.backend}: construction peak (traced) "
                  f"{memory['construction_peak_traced_bytes'] / 2**20:.1f} MiB; "
                  f"resident MiB after 1 call then every {args.memory // 4} calls: {rss}")
        else:
            print(format_result(measure(args.backend, params), params))


if __name__ == "__main__":
    main()
