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
- the effect is the Hodges-Lehmann estimate of the ratio new/base: the median of
  ``new / base`` over all pairs of samples within a stratum (for a change that scales
  all times alike, the ratio of medians).
- its interval inverts the same test (the ratios it does not reject), so interval and
  p-value never disagree; no resampling, so a report is reproducible.

No normality is assumed anywhere, and unequal sample sizes are handled exactly (the
permutation distribution knows them), unlike a t-test on all values.
"""

from __future__ import annotations

import itertools
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


@dataclass(frozen=True)
class NullDistribution:
    """The rank statistic's distribution when nothing changed: labels permuted in strata.

    Exact (value -> count, by convolving the strata) when its support stays small,
    otherwise ``MONTE_CARLO_RESAMPLES`` seeded permutations. Built once per comparison:
    without ties it depends only on the strata's sizes, so the interval below reuses it.
    """

    expected: float
    exact: Counter[float] | None
    sampled: tuple[float, ...] = ()

    @classmethod
    def of(cls, strata: Sequence[Stratum], seed: int = 0) -> NullDistribution:
        expected = sum(len(s.new) / 2 for s in strata)
        distribution: Counter[float] | None = Counter({0.0: 1})
        for stratum in strata:
            assert distribution is not None
            distribution = convolve(distribution, stratum_distribution(stratum))
            if len(distribution) > MAX_EXACT_SUPPORT:
                distribution = None
                break
        if distribution is not None:
            return cls(expected, distribution)
        return cls(
            expected, None, tuple(monte_carlo_statistics(strata, MONTE_CARLO_RESAMPLES, seed))
        )

    def p_value(self, statistic: float) -> float:
        """Two-sided: the chance of a statistic at least this far from its expectation."""
        distance = abs(statistic - self.expected) - 1e-9
        if self.exact is not None:
            extreme = sum(w for v, w in self.exact.items() if abs(v - self.expected) >= distance)
            return min(1.0, extreme / sum(self.exact.values()))
        extreme = sum(1 for v in self.sampled if abs(v - self.expected) >= distance)
        return (1 + extreme) / (1 + len(self.sampled))


def monte_carlo_statistics(strata: Sequence[Stratum], resamples: int, seed: int) -> list[float]:
    """The rank statistic under ``resamples`` seeded permutations of labels within strata."""
    import numpy as np  # numpy: only for the Monte Carlo p-values of large strata, not at start-up

    rng = np.random.default_rng(seed)
    totals = np.zeros(resamples)
    for stratum in strata:
        ranks = np.asarray(midranks([*stratum.base, *stratum.new]))
        shuffled = rng.permuted(np.tile(ranks, (resamples, 1)), axis=1)
        totals += shuffled[:, : len(stratum.new)].sum(axis=1) / (stratum.size + 1)
    return [float(t) for t in totals]


def observed_statistic(strata: Sequence[Stratum]) -> float:
    return sum(rank_statistic(s) for s in strata)


def stratified_p_value(strata: Sequence[Stratum], seed: int = 0) -> float:
    """Two-sided p-value of the stratified rank test (exact where feasible)."""
    if len({v for s in strata for v in (*s.base, *s.new)}) == 1:
        return 1.0
    return NullDistribution.of(strata, seed).p_value(observed_statistic(strata))


def smallest_p_value(strata: Sequence[Stratum]) -> float:
    """The smallest two-sided p-value these sizes allow: 2 / prod C(N_i, n_i)."""
    arrangements = math.prod(math.comb(s.size, len(s.new)) for s in strata)
    return min(1.0, 2.0 / arrangements)


def log_ratios(strata: Sequence[Stratum]) -> list[float]:
    """log(new / base) for every pair of samples of the same stratum."""
    return [math.log(n / b) for s in strata for b in s.base for n in s.new]


def ratio_estimate(strata: Sequence[Stratum]) -> float:
    """Hodges-Lehmann estimate of new/base: the median ratio over pairs within strata.

    For a change that scales every time by the same factor this is the ratio of the
    medians, estimated from all pairs rather than from two medians alone.
    """
    return math.exp(statistics.median(log_ratios(strata)))


def scaled(strata: Sequence[Stratum], log_factor: float) -> list[Stratum]:
    """The strata with the new side divided by ``exp(log_factor)``."""
    factor = math.exp(-log_factor)
    return [Stratum(s.base, tuple(v * factor for v in s.new)) for s in strata]


def ratio_interval(
    strata: Sequence[Stratum], confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """The ratios the rank test does not reject at ``1 - confidence`` (test inversion).

    This is the Hodges-Lehmann interval: it agrees with the test by construction (it
    leaves out 1.0 exactly when p < 1 - confidence) and needs no normality. The test's
    statistic only changes where a ratio crosses a pairwise ratio, so the candidates are
    the midpoints between consecutive pairwise log ratios. Ratios below or above every
    pair give 0 or infinity: too few samples to bound the change on that side.
    """
    null = NullDistribution.of(strata, seed)
    cuts = sorted(set(log_ratios(strata)))
    edges = [-math.inf, *cuts, math.inf]
    accepted = []
    for low, high in itertools.pairwise(edges):
        probe = _between(low, high)
        if null.p_value(observed_statistic(scaled(strata, probe))) > 1.0 - confidence:
            accepted.append((low, high))
    if not accepted:
        estimate = ratio_estimate(strata)
        return estimate, estimate
    return math.exp(accepted[0][0]), math.exp(accepted[-1][1])


def _between(low: float, high: float) -> float:
    if math.isinf(low):
        return high - 1.0
    if math.isinf(high):
        return low + 1.0
    return (low + high) / 2
