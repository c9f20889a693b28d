import math

import pytest

from harness.regress.significance import smallest_p_value, strata_of, stratified_p_value
from harness.regress.verdicts import Thresholds
from harness.run.construct import estimate_call_seconds, plain_loop
from harness.run.planning import (
    FIRST_ROUND_PROCESSES,
    MAX_PROCESSES,
    TARGET_HALF_WIDTH,
    VERDICT_ALPHA,
    expected_seconds,
    loops_for,
    measured_startup,
    plan_evaluation,
    processes_for_verdicts,
    processes_to_add,
    relative_half_width,
    replanned,
)


def test_loops_make_a_value_last_a_tenth_of_a_second_in_powers_of_two():
    assert loops_for(1e-5) == 16384  # 2**14 * 10 us = 0.16 s
    assert loops_for(0.03) == 4
    assert loops_for(0.5) == 1


def test_fast_calls_get_many_processes_and_no_pyperf_calibration():
    plan = plan_evaluation(call_seconds=1e-5, startup_seconds=0.2, budget_seconds=100)
    assert plan.loops == 16384
    assert plan.processes == MAX_PROCESSES
    assert (plan.values, plan.warmups) == (3, 1)


def test_slow_calls_run_one_loop_a_value_within_budget():
    plan = plan_evaluation(call_seconds=0.5, startup_seconds=0.5, budget_seconds=20)
    assert plan.loops == 1
    assert plan.processes == 6  # 20 s / (0.5 start-up + 0.5 first call + 4 * 0.5 s)
    assert expected_seconds(plan, 0.5, 0.5) <= 20


def test_very_slow_calls_fall_back_to_one_process():
    plan = plan_evaluation(call_seconds=5.0, startup_seconds=1.0, budget_seconds=12)
    assert plan.processes == 1
    assert plan.values == 2 and plan.warmups == 0  # the worker's own first call is the warm-up


def test_a_budget_too_small_for_a_warm_up_makes_the_plan_longer_not_shorter():
    """A numba entry at quick: a worker's start-up (cache load) alone is over the budget."""
    plan = plan_evaluation(call_seconds=0.0004, startup_seconds=1.3, budget_seconds=1.0)
    assert (plan.processes, plan.values) == (1, 2)
    planned = expected_seconds(plan, 0.0004, 1.3)
    assert planned > 1.0  # start-up, the first call and two values: over budget, and said so
    assert planned == pytest.approx(1.3 + 0.0004 + (plan.values + plan.warmups) * plan.loops * 0.0004)


def test_expected_seconds_count_each_workers_first_call():
    plan = plan_evaluation(call_seconds=0.5, startup_seconds=0.5, budget_seconds=20)
    assert expected_seconds(plan, 0.5, 0.5) == pytest.approx(plan.processes * (0.5 + 0.5 + 4 * 0.5))


def test_pyperf_arguments_carry_the_plan():
    plan = plan_evaluation(call_seconds=0.2, startup_seconds=0.1, budget_seconds=10)
    args = plan.pyperf_args()
    assert f"--processes={plan.processes}" in args and "--loops=1" in args


def test_call_estimate_doubles_loops_until_a_timing_is_long_enough():
    asked = []

    def fake_timer(loops):  # 1 ms a call
        asked.append(loops)
        return loops * 0.001

    assert estimate_call_seconds(fake_timer, target_seconds=0.05) == 0.001
    assert asked == [1, 2, 4, 8, 16, 32, 64]


def test_call_estimate_of_a_slow_call_is_one_call():
    asked = []

    def slow_timer(loops):
        asked.append(loops)
        return 2.0 * loops

    assert estimate_call_seconds(slow_timer) == 2.0
    assert asked == [1]


def test_plain_loop_times_values_of_pyperfs_loop_count_after_a_warm_up_call():
    calls = []
    ticks = iter(float(t) for t in range(100))  # each timing reads the clock twice: 1 s apart

    values = plain_loop(lambda: calls.append(1), call_seconds=0.03, clock=lambda: next(ticks))
    assert values["loops"] == 4  # as pyperf's: 4 x 30 ms makes a 0.1 s value
    assert values["seconds"]["values"] == [0.25] * 4  # 0.5 s / 0.12 s a value -> 4 repeats
    assert len(calls) == 1 + 4 * 4


def test_a_plain_loop_of_a_very_slow_call_takes_one_value():
    calls = []
    ticks = iter([0.0, 7.0])
    values = plain_loop(lambda: calls.append(1), call_seconds=7.0, clock=lambda: next(ticks))
    assert (values["loops"], values["seconds"]["values"], len(calls)) == (1, [7.0], 2)


def test_first_round_is_what_compare_needs_or_the_budgets_fewer():
    plan = plan_evaluation(call_seconds=1e-5, startup_seconds=0.2, budget_seconds=100)
    assert plan.first_round() == FIRST_ROUND_PROCESSES == 5
    assert plan.first_round(entries=20) == 8
    assert plan.first_round(entries=176) == 9
    small = plan_evaluation(call_seconds=0.5, startup_seconds=0.5, budget_seconds=12)
    assert small.processes < FIRST_ROUND_PROCESSES and small.first_round(176) == small.processes


