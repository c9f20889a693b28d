"""The measuring half of an A/B check: set each side up, then sample it in interleaved rounds.

Every process is ``harness/regress/check_worker.py`` run inside one side's tree, and each one
handles many entries in a row, so starting Python, NumPy and Numba is paid once per
process rather than once per entry:

**Set-up.** Per side, one process per group of entries runs the side's own construction
with the correctness check for each entry. Numba compiles into that group's cache
directory, which every later process of the side loads, so no compile lands in a sample.
The two sides set up at the same time, one core each: nothing compared is timed here.

**Rounds.** A round gives every entry still undecided ``pairs`` sample processes per
side; each process's mean for an entry is one sample, and a round is one stratum of the
rank test (``harness.regress.significance``), so load that drifts over the check hits both sides
of a stratum alike. Entries are grouped by how they may be timed:

- ``serial``: kernels that run on the calling thread (``CPU_TIMED_BACKENDS``), timed in
  process CPU time (``time.process_time``), which leaves out time spent waiting for a
  core. The base and new processes of a pair run *at the same time*, one core each:
  whatever the machine does meanwhile, it does to both sides.
- one group per thread count for the rest (``numpy``, whose BLAS may use threads;
  ``numba_parallel``, whose speed is its use of the cores; ``cuda``, timed by CUDA
  events): wall clock, one process at a time, sides alternating A B, B A, ...

With ``--timer wall`` every kernel is timed in wall clock and nothing runs concurrently;
with ``--timer cpu`` every kernel is timed in CPU time.

**Stopping.** After ``min_rounds``, an entry leaves the rounds as soon as its verdict is
clear: its interval of new/base lies inside the minimum effect, or its p-value is below
``alpha / m`` for the ``m`` entries compared, the strictest bar of the Holm step-down
procedure that ``harness.regress.compare`` applies to the whole check, so stopping there never
changes a verdict. Others go on up to ``max_rounds``.

Each round is written as it finishes, as one results file per side
(``DIR/<side>/round-NN.json``), so ``harness compare`` pairs them as strata exactly as it
pairs the rounds of saved runs, and an interrupted check keeps the rounds it finished.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from harness.core.backends import implementation_unavailable_reason
from harness.core.results import Check, Entry, EntryWarning, Evaluation, Run, Stats, save
from harness.regress.ab import CheckError, SideTree
from harness.regress.compare import Thresholds, sample_statistics
from harness.regress.side_bootstrap import BOOTSTRAP
from harness.regress.significance import Stratum
from harness.run.child import ChildOutcome, run_command
from harness.run.entries import EntryPlan, entry_environment
from harness.run.findings import ConstructionFindings
from harness.run.planning import loops_for
from harness.run.summary import summarise_construction, wrong_result_reason

Runner = Callable[..., ChildOutcome]
Key = tuple[str, str, str, int | None]
CPU_TIMED_BACKENDS = ("python", "cython", "numba")  # their kernels run on the calling thread
VALUE_SECONDS = 0.005  # a sample value lasts at least this long
WORKER = Path(__file__).resolve().parent / "check_worker.py"


@dataclass(frozen=True)
class Group:
    """Entries timed together in one process: how they are timed and with how many threads."""

    name: str
    concurrent: bool  # base and new processes run at the same time, one core each
    threads: int | None = None  # NUMBA_NUM_THREADS of the process


@dataclass(frozen=True)
class Target:
    """One entry to sample: its plan, its group, and its spec for the worker."""

    plan: EntryPlan
    group: Group
    timer: str  # "cpu" or "wall"
    unavailable: str | None = None  # why the backend cannot run on this machine

    @property
    def key(self) -> Key:
        return self.plan.key

    @property
    def label(self) -> str:
        return self.plan.label

    def spec(self, loops: int | None = None) -> dict[str, Any]:
        spec = {"workload": self.plan.workload.name, "backend": self.plan.backend, "params": self.plan.params}
        return {**spec, "timer": self.timer, "loops": loops or 0}


def targets_for(plans: Sequence[EntryPlan], timer: str = "auto") -> list[Target]:
    """Each plan's group and timer; threads-agnostic kernels join the widest thread group."""
    widest = max((p.threads for p in plans if p.threads is not None), default=None)
    targets = []
    for plan in plans:
        serial = plan.backend in CPU_TIMED_BACKENDS
        if serial and timer != "wall":
            group = Group("serial", concurrent=True)
        else:
            threads = plan.threads if plan.threads is not None else widest
            group = Group(f"threads-{threads}" if threads else "alone", concurrent=False, threads=threads)
        chosen = "cpu" if timer == "cpu" or (timer == "auto" and serial) else "wall"
        targets.append(Target(plan, group, chosen, implementation_unavailable_reason(plan.workload, plan.backend)))
    return targets


