"""Compares two sides (base and new) of benchmark results, entry by entry.

A side is one or more runs (``results.Run``); the values of matching entries are pooled
across the runs of a side. Matching is on ``Entry.key`` (workload, backend, params,
threads). For every matching entry the comparison gives the ratio of medians
(new / base) with a confidence interval, a rank test's p-value and a verdict:

    regressed       significant (Holm-adjusted p < alpha over the comparison's timed
                    entries) and slower by at least the minimum effect
    improved        significant and faster by at least the minimum effect
    unchanged       anything else (not significant, or a significant but small change)
    not comparable  missing on one side, different parameters, a non-ok status, different
                    timers, or the two sides ran on different machines

**The samples are one per process, not pyperf's values** (the process's mean; in a
check's rounds, its minimum, see ``harness.regress.sampling``). pyperf runs each benchmark
in several worker processes; values from one process share its memory layout, address
randomisation, JIT code placement and CPU frequency state, so they are correlated, and a
test that treats them as independent is far too confident. (pyperf's ``compare_to``
applies a t-test to all values, so its "significant" follows from the mere number of
values, and it is unreliable when the sides have different numbers of values.) The
process is the unit that is independent, so each process gives one sample, and
the rounds of an A/B check add processes.

**The test is a rank test within rounds** (``harness.regress.significance``): runs of the two
sides are paired in time order (the rounds of an A/B check) and samples are ranked only
against samples of their own round, so load that drifts between rounds cancels. With a
single run per side this is the exact Mann-Whitney U test. Rank tests assume no
normality (timings are skewed, with a long tail of interference) and handle unequal
sample sizes exactly.

Instruction counts (``Entry.instructions``, from ``harness.regress.instructions``) are
deterministic: they are compared by their ratio against their own threshold, no test.

This module imports numpy lazily, inside the functions that need them.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.results import MACHINE_FIELDS, Entry, ResultsError, Run, load, machine_facts
from harness.regress.significance import (
    SampleError,
    Stratum,
    ratio_estimate,
    ratio_interval,
    smallest_p_value,
    strata_of,
    stratified_p_value,
)

REGRESSED, IMPROVED, UNCHANGED, NOT_COMPARABLE = (
    "regressed",
    "improved",
    "unchanged",
    "not comparable",
)
STATUSES = (REGRESSED, IMPROVED, UNCHANGED, NOT_COMPARABLE)
SOFTWARE_FIELDS = ("python",)

Key = tuple[str, str, str, int | None]


class CompareError(ResultsError):
    """The inputs cannot be compared: nothing in common, or a side that mixes machines."""


@dataclass(frozen=True)
class Thresholds:
    """What counts as a change: significance level, minimum effects, confidence level."""

    alpha: float = 0.01
    min_effect: float = 0.05
    min_effect_for: Mapping[str, float] = field(default_factory=dict)
    instructions_threshold: float = 0.01
    confidence: float = 0.95
    family_wise: bool = True  # Holm's step-down over the timed entries of one comparison

    def effect_for(self, workload: str) -> float:
        return self.min_effect_for.get(workload, self.min_effect)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its runs and where they came from."""

    label: str
    runs: list[Run]
    sources: list[str]
    skipped: list[str] = field(default_factory=list)  # files in a side's folders that did not load

    @property
    def metadata(self) -> dict[str, Any]:
        return self.runs[0].metadata if self.runs else {}

    def machines(self) -> dict[Key, list[dict[str, Any]]]:
        """Every key, with the machine facts of each of its entries (a merged run's may differ)."""
        found: dict[Key, list[dict[str, Any]]] = {}
        for run in self.runs:
            for entry in run.entries:
                found.setdefault(entry.key, []).append(machine_facts(entry, run.metadata))
        return found

    def entries(self) -> dict[Key, list[Entry]]:
        """Every key, with its entries from each run of this side (in run order)."""
        found: dict[Key, list[Entry]] = {}
        for run in self.runs:
            for entry in run.entries:
                found.setdefault(entry.key, []).append(entry)
        return found