@pytest.mark.parametrize("entries", [1, 3, 20, 176, 10**6])
def test_processes_for_verdicts_are_the_fewest_whose_smallest_p_passes_holm(entries):
    n = processes_for_verdicts(entries)
    smallest_p = 2 / math.comb(2 * n, n)
    assert smallest_p < VERDICT_ALPHA / entries or n == MAX_PROCESSES
    if n > FIRST_ROUND_PROCESSES:
        assert 2 / math.comb(2 * n - 2, n - 1) >= VERDICT_ALPHA / entries


def test_verdict_alpha_is_compares_default():
    assert Thresholds().alpha == VERDICT_ALPHA


@pytest.mark.parametrize("n", [5, 9])
def test_the_smallest_p_is_what_compares_rank_test_gives_n_against_n(n):
    base, new = [1.0 + i / 100 for i in range(n)], [2.0 + i / 100 for i in range(n)]
    strata = strata_of([(base, new)])
    assert stratified_p_value(strata) == pytest.approx(smallest_p_value(strata)) == pytest.approx(
        2 / math.comb(2 * n, n)
    )


def test_agreeing_process_means_add_no_process():
    means = [1.000, 1.012, 0.988, 1.006, 0.994]  # 95% half-width 1.1%
    assert relative_half_width(means) < TARGET_HALF_WIDTH
    assert processes_to_add(means, planned=20) == 0


def test_disagreeing_process_means_add_what_the_spread_asks_for():
    means = [1.0, 1.04, 0.97, 1.03, 0.96]  # half-width 4.4%: needs about 5 * (4.4 / 2)^2 = 24
    width = relative_half_width(means)
    assert width == pytest.approx(0.0439, abs=0.001)
    assert processes_to_add(means, planned=20) == 15  # no more than the budget allows
    assert processes_to_add(means, planned=200) == math.ceil(5 * (width / TARGET_HALF_WIDTH) ** 2) - 5


def test_a_nearly_agreeing_round_adds_at_least_two():
    means = [1.0, 1.018, 0.984, 1.016, 0.982]  # half-width 2.1%: needs 5.6 processes
    assert TARGET_HALF_WIDTH < relative_half_width(means) < 1.2 * TARGET_HALF_WIDTH
    assert processes_to_add(means, planned=20) == 2


def test_no_process_is_added_past_the_budget_or_to_a_single_one():
    assert processes_to_add([1.0, 2.0, 3.0], planned=3) == 0
    assert relative_half_width([1.0]) == math.inf
    assert processes_to_add([1.0], planned=4) == 3


def test_a_rounds_start_up_is_its_time_a_process_less_its_first_calls_and_values():
    plan = plan_evaluation(call_seconds=0.01, startup_seconds=0.5, budget_seconds=20)  # 16 loops: 0.16 s a value
    assert (plan.loops, plan.values, plan.warmups) == (16, 3, 1)
    per_process_work = 0.01 + 4 * 16 * 0.01
    assert measured_startup(plan, 0.01, round_seconds=3 * (0.4 + per_process_work), processes=3) == pytest.approx(0.4)
    assert measured_startup(plan, 0.01, round_seconds=0.1, processes=1) == 0.0  # never below nothing


def test_workers_that_load_a_compile_the_plan_counted_get_the_processes_the_budget_holds():
    # c's scalar network in lanes: 17 us a call, a cold construction of 4.1 s that is mostly
    # the C compile, which every worker loads from the entry's build cache instead
    plan = plan_evaluation(call_seconds=17e-6, startup_seconds=4.1, budget_seconds=8.0)
    assert plan.processes == 1 and plan.values > 20  # one process of many values
    round_seconds = 0.4 + expected_seconds(plan.round_of(1), 17e-6, 0.0)
    again = replanned(plan, 17e-6, 8.0, planned_startup=4.1, round_seconds=round_seconds, processes=1)
    assert again is not None
    better, measured = again
    assert measured == pytest.approx(0.4)
    assert better == plan_evaluation(17e-6, 0.4, 8.0)
    assert better.processes >= 8 and (better.values, better.warmups) == (3, 1)


def test_a_start_up_about_as_planned_keeps_the_plan():
    plan = plan_evaluation(call_seconds=1e-4, startup_seconds=1.2, budget_seconds=8.0)
    work = expected_seconds(plan.round_of(1), 1e-4, 0.0)
    # 0.7 s against 1.2 planned: faster, and the budget would hold more, but not under half
    assert plan_evaluation(1e-4, 0.7, 8.0).processes > plan.processes
    round_seconds = plan.processes * (0.7 + work)
    assert replanned(plan, 1e-4, 8.0, 1.2, round_seconds=round_seconds, processes=plan.processes) is None


def test_a_short_start_up_shorter_still_keeps_the_plan():
    # python's 0.35 s planned, 0.1 s measured: under half, but the values' estimate can err by that
    plan = plan_evaluation(call_seconds=1e-5, startup_seconds=0.35, budget_seconds=8.0)
    round_seconds = plan.processes * (0.1 + expected_seconds(plan.round_of(1), 1e-5, 0.0))
    assert plan_evaluation(1e-5, 0.1, 8.0).processes > plan.processes
    assert replanned(plan, 1e-5, 8.0, 0.35, round_seconds=round_seconds, processes=plan.processes) is None


def test_a_slow_call_keeps_its_one_process_however_fast_the_start_up():
    plan = plan_evaluation(call_seconds=0.76, startup_seconds=1.0, budget_seconds=8.0)  # mandelbrot's python
    assert plan.processes == 1
    assert replanned(plan, 0.76, 8.0, 1.0, round_seconds=0.3 + expected_seconds(plan, 0.76, 0.0), processes=1) is None
