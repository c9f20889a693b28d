import numpy as np
import pytest

from harness.construct import compile_seconds, construct, load_reference, save_reference
from harness.runner import summarise_construction


def test_compile_seconds_counts_nested_compiles_once():
    events = [(0.0, "START"), (0.5, "START"), (1.0, "END"), (2.0, "END"), (5.0, "START"), (5.5, "END")]
    assert compile_seconds(events) == 2.5
    assert compile_seconds([]) is None


def test_reference_round_trips_through_npz(tmp_path):
    path = tmp_path / "ref.npz"
    save_reference(path, {"loss": 1.5, "grad": np.arange(3.0)})
    loaded = load_reference(path)
    assert loaded["result['loss']"] == 1.5
    np.testing.assert_array_equal(loaded["result['grad']"], np.arange(3.0))


def fake_clock(step: float = 0.25):
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def test_construct_times_each_step_and_checks(fixture_workloads, tmp_path):
    spec = {
        "workload": "toy",
        "backend": "python",
        "params": {"n": 50},
        "check": True,
        "reference_file": str(tmp_path / "ref.npz"),
    }
    findings = construct(spec, clock=fake_clock())
    assert findings["status"] == "ok"
    assert list(findings["steps"]) == ["inputs", "import", "prepare", "prepare.to_list", "first_call"]
    assert findings["steps"]["first_call"] == 0.25  # one tick of the fake clock
    assert findings["check"]["passed"]
    assert findings["work"] == {"amount": 50.0, "unit": "elements"}
    assert findings["calls_per_evaluation"]["python_calls"] == 1  # sum_of_squares


def test_construct_records_a_wrong_result_and_skips_the_estimate(fixture_workloads, tmp_path):
    spec = {
        "workload": "toy",
        "backend": "numba",
        "params": {"n": 50},
        "check": True,
        "reference_file": str(tmp_path / "ref.npz"),
    }
    findings = construct(spec)
    assert not findings["check"]["passed"]
    assert findings["check"]["max_abs_diff"] == 1.0
    assert "estimate_seconds" not in findings


def test_construct_reports_an_unbuilt_extension_as_unavailable(fixture_workloads, tmp_path):
    spec = {"workload": "toy", "backend": "cython", "params": {"n": 5}, "check": True,
            "reference_file": str(tmp_path / "ref.npz")}
    findings = construct(spec)
    assert findings["status"] == "unavailable"
    assert "not built" in findings["reason"]


def test_construction_summary_uses_medians_and_sums_top_level_steps():
    cold = [
        {"steps": {"inputs": 1.0, "prepare.x": 0.5, "prepare": 1.0, "first_call": 2.0}, "jit_compile_seconds": 1.5},
        {"steps": {"inputs": 3.0, "prepare.x": 0.5, "prepare": 1.0, "first_call": 2.0}, "jit_compile_seconds": 1.7},
        {"steps": {"inputs": 2.0, "prepare.x": 0.5, "prepare": 1.0, "first_call": 4.0}, "jit_compile_seconds": 1.6},
    ]
    cached = [{"steps": {"inputs": 1.0, "prepare": 0.1, "first_call": 0.2}}]
    summary = summarise_construction(cold, cached)
    assert summary.seconds.values == [4.0, 6.0, 7.0]
    assert summary.steps["inputs"] == 2.0
    assert summary.jit_compile.median == pytest.approx(1.6)
    assert summary.cache_load.median == pytest.approx(1.3)
    assert summary.runs == 3


def test_backends_that_agree_on_wrong_inputs_miss_the_outside_reference(fixture_workloads, tmp_path):
    for backend in ("numpy", "python"):
        spec = {"workload": "shifted", "backend": backend, "params": {"n": 10}, "check": True,
                "reference_file": str(tmp_path / "ref.npz")}
        findings = construct(spec)
        check = findings["check"]
        assert check["mismatches"] == 0  # consistent with the reference backend...
        (outside,) = check["outside"]  # ...and both wrong: 1^2 + ... + 10^2 = 385, not 285
        assert (outside["expected"], outside["observed"], outside["passed"]) == (285, 385, False)
        assert check["passed"] is False
        assert "estimate_seconds" not in findings  # a wrong result is never timed


def test_the_run_records_an_outside_miss_as_a_wrong_result(fixture_workloads, tmp_path):
    from harness.results import Check, OutsideCheck
    from harness.runner import wrong_result_reason

    miss = OutsideCheck("sum of squares", 285.0, 385.0, False, "the closed form")
    reason = wrong_result_reason(Check(passed=False, comparison={}, size=10, outside=[miss]))
    assert reason == "sum of squares 385 misses the outside reference 285 (the closed form)"
