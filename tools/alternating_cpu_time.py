"""Single-thread backends of one workload compared on a shared machine: alternating blocks, CPU time.

Not a unit test, and not the harness's measurement: a check that two backends running the
same algorithm take the same time, made robust to other people's jobs. For every case of
a preset, each backend's kernel is prepared once in this process, then the backends take
turns (forward, then reverse order) running blocks of calls of about 50 ms, each timed in
process CPU time, which does not count the time spent waiting for a core. The median block
per backend is printed as a Markdown row with its ratios to ``--base``.

Run it with ``NUMBA_NUM_THREADS=1`` so that ``numba_parallel`` is on one thread (its CPU time
at two threads would count both):

    NUMBA_NUM_THREADS=1 python tools/alternating_cpu_time.py tensor_map --preset default
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

from harness.core.workload import Kernel, StepTimer

BLOCK_SECONDS = 0.05


def cpu_seconds_per_call(kernel: Kernel, calls: int) -> float:
    start = time.process_time_ns()
    for _ in range(calls):
        kernel.call()
    return (time.process_time_ns() - start) / calls / 1e9


def prepared(workload: Any, backends: list[str], case: dict[str, Any]) -> dict[str, Kernel]:
    """Each backend's kernel for ``case``, called once (compiled, warmed)."""
    inputs = workload.make_inputs(case)
    kernels = {backend: workload.load(backend).prepare(inputs, case, StepTimer()) for backend in backends}
    for kernel in kernels.values():
        kernel.call()
    return kernels


def alternate(kernels: dict[str, Kernel], rounds: int) -> dict[str, float]:
    """Median CPU seconds per call of each kernel over ``rounds`` rounds of alternating blocks."""
    backends = list(kernels)
    calls = max(3, int(BLOCK_SECONDS / cpu_seconds_per_call(kernels[backends[0]], 3)))
    samples: dict[str, list[float]] = {backend: [] for backend in backends}
    for round_number in range(rounds):
        for backend in backends if round_number % 2 == 0 else backends[::-1]:
            samples[backend].append(cpu_seconds_per_call(kernels[backend], calls))
    return {backend: statistics.median(values) for backend, values in samples.items()}


def row(case: dict[str, Any], medians: dict[str, float], base: str) -> str:
    label = ", ".join(f"{name}={value}" for name, value in case.items())
    times = " | ".join(f"{seconds * 1e3:.3f} ms" for seconds in medians.values())
    ratios = " | ".join(f"{seconds / medians[base]:.2f}" for backend, seconds in medians.items() if backend != base)
    return f"| {label} | {times} | {ratios} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--backends", default="numba,numba_parallel,cython")
    parser.add_argument("--base", default="numba", help="the backend the ratios divide by")
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    workload = importlib.import_module(f"workloads.{options.workload}").WORKLOAD
    backends = options.backends.split(",")
    others = [backend for backend in backends if backend != options.base]
    print(f"| case | {' | '.join(backends)} | {' | '.join(f'{b} / {options.base}' for b in others)} |")
    print("|---" * (1 + len(backends) + len(others)) + "|")
    for case in workload.cases(options.preset):
        print(row(case, alternate(prepared(workload, backends, case), options.rounds), options.base), flush=True)


if __name__ == "__main__":
    main()
