"""Does the harness's median agree with a plain timing loop of the same kernel?

    python tools/timing_agreement.py [--preset quick --preset default]
                                     [--workload mandelbrot --workload tensor_map --workload matmul]
                                     [--output-dir DIR] [--low 0.85 --high 1.15]

Runs ``python -m harness run`` for each preset on the CPU backends of the workloads
(numba_parallel at 1 thread and all cores), or, with ``--reuse``, reads the runs already
in ``--output-dir`` (``<preset>.json``: a copy of a ``nox -s bench`` run will do), then
prints for every timed entry the harness's median (pyperf), the
median of the plain ``timeit`` loop every run takes of the same kernel in one process
after a warm-up call, and their ratio. Exits 1 when a ratio falls outside [low, high],
so it can gate a change that touches the timing path. A benchmark, not a test: run it
alone on a quiet machine and note the load it prints.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.core.results import Entry, load  # noqa: E402
from harness.core.timings import Evaluation  # noqa: E402
from harness.run.entry_warnings import processes_overlap  # noqa: E402

CPU_BACKENDS = ("python", "numpy", "cython", "numba", "numba_parallel")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_preset(preset: str, workloads: list[str], output: Path) -> int:
    """One ``harness run`` of the CPU backends at ``preset``; its exit code."""
    command = [sys.executable, "-m", "harness", "run", "--preset", preset, "--output", str(output)]
    command += [arg for name in workloads for arg in ("--workload", name)]
    command += [arg for name in CPU_BACKENDS for arg in ("--backend", name)]
    print(f"$ {' '.join(command)}  (load {load_average()})", flush=True)
    return subprocess.run(command, cwd=ROOT, check=False).returncode


Row = tuple[str, Evaluation]


def agreement_rows(entries: list[Entry], workloads: list[str]) -> list[Row]:
    """(label, evaluation) for each timed CPU entry of ``workloads`` with a plain loop."""
    rows = []
    for entry in entries:
        if entry.workload not in workloads or entry.backend not in CPU_BACKENDS:
            continue
        evaluation = entry.evaluation
        if evaluation is None or evaluation.plain_loop is None or evaluation.plain_loop_ratio is None:
            continue
        rows.append((entry.label, evaluation))
    return rows


def milliseconds(seconds: list[float]) -> str:
    return f"{len(seconds)}: {min(seconds) * 1e3:.4f}-{max(seconds) * 1e3:.4f}"


def print_rows(preset: str, rows: list[Row], low: float, high: float) -> int:
    """Print one preset's table; the number of ratios outside [low, high].

    The last columns are the ranges of the harness's and the plain loop's per-process
    medians (count: min-max ms). A ratio outside the range where some process of one
    agrees with some process of the other (``processes_overlap``) is marked ``~``: the
    processes of the kernel ran at different speeds, and each side sampled them. One
    marked ``*`` has no such pair: one side measured something besides the kernel, or
    each side had one process and the two cannot be told apart."""
    print(f"\n{preset}: harness median / plain-loop median (outside {low}-{high}: ~ processes overlap, * not)")
    print(f"{'entry':<92} {'harness':>12} {'plain loop':>12} {'ratio':>7}     harness processes ms"
          "   plain-loop processes ms")
    outside = overlapping = 0
    for label, evaluation in rows:
        assert evaluation.plain_loop is not None and evaluation.plain_loop_ratio is not None
        ratio, plain = evaluation.plain_loop_ratio, list(evaluation.plain_loop.seconds.values)
        mark = ""
        if not low <= ratio <= high:
            outside += 1
            mark = "~" if processes_overlap(evaluation, (low, high)) else "*"
            overlapping += mark == "~"
        harness_ms, plain_ms = evaluation.seconds.median * 1e3, evaluation.plain_loop.seconds.median * 1e3
        print(f"{label:<92} {harness_ms:>10.4f}ms {plain_ms:>10.4f}ms {ratio:>7.3f} {mark:1}   "
              f"{milliseconds(evaluation.process_medians):<22} {milliseconds(plain)}")
    ratios = sorted(evaluation.plain_loop_ratio or 0.0 for _, evaluation in rows)
    if ratios:
        print(f"{len(ratios)} entries, ratios {ratios[0]:.3f} to {ratios[-1]:.3f}, {outside} outside, "
              f"{overlapping} of them where processes of the two agree (~)")
    return outside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/timing_agreement.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", action="append", default=[], help="default: quick and default")
    parser.add_argument("--workload", action="append", default=[], help="default: mandelbrot, tensor_map, matmul")
    parser.add_argument("--output-dir", type=Path, default=Path("/tmp/timing-agreement"))
    parser.add_argument("--reuse", action="store_true", help="read the runs in --output-dir, run nothing")
    parser.add_argument("--low", type=float, default=0.85)
    parser.add_argument("--high", type=float, default=1.15)
    args = parser.parse_args(argv)
    presets = args.preset or ["quick", "default"]
    workloads = args.workload or ["mandelbrot", "tensor_map", "matmul"]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {load_average()}")
    outside = 0
    for preset in presets:
        output = args.output_dir / f"{preset}.json"
        if not args.reuse:
            output.unlink(missing_ok=True)
            run_preset(preset, workloads, output)
        outside += print_rows(preset, agreement_rows(load(output).entries, workloads), args.low, args.high)
    print(f"\nload average after: {load_average()}")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
