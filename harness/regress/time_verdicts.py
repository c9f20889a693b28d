"""Verdicts on timings: one sample per process, a rank test within rounds, and Holm's
step-down adjustment over the timed entries of a comparison (``harness.regress.compare``
says why; ``harness.regress.significance`` holds the test)."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from harness.core.results import Entry
from harness.regress.significance import (
    SampleError,
    Stratum,
    ratio_estimate,
    ratio_interval,
    smallest_p_value,
    strata_of,
    stratified_p_value,
)
from harness.regress.verdicts import (
    IMPROVED,
    NOT_COMPARABLE,
    REGRESSED,
    UNCHANGED,
    EntryComparison,
    Statistics,
    Thresholds,
)


def timer_difference(base: list[Entry], new: list[Entry]) -> str | None:
    """Entries timed with different clocks (CUDA events vs perf_counter) are not comparable."""
    if any(e.evaluation is None for e in [*base, *new]):
        return "an ok entry has no evaluation (seconds per call) on one side"
    timers = {e.evaluation.timer for e in [*base, *new] if e.evaluation}
    if len(timers) > 1:
        return f"timed with different timers: {', '.join(sorted(timers))}"
    samples = {e.sample_kind for e in [*base, *new]}
    if len(samples) > 1:
        return (
            "one side's samples are each process's minimum (rounds of an A/B check, harness check), the other's "
            "each process's mean; compare A/B check rounds with A/B check rounds"
        )
    return None


def compare_times(
    undecided: EntryComparison,
    base: list[Entry],
    new: list[Entry],
    thresholds: Thresholds,
    notes: tuple[str, ...],
) -> EntryComparison:
    """The key's statistics; its verdict waits for ``judge_times`` (Holm needs every p-value)."""
    try:
        stats = sample_statistics(strata_for(base, new), thresholds)
    except SampleError as error:
        return dataclasses.replace(undecided, status=NOT_COMPARABLE, reason=f"bad samples: {error}")
    return dataclasses.replace(undecided, status=UNCHANGED, statistics=stats, notes=notes)


def judged(entry: EntryComparison, thresholds: Thresholds) -> EntryComparison:
    """The entry's verdict and reason from its statistics (and Holm-adjusted p, if any)."""
    stats = entry.statistics
    assert stats is not None
    min_effect = thresholds.effect_for(entry.workload)
    status, reason = verdict(stats, min_effect, thresholds.alpha)
    notes = entry.notes
    clearly_small = 1 - min_effect < stats.ci_low and stats.ci_high < 1 + min_effect
    underpowered = stats.min_p_value * stats.family >= thresholds.alpha and not clearly_small
    if underpowered:
        family = f" for {stats.family} entries" if stats.family > 1 else ""
        notes = (
            *notes,
            f"underpowered: {stats.base_samples} vs {stats.new_samples} samples give p >= "
            f"{stats.min_p_value:.2g}, too few{family}; add samples (harness check: more --rounds; "
            "compare: a folder of runs a side)",
        )
    return dataclasses.replace(
        entry, status=status, reason=reason, min_effect=min_effect, notes=notes, underpowered=underpowered
    )


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

    An A/B check tests dozens of entries at once; at ``alpha`` each, one of them would
    cross by chance in many A/B checks. Holm's procedure keeps the chance of *any* false
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
