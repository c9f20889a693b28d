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

from harness.results import Entry, load  # noqa: E402

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


Row = tuple[str, float, float, float, list[float]]


def agreement_rows(entries: list[Entry], workloads: list[str]) -> list[Row]:
    """(label, harness median, plain-loop median, ratio, the plain loop's per-process medians)
    for each timed CPU entry of ``workloads`` with a plain loop."""
    rows = []
    for entry in entries:
        if entry.workload not in workloads or entry.backend not in CPU_BACKENDS:
            continue
        evaluation = entry.evaluation
        if evaluation is None or evaluation.plain_loop is None or evaluation.plain_loop_ratio is None:
            continue
        rows.append((entry.label, evaluation.seconds.median, evaluation.plain_loop.seconds.median,
                     evaluation.plain_loop_ratio, list(evaluation.plain_loop.seconds.values)))
    return rows


def print_rows(preset: str, rows: list[Row], low: float, high: float) -> int:
    """Print one preset's table; the number of ratios outside [low, high].

    The last column is the range of the plain loop's per-process medians: where the
    harness's median lies inside it, the two disagree because processes of one kernel
    run at different speeds, not because the harness adds or misses anything."""
    print(f"\n{preset}: harness median / plain-loop median (outside {low}-{high} marked *)")
    print(f"{'entry':<92} {'harness':>12} {'plain loop':>12} {'ratio':>7}  plain-loop processes")
    outside = within_processes = 0
    for label, harness, plain, ratio, per_process in rows:
        mark = "" if low <= ratio <= high else " *"
        outside += bool(mark)
        spread = (f"{len(per_process)}: {min(per_process) * 1e3:.4f}-{max(per_process) * 1e3:.4f}ms"
                  if per_process else "-")
        if mark and per_process and min(per_process) <= harness <= max(per_process):
            within_processes += 1
        print(f"{label:<92} {harness * 1e3:>10.4f}ms {plain * 1e3:>10.4f}ms {ratio:>7.3f}{mark:2}  {spread}")
    ratios = sorted(row[3] for row in rows)
    if ratios:
        print(f"{len(ratios)} entries, ratios {ratios[0]:.3f} to {ratios[-1]:.3f}, {outside} outside, "
              f"{within_processes} of them within the plain loop's process range")
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
