"""Process samples for an A/B check, interleaved side by side, as many as the verdict needs.

``harness check`` first runs each side's own ``harness run`` once (the set-up: the
correctness check, construction, a warm Numba cache kept per entry). Then, entry by
entry, it starts single pyperf worker processes (the side's own ``python -m
harness.evaluate --worker``, loading the kept cache, so no compile lands in a sample) for
the two sides in turn: A B, B A, A B, ... Each process's mean is one sample; the processes
of one round (``pairs`` per side, seconds apart) form one stratum of the rank test, so
load that drifts over the check hits both sides of a stratum alike.

Kernels that run on one thread (``CPU_TIMED_BACKENDS``) are timed in process CPU time
(``HARNESS_TIMER=cpu``, ``time.process_time``) unless ``--timer wall``: on a shared
machine most of the noise in wall-clock time is time spent waiting for a core, which CPU
time leaves out, while a change in the work done shows in it in full. ``numpy`` (BLAS
may use threads), ``numba_parallel`` (its speed is its use of the cores) and ``cuda``
(CUDA events) keep wall-clock time.

The number of rounds adapts to the evidence: after ``min_rounds``, an entry stops as soon
as its verdict is clear (the test is significant, or the interval of new/base lies inside
the minimum effect) and otherwise goes on up to ``max_rounds``. Stable kernels (compiled
code) stop early; noisy ones (pure Python, whose hash seeds and memory layout move a
process's mean by several percent) get the processes they need. Looking more than once
makes a significant p-value a little likelier under no change; a regression also needs
the minimum effect, which is what keeps false alarms away (``docs/regression-checks.md``
has the A/A figures).

Each round is written as one results file per side (``DIR/<side>/round-NN.json``), so
``harness compare`` pairs them as strata exactly as it pairs the rounds of saved runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.ab import CheckError, SideTree
from harness.compare import Thresholds, sample_statistics
from harness.evaluate import TIMER_VARIABLE
from harness.planning import loops_for
from harness.results import Entry, Run, Stats, save
from harness.runner import entry_environment
from harness.significance import Stratum

Runner = Callable[..., subprocess.CompletedProcess[str]]
CPU_TIMED_BACKENDS = ("python", "cython", "numba")  # their kernels run on the calling thread


@dataclass(frozen=True)
class Target:
    """One entry that was ``ok`` on every side's set-up: what its sample processes need."""

    entries: Mapping[str, Entry]  # side label -> that side's set-up entry
    loops: int

    @property
    def first(self) -> Entry:
        return next(iter(self.entries.values()))

    @property
    def slug(self) -> str:
        entry = self.first
        threads = f"-t{entry.threads}" if entry.threads is not None else ""
        params = "-".join(f"{k}{v}" for k, v in sorted(entry.params.items()))
        name = f"{entry.workload}-{entry.backend}{threads}-{params}"
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def targets_of(setups: Mapping[str, Run]) -> list[Target]:
    """Entries ``ok`` with an evaluation on every side, in the first side's order.

    Loops are the same on both sides (the first side's call time decides them), so each
    sample times the same number of calls.
    """
    labels = list(setups)
    found = []
    for key, first in _ok_entries(setups[labels[0]]).items():
        entries = {labels[0]: first}
        for label in labels[1:]:
            other = _ok_entries(setups[label]).get(key)
            if other is None:
                break
            entries[label] = other
        else:
            assert first.evaluation is not None
            found.append(Target(entries, loops_for(first.evaluation.seconds.median)))
    return found


def _ok_entries(run: Run) -> dict[Any, Entry]:
    return {e.key: e for e in run.entries if e.status == "ok" and e.evaluation is not None}


