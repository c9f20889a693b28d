"""The scalar_network workload: every backend against the NumPy reference on every rung of
the ladder at the quick size, and Python calls per evaluation counted (one for the
compiled backends)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from harness.core.workload import BackendUnavailable, Kernel, StepTimer
from harness.run.calls import count_calls
from workloads.scalar_network import RUNGS, WORKLOAD
from workloads.scalar_network.inputs import parameter_count

QUICK = [{**WORKLOAD.cases("quick")[0], "rung": rung} for rung in RUNGS]


def prepare(backend: str, case: dict[str, Any]) -> Kernel:
    try:
        module = WORKLOAD.load(backend)
    except BackendUnavailable as error:
        pytest.skip(str(error))
    return module.prepare(WORKLOAD.make_inputs(case), case, StepTimer())


def first_result(backend: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    kernel = prepare(backend, case)
    result = kernel.fetch(kernel.call())
    kernel.call()  # training on must not disturb the checked result
    return result


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, np.ndarray]]:
    return {case["rung"]: first_result("numpy", case) for case in QUICK}


@pytest.mark.parametrize("case", QUICK, ids=[case["rung"] for case in QUICK])
@pytest.mark.parametrize("backend", [b for b in WORKLOAD.backends if b != "numpy"])
def test_backend_agrees_with_reference(backend: str, case: dict[str, Any],
                                       reference: dict[str, dict[str, np.ndarray]]) -> None:
    result = first_result(backend, case)
    expected = reference[case["rung"]]
    comparison = WORKLOAD.comparison_for(backend)
    assert result.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(result[key], expected[key], rtol=comparison.rtol,
                                   atol=comparison.atol, err_msg=f"{backend} {key}")


def test_numba_codegen_agrees_with_reference() -> None:
    case = {"hidden": 2, "batch": 5, "rung": "steps", "k": 2, "evaluator": "codegen"}
    expected = first_result("numpy", case)
    result = first_result("numba", case)
    for key in expected:
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-9, atol=1e-12)


def test_training_reduces_the_loss() -> None:
    case = {"hidden": 4, "batch": 16, "rung": "steps", "k": 20, "learning_rate": 0.5}
    kernel = prepare("numpy", case)
    first = kernel.call()
    for _ in range(5):
        last = kernel.call()
    assert last < first


def wrapper_frames() -> int:
    """How many calls ``count_calls`` reports for a wrapper that does nothing.

    1 where the wrapper's own frame is counted, 0 where the harness excludes it; the
    tests below hold under either convention.
    """
    return count_calls(lambda: None)[0].python_calls


@pytest.mark.parametrize("rung", ["step", "steps"])
@pytest.mark.parametrize("backend", ["cython", "numba", "numba_parallel"])
def test_compiled_backends_make_one_python_call_per_training_step(backend: str,
                                                                   rung: str) -> None:
    case = next(c for c in QUICK if c["rung"] == rung)
    kernel = prepare(backend, case)
    kernel.call()
    counts, _ = count_calls(kernel.call)
    # Kernel.call is a Python function making one call into compiled code, which the
    # profiler does not see (ctypes, Cython): nothing else runs at the Python level.
    assert counts.python_calls == wrapper_frames()
    assert counts.builtin_calls == 0
    assert counts.total == 1


def test_python_backend_makes_one_call_per_node_per_sample() -> None:
    case = {"hidden": 1, "batch": 3, "rung": "loss"}
    kernel = prepare("python", case)
    operations = sum(n for op, n in kernel.info["graph_node_kinds"].items()
                     if op not in ("const", "input", "param"))
    counts, _ = count_calls(kernel.call)
    # loss(), accumulate() and its averaging comprehension, then per sample run_sample()
    # and one call per operation node; plus the wrapper if the harness counts it
    assert counts.python_calls == wrapper_frames() + 3 + case["batch"] * (1 + operations)


def test_cython_second_construction_loads_from_the_cache(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    case = {"hidden": 1, "batch": 2, "rung": "loss"}
    assert prepare("cython", case).info["built_now"] is True
    assert prepare("cython", case).info["built_now"] is False


def test_info_reports_passes_and_sizes() -> None:
    kernel = prepare("numpy", {"hidden": 16, "batch": 4, "rung": "gradient"})
    assert parameter_count(16) == 337
    nodes = kernel.info["graph_nodes"]
    assert nodes["built"] < nodes["differentiated"] and nodes["optimised"] < nodes["differentiated"]
    names = {p["name"] for p in kernel.info["optimizer_passes"]}
    assert {"constant_folding", "common_subexpression_elimination", "dead_node_elimination",
            "multiply_add_fusion", "algebraic_simplification"} <= names
    assert kernel.fetch(kernel.call())["gradient"].shape == (337,)


def test_cython_without_a_c_compiler_is_unavailable(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from workloads.lib.scalar_graph import build_cache

    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(build_cache, "_compile_command",
                        lambda c_file, library: [str(tmp_path / "no-such-cc"), str(c_file)])
    case = {"hidden": 1, "batch": 2, "rung": "loss"}
    with pytest.raises(BackendUnavailable, match="C compiler"):
        WORKLOAD.load("cython").prepare(WORKLOAD.make_inputs(case), case, StepTimer())