def groups_of(targets: Iterable[Target]) -> dict[Group, list[Target]]:
    found: dict[Group, list[Target]] = {}
    for target in targets:
        found.setdefault(target.group, []).append(target)
    return found


@dataclass
class Workers:
    """Runs ``check_worker.py`` in a side's tree over a list of entries, crash by crash.

    When a process dies or hangs inside an entry, that entry gets a ``failed`` or
    ``timeout`` finding naming it, and a new process takes the entries it had not finished.
    """

    output_dir: Path
    workload_dirs: Sequence[Path] = ()
    python: str = sys.executable
    timeout: float = 600.0  # seconds a process may go without finishing a step
    runner: Runner = run_command
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False)

    def run(
        self, side: SideTree, group: Group, mode: str, entries: Sequence[dict[str, Any]], **spec: Any
    ) -> list[dict[str, Any]]:
        """One finding per entry, in order."""
        found: dict[int, dict[str, Any]] = {}
        while len(found) < len(entries):
            pending = [i for i in range(len(entries)) if i not in found]
            folder = self.output_dir / "processes" / side.padded  # paths of one length on both sides
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{next(self._numbers):05d}-{mode}-{group.name}"
            lines = folder / f"{name}.jsonl"
            lines.unlink(missing_ok=True)
            spec_file = folder / f"{name}.json"
            spec_file.write_text(json.dumps({**spec, "entries": [entries[i] for i in pending], "output": str(lines)}))
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


def read_findings(path: Path) -> tuple[list[int], dict[int, dict[str, Any]]]:
    """The entries a worker started and those it finished, from its JSON lines."""
    started: list[int] = []
    finished: dict[int, dict[str, Any]] = {}
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


def setup_entry(plan: EntryPlan, finding: dict[str, Any]) -> Entry:
    """A side's set-up finding as an entry: ok (not yet timed), wrong_result, unavailable or failed."""
    status = finding.get("status")
    if status != "ok":
        return plan.entry(
            status=status if status in ("unavailable", "timeout") else "failed", reason=finding.get("reason", "")
        )
    check = Check.from_json(finding["check"])
    if plan.backend == plan.workload.reference:
        check.message = "this backend is the reference"
    if not check.passed:
        return plan.entry(status="wrong_result", reason=wrong_result_reason(check), check=check)
    info = {**finding.get("info", {}), "check_setup": "one cold construction in the check's set-up"}
    info["estimate_seconds"] = finding.get("estimate_seconds")
    if finding.get("work"):
        info["work"] = finding["work"]
    return plan.entry(
        status="ok",
        check=check,
        construction=summarise_construction([cast(ConstructionFindings, finding)], []),
        calls_per_evaluation=finding.get("calls_per_evaluation"),
        info=info,
    )


