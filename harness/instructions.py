"""Deterministic mode: instructions per call under ``valgrind --tool=callgrind``.

Wall-clock noise on a shared machine is several percent; for small sizes the number of
instructions executed is a steadier signal. Each entry runs twice under callgrind, making
``n1`` and then ``n2`` calls of the kernel after the same set-up (inputs, import, JIT or
cache load, prepare); subtracting the two totals cancels interpreter start-up, imports
and compilation, and dividing by ``n2 - n1`` gives instructions per call.

Numba under valgrind: compiling is very slow there, so the kernel's on-disk cache is
warmed by a native run first, in a private ``NUMBA_CACHE_DIR``, with ``NUMBA_CPU_NAME``
set to ``generic`` for both (valgrind does not emulate AVX-512, and the cache is keyed
on the CPU). ``numba_parallel`` and ``cuda`` are not counted: thread scheduling and the
device make their counts meaningless. Each valgrind run has a time-out.

This file is also run *by path* inside another source tree (the ref of an A/B check),
where it imports that tree's harness; so it uses only the foundation's API.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.results import Run, save

UNCOUNTED_BACKENDS = {
    "numba_parallel": "thread scheduling under valgrind makes instruction counts nondeterministic",
    "cuda": "GPU work is not executed by the CPU, so callgrind cannot count it",
}
DEFAULT_CALLS = (1, 11)
COUNTED_SECONDS = 1.0  # native seconds of counted calls: about a minute under callgrind
MAX_COUNTED_CALLS = 5000
# Runs this file from another tree: sys.path[0] becomes that tree (the working directory).
BOOTSTRAP = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)


class InstructionsError(RuntimeError):
    """Counting failed: valgrind missing, a run crashed or timed out, unreadable output."""


@dataclass(frozen=True)
class Counting:
    """How to count: the two call numbers, the per-run time-out, and where to work."""

    calls: tuple[int, int] = DEFAULT_CALLS
    timeout: float = 600.0
    scratch: Path = Path(tempfile.gettempdir())
    python: str = sys.executable


def valgrind_unavailable_reason() -> str | None:
    if shutil.which("valgrind") is None:
        return "valgrind is not installed (apt-get install valgrind); instruction counts skipped"
    return None


def per_call(totals: tuple[int, int], calls: tuple[int, int]) -> float:
    """Instructions per call from two totals with different numbers of calls."""
    n1, n2 = calls
    if n2 <= n1:
        raise InstructionsError(f"the second call count must exceed the first; got {n1}, {n2}")
    return (totals[1] - totals[0]) / (n2 - n1)


def parse_totals(text: str) -> int:
    """The total instruction count from a callgrind output file."""
    match = TOTALS.search(text)
    if not match:
        raise InstructionsError("callgrind output has no totals/summary line")
    return int(match.group(1))


def counting_environment(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONHASHSEED": "0",
            "NUMBA_CACHE_DIR": str(cache_dir),
            "NUMBA_CPU_NAME": "generic",
            "NUMBA_NUM_THREADS": "1",
            # a fixed threshold: glibc's adaptive one makes a large array come from
            # mmap (already zeroed) in one run and from the heap (memset) in another
            "MALLOC_MMAP_THRESHOLD_": "131072",
        }
    )
    return env


def drive_command(counting: Counting, spec: Path) -> list[str]:
    return [counting.python, "-c", BOOTSTRAP, str(Path(__file__).resolve()), "--drive", str(spec)]


def run_counted(command: list[str], env: dict[str, str], output: Path, timeout: float) -> int:
    """Run ``command`` under callgrind and return its total instruction count."""
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", "--dump-instr=no"]
    try:
        done = subprocess.run([*valgrind, *command], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise InstructionsError(f"callgrind run timed out after {timeout:.0f} s") from error
    if done.returncode or not output.exists():
        raise InstructionsError(f"callgrind run exited with {done.returncode}: {done.stderr[-1500:]}")
    return parse_totals(output.read_text(errors="replace"))


def count_entry(spec: dict[str, Any], counting: Counting) -> dict[str, Any]:
    """Warm the caches natively, then count ``n1`` and ``n2`` calls under callgrind.

    The warm-up run also writes the bytecode caches, so that both counted runs load the
    same ``.pyc`` files (compiling a module would add millions of instructions to one run
    only), and times a call, so that ``n2`` can be raised until the counted calls
    outweigh the few million instructions by which start-ups still differ.
    """
    folder = Path(tempfile.mkdtemp(prefix="harness-count-", dir=counting.scratch))
    try:
        env = counting_environment(folder / "numba-cache")
        timing = folder / "timing.json"
        warm = folder / "warm.json"
        warm.write_text(json.dumps({**spec, "calls": 1, "timing": str(timing)}))
        done = subprocess.run(
            drive_command(counting, warm),
            env=env,
            capture_output=True,
            text=True,
            timeout=counting.timeout,
        )
        if done.returncode or not timing.exists():
            raise InstructionsError(f"warm-up run failed: {done.stderr[-1500:]}")
        calls = calls_for(counting.calls, json.loads(timing.read_text())["seconds_per_call"])
        totals = []
        for number in calls:
            spec_path = folder / f"spec-{number}.json"
            spec_path.write_text(json.dumps({**spec, "calls": number}))
            output = folder / f"callgrind-{number}.out"
            totals.append(run_counted(drive_command(counting, spec_path), env, output, counting.timeout))
        pair = (totals[0], totals[1])
        return {
            "per_call": per_call(pair, calls),
            "calls": list(calls),
            "totals": list(pair),
            "tool": "valgrind --tool=callgrind (Ir)",
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def calls_for(calls: tuple[int, int], seconds_per_call: float) -> tuple[int, int]:
    """Raise ``n2`` so the counted calls take about ``COUNTED_SECONDS`` natively."""
    first, second = calls
    wanted = math.ceil(COUNTED_SECONDS / max(seconds_per_call, 1e-7))
    return first, max(second, min(first + wanted, first + MAX_COUNTED_CALLS))


def drive(spec_path: Path) -> None:
    """Child side: build the kernel as the harness does, then call it ``calls`` times."""
    from harness.construct import build_kernel
    from harness.registry import discover
    from harness.workload import StepTimer

    spec = json.loads(spec_path.read_text())
    workload = discover(spec.get("workload_dirs", []))[spec["workload"]]
    kernel, _ = build_kernel(workload, spec["backend"], spec["params"], StepTimer())
    for _ in range(int(spec["calls"])):
        kernel.call()
    if spec.get("timing"):
        Path(spec["timing"]).write_text(json.dumps({"seconds_per_call": seconds_per_call(kernel.call)}))


def seconds_per_call(call: Any) -> float:
    """Native seconds per call, over at least 0.2 s or 1000 calls (the warm-up run only)."""
    import time

    calls, started = 0, time.perf_counter()
    while calls < 1000 and time.perf_counter() - started < 0.2:
        call()
        calls += 1
    return (time.perf_counter() - started) / calls


def measure(args: argparse.Namespace, command: Sequence[str]) -> Run:
    """Plan the selection as ``harness run`` does and count every entry into a Run."""
    from harness.backends import implementation_unavailable_reason
    from harness.cli import ROOT, selected_plans
    from harness.machine import collect

    plans = selected_plans(args)
    counting = Counting(calls=parse_calls(args.calls), timeout=args.timeout)
    dirs = [str(Path(d).resolve()) for d in args.workload_dir]
    run = Run(
        metadata={
            **collect(ROOT, args.preset, list(command), gpu_name=None),
            "mode": "instructions",
        }
    )
    missing = valgrind_unavailable_reason()
    for plan in plans:
        reason = (
            missing
            or UNCOUNTED_BACKENDS.get(plan.backend)
            or implementation_unavailable_reason(plan.workload, plan.backend)
        )
        if reason:
            entry = plan.entry(status="unavailable", reason=reason)
        else:
            print(f"counting {plan.label} ...", file=sys.stderr, flush=True)
            spec = {
                "workload": plan.workload.name,
                "backend": plan.backend,
                "params": plan.params,
                "workload_dirs": dirs,
            }
            try:
                entry = plan.entry(status="ok", extra={"instructions": count_entry(spec, counting)})
            except (InstructionsError, subprocess.TimeoutExpired) as error:
                entry = plan.entry(status="failed", reason=str(error))
        run.add(entry)
        save(run, args.output)
    return run


def parse_calls(text: str) -> tuple[int, int]:
    try:
        first, second = (int(part) for part in text.split(","))
    except ValueError:
        raise InstructionsError(f"--calls takes two counts like 1,11; got {text!r}") from None
    if not 1 <= first < second:
        raise InstructionsError(f"--calls needs 1 <= N1 < N2; got {text!r}")
    return first, second


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness instructions", description="Instructions per call under callgrind."
    )
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The selection options of ``harness run``, and the counting options."""
    from harness.cli import add_selection_options

    add_selection_options(parser)  # this file may run inside an older tree: its harness's signature
    parser.set_defaults(preset="quick")
    parser.add_argument("--output", type=Path, required=True, help="results file to write")
    parser.add_argument(
        "--calls",
        default=",".join(map(str, DEFAULT_CALLS)),
        help="two call counts N1,N2 (default 1,11; N2 is raised until the counted calls take "
        "about 1 s natively); per call = (I(N2)-I(N1))/(N2-N1)",
    )
    parser.add_argument("--timeout", type=_positive_seconds, default=600.0, help="seconds per valgrind run")


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--drive"]:
        drive(Path(argv[1]))
        return 0
    run = measure(build_parser().parse_args(argv), ["python", "-m", "harness", "instructions", *argv])
    return exit_code(run)


def exit_code(run: Run) -> int:
    """1 when counting failed for an entry (the reason is printed), else 0."""
    failed = [e for e in run.entries if e.status == "failed"]
    for entry in failed:
        print(f"{entry.label}: {entry.reason}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def _positive_seconds(text: str) -> float:
    """A finite number of seconds above 0 (harness.option_types is not used: this file may run
    inside an older tree, whose harness lacks it)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0; got {text!r}")
    return value
