import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.run.construct import UnusableReference, compile_seconds, construct, load_reference, save_reference
from harness.run.summary import summarise_construction


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


def test_construct_compiles_a_user_workloads_cython_backend_on_first_use(fixture_workloads, tmp_path):
    spec = {"workload": "toy", "backend": "cython", "params": {"n": 5}, "check": True,
            "reference_file": str(tmp_path / "ref.npz")}
    findings = construct(spec)
    assert findings["status"] == "ok", findings
    assert findings["check"]["passed"]


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
    from harness.core.entry_parts import Check, OutsideCheck
    from harness.run.summary import wrong_result_reason

    miss = OutsideCheck("sum of squares", 285.0, 385.0, False, "the closed form")
    reason = wrong_result_reason(Check(passed=False, comparison={}, size=10, failed_on="outside", outside=[miss]))
    assert reason == "sum of squares 385 misses the outside reference 285 (the closed form)"
BROKEN_WORKLOADS = Path(__file__).parent / "fixtures" / "broken_workloads"


def construct_check(workload: str, backend: str, params: dict, tmp_path: Path) -> dict:
    return construct({"workload": workload, "backend": backend, "params": params, "check": True,
                      "reference_file": str(tmp_path / "ref.npz")})


@pytest.fixture
def broken_workloads(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(BROKEN_WORKLOADS))
    return BROKEN_WORKLOADS


def test_a_step_that_raises_is_recorded_with_its_step_type_message_and_traceback(broken_workloads, tmp_path):
    findings = construct_check("user_faults", "python", {"width": 1}, tmp_path)
    assert findings["status"] == "failed"
    assert findings["reason"] == "prepare raised ValueError: width must be >= 2"
    failure = findings["failure"]
    assert (failure["step"], failure["error_type"]) == ("prepare", "ValueError")
    assert failure["message"] == "width must be >= 2"
    assert 'raise ValueError("width must be >= 2")' in failure["traceback"]


def test_a_reference_backend_that_raises_is_named_not_the_backend_checked(fixture_workloads, tmp_path, monkeypatch):
    import harness.run.construct

    def failing_reference(workload, params, path):
        raise UnboundLocalError("cannot access local variable 'out'")

    monkeypatch.setattr(harness.run.construct, "reference_result", failing_reference)
    findings = construct({"workload": "toy", "backend": "python", "params": {"n": 3}, "check": True,
                          "reference_file": str(tmp_path / "toy.npz")})
    assert findings["status"] == "failed"
    assert findings["reason"] == (
        "the reference backend (numpy) raised UnboundLocalError: cannot access local variable 'out'"
    )


def test_a_backend_importing_what_does_not_exist_fails_at_import(broken_workloads, tmp_path):
    failure = construct_check("user_faults", "numba", {"width": 1}, tmp_path)["failure"]
    assert (failure["step"], failure["error_type"]) == ("import", "ImplementationError")
    assert "No module named 'no_such_module_xyz'" in failure["message"]


def test_an_unqualified_path_fails_at_import_with_the_qualified_one(broken_workloads, tmp_path):
    failure = construct_check("user_faults", "cython", {"width": 1}, tmp_path)["failure"]
    assert "did you mean 'user_faults.cython_impl'?" in failure["message"]


def test_a_broken_workload_package_fails_before_any_step(broken_workloads, tmp_path):
    failure = construct_check("broken_init", "numpy", {"width": 1}, tmp_path)["failure"]
    assert (failure["step"], failure["error_type"]) == ("workload", "WorkloadLoadError")
    assert "RuntimeError: this workload's __init__ is broken" in failure["message"]


def test_a_syntax_error_in_a_backend_module_fails_at_import(tmp_path, monkeypatch):
    package = tmp_path / "workloads_dir" / "syntax_slip"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from harness.core.workload import Comparison, Workload\n"
        "WORKLOAD = Workload(name='syntax_slip', description='d', make_inputs=lambda p: 1,\n"
        "    presets={'quick': [{}], 'default': [{}], 'full': [{}]}, comparison=Comparison.exact(),\n"
        "    implementations={'numpy': 'syntax_slip.numpy_impl', 'python': 'syntax_slip.python_impl'})\n"
    )
    (package / "python_impl.py").write_text("def prepare(inputs, params, steps)\n    return None\n")
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(tmp_path / "workloads_dir"))
    failure = construct_check("syntax_slip", "python", {}, tmp_path)["failure"]
    assert (failure["step"], failure["error_type"]) == ("import", "SyntaxError")


def test_a_reference_that_cannot_be_checked_against_is_refused(tmp_path):
    with pytest.raises(UnusableReference, match="returned None"):
        save_reference(tmp_path / "ref.npz", None)
    with pytest.raises(UnusableReference, match="dtype <U3"):
        save_reference(tmp_path / "ref.npz", ["1.0"])
    assert not (tmp_path / "ref.npz").exists()


def test_a_later_construction_times_a_plain_loop_when_asked(fixture_workloads, tmp_path):
    spec = {"workload": "toy", "backend": "python", "params": {"n": 50}, "check": False,
            "reference_file": str(tmp_path / "ref.npz"), "plain_loop_call_seconds": 1e-5}
    loop = construct(spec)["plain_loop"]
    assert loop["loops"] == 16384 and len(loop["seconds"]["values"]) >= 3
    assert "plain_loop" not in construct({**spec, "plain_loop_call_seconds": None})


LATE_NUMBA = {
    "__init__.py": """
import numpy as np
from harness.core.workload import Comparison, Workload

WORKLOAD = Workload(
    name="late_numba", description="a numba backend that imports numba inside prepare",
    parameters={"n": "elements"}, presets={"quick": [{"n": 8}], "default": [{"n": 8}], "full": [{"n": 8}]},
    make_inputs=lambda params: np.arange(float(params["n"])),
    implementations={"numpy": "late_numba.numpy_impl", "numba": "late_numba.numba_impl"},
    comparison=Comparison.exact("doubling is exact"),
)
""",
    "numpy_impl.py": """
from harness.core.workload import Kernel

def prepare(inputs, params, steps):
    return Kernel(call=lambda: inputs * 2.0)
""",
    "numba_impl.py": """
import numpy as np
from harness.core.workload import Kernel

def doubled(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = x[i] * 2.0
    return out

def prepare(inputs, params, steps):
    from numba import njit  # numba only here, as a user may write it

    kernel = njit(cache=True)(doubled)
    return Kernel(call=lambda: kernel(inputs))
""",
}


@pytest.mark.slow
def test_a_backend_that_imports_numba_inside_prepare_is_seen_compiling(tmp_path):
    """A fresh process (numba not yet imported): its compile is recorded, not folded into the first call."""
    package = tmp_path / "workloads" / "late_numba"
    package.mkdir(parents=True)
    for name, text in LATE_NUMBA.items():
        (package / name).write_text(text)
    spec = {"workload": "late_numba", "backend": "numba", "params": {"n": 8}, "check": True,
            "reference_file": str(tmp_path / "ref.npz"), "output": str(tmp_path / "findings.json")}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "HARNESS_WORKLOAD_PATH": str(tmp_path / "workloads"), "NUMBA_CACHE_DIR": str(tmp_path / "c")}
    done = subprocess.run([sys.executable, "-m", "harness.run.construct", str(tmp_path / "spec.json")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert findings["status"] == "ok" and findings["check"]["passed"]
    assert findings["jit_compile_seconds"] is not None and findings["jit_compile_seconds"] > 0

