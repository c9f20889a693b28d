"""How much one process's sample of a kernel moves from process to process.

    python tools/sample_spread.py [--processes 12] [--values 12] [--consecutive]

Starts ``--processes`` fresh processes; each builds the kernels below and takes
``--values`` CPU-time values of each, round-robin over the kernels (as ``harness check``
does) or, with ``--consecutive``, all values of one kernel before the next. Prints, per
kernel, the spread over processes of each process's mean and minimum: the coefficient
of variation and the range. ``docs/regression-checks.md`` quotes its output.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KERNELS: list[tuple[str, str, dict[str, Any], int]] = [  # workload, backend, params, calls per value (~5 ms)
    ("mandelbrot", "python", {"width": 160, "height": 160, "maxiter": 100}, 1),
    ("planted", "python", {"n": 4000, "steps": 50}, 1),
    ("mandelbrot", "cython", {"width": 160, "height": 160, "maxiter": 100}, 16),
    ("tensor_zip", "numba", {"op": "lt", "layout": "broadcast", "elements": 1024}, 256),
]


def one_process(values: int, consecutive: bool) -> list[list[float]]:
    """This process's values (seconds per call) of every kernel."""
    from harness.core.registry import discover
    from harness.core.workload import StepTimer
    from harness.run.kernels import build_kernel

    workloads = discover()
    kernels = []
    for name, backend, params, loops in KERNELS:
        kernel, _ = build_kernel(workloads[name], backend, params, StepTimer())
        kernel.call()
        kernels.append((kernel.call, loops))
    found: list[list[float]] = [[] for _ in kernels]
    order = [(k, v) for k in range(len(kernels)) for v in range(values)]
    if not consecutive:
        order.sort(key=lambda pair: pair[1])
    for index, _ in order:
        call, loops = kernels[index]
        started = time.process_time()
        for _ in range(loops):
            call()
        found[index].append((time.process_time() - started) / loops)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=12)
    parser.add_argument("--values", type=int, default=12)
    parser.add_argument("--consecutive", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_process(args.values, args.consecutive)))
        return
    env = {**os.environ, "HARNESS_WORKLOAD_PATH": str(ROOT / "tests" / "compare_workloads")}
    command = [sys.executable, __file__, "--child", f"--values={args.values}"]
    command += ["--consecutive"] if args.consecutive else []
    runs = [json.loads(subprocess.check_output(command, env=env, cwd=ROOT)) for _ in range(args.processes)]
    for index, (name, backend, _, _) in enumerate(KERNELS):
        for label, pick in (("mean", statistics.fmean), ("minimum", min)):
            samples = [pick(run[index]) * 1e3 for run in runs]
            spread = statistics.stdev(samples) / statistics.fmean(samples)
            print(f"{name} {backend:7s} {label:8s} cv {spread:6.1%}  {min(samples):.4f} to {max(samples):.4f} ms")


if __name__ == "__main__":
    main()
