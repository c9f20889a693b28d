"""The processes of an A/B check: ``check_worker.py`` run inside one side's tree over a
list of entries, and what each one found, read back from its JSON lines."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from harness.regress.ab import CheckError, SideTree
from harness.regress.check_worker import EntrySpec, ProcessSpec
from harness.regress.side_bootstrap import BOOTSTRAP
from harness.regress.targets import Group
from harness.run.child import ChildOutcome, run_command
from harness.run.entries import entry_environment

Runner = Callable[..., ChildOutcome]
WORKER = Path(__file__).resolve().parent / "check_worker.py"
STALL_TIMEOUT = 600.0  # seconds a process may go without finishing a step, unless told


class Finding(TypedDict, total=False):
    """One entry's findings in one process, as its worker wrote them (one JSON line)."""

    status: str  # ok, failed, timeout, unavailable
    reason: str
    # a sample process's
    values: list[float]
    loops: int
    timer: str  # the clock the values were taken on: process_time, perf_counter, cuda_events
    compiled_values: int  # values discarded because Numba compiled during them
    # a set-up process's: ``harness.run.construct``'s findings
    check: dict[str, object]
    info: dict[str, object]
    estimate_seconds: float | None
    work: dict[str, object]
    calls_per_evaluation: int | None
    steps: dict[str, float]


@dataclass
class Workers:
    """Runs ``check_worker.py`` in a side's tree over a list of entries, crash by crash.

    When a process dies or hangs inside an entry, that entry gets a ``failed`` or
    ``timeout`` finding naming it, and a new process takes the entries it had not finished.
    """

    output_dir: Path
    workload_dirs: Sequence[Path] = ()
    python: str = sys.executable
    timeout: float = STALL_TIMEOUT  # seconds a process may go without finishing a step
    runner: Runner = run_command
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False)

    def run(
        self, side: SideTree, group: Group, mode: str, entries: Sequence[EntrySpec], **spec: str | float
    ) -> list[Finding]:
        """One finding per entry, in order; ``spec``: the mode's part of ``ProcessSpec``."""
        found: dict[int, Finding] = {}
        while len(found) < len(entries):
            pending = [i for i in range(len(entries)) if i not in found]
            folder = self.output_dir / "processes" / side.padded  # paths of one length on both sides
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{next(self._numbers):05d}-{mode}-{group.name}"
            lines = folder / f"{name}.jsonl"
            lines.unlink(missing_ok=True)
            spec_file = folder / f"{name}.json"
            process: ProcessSpec = {"entries": [entries[i] for i in pending], "output": str(lines)}
            spec_file.write_text(json.dumps({**spec, **process}))
            command = [self.python, "-c", BOOTSTRAP, str(WORKER), mode, str(spec_file)]
            env = entry_environment(group.threads, self.cache(side, group), self.workload_dirs, side.environment())
            outcome = self.runner(
                command, env=env, timeout=self.timeout, log_path=folder / f"{name}.log", cwd=side.tree, progress=lines
            )
            status = "timeout" if outcome.timed_out else "failed"
            problem = outcome.describe()
            if outcome.timed_out:
                problem = f"made no progress for {self.timeout:.0f} s and was killed: {outcome.stderr_tail.strip()}"
            started, finished = read_findings(lines)
            found.update((pending[i], finding) for i, finding in finished.items())
            if len(finished) == len(pending):
                break
            if not started:  # died before its first entry: the side cannot run at all
                raise CheckError(f"{side.label}: the {mode} process ({' '.join(command)}) {problem}")
            if started[-1] in finished:
                raise CheckError(f"{side.label}: the {mode} process ({' '.join(command)}) {problem}")
            # the process died in the last entry it started; the others get a new process
            found[pending[started[-1]]] = {"status": status, "reason": f"the {mode} process {problem}"}
        return [found[i] for i in range(len(entries))]

    def cache(self, side: SideTree, group: Group) -> Path:
        return self.output_dir / "numba-cache" / side.padded / group.name


def read_findings(path: Path) -> tuple[list[int], dict[int, Finding]]:
    """The entries a worker started and those it finished, from its JSON lines."""
    started: list[int] = []
    finished: dict[int, Finding] = {}
    if not path.exists():
        return started, finished
    for line in path.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # the last line of a process killed mid-write
            continue
        if "start" in event:
            started.append(int(event["start"]))
        elif "done" in event:
            finished[int(event.pop("done"))] = event
    return started, finished
