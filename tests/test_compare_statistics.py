"""The rank test, effect and interval of ``harness.regress.significance`` on seeded synthetic samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from harness.regress import significance
from harness.regress.significance import (
    SampleError,
    Stratum,
    midranks,
    ratio_estimate,
    ratio_interval,
    smallest_p_value,
    strata_of,
    stratified_p_value,
)


def lognormal(rng: np.random.Generator, size: int, median: float, spread: float) -> list[float]:
    """Skewed timing-like samples: a median and a relative spread."""
    return list(median * np.exp(rng.normal(0.0, spread, size)))


def one(base: list[float], new: list[float]) -> list[Stratum]:
    return strata_of([(base, new)])


def test_midranks_share_ties() -> None:
    assert midranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]


@pytest.mark.parametrize(("base_size", "new_size"), [(3, 3), (5, 8), (12, 4), (9, 9)])
def test_one_stratum_is_the_exact_mann_whitney_test(base_size: int, new_size: int) -> None:
    rng = np.random.default_rng(base_size * 100 + new_size)
    base = lognormal(rng, base_size, 1.0, 0.05)
    new = lognormal(rng, new_size, 1.04, 0.05)
    expected = mannwhitneyu(new, base, alternative="two-sided", method="exact").pvalue
    assert stratified_p_value(one(base, new)) == pytest.approx(expected, rel=1e-9)


def test_equal_samples_are_not_significant() -> None:
    rng = np.random.default_rng(1)
    sample = lognormal(rng, 9, 1e-3, 0.03)
    assert stratified_p_value(one(sample, list(sample))) == pytest.approx(1.0)
    assert ratio_estimate(one(sample, list(sample))) == pytest.approx(1.0)


def test_a_ten_percent_shift_is_found_with_its_size() -> None:
    rng = np.random.default_rng(2)
    strata = one(lognormal(rng, 10, 1.0, 0.02), lognormal(rng, 10, 1.10, 0.02))
    assert stratified_p_value(strata) < 0.001
    low, high = ratio_interval(strata)
    assert low < ratio_estimate(strata) < high
    assert low < 1.10 < high
    assert low > 1.0


def test_a_shift_lost_in_noise_is_not_significant() -> None:
    rng = np.random.default_rng(3)
    strata = one(lognormal(rng, 4, 1.0, 0.3), lognormal(rng, 4, 1.05, 0.3))
    assert stratified_p_value(strata) > 0.01


def test_different_lengths_keep_the_false_positive_rate() -> None:
    """pyperf compare_to's flaw: unequal numbers of values. The exact test stays calibrated."""
    rng = np.random.default_rng(4)
    trials = 300
    false_positives = sum(
        stratified_p_value(one(lognormal(rng, 4, 1.0, 0.05), lognormal(rng, 15, 1.0, 0.05))) < 0.05
        for _ in range(trials)
    )
    assert false_positives / trials < 0.09


def test_drift_between_strata_does_not_look_like_a_change() -> None:
    """The load moves both sides by 60% in round 2: ranked within rounds, nothing changed."""
    rng = np.random.default_rng(5)
    pairs = []
    for load in (1.0, 1.6, 1.0, 1.3):
        pairs.append((lognormal(rng, 4, load, 0.03), lognormal(rng, 4, load, 0.03)))
    strata = strata_of(pairs)
    assert stratified_p_value(strata) > 0.05
    assert ratio_estimate(strata) == pytest.approx(1.0, abs=0.04)


def test_a_shift_under_drift_is_found_within_strata() -> None:
    rng = np.random.default_rng(6)
    pairs = [
        (lognormal(rng, 4, load, 0.02), lognormal(rng, 4, 1.1 * load, 0.02))
        for load in (1.0, 1.6, 1.2)
    ]
    pooled = strata_of([([v for b, _ in pairs for v in b], [v for _, n in pairs for v in n])])
    strata = strata_of(pairs)
    assert stratified_p_value(strata) < 0.01
    assert stratified_p_value(strata) < stratified_p_value(pooled)
    assert ratio_estimate(strata) == pytest.approx(1.1, abs=0.03)


def test_monte_carlo_agrees_with_the_exact_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    pairs = [(lognormal(rng, 5, 1.0, 0.05), lognormal(rng, 4, 1.03, 0.05)) for _ in range(3)]
    exact = stratified_p_value(strata_of(pairs))
    monkeypatch.setattr(significance, "MAX_EXACT_SUPPORT", 1)
    sampled = stratified_p_value(strata_of(pairs))
    assert sampled == pytest.approx(exact, abs=0.02)


def test_smallest_p_value_counts_arrangements() -> None:
    assert smallest_p_value(one([1.0] * 3, [2.0] * 3)) == pytest.approx(2 / 20)
    assert smallest_p_value(strata_of([([1.0], [2.0])] * 3)) == pytest.approx(2 / 8)
    assert smallest_p_value(strata_of([([1.0] * 3, [2.0] * 3)] * 2)) == pytest.approx(2 / 400)


def test_interval_is_reproducible() -> None:
    rng = np.random.default_rng(8)
    strata = one(lognormal(rng, 6, 1.0, 0.1), lognormal(rng, 6, 1.0, 0.1))
    assert ratio_interval(strata) == ratio_interval(strata)


@pytest.mark.parametrize("bad", [[], [0.0], [float("nan")], [-1.0]])
def test_bad_samples_are_refused(bad: list[float]) -> None:
    with pytest.raises(SampleError):
        Stratum(tuple(bad), (1.0,))
