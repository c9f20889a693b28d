import pytest

from harness.workload import (
    BackendUnavailable,
    Comparison,
    Kernel,
    StepTimer,
    Workload,
    WorkloadError,
)


def declare(**overrides):
    fields = {
        "name": "w",
        "description": "d",
        "presets": {"quick": [{"n": 1}], "default": [{"n": 2}], "full": [{"n": 1}, {"n": 2}]},
        "make_inputs": lambda params: params["n"],
        "implementations": {"numpy": "nowhere.numpy_impl"},
        "comparison": Comparison.exact(),
    }
    fields.update(overrides)
    return Workload(**fields)


def test_unknown_backend_is_rejected_with_the_valid_choices():
    with pytest.raises(WorkloadError, match="choose from: python, numpy, cython"):
        declare(implementations={"numpy": "x", "numbaa": "y"})


def test_required_presets_are_enforced():
    with pytest.raises(WorkloadError, match="lacks the presets"):
        declare(presets={"quick": [{"n": 1}]})


def test_empty_preset_is_rejected():
    with pytest.raises(WorkloadError, match="empty presets"):
        declare(presets={"quick": [], "default": [{"n": 1}], "full": [{"n": 1}]})


def test_reference_must_have_an_implementation():
    with pytest.raises(WorkloadError, match="reference backend"):
        declare(reference="python")


def test_a_tolerance_must_give_its_reason():
    with pytest.raises(WorkloadError, match="reason"):
        Comparison.tolerance(rtol=1e-9, reason="")
    assert not Comparison.tolerance(rtol=1e-9, reason="sums").is_exact
    assert Comparison.exact().is_exact


def test_cases_are_copies_and_unknown_presets_name_the_valid_ones():
    workload = declare()
    workload.cases("quick")[0]["n"] = 99
    assert workload.cases("quick") == [{"n": 1}]
    with pytest.raises(WorkloadError, match="choose from: quick, default, full"):
        workload.cases("huge")


def test_quick_case_for_keeps_the_most_non_size_parameters():
    quick = [{"n": 1, "algorithm": "tuned", "op": "sum"}, {"n": 2, "algorithm": "naive", "op": "sum"}]
    presets = {"quick": quick, "default": [{"n": 9}], "full": [{"n": 9}]}
    workload = declare(presets=presets, parameters={"n": "size"}, size_parameters=("n",))
    naive = workload.quick_case_for({"n": 1000, "algorithm": "naive", "op": "max", "seed": 3})
    assert naive == {"n": 2, "algorithm": "naive", "op": "sum", "seed": 3}
    assert workload.quick_case_for({"n": 1000})["algorithm"] == "tuned"  # ties: the first


def test_backends_come_in_canonical_order():
    workload = declare(implementations={"cuda": "a", "python": "b", "numpy": "c"})
    assert workload.backends == ["python", "numpy", "cuda"]


def test_missing_module_makes_the_backend_unavailable():
    workload = declare()
    with pytest.raises(BackendUnavailable, match=r"cannot import nowhere\.numpy_impl"):
        workload.load("numpy")
    with pytest.raises(BackendUnavailable, match="no cython implementation"):
        workload.load("cython")


def test_missing_cython_extension_says_how_to_build_it():
    workload = declare(implementations={"numpy": "x", "cython": "nowhere_at_all"})
    with pytest.raises(BackendUnavailable, match=r"not built: run `pip install -e \.`"):
        workload.load("cython")


def test_step_timer_times_named_steps_with_a_fake_clock():
    ticks = iter([0.0, 1.5, 2.0, 2.25, 10.0, 10.5])
    steps = StepTimer(clock=lambda: next(ticks))
    with steps("compile"):
        pass
    with steps("transfer"):
        pass
    with steps("compile"):
        pass
    assert steps.seconds == {"compile": 2.0, "transfer": 0.25}


def test_kernel_fetch_defaults_to_identity():
    kernel = Kernel(call=lambda: 3)
    assert kernel.fetch(kernel.call()) == 3
    assert kernel.time_loops is None