@dataclass(frozen=True)
class Statistics:
    """The figures behind a timing verdict."""

    base_median: float
    new_median: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    base_samples: int
    new_samples: int
    min_p_value: float  # the smallest p-value these sample sizes can give
    strata: int = 1  # rounds the samples were ranked within
    p_adjusted: float | None = None  # Holm-adjusted for the family of timed entries
    family: int = 1  # how many timed entries the comparison tested

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EntryComparison:
    """The verdict for one entry key."""

    key: Key
    label: str
    workload: str
    status: str
    reason: str = ""
    kind: str = "time"  # "time" (seconds per call) or "instructions" (per call)
    statistics: Statistics | None = None
    min_effect: float = 0.0
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "workload": self.workload,
            "status": self.status,
            "reason": self.reason,
            "kind": self.kind,
            "min_effect": self.min_effect,
            "statistics": self.statistics.to_json() if self.statistics else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Comparison:
    """Everything ``compare`` found: per-entry verdicts and top-level warnings."""

    base: Side
    new: Side
    entries: list[EntryComparison]
    warnings: list[str]
    thresholds: Thresholds

    def with_status(self, status: str) -> list[EntryComparison]:
        return [e for e in self.entries if e.status == status]

    @property
    def regressed(self) -> bool:
        return bool(self.with_status(REGRESSED))

    @property
    def compared(self) -> int:
        return sum(1 for e in self.entries if e.status != NOT_COMPARABLE)

    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in STATUSES}


# -- loading --------------------------------------------------------------------------------


