"""Figures derived from a run's entries: speedups, reliability warnings, break-even
call counts, scaling exponents and parallel efficiency.

Pure functions of the data model, shared by the CLI tables and the report.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.results import STEP_KINDS, Entry, Run

SPREAD_WARNING = 0.05  # relative standard deviation above which a figure is called noisy
FEW_VALUES = 6
MIN_SCALING_SIZES = 3  # distinct sizes a scaling exponent is fitted through, at least


def baseline_entry(run: Run, entry: Entry, backend: str) -> Entry | None:
    """The ok entry of ``backend`` for the same workload and parameters (threads ignored
    for backends that have none; the most threads for numba_parallel)."""
    candidates = [
        e
        for e in run.entries
        if e.workload == entry.workload
        and e.backend == backend
        and e.params == entry.params
        and e.status == "ok"
        and e.evaluation is not None
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda e: e.threads or 0)


def speedup(run: Run, entry: Entry, over: str) -> float | None:
    """How many times faster ``entry`` is per call than ``over`` on the same case."""
    base = baseline_entry(run, entry, over)
    if base is None or entry.evaluation is None or base.evaluation is None:
        return None
    return base.evaluation.seconds.median / entry.evaluation.seconds.median


def fastest_entry(entries: Sequence[Entry]) -> Entry | None:
    """The ok entry with the lowest median seconds per call, if any finished ok."""
    timed = [e for e in entries if e.status == "ok" and e.evaluation is not None]
    return min(timed, key=lambda e: e.evaluation.seconds.median if e.evaluation else 0.0, default=None)


def entry_warnings(entry: Entry) -> list[str]:
    """Every reason to read this entry's figures with care: those found while measuring it
    (compiles, disagreement with a plain loop) and those its values show (spread, count)."""
    found = [warning.message for warning in entry.warnings]
    derived = reliability_warning(entry)
    return [*found, derived] if derived else found


def reliability_warning(entry: Entry) -> str | None:
    """Why an evaluation figure's values should not be trusted as they are, and what to do."""
    if entry.evaluation is None:
        return None
    seconds = entry.evaluation.seconds
    if seconds.relative_spread > SPREAD_WARNING:
        return (
            f"spread {seconds.relative_spread:.0%} of the mean: another program is competing "
            "for the CPU, or the call varies; close other programs or raise --budget"
        )
    if len(seconds.values) < FEW_VALUES:
        count = f"only {len(seconds.values)} values: too few to judge noise; raise --budget"
        evaluation = entry.evaluation
        if evaluation.loops > 1:  # fast calls: the budget went on starting the workers
            budget = f" of {evaluation.budget_seconds:g} s" if evaluation.budget_seconds else ""
            workers = f"{evaluation.processes} worker process{'es' if evaluation.processes != 1 else ''}"
            return (
                f"{count} (the budget{budget} held {workers}: starting one, with its imports and its "
                "kernel, takes most of a small budget; --preset quick gives a first look, not a figure to keep)"
            )
        return f"{count} (a call this slow gets few values in the budget)"
    return None


