"""Break-even call counts, scaling exponents, parallel efficiency and case sizes."""

from __future__ import annotations

import json
import math
import statistics

import pytest

from harness.core.analysis import (
    BreakEven,
    break_even,
    case_size,
    declared_size_parameters,
    distinct_sizes,
    reliability_warning,
    scaling_exponent,
    scaling_lines,
)
from harness.core.results import Entry, Run
from harness.core.timings import Evaluation, Stats
from harness.report.scaling_sections import parallel_section
from harness.report.trust import efficiency_of, percent_text


def test_break_even_after_compile_is_paid_off() -> None:
    # numba: 2 s compile, 1 ms a call; python: 0.1 s, 11 ms a call -> n* = 1.9 / 0.01 = 190
    result = break_even(2.0, 0.001, 0.1, 0.011)
    assert result == BreakEven("after", 191)
    assert result.text == "after 191 calls"


def test_break_even_exact_crossing_needs_one_call_more() -> None:
    assert break_even(3.0, 1.0, 1.0, 2.0) == BreakEven("after", 3)  # equal at n=2


def test_break_even_immediately_when_cheaper_in_both_phases() -> None:
    assert break_even(0.1, 0.001, 0.5, 0.01).text == "immediately"
    assert break_even(0.5, 0.01, 0.5, 0.01).kind == "immediately"


def test_break_even_never_when_calls_are_not_faster() -> None:
    assert break_even(2.0, 0.02, 0.1, 0.01).text == "never"
    assert break_even(2.0, 0.01, 0.1, 0.01).text == "never"


def test_break_even_until_when_only_construction_is_cheaper() -> None:
    # 0 + 3n < 2 + 2n only for n < 2
    assert break_even(0.0, 3.0, 2.0, 2.0) == BreakEven("until", 1)
    assert break_even(0.0, 3.0, 1.0, 2.0).text == "never"  # equal at n=1: never cheaper


@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0, 3.0])
def test_scaling_exponent_recovers_power_law(exponent: float) -> None:
    sizes = [100.0, 1000.0, 10000.0, 100000.0]
    seconds = [3e-7 * n**exponent for n in sizes]
    assert scaling_exponent(sizes, seconds) == pytest.approx(exponent)


def test_scaling_exponent_is_least_squares_over_noise() -> None:
    sizes = [1.0, 2.0, 4.0, 8.0]
    seconds = [1.0, 2.2, 3.8, 8.0]
    logs = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds, strict=True)]
    mean_x = sum(x for x, _ in logs) / 4
    mean_y = sum(y for _, y in logs) / 4
    slope = sum((x - mean_x) * (y - mean_y) for x, y in logs) / sum(
        (x - mean_x) ** 2 for x, _ in logs
    )
    assert scaling_exponent(sizes, seconds) == pytest.approx(slope)


def test_scaling_exponent_needs_two_sizes() -> None:
    assert scaling_exponent([100.0, 100.0], [1.0, 1.1]) is None
    assert scaling_exponent([], []) is None
    with pytest.raises(ValueError, match="2 sizes but 1 times"):
        scaling_exponent([1.0, 2.0], [1.0])


ONE_THREAD = [8.0, 8.1, 8.2, 7.9, 8.05]  # process means, seconds
FOUR_THREADS = [2.5, 2.55, 2.45, 2.6, 2.52]


def parallel_entry(threads: int, means: list[float]) -> Entry:
    """numba_parallel at ``threads``, two values a process around each of ``means``."""
    values = [v for mean in means for v in (mean * 0.99, mean * 1.01)]
    evaluation = Evaluation(
        seconds=Stats.of(values), processes=len(means), values_per_process=2, warmups=1, loops=1
    )
    return Entry("mandelbrot", "numba_parallel", {"n": 1}, threads=threads, evaluation=evaluation)


def test_parallel_efficiency_is_the_speedup_over_the_threads_with_its_interval() -> None:
    # the Hodges-Lehmann estimate and its 95% interval, by hand: the median of the 25 ratios
    # of one-thread to four-thread process means, and the 3rd smallest and 3rd largest of them
    # (the distribution-free interval for five against five, 95.2%)
    ratios = sorted(a / b for a in ONE_THREAD for b in FOUR_THREADS)
    efficiency = efficiency_of(parallel_entry(4, FOUR_THREADS), parallel_entry(1, ONE_THREAD))
    assert efficiency is not None
    assert efficiency.value == pytest.approx(statistics.median(ratios) / 4)
    assert (efficiency.low, efficiency.high) == pytest.approx((ratios[2] / 4, ratios[22] / 4))
    assert percent_text(efficiency) == "80%\u00a0[77–82%]"


def test_parallel_efficiency_of_one_process_has_no_interval_and_divides_medians() -> None:
    one, two = parallel_entry(1, ONE_THREAD), parallel_entry(2, [4.2])
    efficiency = efficiency_of(two, one)
    assert efficiency is not None and efficiency.low is None and efficiency.high is None
    # the medians of all values, as every other table divides them
    medians = statistics.median(one.evaluation.seconds.values) / statistics.median(two.evaluation.seconds.values)
    assert efficiency.value == pytest.approx(medians / 2)
    assert percent_text(efficiency) == f"{medians / 2:.0%} (no interval)"


