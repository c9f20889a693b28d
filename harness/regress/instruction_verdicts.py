"""Verdicts on instruction counts (``Entry.instructions``, from ``harness.regress.instructions``).

Counts are deterministic, so no test: the ratio of median counts per call is judged
against its own threshold (``Thresholds.instructions_threshold``).
"""

from __future__ import annotations

import dataclasses
import math
import statistics

from harness.core.results import Entry
from harness.regress.verdicts import IMPROVED, REGRESSED, UNCHANGED, EntryComparison, Statistics, Thresholds


def compare_instructions(
    undecided: EntryComparison,
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
    return dataclasses.replace(
        undecided,
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
