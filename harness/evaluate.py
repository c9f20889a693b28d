"""The evaluation phase: steady-state timing with pyperf, ``python -m harness.evaluate``.

pyperf runs this module as its master and again in every worker process. Each worker
builds the kernel (Numba loads from the run's warm on-disk cache, so no compile lands
here) and pyperf then calibrates loops, warms up and records values by calling the
time function below. The master writes pyperf's own JSON, which ``python -m pyperf
stats/hist/compare_to`` read as usual.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.workload import Kernel

Clock = Callable[[], float]


def perf_counter_timer(call: Callable[[], Any], clock: Clock = time.perf_counter) -> Callable[[int], float]:
    """Seconds taken by ``loops`` back-to-back calls."""

    def time_loops(loops: int) -> float:
        repeat = itertools.repeat(None, loops)
        started = clock()
        for _ in repeat:
            call()
        return clock() - started

    return time_loops


def time_function(kernel: Kernel) -> tuple[str, Callable[[int], float]]:
    """The timer's name and function: the kernel's own (CUDA events) if it has one, else a
    loop timed with ``perf_counter``."""
    if kernel.time_loops:
        return "cuda_events", kernel.time_loops
    return "perf_counter", perf_counter_timer(kernel.call)


def main() -> None:
    import pyperf

    from harness.construct import build_kernel
    from harness.registry import discover
    from harness.workload import StepTimer

    def pass_spec(cmd: list[str], args: Any) -> None:
        cmd.extend(["--spec", args.spec])

    runner = pyperf.Runner(program_args=("-m", "harness.evaluate"), add_cmdline_args=pass_spec)
    runner.argparser.add_argument("--spec", required=True, help="entry spec (JSON file)")
    args = runner.parse_args()
    spec = json.loads(Path(args.spec).read_text())
    name = f"{spec['workload']}.{spec['backend']}"
    if args.worker:
        workload = discover()[spec["workload"]]
        kernel, _ = build_kernel(workload, spec["backend"], spec["params"], StepTimer())
        timer, function = time_function(kernel)
        runner.metadata["harness_timer"] = timer
        runner.bench_time_func(name, function)
    else:
        runner.bench_time_func(name, _never_called_in_master)


def _never_called_in_master(loops: int) -> float:
    raise RuntimeError("pyperf's master process spawns workers and never times itself")


if __name__ == "__main__":
    main()
