from harness.planning import MAX_PROCESSES, expected_seconds, plan_evaluation


def test_fast_calls_are_calibrated_by_pyperf_and_get_many_processes():
    plan = plan_evaluation(call_seconds=1e-5, startup_seconds=0.2, budget_seconds=100)
    assert plan.loops == 0
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