def results_files(path: Path) -> list[Path]:
    """The results files a command-line argument names: the file, or a folder's ``*.json``."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
        if not files:
            raise ResultsError(
                f"{path} holds no results files (*.json); pass a file or a folder of runs"
            )
        return files
    if not path.exists():
        raise ResultsError(f"results file {path} does not exist")
    return [path]


def load_side(label: str, paths: Sequence[Path]) -> Side:
    """Load every run of one side; a side must come from one machine to be pooled.

    A file named on the command line must load (``ResultsError`` otherwise); a file found
    in a folder that does not load is skipped, and listed in ``Side.skipped``.
    """
    loaded: list[tuple[Run, Path]] = []
    skipped: list[str] = []
    for path in paths:
        for file in results_files(path):
            try:
                loaded.append((load(file), file))
            except ResultsError as error:
                if not Path(path).is_dir():
                    raise
                skipped.append(str(error))
    if not loaded:
        raise ResultsError(f"the {label} side has no readable results: {'; '.join(skipped)}")
    loaded.sort(key=lambda pair: str(pair[0].metadata.get("utc_time", "")))
    runs = [run for run, _ in loaded]
    side = Side(label=label, runs=runs, sources=[str(f) for _, f in loaded], skipped=skipped)
    machines = {_machine(run.metadata) for run in runs}
    if len(machines) > 1:
        listed = "; ".join(", ".join(str(v) for v in m) for m in sorted(machines, key=str))
        raise CompareError(
            f"the {label} side mixes runs from different machines ({listed}); "
            "pool only runs from one machine"
        )
    return side


# -- comparing ------------------------------------------------------------------------------


def compare(base: Side, new: Side, thresholds: Thresholds | None = None) -> Comparison:
    """Compare every entry key of the two sides; raises CompareError when none is shared."""
    thresholds = thresholds or Thresholds()
    warnings = environment_warnings(base.metadata, new.metadata)
    base_entries, new_entries = base.entries(), new.entries()
    base_machines, new_machines = base.machines(), new.machines()
    if not set(base_entries) & set(new_entries):
        raise CompareError(
            "nothing to compare: no entry (workload, backend, params, threads) is in both "
            f"{', '.join(base.sources)} and {', '.join(new.sources)}"
        )
    keys = list(dict.fromkeys([*base_entries, *new_entries]))
    entries = [
        compare_key(
            key,
            base_entries.get(key, []),
            new_entries.get(key, []),
            thresholds,
            machines_difference(base_machines.get(key, []), new_machines.get(key, [])),
        )
        for key in keys
    ]
    entries = explain_parameter_differences(entries, base_entries, new_entries)
    return Comparison(base, new, judge_times(entries, thresholds), warnings, thresholds)


def compare_key(
    key: Key,
    base: list[Entry],
    new: list[Entry],
    thresholds: Thresholds,
    machine_reason: str | None,
) -> EntryComparison:
    """The verdict for one key, from its entries on each side."""
    sample = (base or new)[0]
    identity: dict[str, Any] = {"key": key, "label": sample.label, "workload": sample.workload}
    if not base or not new:
        return EntryComparison(
            **identity, status=NOT_COMPARABLE, reason=f"only in {'new' if new else 'base'}"
        )
    if machine_reason:
        return EntryComparison(**identity, status=NOT_COMPARABLE, reason=machine_reason)
    problem = status_problem("base", base) or status_problem("new", new)
    if problem:
        return EntryComparison(**identity, status=NOT_COMPARABLE, reason=problem)
    base_ok = [e for e in base if e.status == "ok"]
    new_ok = [e for e in new if e.status == "ok"]
    notes = tuple(
        n for n in (partial_note("base", base, base_ok), partial_note("new", new, new_ok)) if n
    )
    if all(instruction_count(e) is not None for e in [*base_ok, *new_ok]):
        return compare_instructions(identity, base_ok, new_ok, thresholds, notes)
    timer_problem = timer_difference(base_ok, new_ok)
    if timer_problem:
        return EntryComparison(**identity, status=NOT_COMPARABLE, reason=timer_problem)
    return compare_times(identity, base_ok, new_ok, thresholds, notes)


def status_problem(label: str, entries: list[Entry]) -> str | None:
    """Why a side has nothing to compare for this key: no run of it is ok."""
    if any(e.status == "ok" for e in entries):
        return None
    worst = entries[-1]
    reason = f": {worst.reason}" if worst.reason else ""
    return f"{label} status {worst.status}{reason}"


def partial_note(label: str, entries: list[Entry], ok: list[Entry]) -> str | None:
    if len(ok) == len(entries):
        return None
    return f"{label}: {len(entries) - len(ok)} of {len(entries)} runs not ok, pooled the ok ones"


def timer_difference(base: list[Entry], new: list[Entry]) -> str | None:
    """Entries timed with different clocks (CUDA events vs perf_counter) are not comparable."""
    if any(e.evaluation is None for e in [*base, *new]):
        return "an ok entry has no evaluation (seconds per call) on one side"
    timers = {e.evaluation.timer for e in [*base, *new] if e.evaluation}
    if len(timers) > 1:
        return f"timed with different timers: {', '.join(sorted(timers))}"
    samples = {sample_kind(e) for e in [*base, *new]}
    if len(samples) > 1:
        return (
            "one side's samples are each process's minimum (harness check), the other's each process's "
            "mean; compare check rounds with check rounds"
        )
    return None


def sample_kind(entry: Entry) -> str:
    """What one process's sample is: ``minimum`` of its values (a check's rounds) or ``mean``."""
    return entry.sample_kind


def compare_times(
    identity: dict[str, Any],
    base: list[Entry],
    new: list[Entry],
    thresholds: Thresholds,
    notes: tuple[str, ...],
) -> EntryComparison:
    try:
        stats = sample_statistics(strata_for(base, new), thresholds)
    except SampleError as error:
        return EntryComparison(**identity, status=NOT_COMPARABLE, reason=f"bad samples: {error}")
    # judged in ``compare`` once every entry's p-value is known (Holm needs them all)
    return EntryComparison(**identity, status=UNCHANGED, statistics=stats, notes=notes)


def judged(entry: EntryComparison, thresholds: Thresholds) -> EntryComparison:
    """The entry's verdict and reason from its statistics (and Holm-adjusted p, if any)."""
    stats = entry.statistics
    assert stats is not None
    min_effect = thresholds.effect_for(entry.workload)
    status, reason = verdict(stats, min_effect, thresholds.alpha)
    notes = entry.notes
    clearly_small = 1 - min_effect < stats.ci_low and stats.ci_high < 1 + min_effect
    if stats.min_p_value * stats.family >= thresholds.alpha and not clearly_small:
        family = f" for {stats.family} entries" if stats.family > 1 else ""
        notes = (
            *notes,
            f"underpowered: {stats.base_samples} vs {stats.new_samples} samples give p >= "
            f"{stats.min_p_value:.2g}, too few{family}; add samples (check: more --rounds; "
            "compare: a folder of runs a side)",
        )
    return dataclasses.replace(entry, status=status, reason=reason, min_effect=min_effect, notes=notes)