# -- construction against evaluation -----------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    """When a backend's total cost (construction + n calls) drops below a reference's.

    ``kind`` is ``"immediately"`` (cheaper from the first call), ``"after"`` (cheaper from
    call ``calls`` on), ``"until"`` (cheaper only for the first ``calls`` calls; its calls
    are slower) or ``"never"`` (both its construction and its calls cost more).
    """

    kind: str
    calls: int | None = None

    @property
    def text(self) -> str:
        if self.kind == "after":
            return f"after {self.calls:,} call{'s' if self.calls != 1 else ''}"
        if self.kind == "until":
            return f"only for the first {self.calls:,} call{'s' if self.calls != 1 else ''}"
        return self.kind


def break_even(
    construction_seconds: float,
    evaluation_seconds: float,
    reference_construction_seconds: float,
    reference_evaluation_seconds: float,
) -> BreakEven:
    """Smallest number of calls n with C_b + n t_b < C_ref + n t_ref.

    The crossing point is n* = (C_b - C_ref) / (t_ref - t_b) where t_b < t_ref; the first
    whole call past it is the break-even. Compile cost is paid once, calls every time.
    """
    extra_construction = construction_seconds - reference_construction_seconds
    saving_per_call = reference_evaluation_seconds - evaluation_seconds
    if extra_construction <= 0 and saving_per_call >= 0:
        return BreakEven("immediately")
    if saving_per_call <= 0:
        last_cheaper_call = (
            math.ceil(extra_construction / saving_per_call) - 1 if saving_per_call < 0 else 0
        )
        if last_cheaper_call < 1:
            return BreakEven("never")
        return BreakEven("until", last_cheaper_call)
    return BreakEven("after", _first_call_past(extra_construction / saving_per_call))


def _first_call_past(crossing: float) -> int:
    return max(1, math.floor(crossing) + 1)


# -- scaling ------------------------------------------------------------------------------


def scaling_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float | None:
    """Least-squares slope of log(seconds) against log(size): time grows as size**slope.

    None when there are fewer than two distinct positive sizes to fit.
    """
    if len(sizes) != len(seconds):
        raise ValueError(f"{len(sizes)} sizes but {len(seconds)} times")
    points = [
        (math.log(n), math.log(t)) for n, t in zip(sizes, seconds, strict=True) if n > 0 and t > 0
    ]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in points)
    variance = sum((x - mean_x) ** 2 for x, _ in points)
    return covariance / variance


def declared_size_parameters(run: Run, workload: str) -> list[str] | None:
    """The parameters the workload declared as its size, as recorded in the run (None for
    runs made before workloads declared them)."""
    declared = (run.metadata.get("workloads") or {}).get(workload, {}).get("size_parameters")
    return list(declared) if isinstance(declared, list) else None


def scaling_lines(
    entries: Sequence[Entry], size_parameters: Sequence[str]
) -> dict[tuple[str, int | None, str], list[Entry]]:
    """Entries that differ only in their size parameters, per backend, thread count and
    everything else (an op, a layout, an algorithm): the points one scaling fit may join."""
    lines: dict[tuple[str, int | None, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        if not size_parameters or case_size(entry, size_parameters) is None:
            continue
        fixed = {k: v for k, v in entry.params.items() if k not in size_parameters}
        lines[(entry.backend, entry.threads, json.dumps(fixed, sort_keys=True))].append(entry)
    return dict(lines)


def distinct_sizes(entries: Sequence[Entry], size_parameters: Sequence[str] = ()) -> int:
    return len({case_size(e, size_parameters) for e in entries})


def case_size(entry: Entry, size_parameters: Sequence[str] = ()) -> float | None:
    """The work amount of one call (points, FLOPs, bytes), or the workload's size.

    Without a declared work amount: the product of the declared size parameters, else a
    parameter named ``size`` or ``n``, else the only numeric parameter.
    """
    rate = entry.evaluation.rate if entry.evaluation else None
    work = rate.get("work") if isinstance(rate, dict) else None
    if isinstance(work, dict) and isinstance(work.get("amount"), int | float):
        return float(work["amount"])
    declared = [entry.params.get(name) for name in size_parameters]
    if declared and all(isinstance(v, int | float) and not isinstance(v, bool) for v in declared):
        return float(math.prod(declared))  # type: ignore[arg-type]
    for name in ("size", "n"):
        value = entry.params.get(name)
        if isinstance(value, int | float):
            return float(value)
    numeric = [
        v for v in entry.params.values() if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return float(numeric[0]) if len(numeric) == 1 else None


@dataclass(frozen=True)
class TimeSpent:
    """Where a run's wall time went: each step's children summed over the entries measured,
    the rest of the time inside entries (references, files), and the harness around them."""

    wall_seconds: float
    entries: int
    steps: dict[str, float]
    in_entries: float  # the entries' measured_in_seconds, summed

    @property
    def around_entries(self) -> float:
        """Wall time outside any entry: start-up, saving, the summary (never below zero)."""
        return max(0.0, self.wall_seconds - self.in_entries)

    @property
    def inside_entries_between_steps(self) -> float:
        return max(0.0, self.in_entries - sum(self.steps.values()))

    def describe(self) -> str:
        """One line: each part in seconds and as a share of the wall time."""
        parts = [(STEP_LABELS[step], self.steps.get(step, 0.0)) for step in STEP_KINDS]
        parts += [("in entries between steps", self.inside_entries_between_steps),
                  ("around the entries", self.around_entries)]
        wall = self.wall_seconds or 1.0
        shown = ", ".join(
            f"{name} {seconds:,.0f} s ({seconds / wall:.0%})" for name, seconds in parts if seconds >= 0.5
        )
        return f"time: {self.wall_seconds:,.0f} s for {self.entries} entries: {shown or 'nothing measured'}"


STEP_LABELS = {
    "check": "checks",
    "construction": "cold construction",
    "cache_load": "cache loads",
    "evaluation": "evaluation",
}


def time_spent(entries: Sequence[Entry], wall_seconds: float) -> TimeSpent:
    """Sum the steps' seconds of ``entries`` (those measured in one invocation of run)."""
    steps: dict[str, float] = defaultdict(float)
    in_entries = 0.0
    for entry in entries:
        in_entries += float(entry.info.get("measured_in_seconds") or 0.0)
        for step, seconds in (entry.info.get("step_seconds") or {}).items():
            steps[step] += float(seconds)
    return TimeSpent(wall_seconds=wall_seconds, entries=len(entries), steps=dict(steps), in_entries=in_entries)
