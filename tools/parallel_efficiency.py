"""numba_parallel's parallel efficiency in one process: one thread and all threads in turn.

Not a unit test, and not the harness's measurement. A run measures ``numba_parallel`` at
one thread and at all threads in separate worker processes, and on a shared VM the speed
of a process moves by several percent from one to the next, so the efficiency of one run
(speedup over one thread, over the threads) carries a wide interval. This tool takes the
process out of it: for every case of a preset it prepares the ``numba_parallel`` kernel
at one thread and at all threads (``numba.set_num_threads``, each kernel prepared at its
count, as its entry's is), then runs blocks of calls of about 0.1 s of each in turn, forward then reverse
order, in wall-clock time. Each round gives one efficiency, the one-thread block's time
over the all-threads block's, over the threads; the row gives the median round and the
middle half of the rounds.

    python tools/parallel_efficiency.py matmul --preset default
    python tools/parallel_efficiency.py tensor_map --param elements=4194304 --rounds 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

import numba

from harness.core.registry import discover
from harness.core.workload import Kernel, StepTimer

BLOCK_SECONDS = 0.1


def wall_seconds_per_call(kernel: Kernel, calls: int, threads: int) -> float:
    numba.set_num_threads(threads)
    start = time.perf_counter_ns()
    for _ in range(calls):
        kernel.call()
    return (time.perf_counter_ns() - start) / calls / 1e9


def prepared(workload: Any, case: dict[str, Any], threads: int) -> Kernel:
    """The case's numba_parallel kernel prepared at ``threads``, as its entry would be: a
    kernel may size itself by the count it is prepared at (the scalar network's chunks,
    one per thread), so each count gets a kernel of its own. Called once."""
    numba.set_num_threads(threads)
    kernel = workload.load("numba_parallel").prepare(workload.make_inputs(case), case, StepTimer())
    kernel.call()
    return kernel


def efficiencies(workload: Any, case: dict[str, Any], threads: int, rounds: int) -> tuple[list[float], ...]:
    """Per round: one thread's seconds a call, ``threads``' seconds a call, and the efficiency."""
    kernels = {count: prepared(workload, case, count) for count in (1, threads)}
    calls = max(3, int(BLOCK_SECONDS / wall_seconds_per_call(kernels[1], 3, 1)))
    one, many, ratios = [], [], []
    for round_number in range(rounds):
        order = (1, threads) if round_number % 2 == 0 else (threads, 1)
        seconds = {count: wall_seconds_per_call(kernels[count], calls, count) for count in order}
        one.append(seconds[1])
        many.append(seconds[threads])
        ratios.append(seconds[1] / seconds[threads] / threads)
    return one, many, ratios


def quartiles(values: list[float]) -> tuple[float, float]:
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, high


def parse_param(text: str) -> tuple[str, Any]:
    name, _, value = text.partition("=")
    for convert in (int, float):
        try:
            return name, convert(value)
        except ValueError:
            pass
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE: only the preset's cases with it")
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    if options.threads < 2 or options.threads > numba.config.NUMBA_NUM_THREADS:
        parser.error(f"--threads must be 2 to {numba.config.NUMBA_NUM_THREADS} (NUMBA_NUM_THREADS)")
    workloads = discover()
    if options.workload not in workloads:
        parser.error(f"unknown workload {options.workload!r}; choose from {', '.join(sorted(workloads))}")
    workload = workloads[options.workload]
    wanted = dict(parse_param(p) for p in options.param)
    cases = [c for c in workload.cases(options.preset) if all(c.get(k) == v for k, v in wanted.items())]
    if not cases:
        parser.error(f"no case of {options.workload}'s {options.preset} preset has {wanted}")
    print(f"load average at start: {os.getloadavg()}")
    columns = f"{options.threads} threads | efficiency, median round | middle half of {options.rounds} rounds"
    print(f"| case | 1 thread | {columns} |")
    print("|---|---|---|---|---|")
    for case in cases:
        one, many, ratios = efficiencies(workload, case, options.threads, options.rounds)
        low, high = quartiles(ratios)
        label = ", ".join(f"{name}={value}" for name, value in case.items())
        print(
            f"| {label} | {statistics.median(one) * 1e3:.3f} ms | {statistics.median(many) * 1e3:.3f} ms"
            f" | {statistics.median(ratios):.0%} | {low:.0%}-{high:.0%} |",
            flush=True,
        )
    print(f"threading layer: {numba.threading_layer()}; load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