def verdict(stats: Statistics, min_effect: float, alpha: float) -> tuple[str, str]:
    """Regressed or improved only when the change is both significant and large enough.

    Significance is judged on the Holm-adjusted p-value where the comparison has one.
    """
    change = stats.ratio - 1.0
    p = stats.p_value if stats.p_adjusted is None else stats.p_adjusted
    shown = f"p={stats.p_value:.2g}" if stats.p_adjusted is None else f"p={stats.p_value:.2g}, Holm {p:.2g}"
    significant = p < alpha
    large = abs(change) >= min_effect
    if significant and large:
        status = REGRESSED if change > 0 else IMPROVED
        return status, f"{change:+.1%}, {shown} < {alpha:g}"
    if significant:
        return (
            UNCHANGED,
            f"{change:+.1%} is significant but below the {min_effect:.0%} minimum effect",
        )
    return UNCHANGED, f"{change:+.1%}, not significant ({shown})"


def judge_times(entries: list[EntryComparison], thresholds: Thresholds) -> list[EntryComparison]:
    """Every timed entry's verdict, with Holm's step-down adjustment across them.

    A check tests dozens of entries at once; at ``alpha`` each, one of them would cross
    by chance in many checks. Holm's procedure keeps the chance of *any* false
    regression in a comparison below ``alpha`` (whatever the dependence between the
    entries) and is uniformly more powerful than Bonferroni: the smallest p-value is
    compared with ``alpha / m``, the next with ``alpha / (m - 1)``, and so on.
    ``Thresholds.family_wise=False`` judges each entry at ``alpha`` alone.
    """
    timed = [(i, e.statistics) for i, e in enumerate(entries) if e.kind == "time" and e.statistics is not None]
    adjusted: Sequence[float | None] = [None] * len(timed)
    if thresholds.family_wise:
        adjusted = holm([one.p_value for _, one in timed])
    result = list(entries)
    for (i, one), p in zip(timed, adjusted, strict=True):
        family = len(timed) if thresholds.family_wise else 1
        result[i] = judged(
            dataclasses.replace(entries[i], statistics=dataclasses.replace(one, p_adjusted=p, family=family)),
            thresholds,
        )
    return result


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the input order: the running maximum of
    ``(m - rank) * p`` over the sorted p-values, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def compare_instructions(
    identity: dict[str, Any],
    base: list[Entry],
    new: list[Entry],
    thresholds: Thresholds,
    notes: tuple[str, ...],
) -> EntryComparison:
    """Deterministic counts: the ratio of median counts per call against its own threshold."""
    base_counts = [c for e in base if (c := instruction_count(e)) is not None]
    new_counts = [c for e in new if (c := instruction_count(e)) is not None]
    base_median, new_median = statistics.median(base_counts), statistics.median(new_counts)
    ratio = new_median / base_median if base_median > 0 else math.inf
    low = min(new_counts) / max(base_counts) if max(base_counts) > 0 else math.inf
    high = max(new_counts) / min(base_counts) if min(base_counts) > 0 else math.inf
    stats = Statistics(
        base_median,
        new_median,
        ratio,
        low,
        high,
        math.nan,
        len(base_counts),
        len(new_counts),
        math.nan,
    )
    threshold = thresholds.instructions_threshold
    change = ratio - 1.0
    status = (REGRESSED if change > 0 else IMPROVED) if abs(change) >= threshold else UNCHANGED
    reason = f"{change:+.2%} instructions per call (threshold {threshold:.1%})"
    return EntryComparison(
        **identity,
        status=status,
        reason=reason,
        kind="instructions",
        statistics=stats,
        min_effect=threshold,
        notes=notes,
    )


def instruction_count(entry: Entry) -> float | None:
    """Instructions per call recorded by the deterministic mode, if this entry has them."""
    return entry.instructions.per_call if entry.instructions is not None else None


