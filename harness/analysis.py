"""Figures derived from a run's entries: speedups, reliability warnings, break-even
call counts, scaling exponents and parallel efficiency.

Pure functions of the data model, shared by the CLI tables and the report.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from harness.results import Entry, Run

SPREAD_WARNING = 0.05  # relative standard deviation above which a figure is called noisy
FEW_VALUES = 6


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


def reliability_warning(entry: Entry) -> str | None:
    """Why an evaluation figure should not be trusted as it is, and what to do."""
    if entry.evaluation is None:
        return None
    seconds = entry.evaluation.seconds
    if seconds.relative_spread > SPREAD_WARNING:
        return (
            f"spread {seconds.relative_spread:.0%} of the mean: another program is competing "
            "for the CPU, or the call varies; close other programs or raise --budget"
        )
    if len(seconds.values) < FEW_VALUES:
        return (
            f"only {len(seconds.values)} values: too few to judge noise; raise --budget "
            "or use a smaller preset"
        )
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


def case_size(entry: Entry) -> float | None:
    """The work amount of one call (points, FLOPs, bytes), or the workload's size parameter.

    Falls back to a parameter named ``size`` or ``n``, then to the only numeric parameter.
    """
    rate = entry.evaluation.rate if entry.evaluation else None
    work = rate.get("work") if isinstance(rate, dict) else None
    if isinstance(work, dict) and isinstance(work.get("amount"), int | float):
        return float(work["amount"])
    for name in ("size", "n"):
        if isinstance(entry.params.get(name), int | float):
            return float(entry.params[name])
    numeric = [
        v for v in entry.params.values() if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return float(numeric[0]) if len(numeric) == 1 else None


def parallel_efficiency(seconds_by_threads: dict[int, float]) -> dict[int, float]:
    """speedup(t) / t with speedup relative to one thread: 1.0 is perfect scaling."""
    if 1 not in seconds_by_threads:
        raise ValueError("parallel efficiency needs a threads=1 measurement")
    single = seconds_by_threads[1]
    return {t: single / s / t for t, s in sorted(seconds_by_threads.items())}