@dataclass
class Sampler:
    """Runs the interleaved sample processes of each target; ``RoundWriter`` writes them down."""

    sides: Sequence[SideTree]
    output_dir: Path
    thresholds: Thresholds = field(default_factory=Thresholds)
    workload_dirs: Sequence[Path] = ()
    pairs: int = 3  # sample processes per side in a round
    min_rounds: int = 2
    max_rounds: int = 6
    values: int = 3
    warmups: int = 1
    timer: str = "auto"  # "cpu", "wall", or "auto": cpu for CPU_TIMED_BACKENDS
    python: str = sys.executable
    timeout: float = 600.0
    runner: Runner = subprocess.run
    log: Callable[[str], None] = print
    timers: dict[str, str] = field(default_factory=dict)  # side label -> timer of its last sample

    def cpu_timed(self, target: Target) -> bool:
        return self.timer == "cpu" or (self.timer == "auto" and target.first.backend in CPU_TIMED_BACKENDS)

    def sample(self, target: Target) -> list[dict[str, list[float]]]:
        """Per round, each side's process means (seconds per call) for ``target``."""
        rounds: list[dict[str, list[float]]] = []
        turn = 0
        for number in range(1, self.max_rounds + 1):
            means: dict[str, list[float]] = {side.label: [] for side in self.sides}
            for index in range(1, self.pairs + 1):
                order = self.sides if turn % 2 == 0 else list(reversed(self.sides))
                turn += 1
                for side in order:
                    means[side.label].append(self.one_process(side, target, f"r{number:02d}-p{index}"))
            rounds.append(means)
            if number >= self.min_rounds and self.decided(target, rounds):
                break
        self.log(f"{target.first.label}: {len(rounds)} rounds of {self.pairs} processes per side")
        return rounds

    def decided(self, target: Target, rounds: Sequence[dict[str, list[float]]]) -> bool:
        """True when more processes would not change the verdict: significant, or clearly small."""
        if len(self.sides) != 2:
            return False
        base, new = (side.label for side in self.sides)
        stats = sample_statistics([Stratum(tuple(r[base]), tuple(r[new])) for r in rounds], self.thresholds)
        effect = self.thresholds.effect_for(target.first.workload)
        inside = 1 - effect < stats.ci_low and stats.ci_high < 1 + effect
        return stats.p_value < self.thresholds.alpha or inside

    def one_process(self, side: SideTree, target: Target, name: str) -> float:
        """Start one pyperf worker of ``side`` for ``target``; the mean of its values."""
        folder = self.output_dir / side.label / "samples" / target.slug
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / f"{name}.json"
        output.unlink(missing_ok=True)
        spec = folder / "spec.json"
        entry = target.entries[side.label]
        if not spec.exists():
            spec.write_text(json.dumps({"workload": entry.workload, "backend": entry.backend, "params": entry.params}))
        command = [
            self.python,
            "-m",
            "harness.evaluate",
            "--worker",
            "--worker-task=0",
            f"--loops={target.loops}",
            f"--warmups={self.warmups}",
            f"--values={self.values}",
            "--spec",
            str(spec),
            "--output",
            str(output),
        ]
        cache = Path(entry.info.get("kept_numba_cache") or folder / "numba-cache")
        env = entry_environment(entry.threads, cache, self.workload_dirs, base=side.environment())
        env[TIMER_VARIABLE] = "cpu" if self.cpu_timed(target) else "wall"
        done = self.runner(command, cwd=side.tree, env=env, timeout=self.timeout, text=True, capture_output=True)
        if done.returncode or not output.exists():
            tail = (done.stderr or done.stdout or "")[-2000:].strip()
            message = f"{side.label} sample {name} of {entry.label} exited with {done.returncode}: {tail}"
            raise SampleFailure(side.label, message)
        mean, self.timers[side.label] = process_mean(side.label, output)
        return mean


class SampleFailure(CheckError):
    """A sample process failed: the entry is recorded as failed on that side."""

    def __init__(self, side: str, message: str) -> None:
        super().__init__(message)
        self.side = side


def process_mean(side: str, path: Path) -> tuple[float, str]:
    """Seconds per call, the mean of a pyperf worker's values, and the worker's timer.

    A side whose harness does not know ``HARNESS_TIMER`` reports ``perf_counter``; the
    comparison then says the sides used different timers.
    """
    import pyperf

    benchmark = pyperf.Benchmark.load(str(path))
    values = benchmark.get_values()
    if not values:
        raise SampleFailure(side, f"{path} holds no values")
    return statistics.fmean(values), str(benchmark.get_metadata().get("harness_timer", "perf_counter"))


