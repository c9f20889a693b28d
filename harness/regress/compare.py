"""Compares two sides (base and new) of benchmark results, entry by entry.

A side is one or more runs (``results.Run``, loaded by ``harness.regress.sides``); the
values of matching entries are pooled across the runs of a side. Matching is on
``Entry.key`` (workload, backend, params, threads). For every matching entry the
comparison gives the ratio of medians (new / base) with a confidence interval, a rank
test's p-value and a verdict (``harness.regress.verdicts``):

    regressed       significant (Holm-adjusted p < alpha over the comparison's timed
                    entries) and slower by at least the minimum effect
    improved        significant and faster by at least the minimum effect
    unchanged       anything else (not significant, or a significant but small change)
    not comparable  missing on one side, different parameters, a non-ok status, different
                    timers, or the two sides ran on different machines

**The samples are one per process, not pyperf's values** (the process's mean; in the
rounds of an A/B check, its minimum, see ``harness.regress.sampling``). pyperf runs each
benchmark in several worker processes; values from one process share its memory layout,
address randomisation, JIT code placement and CPU frequency state, so they are
correlated, and a test that treats them as independent is far too confident. (pyperf's
``compare_to`` applies a t-test to all values, so its "significant" follows from the mere
number of values, and it is unreliable when the sides have different numbers of values.)
The process is the unit that is independent, so each process gives one sample, and the
rounds of an A/B check add processes.

**The test is a rank test within rounds** (``harness.regress.significance``, applied by
``harness.regress.time_verdicts``): runs of the two sides are paired in time order (the
rounds of an A/B check) and samples are ranked only against samples of their own round,
so load that drifts between rounds cancels. With a single run per side this is the exact
Mann-Whitney U test. Rank tests assume no normality (timings are skewed, with a long
tail of interference) and handle unequal sample sizes exactly.

Instruction counts (``Entry.instructions``, from ``harness.regress.instructions``) are
deterministic: they are compared by their ratio against their own threshold, no test
(``harness.regress.instruction_verdicts``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from harness.core.results import Entry
from harness.regress.instruction_verdicts import compare_instructions, instruction_count
from harness.regress.sides import CompareError, Side, environment_warnings, machines_difference
from harness.regress.time_verdicts import compare_times, judge_times, timer_difference
from harness.regress.verdicts import NOT_COMPARABLE, REGRESSED, STATUSES, EntryComparison, Key, Thresholds


@dataclass(frozen=True)
class SidesComparison:
    """Everything ``compare_sides`` found: per-entry verdicts and top-level warnings."""

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

    @property
    def underpowered(self) -> int:
        """Compared entries whose samples were too few to call any change."""
        return sum(1 for e in self.entries if e.underpowered)

    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in STATUSES}

    def to_json(self) -> dict[str, object]:
        return {
            "regressed": self.regressed,
            "counts": self.counts(),
            "underpowered": self.underpowered,
            "warnings": self.warnings,
            "base": self.base.sources,
            "new": self.new.sources,
            "entries": [e.to_json() for e in self.entries],
        }


def compare_sides(base: Side, new: Side, thresholds: Thresholds | None = None) -> SidesComparison:
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
    return SidesComparison(base, new, judge_times(entries, thresholds), warnings, thresholds)


def compare_key(
    key: Key,
    base: list[Entry],
    new: list[Entry],
    thresholds: Thresholds,
    machine_reason: str | None,
) -> EntryComparison:
    """The verdict for one key, from its entries on each side."""
    sample = (base or new)[0]
    undecided = EntryComparison(key=key, label=sample.label, workload=sample.workload, status=NOT_COMPARABLE)
    if not base or not new:
        return dataclasses.replace(undecided, reason=f"only in {'new' if new else 'base'}")
    if machine_reason:
        return dataclasses.replace(undecided, reason=machine_reason)
    problem = status_problem("base", base) or status_problem("new", new)
    if problem:
        return dataclasses.replace(undecided, reason=problem)
    base_ok = [e for e in base if e.status == "ok"]
    new_ok = [e for e in new if e.status == "ok"]
    notes = tuple(
        n for n in (partial_note("base", base, base_ok), partial_note("new", new, new_ok)) if n
    )
    if all(instruction_count(e) is not None for e in [*base_ok, *new_ok]):
        return compare_instructions(undecided, base_ok, new_ok, thresholds, notes)
    timer_problem = timer_difference(base_ok, new_ok)
    if timer_problem:
        return dataclasses.replace(undecided, reason=timer_problem)
    return compare_times(undecided, base_ok, new_ok, thresholds, notes)


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
