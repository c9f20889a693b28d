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

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.core.entry_parts import InstructionCounts
from harness.core.registry import discover
from harness.core.workload import StepTimer
from harness.regress.side_bootstrap import BOOTSTRAP
from harness.run.kernels import build_kernel

UNCOUNTED_BACKENDS = {
    "numba_parallel": "thread scheduling under valgrind makes instruction counts nondeterministic",
    "cuda": "GPU work is not executed by the CPU, so callgrind cannot count it",
}
DEFAULT_CALLS = (1, 11)
COUNTED_SECONDS = 1.0  # native seconds of counted calls: about a minute under callgrind
MAX_COUNTED_CALLS = 5000
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


def count_entry(spec: Mapping[str, object], counting: Counting) -> InstructionCounts:
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
        return InstructionCounts(per_call(pair, calls), calls, pair, "valgrind --tool=callgrind (Ir)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def calls_for(calls: tuple[int, int], seconds_per_call: float) -> tuple[int, int]:
    """Raise ``n2`` so the counted calls take about ``COUNTED_SECONDS`` natively."""
    first, second = calls
    wanted = math.ceil(COUNTED_SECONDS / max(seconds_per_call, 1e-7))
    return first, max(second, min(first + wanted, first + MAX_COUNTED_CALLS))


def drive(spec_path: Path) -> None:
    """Child side: build the kernel as the harness does, then call it ``calls`` times."""
    spec = json.loads(spec_path.read_text())
    workload = discover(spec.get("workload_dirs", []))[spec["workload"]]
    kernel, _ = build_kernel(workload, spec["backend"], spec["params"], StepTimer())
    for _ in range(int(spec["calls"])):
        kernel.call()
    if spec.get("timing"):
        Path(spec["timing"]).write_text(json.dumps({"seconds_per_call": seconds_per_call(kernel.call)}))


def seconds_per_call(call: Callable[[], object]) -> float:
    """Native seconds per call, over at least 0.2 s or 1000 calls (the warm-up run only)."""
    calls, started = 0, time.perf_counter()
    while calls < 1000 and time.perf_counter() - started < 0.2:
        call()
        calls += 1
    return (time.perf_counter() - started) / calls


if __name__ == "__main__":  # run by path inside a side's tree (``drive_command``)
    drive(Path(sys.argv[2]))
