from harness.construct import estimate_call_seconds
from harness.planning import MAX_PROCESSES, expected_seconds, loops_for, plan_evaluation


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
    assert plan.processes == 8  # 20 s / (0.5 + 4 * 0.5 s)
    assert expected_seconds(plan, 0.5, 0.5) <= 20


def test_very_slow_calls_fall_back_to_one_process():
    plan = plan_evaluation(call_seconds=5.0, startup_seconds=1.0, budget_seconds=12)
    assert plan.processes == 1
    assert plan.values == 2 and plan.warmups == 0


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
