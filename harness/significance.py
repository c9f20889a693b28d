"""Statistics for timing samples that are skewed, noisy and drift with the machine's load.

A comparison is made of *strata*: in an A/B check, one stratum per round (and entry),
holding that round's per-process means of each side. Load on a shared machine changes
from minute to minute (here, the same code's time moved by 60% between rounds), so
samples are only ranked against samples of the same stratum:

- the test is the stratified Wilcoxon-Mann-Whitney (van Elteren) test: the statistic is
  ``sum_i W_i / (N_i + 1)``, ``W_i`` the rank sum of the new side in stratum ``i`` and
  ``N_i`` its size; its null distribution comes from permuting the labels within each
  stratum, computed exactly by convolution (or, when that grows too large, by seeded
  Monte Carlo). With one stratum this is the exact two-sided Mann-Whitney U test.
- the effect is the geometric mean over strata of ``median(new) / median(base)``; with
  one stratum, simply the ratio of medians.
- its interval is a stratified percentile bootstrap (resampling within each side of
  each stratum, seeded, so a report is reproducible).

No normality is assumed anywhere, and unequal sample sizes are handled exactly (the
permutation distribution knows them), unlike a t-test on all values.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MAX_EXACT_SUPPORT = 200_000
MONTE_CARLO_RESAMPLES = 20_000


class SampleError(ValueError):
    """A stratum has an empty side, or a value that is not a positive finite number."""


@dataclass(frozen=True)
class Stratum:
    """Samples of the two sides measured together (one round of an A/B check)."""

    base: tuple[float, ...]
    new: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.base or not self.new:
            raise SampleError("each stratum needs at least one sample on each side")
        if not all(math.isfinite(v) and v > 0 for v in (*self.base, *self.new)):
            raise SampleError("timing samples must be positive finite numbers")

    @property
    def size(self) -> int:
        return len(self.base) + len(self.new)


def strata_of(pairs: Sequence[tuple[Sequence[float], Sequence[float]]]) -> list[Stratum]:
    return [Stratum(tuple(base), tuple(new)) for base, new in pairs]


def midranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..N, ties sharing the mean of their ranks."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def rank_statistic(stratum: Stratum) -> float:
    """The new side's rank sum in the stratum, weighted by ``1 / (N + 1)`` (van Elteren)."""
    ranks = midranks([*stratum.base, *stratum.new])
    return sum(ranks[len(stratum.base) :]) / (stratum.size + 1)


def subset_sum_counts(ranks: Sequence[int], choose: int) -> Counter[int]:
    """How many ways ``choose`` of the (integer) ranks add up to each total."""
    table: list[Counter[int]] = [Counter() for _ in range(choose + 1)]
    table[0][0] = 1
    for rank in ranks:
        for taken in range(min(choose, len(ranks)) - 1, -1, -1):
            for total, ways in table[taken].items():
                table[taken + 1][total + rank] += ways
    return table[choose]


def stratum_distribution(stratum: Stratum) -> Counter[float]:
    """Null distribution of ``rank_statistic`` for one stratum, as value -> count."""
    doubled = [round(2 * r) for r in midranks([*stratum.base, *stratum.new])]
    counts = subset_sum_counts(doubled, len(stratum.new))
    scale = 2 * (stratum.size + 1)
    return Counter({round(total / scale, 12): ways for total, ways in counts.items()})


def convolve(left: Counter[float], right: Counter[float]) -> Counter[float]:
    result: Counter[float] = Counter()
    for a, ways_a in left.items():
        for b, ways_b in right.items():
            result[round(a + b, 12)] += ways_a * ways_b
    return result


def exact_p_value(strata: Sequence[Stratum]) -> float | None:
    """Two-sided p-value by exact convolution; None when the support grows too large."""
    distribution: Counter[float] = Counter({0.0: 1})
    for stratum in strata:
        distribution = convolve(distribution, stratum_distribution(stratum))
        if len(distribution) > MAX_EXACT_SUPPORT:
            return None
    expected = expected_statistic(strata)
    observed = abs(sum(rank_statistic(s) for s in strata) - expected)
    total = sum(distribution.values())
    extreme = sum(
        w for value, w in distribution.items() if abs(value - expected) >= observed - 1e-9
    )
    return min(1.0, extreme / total)


def expected_statistic(strata: Sequence[Stratum]) -> float:
    return sum(len(s.new) / 2 for s in strata)


def monte_carlo_p_value(strata: Sequence[Stratum], resamples: int, seed: int) -> float:
    """Two-sided p-value from label permutations within strata (seeded)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    expected = expected_statistic(strata)
    observed = abs(sum(rank_statistic(s) for s in strata) - expected)
    totals = np.zeros(resamples)
    for stratum in strata:
        ranks = np.asarray(midranks([*stratum.base, *stratum.new]))
        shuffled = rng.permuted(np.tile(ranks, (resamples, 1)), axis=1)
        totals += shuffled[:, : len(stratum.new)].sum(axis=1) / (stratum.size + 1)
    extreme = int(np.sum(np.abs(totals - expected) >= observed - 1e-9))
    return (1 + extreme) / (1 + resamples)


def stratified_p_value(strata: Sequence[Stratum], seed: int = 0) -> float:
    """Two-sided p-value of the stratified rank test (exact where feasible)."""
    if len({v for s in strata for v in (*s.base, *s.new)}) == 1:
        return 1.0
    exact = exact_p_value(strata)
    return exact if exact is not None else monte_carlo_p_value(strata, MONTE_CARLO_RESAMPLES, seed)


def smallest_p_value(strata: Sequence[Stratum]) -> float:
    """The smallest two-sided p-value these sizes allow: 2 / prod C(N_i, n_i)."""
    arrangements = math.prod(math.comb(s.size, len(s.new)) for s in strata)
    return min(1.0, 2.0 / arrangements)


def ratio_estimate(strata: Sequence[Stratum]) -> float:
    """Geometric mean over strata of median(new) / median(base)."""
    logs = [math.log(statistics.median(s.new) / statistics.median(s.base)) for s in strata]
    return math.exp(statistics.fmean(logs))


def ratio_interval(
    strata: Sequence[Stratum], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Stratified percentile bootstrap interval of ``ratio_estimate``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    log_ratios = np.zeros(resamples)
    for stratum in strata:
        base, new = np.asarray(stratum.base), np.asarray(stratum.new)
        base_medians = np.median(rng.choice(base, (resamples, base.size)), axis=1)
        new_medians = np.median(rng.choice(new, (resamples, new.size)), axis=1)
        log_ratios += np.log(new_medians / base_medians)
    log_ratios /= len(strata)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(log_ratios, [tail, 1.0 - tail])
    return math.exp(float(low)), math.exp(float(high))