def explain_parameter_differences(
    entries: list[EntryComparison],
    base: Mapping[Key, list[Entry]],
    new: Mapping[Key, list[Entry]],
) -> list[EntryComparison]:
    """An entry only on one side whose twin (same workload, backend, threads) differs in params."""

    def twin(key: Key, other: Mapping[Key, list[Entry]]) -> Key | None:
        return next(
            (k for k in other if (k[0], k[1], k[3]) == (key[0], key[1], key[3]) and k != key), None
        )

    explained = []
    for comparison in entries:
        key = comparison.key
        only_base, only_new = key in base and key not in new, key in new and key not in base
        other_key = twin(key, new) if only_base else twin(key, base) if only_new else None
        if other_key is not None and other_key not in (base if only_base else new):
            side = "new" if only_base else "base"
            reason = f"parameters differ: this side has {key[2]}, {side} has {other_key[2]}"
            comparison = EntryComparison(
                key, comparison.label, comparison.workload, NOT_COMPARABLE, reason
            )
        explained.append(comparison)
    return explained


# -- machines -------------------------------------------------------------------------------


def _machine(metadata: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(metadata.get(name) for name in MACHINE_FIELDS)


def machine_difference(base: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """Why two runs' machines are not the same machine, or None when they are."""
    differences = [
        f"{name} {base.get(name)!r} vs {new.get(name)!r}"
        for name in MACHINE_FIELDS
        if base.get(name) != new.get(name)
    ]
    return "different machines: " + "; ".join(differences) if differences else None


def machines_difference(base: list[dict[str, Any]], new: list[dict[str, Any]]) -> str | None:
    """Why one key's entries on the two sides come from different machines, or None.

    Per entry, so an entry of a run merged from mixed machines is compared only with
    entries of its own machine."""
    for base_facts in base:
        for new_facts in new:
            if reason := machine_difference(base_facts, new_facts):
                return reason
    return None


def environment_warnings(base: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level warnings: different machines (never compared), different software."""
    warnings = []
    machine = machine_difference(base, new)
    if machine:
        warnings.append(
            f"{machine}. Timings from different machines are not compared; "
            "run both sides on one machine (harness check --against REF)"
        )
    for name in SOFTWARE_FIELDS:
        if base.get(name) != new.get(name):
            warnings.append(f"{name} differs: {base.get(name)} vs {new.get(name)}")
    base_packages, new_packages = base.get("packages") or {}, new.get("packages") or {}
    for name in sorted(set(base_packages) | set(new_packages)):
        if base_packages.get(name) != new_packages.get(name):
            warnings.append(
                f"{name} differs: {base_packages.get(name)} vs {new_packages.get(name)}"
            )
    return warnings


# -- statistics ------------------------------------------------------------------------------


def process_means(entry: Entry) -> list[float]:
    """One sample per pyperf worker process: the mean of that process's values.

    pyperf stores values process after process, ``values_per_process`` each (its
    calibration run, counted in ``processes``, has no values). When the values do not
    divide into whole processes the grouping is unknown, and each value is one sample.
    """
    evaluation = entry.evaluation
    if evaluation is None:
        return []
    groups = evaluation.values_by_process()
    if groups is None:
        return list(evaluation.seconds.values)
    return [statistics.fmean(group) for group in groups]


def strata_for(base: list[Entry], new: list[Entry]) -> list[Stratum]:
    """Pair the runs of the two sides in order (round 1 with round 1, ...) as strata.

    Interleaved rounds measured both sides under the same load, so samples are only
    ranked within their round. Sides with different numbers of runs cannot be paired:
    their samples are pooled into one stratum (a plain Mann-Whitney U test).
    """
    if len(base) == len(new):
        pairs = [(process_means(b), process_means(n)) for b, n in zip(base, new, strict=True)]
    else:
        pairs = [
            (
                [m for e in base for m in process_means(e)],
                [m for e in new for m in process_means(e)],
            )
        ]
    return strata_of(pairs)


def sample_statistics(strata: Sequence[Stratum], thresholds: Thresholds) -> Statistics:
    """Ratio new/base (Hodges-Lehmann) with its interval, and the rank test's p-value."""
    low, high = ratio_interval(strata, thresholds.confidence)
    base = [v for s in strata for v in s.base]
    new = [v for s in strata for v in s.new]
    return Statistics(
        base_median=statistics.median(base),
        new_median=statistics.median(new),
        ratio=ratio_estimate(strata),
        ci_low=low,
        ci_high=high,
        p_value=stratified_p_value(strata),
        base_samples=len(base),
        new_samples=len(new),
        min_p_value=smallest_p_value(strata),
        strata=len(strata),
    )
