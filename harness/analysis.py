"""Figures derived from a run's entries: speedups, reliability warnings.

Pure functions of the data model, shared by the CLI tables and the report.
"""

from __future__ import annotations

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