def test_parallel_section_gives_each_efficiency_its_interval_and_samples() -> None:
    entries = [parallel_entry(1, ONE_THREAD), parallel_entry(4, FOUR_THREADS)]
    section = parallel_section("mandelbrot", entries)
    assert section.chart is not None
    (table,) = section.details
    assert [row[1:] for row in table.rows] == [
        ["1", "8.05 s", "1 (the reference)", "100% (the reference)", "5 proc."],
        ["4", "2.52 s", "3.19×\u00a0[3.10–3.29]", "80%\u00a0[77–82%]", "5 proc."],
    ]


def _entry(params: dict[str, object], rate: dict[str, object] | None = None) -> Entry:
    evaluation = Evaluation(
        Stats.of([1.0]), processes=1, values_per_process=1, warmups=0, loops=1, rate=rate
    )
    return Entry(workload="w", backend="numba", params=params, evaluation=evaluation)


def test_case_size_prefers_declared_work_then_size_parameter() -> None:
    rated = {"value": 10.0, "unit": "points/s", "work": {"amount": 6561.0, "unit": "points"}}
    assert case_size(_entry({"width": 160}, rated)) == 6561.0
    assert case_size(_entry({"n": 64, "dtype": "float64"})) == 64.0
    assert case_size(_entry({"nodes": 5000, "name": "x"})) == 5000.0
    assert case_size(_entry({"width": 1, "height": 2})) is None


def test_scaling_lines_join_only_cases_that_differ_in_size() -> None:
    """tensor_map's cases: ops, layouts and algorithms are not sizes, and never share a line."""
    entries = [
        _entry({"op": op, "layout": layout, "elements": n})
        for op in ("neg", "sigmoid")
        for layout in ("contiguous", "transposed")
        for n in (1024, 4096, 16384)
    ] + [_entry({"op": "neg", "layout": "contiguous", "elements": 1024, "algorithm": "naive"})]
    lines = scaling_lines(entries, ["elements"])
    assert len(lines) == 5
    sizes = sorted(distinct_sizes(group) for group in lines.values())
    assert sizes == [1, 3, 3, 3, 3]
    for group in lines.values():
        fixed = {json.dumps({k: v for k, v in e.params.items() if k != "elements"}) for e in group}
        assert len(fixed) == 1


def test_two_size_parameters_vary_together_and_other_threads_are_other_lines() -> None:
    entries = [_entry({"width": w, "height": w, "maxiter": 300}) for w in (150, 300, 600)]
    parallel = [Entry(workload="w", backend="numba_parallel", params=e.params, threads=t, evaluation=e.evaluation)
                for e in entries for t in (1, 2)]
    lines = scaling_lines(entries + parallel, ["width", "height"])
    assert sorted((backend, threads) for backend, threads, _ in lines) == [
        ("numba", None), ("numba_parallel", 1), ("numba_parallel", 2)]
    assert all(distinct_sizes(group, ["width", "height"]) == 3 for group in lines.values())
    assert case_size(entries[0], ["width", "height"]) == 150 * 150


def test_size_parameters_come_from_the_runs_record() -> None:
    run = Run(metadata={"workloads": {"matmul": {"size_parameters": ["n"]}}})
    assert declared_size_parameters(run, "matmul") == ["n"]
    assert declared_size_parameters(run, "mandelbrot") is None
    assert declared_size_parameters(Run(metadata={}), "matmul") is None


def test_the_construction_table_names_the_thread_count_whose_compile_an_entry_loaded() -> None:
    from harness.core.timings import Construction
    from harness.report.construction_sections import _cold_text

    construction = Construction(seconds=Stats.of([3.25]), steps={}, runs=1)
    compiled = Entry("tensor_map", "numba_parallel", {"n": 1}, threads=1, status="ok", construction=construction)
    loaded = Entry("tensor_map", "numba_parallel", {"n": 1}, threads=2, status="ok", construction=construction,
                   info={"compiled_by": "threads=1: this case's compile, loaded from that entry's cache"})
    assert _cold_text(compiled) == "3.25 s"
    assert _cold_text(loaded) == "3.25 s (the compile at threads=1)"
    assert _cold_text(Entry("tensor_map", "numba", {"n": 1}, status="ok")) == "not measured"


def test_few_values_of_a_fast_call_blame_the_workers_start_up_not_the_call() -> None:
    fast = Evaluation(
        seconds=Stats.of([2e-6, 2.1e-6]), processes=1, values_per_process=2, warmups=1, loops=65536, budget_seconds=1.0
    )
    warning = reliability_warning(Entry("w", "numba", {"n": 1}, evaluation=fast))
    assert warning == (
        "only 2 values: too few to judge noise; raise --budget (the budget of 1 s held 1 worker process: "
        "starting one, with its imports and its kernel, takes most of a small budget; --preset quick gives "
        "a first look, not a figure to keep)"
    )
    slow = Evaluation(seconds=Stats.of([0.7, 0.71, 0.69]), processes=1, values_per_process=3, warmups=0, loops=1)
    assert reliability_warning(Entry("w", "python", {"n": 1}, evaluation=slow)) == (
        "only 3 values: too few to judge noise; raise --budget (a call this slow gets few values in the budget)"
    )