@dataclass
class RoundWriter:
    """Writes each side's rounds as results files: ``DIR/<side>/round-NN.json``.

    Entries that were not sampled (not ``ok`` on some side, or on one side only) go into
    round 1 as their set-up recorded them, so the comparison says why they are not
    comparable. ``DIR/<side>-latest.json`` pools all rounds of each entry, with its
    construction from the set-up, for the HTML report.
    """

    output_dir: Path
    setups: Mapping[str, Run]
    values: int
    warmups: int
    rounds: dict[str, list[list[Entry]]] = field(default_factory=dict)
    pooled: dict[str, list[Entry]] = field(default_factory=dict)

    def add(
        self, target: Target, sampled: Sequence[Mapping[str, Sequence[float]]], timers: Mapping[str, str]
    ) -> None:
        for label, entry in target.entries.items():
            per_round = self.rounds.setdefault(label, [])
            while len(per_round) < len(sampled):
                per_round.append([])
            timer = timers[label]
            for number, means in enumerate(sampled):
                per_round[number].append(self.with_samples(entry, means[label], target.loops, timer))
            self.pooled.setdefault(label, []).append(
                self.with_samples(entry, [m for r in sampled for m in r[label]], target.loops, timer)
            )

    def add_failure(self, target: Target, label: str, reason: str) -> None:
        failed = dataclasses.replace(target.entries[label], status="failed", reason=reason, evaluation=None)
        for other in target.entries:
            entry = failed if other == label else target.entries[other]
            self.first_round(other).append(entry)
            self.pooled.setdefault(other, []).append(entry)

    def with_samples(self, entry: Entry, means: Sequence[float], loops: int, timer: str) -> Entry:
        """The set-up entry with its evaluation replaced by these process means.

        Each process's mean stands for its ``values`` values: compare takes the process
        mean as the sample, so the values are stored as the means repeated.
        """
        assert entry.evaluation is not None
        values = [m for m in means for _ in range(self.values)]
        evaluation = dataclasses.replace(
            entry.evaluation,
            seconds=Stats.of(values),
            processes=len(means),
            values_per_process=self.values,
            warmups=self.warmups,
            loops=loops,
            timer=timer,
            pyperf_file=None,
            rate=_rate(entry.evaluation.rate, statistics.median(means)),
        )
        return dataclasses.replace(entry, evaluation=evaluation, info={**entry.info, "check_samples": len(means)})

    def first_round(self, label: str) -> list[Entry]:
        per_round = self.rounds.setdefault(label, [])
        if not per_round:
            per_round.append([])
        return per_round[0]

    def write(self, sampled_keys: set[Any]) -> dict[str, list[Path]]:
        """Write every side's rounds and its pooled run; returns each side's round files."""
        started = dt.datetime.now(dt.UTC)
        files: dict[str, list[Path]] = {}
        for label, setup in self.setups.items():
            for entry in setup.entries:
                if entry.key not in sampled_keys:
                    self.first_round(label).append(entry)
                    self.pooled.setdefault(label, []).append(entry)
            for number, entries in enumerate(self.rounds.get(label, []), start=1):
                # the same time stamps on both sides: compare pairs round N with round N
                stamp = (started + dt.timedelta(seconds=number)).isoformat()
                run = Run(metadata={**setup.metadata, "utc_time": stamp, "check_round": number})
                for entry in entries:
                    run.add(entry)
                path = self.output_dir / label / f"round-{number:02d}.json"
                save(run, path)
                files.setdefault(label, []).append(path)
            latest = Run(metadata={**setup.metadata, "check_rounds": len(self.rounds.get(label, []))})
            for entry in self.pooled.get(label, []):
                latest.add(entry)
            save(latest, self.output_dir / f"{label}-latest.json")
        return files


def _rate(rate: dict[str, Any] | None, seconds: float) -> dict[str, Any] | None:
    if not rate or seconds <= 0:
        return rate
    work = rate["work"]
    return {**rate, "value": work["amount"] / seconds}

