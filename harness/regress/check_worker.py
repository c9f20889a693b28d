"""One process of an A/B check: sets up or times many entries in a row, in one side's tree.

``harness check`` runs this file *by path* inside each side's source tree (``python -c
BOOTSTRAP <this file> MODE SPEC``, the working directory being that tree), so it imports
that side's harness and workloads. It uses only the foundation's API (``discover``,
``construct``, ``build_kernel``), so any ref can be checked, and the timing loop below is
the same on both sides: only the code under test differs.

setup SPEC    per entry, the side's own construction with the correctness check
              (``harness.run.construct.construct``): Numba compiles into the process's
              cache directory, which every later sample process of the side loads
sample SPEC   build every entry's kernel (loaded from that cache), calibrate the loops
              where the spec gives none, then time ``warmups + values`` values of
              ``loops`` calls per entry, round-robin over the entries, in process CPU
              time or wall clock as each entry says

Each entry's findings are appended to the spec's ``output`` as one JSON line; a
``start`` line comes before every step of an entry, so that when a backend crashes or
hangs the parent knows which entry it was, records it as failed and starts a new
process for the others.

A sample process watches Numba's compile events once Numba is loaded: a value during
which Numba compiled measured the compiler, so it is discarded, and the entry's
findings count it (``compiled_values``).
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Required, TextIO, TypedDict

# the side's harness: resolved by ``side_bootstrap`` in a tree from before the layout
from harness.core.registry import discover
from harness.core.workload import StepTimer
from harness.run.kernels import build_kernel

CALIBRATION_CAP = 2**22  # most calls in one value, for kernels of a few nanoseconds


class EntrySpec(TypedDict):
    """One entry of a process's spec (``harness.regress.targets.Target.spec``)."""

    workload: str
    backend: str
    params: dict[str, object]
    timer: str  # "cpu" (process CPU time) or "wall"
    loops: int  # calls per value; 0: calibrate


class ProcessSpec(TypedDict, total=False):
    """What one process is given (``harness.regress.workers.Workers.run`` writes it)."""

    entries: Required[list[EntrySpec]]
    output: Required[str]  # the JSON lines file of its findings
    reference_dir: str  # setup: where the reference backend's outputs are kept
    values: int  # sample: values per entry, after ``warmups`` discarded ones
    warmups: int
    value_seconds: float  # a calibrated value lasts at least this long


Findings = dict[str, object]  # one entry's findings, one JSON line (``harness.regress.workers.Finding``)


def timed_loops(call: Callable[[], object], clock: Callable[[], float]) -> Callable[[int], float]:
    """Seconds that ``loops`` back-to-back calls take on ``clock``.

    ``harness.run.evaluate`` has the same loop, but this file must not need more of a side's
    harness than the foundation had, and the loop is part of what both sides share.
    """

    def time_loops(loops: int) -> float:
        repeat = itertools.repeat(None, loops)
        started = clock()
        for _ in repeat:
            call()
        return clock() - started

    return time_loops


def calibrate(time_loops: Callable[[int], float], value_seconds: float) -> int:
    """Calls per value: double from 1 until a value lasts ``value_seconds``."""
    loops = 1
    while loops < CALIBRATION_CAP and time_loops(loops) < value_seconds:
        loops *= 2
    return loops


@dataclass
class Timed:
    """One entry of a sample process: its timer, its loops, the values so far and how many
    values were discarded because Numba compiled during them."""

    index: int
    timer: str
    time_loops: Callable[[int], float]
    loops: int
    values: list[float] = field(default_factory=list)
    compiled_values: int = 0

    def value(self) -> float:
        return self.time_loops(self.loops) / self.loops


@dataclass
class CompileCounter:
    """Counts Numba's ``numba:compile`` events once Numba is loaded (never imports it).

    Written against Numba's own event API rather than the harness's, since this file runs
    inside either side's tree.
    """

    starts: int = 0
    installed: bool = False

    def install(self) -> None:
        if self.installed or "numba" not in sys.modules:
            return
        from numba.core import event  # only once the kernels loaded Numba: this file never loads it

        counter = self

        class Listener(event.Listener):
            def on_start(self, ev: object) -> None:
                counter.starts += 1

            def on_end(self, ev: object) -> None:
                pass

        event.register("numba:compile", Listener())
        self.installed = True


