"""Cross-check: does the harness's evaluation median agree with a plain ``timeit`` loop?

``python -m harness.timeit_agreement RESULTS --workload mandelbrot --backend numba``
builds the entry's kernel in this process (as a user would), times ``kernel.call`` with
``timeit.repeat`` using the entry's loops, and prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from pathlib import Path

from harness.construct import build_kernel
from harness.registry import discover
from harness.results import ResultsError, load
from harness.workload import StepTimer


def timeit_median(workload_name: str, backend: str, params: dict, loops: int, repeat: int) -> float:
    workload = discover()[workload_name]
    kernel, _ = build_kernel(workload, backend, params, StepTimer())
    kernel.call()  # compile or load from cache, outside the timing
    totals = timeit.repeat(kernel.call, number=loops, repeat=repeat)
    return statistics.median(totals) / loops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.timeit_agreement")
    parser.add_argument("results", type=Path)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    try:
        run = load(args.results)
    except ResultsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    entries = [e for e in run.entries
               if e.workload == args.workload and e.backend == args.backend and e.evaluation]
    if not entries:
        print(f"error: no ok {args.workload}/{args.backend} entry in {args.results}", file=sys.stderr)
        return 2
    for entry in entries:
        assert entry.evaluation is not None
        harness_median = entry.evaluation.seconds.median
        loops = max(1, entry.evaluation.loops)
        plain = timeit_median(entry.workload, entry.backend, entry.params, loops, args.repeat)
        print(f"{entry.label}: harness {harness_median * 1e3:.4f} ms, timeit {plain * 1e3:.4f} ms "
              f"({loops} loops x {args.repeat}), harness/timeit = {harness_median / plain:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
