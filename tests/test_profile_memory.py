"""Growth fitting and sampling, driven by planted RSS numbers and a fake clock."""

from __future__ import annotations

import random

import pytest

from harness.profiling.memory import (
    MAX_GROWTH_SAMPLES,
    GrowthBudget,
    fit_growth,
    sample_growth,
    t_two_sided_p,
)


def calls_and(rss_of_call: list[float]) -> tuple[list[int], list[float]]:
    return list(range(len(rss_of_call))), rss_of_call


def test_steady_leak_is_flagged() -> None:
    calls, rss = calls_and([100.0 + 0.05 * call for call in range(200)])  # 50 KiB per call
    growth = fit_growth(calls, rss)
    assert growth.growing
    assert growth.slope_mib_per_1000_calls == pytest.approx(50.0)


def test_allocator_noise_is_not_flagged() -> None:
    noise = random.Random(5)
    calls, rss = calls_and([100.0 + noise.choice((0.0, 0.004, 0.008, 0.25)) for _ in range(300)])
    assert not fit_growth(calls, rss).growing


def test_warm_up_step_is_not_flagged() -> None:
    # RSS rises over the first calls (caches, arenas), then stays flat: not a leak.
    calls, rss = calls_and([100.0 + min(call, 30) * 0.5 for call in range(300)])
    growth = fit_growth(calls, rss)
    assert growth.growth_mib is not None and growth.growth_mib > 1.0  # the naive fit rises...
    assert not growth.growing  # ...but nothing is added in the second half


def test_small_steady_growth_below_the_floor_is_not_flagged() -> None:
    calls, rss = calls_and([100.0 + 0.001 * call for call in range(200)])  # 0.2 MiB in all
    assert not fit_growth(calls, rss).growing


def test_flat_rss_has_zero_slope() -> None:
    growth = fit_growth(*calls_and([80.0] * 50))
    assert growth.slope_mib_per_1000_calls == 0.0
    assert not growth.growing


def test_too_few_calls_are_not_assessed() -> None:
    growth = fit_growth([0, 1, 2], [1.0, 2.0, 3.0])
    assert growth.slope_mib_per_1000_calls is None
    assert not growth.growing
    assert "too few calls" in growth.reason


class FakeProcess:
    """A clock that advances 1 ms per call, and an RSS that grows 0.1 MiB per call."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls = 0

    def clock(self) -> float:
        return self.now

    def call(self) -> None:
        self.now += 0.001
        self.calls += 1

    def rss(self) -> float:
        return 50.0 + 0.1 * self.calls


def test_sample_growth_respects_the_budget_and_samples_between_calls() -> None:
    process = FakeProcess()
    budget = GrowthBudget(seconds=0.5, min_calls=8, max_seconds=2.0, warmup_share=0.1)
    samples = sample_growth(process.call, 0.001, budget, read_rss=process.rss, clock=process.clock)
    assert samples.warmup_calls == pytest.approx(50, abs=1)
    assert samples.calls[-1] == pytest.approx(500, abs=1)
    assert samples.calls == sorted(samples.calls)
    assert samples.rss_mib[-1] - samples.rss_mib[0] == pytest.approx(0.1 * samples.calls[-1])
    assert fit_growth(samples.calls, samples.rss_mib).growing


def test_sample_growth_stretches_for_slow_calls_up_to_the_cap() -> None:
    process = FakeProcess()
    budget = GrowthBudget(seconds=0.0005, min_calls=20, max_seconds=1.0, warmup_share=0.0)
    samples = sample_growth(process.call, 0.001, budget, read_rss=process.rss, clock=process.clock)
    assert samples.calls[-1] == pytest.approx(20, abs=1)  # min_calls x call_seconds


def test_sample_growth_ends_at_max_calls_before_the_seconds() -> None:
    process = FakeProcess()
    budget = GrowthBudget(seconds=10.0, min_calls=8, max_seconds=10.0, max_calls=300, warmup_share=0.1)
    samples = sample_growth(process.call, 0.001, budget, read_rss=process.rss, clock=process.clock)
    assert samples.warmup_calls == 30  # the warm-up is capped by calls too
    assert samples.calls[-1] == 300
    assert samples.seconds == pytest.approx(0.3)
    assert 100 <= len(samples.calls) <= 2 * MAX_GROWTH_SAMPLES + 1  # sampled across the calls
    assert fit_growth(samples.calls, samples.rss_mib).growing


@pytest.mark.parametrize("seed", range(8))
def test_slope_fit_agrees_with_scipy_linregress(seed: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    noise = random.Random(seed)
    calls = sorted(noise.sample(range(20_000), noise.randint(6, 400)))
    slope = noise.choice((0.0, 1e-5, 1e-4, 1e-3))
    rss = [120.0 + slope * call + noise.choice((0.0, 0.004, 0.25)) * noise.random() for call in calls]
    growth = fit_growth(calls, rss)
    expected = stats.linregress(calls, rss)
    assert growth.slope_mib_per_1000_calls == pytest.approx(expected.slope * 1000.0, rel=1e-9, abs=1e-12)
    assert growth.intercept_mib == pytest.approx(expected.intercept, rel=1e-9)
    if expected.pvalue > 1e-12:
        assert growth.p_value == pytest.approx(expected.pvalue, rel=1e-6)
    else:  # far below any threshold; both rounding paths differ in the last digits there
        assert growth.p_value is not None and growth.p_value < 1e-11


@pytest.mark.parametrize(
    ("t_value", "degrees", "expected"),
    # two-sided Student's t tail probabilities, from scipy.stats.t.sf
    [(0.5, 3, 0.651447964848151), (2.0, 10, 0.07338803477074037), (5.0, 100, 2.450173413503802e-06),
     (0.01, 1, 0.993634014470186), (3.3, 5, 0.021475500299997993)],
)
def test_t_tail_probability_matches_known_values(t_value: float, degrees: int, expected: float) -> None:
    assert t_two_sided_p(t_value, degrees) == pytest.approx(expected, rel=1e-9)