def prepare_entry(index: int, entry: EntrySpec, spec: ProcessSpec) -> Timed:
    """Build one kernel (Numba loads it from the side's cache) and choose its loops."""
    workload = discover()[entry["workload"]]
    kernel, _ = build_kernel(workload, entry["backend"], entry["params"], StepTimer())
    if kernel.time_loops:
        timer, time_loops = "cuda_events", kernel.time_loops
    elif entry["timer"] == "cpu":
        timer, time_loops = "process_time", timed_loops(kernel.call, time.process_time)
    else:
        timer, time_loops = "perf_counter", timed_loops(kernel.call, time.perf_counter)
    loops = int(entry.get("loops") or 0) or calibrate(time_loops, spec["value_seconds"])
    return Timed(index, timer, time_loops, loops)


def sample(spec: ProcessSpec, output: TextIO) -> None:
    """Build every entry, warm each up, then take values round-robin: value 1 of every
    entry, then value 2, ..., so each entry's values spread over the whole process and a
    slow spell of the machine touches a few values of many entries, not all of one."""
    timed: list[Timed] = []
    compiles = CompileCounter()
    for index, entry in enumerate(spec["entries"]):
        output.write(json.dumps({"start": index}) + "\n")
        try:
            timed.append(prepare_entry(index, entry, spec))
        except Exception:  # a failing backend is that entry's result; the rest go on
            output.write(json.dumps({"done": index, **failure()}) + "\n")
        compiles.install()
    for step in range(spec["warmups"] + spec["values"]):
        for item in list(timed):
            output.write(json.dumps({"start": item.index}) + "\n")
            before = compiles.starts
            try:
                value = item.value()
            except Exception:
                timed.remove(item)
                output.write(json.dumps({"done": item.index, **failure()}) + "\n")
                continue
            if compiles.starts != before:
                item.compiled_values += 1  # the compiler was timed, not the kernel
            elif step >= spec["warmups"]:
                item.values.append(value)
    for item in timed:
        output.write(json.dumps({"done": item.index, **sampled(item)}) + "\n")


def sampled(item: Timed) -> Findings:
    """An entry's findings once its process has taken every value it could."""
    found: Findings = {
        "values": item.values,
        "loops": item.loops,
        "timer": item.timer,
        "compiled_values": item.compiled_values,
    }
    if not item.values and item.compiled_values:
        reason = f"Numba compiled during all {item.compiled_values} values: the kernel compiles on every call"
        return {**found, "status": "failed", "reason": reason}
    return {**found, "status": "ok"}


def failure() -> Findings:
    return {"status": "failed", "reason": traceback.format_exc(limit=-3)}


def setup_entry(entry: EntrySpec, spec: ProcessSpec) -> Findings:
    """The side's own construction of one entry, with its correctness check."""
    from harness.run.construct import construct  # set-up only: sample processes never load construction

    workload = discover().get(entry["workload"])
    if workload is None or entry["backend"] not in workload.implementations:
        missing = f"workload {entry['workload']!r}" if workload is None else f"{entry['backend']} backend"
        return {"status": "unavailable", "reason": f"this side's tree has no {missing}"}

    digest = hashlib.sha1(json.dumps(entry["params"], sort_keys=True).encode()).hexdigest()[:12]
    reference = Path(spec["reference_dir"]) / f"{entry['workload']}-{digest}.npz"
    return construct({**entry, "check": True, "reference_file": str(reference)})


def setup(spec: ProcessSpec, output: TextIO) -> None:
    """Set the entries up one after the other."""
    for index, entry in enumerate(spec["entries"]):
        output.write(json.dumps({"start": index}) + "\n")
        try:
            found = setup_entry(entry, spec)
        except Exception:  # a failing backend is that entry's result; the rest go on
            found = failure()
        output.write(json.dumps({"done": index, **found}) + "\n")
        gc.collect()  # the next entry starts without this one's garbage


MODES = {"setup": setup, "sample": sample}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in MODES:
        print(f"usage: check_worker.py {{{','.join(MODES)}}} SPEC.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text())
    with open(spec["output"], "a", buffering=1) as output:
        MODES[argv[0]](spec, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
