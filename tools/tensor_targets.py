"""Short timings of the tensor workloads against their targets in docs/workloads/tensor.md (not a unit test).

Uses only the workload protocol (make_inputs, load, prepare, call), so it runs before the
harness CLI exists. Each case is called ``--repeats`` times; the best and median are
printed with the rate and the ratio of numpy's best time to the backend's best time.

    python tools/tensor_targets.py tensor_map op=neg layout=contiguous elements=4194304

A backend written ``numba_parallel:1`` runs numba_parallel with one thread (thread scaling
on its own, apart from what the parallel version's loop changes buy over ``numba``).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

import numpy as np

from harness.core.workload import BackendUnavailable, StepTimer


def parse_value(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def set_threads(backend: str) -> str:
    """Apply a ``:threads`` suffix with numba.set_num_threads; return the plain backend name."""
    name, _, threads = backend.partition(":")
    if name == "numba_parallel":
        import numba

        numba.set_num_threads(int(threads) if threads else numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    return name


def time_backend(workload: Any, backend: str, params: dict, inputs: Any, repeats: int) -> dict:
    """Prepare one backend and time ``repeats`` calls; also return its result for checking."""
    backend = set_threads(backend)
    steps = StepTimer()
    start = time.perf_counter()
    kernel = workload.load(backend).prepare(inputs, params, steps)
    prepare_seconds = time.perf_counter() - start
    result = kernel.fetch(kernel.call())
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel.call()
        seconds.append(time.perf_counter() - start)
    return {
        "best": min(seconds),
        "median": statistics.median(seconds),
        "prepare": prepare_seconds,
        "result": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("params", nargs="+", help="name=value")
    parser.add_argument("--backends", default="numpy,cython,numba,numba_parallel,numba_parallel:1")
    parser.add_argument("--repeats", type=int, default=15)
    options = parser.parse_args()
    workload = importlib.import_module(f"workloads.{options.workload}").WORKLOAD
    params = dict(item.split("=", 1) for item in options.params)
    params = {name: parse_value(value) for name, value in params.items()}
    inputs = workload.make_inputs(params)
    work = workload.work(params, inputs)
    rows = {}
    for backend in options.backends.split(","):
        try:
            rows[backend] = time_backend(workload, backend, params, inputs, options.repeats)
        except BackendUnavailable as reason:
            print(f"{backend:15s} unavailable: {reason}")
    reference = rows.get("numpy")
    print(f"{options.workload} {params}")
    for backend, row in rows.items():
        ratio = reference["best"] / row["best"] if reference else float("nan")
        comparison = workload.comparison_for(backend)
        agrees = reference is None or np.allclose(
            row["result"], reference["result"], rtol=comparison.rtol, atol=comparison.atol
        )
        rate = work.amount / row["best"] / 1e9
        print(
            f"{backend:15s} best {row['best'] * 1e3:9.3f} ms  median {row['median'] * 1e3:9.3f} ms"
            f"  {rate:7.2f} G{work.unit}/s  numpy/this {ratio:5.2f}"
            f"  prepare {row['prepare']:6.2f} s  agrees {agrees}"
        )


if __name__ == "__main__":
    main()