@dataclass
class Sampler:
    """Sets every side up, then samples the targets in rounds until each verdict is clear."""

    sides: Sequence[SideTree]
    workers: Workers
    thresholds: Thresholds = field(default_factory=Thresholds)
    pairs: int = 3  # sample processes per side and group in a round
    min_rounds: int = 2
    max_rounds: int = 6
    values: int = 10  # per entry and process
    warmups: int = 1
    statistic: str = "min"  # a process's sample: the minimum of its values, or ("mean") their mean
    value_seconds: float = VALUE_SECONDS
    log: Callable[[str], None] = print
    loops: dict[Key, int] = field(default_factory=dict)  # fixed by the first process that calibrates

    def setup(self, targets: Sequence[Target]) -> dict[str, list[Entry]]:
        """Each side's set-up entries, in target order; the sides run at the same time."""

        def one_side(side: SideTree) -> list[Entry]:
            entries = {
                t.key: t.plan.entry(status="unavailable", reason=t.unavailable) for t in targets if t.unavailable
            }
            for group, members in groups_of(t for t in targets if not t.unavailable).items():
                self.log(f"set-up: {len(members)} entries ({group.name}) on {side.label}")
                findings = self.workers.run(
                    side,
                    group,
                    "setup",
                    [t.spec() for t in members],
                    reference_dir=str(self.workers.output_dir / "reference" / side.padded),
                )
                for target, finding in zip(members, findings, strict=True):
                    entries[target.key] = setup_entry(target.plan, finding)
            return [entries[t.key] for t in targets]

        with ThreadPoolExecutor(max_workers=len(self.sides)) as pool:
            done = list(pool.map(one_side, self.sides))
        return {side.label: entries for side, entries in zip(self.sides, done, strict=True)}

    def sample(self, targets: Sequence[Target], writer: RoundWriter, setups: Mapping[str, Sequence[Entry]]) -> None:
        """Rounds of sample processes for every target ``ok`` on every side."""
        first = setups[self.sides[0].label]
        for target, entry in zip(targets, first, strict=True):
            estimate = entry.info.get("estimate_seconds")
            if target.group.concurrent and estimate:  # concurrent set-ups time serial kernels fairly
                self.loops[target.key] = loops_for(estimate, self.value_seconds)
        ok = {label: {e.key for e in entries if e.status == "ok"} for label, entries in setups.items()}
        active = [t for t in targets if all(t.key in keys for keys in ok.values())]
        family = len(active)
        turns: dict[Group, int] = {}
        for number in range(1, self.max_rounds + 1):
            samples: dict[Key, dict[str, list[float]]] = {t.key: {s.label: [] for s in self.sides} for t in active}
            for group, members in groups_of(active).items():
                for _ in range(self.pairs):
                    turn = turns.get(group, 0)
                    turns[group] = turn + 1
                    order = list(self.sides) if turn % 2 == 0 else list(reversed(self.sides))
                    for label, found in self.processes(group, members, order):
                        for target, finding in zip(members, found, strict=True):
                            self.take(target, label, finding, samples, writer)
            failed = writer.failed_keys()
            active = [t for t in active if t.key not in failed]
            writer.add_round(number, {t.key: samples[t.key] for t in active})
            writer.write()
            self.log(f"round {number}: {len(active)} entries sampled")
            if number >= self.min_rounds:
                active = [t for t in active if not self.decided(t, writer.rounds_of(t.key), family)]
            if not active:
                break

    def processes(
        self, group: Group, members: Sequence[Target], order: Sequence[SideTree]
    ) -> list[tuple[str, list[dict[str, Any]]]]:
        """One sample process per side for ``members``: together or one after the other.

        An entry without loops yet is calibrated by the first process that times it; the
        loops it chose are then every later process's, on both sides.
        """

        def one(side: SideTree) -> tuple[str, list[dict[str, Any]]]:
            specs = [t.spec(self.loops.get(t.key)) for t in members]
            found = self.workers.run(
                side, group, "sample", specs, values=self.values, warmups=self.warmups, value_seconds=self.value_seconds
            )
            for target, finding in zip(members, found, strict=True):
                if finding.get("loops"):
                    self.loops.setdefault(target.key, int(finding["loops"]))
            return side.label, found

        if group.concurrent and len(order) > 1:
            with ThreadPoolExecutor(max_workers=len(order)) as pool:
                return list(pool.map(one, order))
        return [one(side) for side in order]

    def take(
        self,
        target: Target,
        label: str,
        finding: dict[str, Any],
        samples: dict[Key, dict[str, list[float]]],
        writer: RoundWriter,
    ) -> None:
        if finding.get("status") != "ok" or not finding.get("values"):
            reason = f"{label} sample of {target.label}: {finding.get('reason', 'no values')}"
            self.log(f"  {reason}")
            writer.add_failure(target.key, label, finding.get("status", "failed"), reason)
            return
        values = finding["values"]
        samples[target.key][label].append(min(values) if self.statistic == "min" else statistics.fmean(values))
        if finding.get("compiled_values"):
            compiled = writer.compiled_values.setdefault(target.key, {})
            compiled[label] = compiled.get(label, 0) + int(finding["compiled_values"])
        writer.timers.setdefault(label, {})[target.key] = finding["timer"]
        writer.loops.setdefault(target.key, int(finding["loops"]))

    def decided(self, target: Target, rounds: Sequence[dict[str, list[float]]], family: int) -> bool:
        """True when more rounds would not change the verdict: significant for the whole
        family of entries, or an interval clearly inside the minimum effect."""
        if len(self.sides) != 2:
            return False
        base, new = (side.label for side in self.sides)
        stats = sample_statistics([Stratum(tuple(r[base]), tuple(r[new])) for r in rounds], self.thresholds)
        effect = self.thresholds.effect_for(target.plan.workload.name)
        inside = 1 - effect < stats.ci_low and stats.ci_high < 1 + effect
        return stats.p_value < self.thresholds.alpha / max(family, 1) or inside


