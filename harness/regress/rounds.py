"""Writes the rounds of an A/B check as results files, one per side and round
(``DIR/<side>/round-NN.json``), so ``harness compare`` pairs them as strata exactly as it
pairs the rounds of saved runs, and an interrupted A/B check keeps the rounds it finished."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.entry_parts import EntryWarning
from harness.core.results import Entry, Run, save
from harness.core.timings import Evaluation, Stats
from harness.regress.verdicts import Key

Samples = dict[str, list[float]]  # side label -> one sample per process


@dataclass
class RoundWriter:
    """Writes each side's rounds as results files: ``DIR/<side>/round-NN.json``.

    Entries that were not sampled (not ``ok`` on some side) and entries whose sampling
    failed go into round 1 as the set-up or the failure recorded them, so the comparison
    says why they are not comparable. ``DIR/<side>-latest.json`` pools all rounds of each
    entry, with its construction from the set-up, for the HTML report.
    """

    output_dir: Path
    metadata: Mapping[str, dict[str, object]]  # side label -> run metadata
    setups: Mapping[str, Sequence[Entry]]
    values: int
    warmups: int
    statistic: str = "min"
    rounds: list[dict[Key, Samples]] = field(default_factory=list)
    failures: dict[Key, dict[str, Entry]] = field(default_factory=dict)
    timers: dict[str, dict[Key, str]] = field(default_factory=dict)
    loops: dict[Key, int] = field(default_factory=dict)
    compiled_values: dict[Key, dict[str, int]] = field(default_factory=dict)  # discarded: Numba compiled

    def describe_sample(self) -> str:
        what = "minimum" if self.statistic == "min" else "mean"
        return f"{what} of {self.values} values, taken round-robin with the other entries of its process"

    def add_round(self, number: int, samples: Mapping[Key, Mapping[str, Sequence[float]]]) -> None:
        while len(self.rounds) < number:
            self.rounds.append({})
        self.rounds[number - 1] = {key: {side: list(m) for side, m in found.items()} for key, found in samples.items()}

    def add_failure(self, key: Key, label: str, status: str, reason: str) -> None:
        template = self.template(label, key)
        status = status if status in ("failed", "timeout") else "failed"
        self.failures.setdefault(key, {})[label] = dataclasses.replace(template, status=status, reason=reason)

    def rounds_of(self, key: Key) -> list[Samples]:
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
        kind = "minimum" if self.statistic == "min" else "mean"
        return dataclasses.replace(template, evaluation=evaluation, info=info, warnings=warnings, sample_kind=kind)

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