@dataclass
class RoundWriter:
    """Writes each side's rounds as results files: ``DIR/<side>/round-NN.json``.

    Entries that were not sampled (not ``ok`` on some side) and entries whose sampling
    failed go into round 1 as the set-up or the failure recorded them, so the comparison
    says why they are not comparable. ``DIR/<side>-latest.json`` pools all rounds of each
    entry, with its construction from the set-up, for the HTML report.
    """

    output_dir: Path
    metadata: Mapping[str, dict[str, Any]]  # side label -> run metadata
    setups: Mapping[str, Sequence[Entry]]
    values: int
    warmups: int
    statistic: str = "min"
    rounds: list[dict[Key, dict[str, list[float]]]] = field(default_factory=list)

    def describe_sample(self) -> str:
        what = "minimum" if self.statistic == "min" else "mean"
        return f"{what} of {self.values} values, taken round-robin with the other entries of its process"

    failures: dict[Key, dict[str, Entry]] = field(default_factory=dict)
    timers: dict[str, dict[Key, str]] = field(default_factory=dict)
    loops: dict[Key, int] = field(default_factory=dict)
    compiled_values: dict[Key, dict[str, int]] = field(default_factory=dict)  # discarded: Numba compiled

    def add_round(self, number: int, samples: Mapping[Key, Mapping[str, Sequence[float]]]) -> None:
        while len(self.rounds) < number:
            self.rounds.append({})
        self.rounds[number - 1] = {key: {side: list(m) for side, m in found.items()} for key, found in samples.items()}

    def add_failure(self, key: Key, label: str, status: str, reason: str) -> None:
        template = self.template(label, key)
        status = status if status in ("failed", "timeout") else "failed"
        self.failures.setdefault(key, {})[label] = dataclasses.replace(template, status=status, reason=reason)

    def rounds_of(self, key: Key) -> list[dict[str, list[float]]]:
        """Each round's samples of one entry, per side, in the rounds it was sampled in."""
        return [found[key] for found in self.rounds if key in found]

    def failed_keys(self) -> set[Key]:
        return set(self.failures)

    def template(self, label: str, key: Key) -> Entry:
        return next(e for e in self.setups[label] if e.key == key)

    def entry(self, label: str, key: Key, samples: Sequence[float]) -> Entry:
        """The set-up entry with an evaluation from these samples, one per process (the
        minimum of its values), so ``values_per_process`` is 1 and compare ranks them."""
        template = self.template(label, key)
        seconds = Stats.of(samples)
        work = template.info.get("work")
        rate = None
        if work and seconds.median > 0:
            rate = {"value": work["amount"] / seconds.median, "unit": f"{work['unit']}/s", "work": work}
        evaluation = Evaluation(
            seconds=seconds,
            processes=len(samples),
            values_per_process=1,
            warmups=self.warmups,
            loops=self.loops.get(key, 1),
            timer=self.timers.get(label, {}).get(key, "perf_counter"),
            rate=rate,
        )
        info = {**template.info, "check_samples": len(samples), "check_sample": self.describe_sample()}
        warnings = list(template.warnings)
        compiled = self.compiled_values.get(key, {}).get(label, 0)
        if compiled:
            warnings.append(
                EntryWarning(
                    "compile_in_evaluation",
                    f"Numba compiled during {compiled} values of this side's sample processes; they were "
                    "discarded (a kernel Numba cannot load from its cache, or one that compiles on calls)",
                )
            )
        return dataclasses.replace(template, evaluation=evaluation, info=info, warnings=warnings)

    def write(self) -> dict[str, list[Path]]:
        """Write every side's rounds and its pooled run; returns each side's round files."""
        started = dt.datetime.now(dt.UTC)
        files: dict[str, list[Path]] = {}
        for label, setup in self.setups.items():
            sampled = {key for r in self.rounds for key in r if key not in self.failures}
            unsampled = [self.failures.get(e.key, {}).get(label, e) for e in setup if e.key not in sampled]
            latest = Run(metadata={**self.metadata[label], "check_rounds": len(self.rounds)})
            for number, found in enumerate(self.rounds or [{}], start=1):
                # the same time stamps on both sides: compare pairs round N with round N
                stamp = (started + dt.timedelta(seconds=number)).isoformat()
                run = Run(metadata={**self.metadata[label], "utc_time": stamp, "check_round": number})
                for key, sides in found.items():
                    if key in sampled:
                        run.add(self.entry(label, key, sides[label]))
                for entry in unsampled if number == 1 else []:
                    run.add(entry)
                path = self.output_dir / label / f"round-{number:02d}.json"
                save(run, path)
                files.setdefault(label, []).append(path)
            for entry in setup:
                pooled = [m for r in self.rounds if entry.key in r for m in r[entry.key][label]]
                if entry.key in sampled and pooled:
                    entry = self.entry(label, entry.key, pooled)
                latest.add(self.failures.get(entry.key, {}).get(label, entry))
            save(latest, self.output_dir / f"{label}-latest.json")
        return files
