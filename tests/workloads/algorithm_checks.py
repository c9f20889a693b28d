"""Checks of the ``algorithm`` parameter shared by the tensor workload tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.workload import StepTimer, Workload
from workloads.tensor_core.algorithm import ALGORITHMS


def assert_kernel_records_its_algorithm(workload: Workload, backend: str, params: dict[str, Any]) -> None:
    """The prepared kernel's info names the case's algorithm; numpy's says it runs its own."""
    kernel = workload.load(backend).prepare(workload.make_inputs(params), params, StepTimer())
    if backend == "numpy":
        assert (kernel.info["algorithm"], kernel.info["ignores"]) == ("numpy", "algorithm")
    else:
        assert kernel.info["algorithm"] == params["algorithm"]


def assert_presets_name_algorithms(workload: Workload, python_runs: Callable[[dict[str, Any]], bool]) -> None:
    """Every case names its algorithm; quick and default hold one naive case beside its tuned
    twin (naive -> tuned on every backend), default's within python's limit; full is tuned."""
    for preset in workload.presets:
        assert all(case["algorithm"] in ALGORITHMS for case in workload.cases(preset)), preset
    for preset in ("quick", "default"):
        cases = workload.cases(preset)
        naive = [case for case in cases if case["algorithm"] == "naive"]
        assert len(naive) == 1, f"{preset}: one naive case"
        assert {**naive[0], "algorithm": "tuned"} in cases, f"{preset}: the naive case's tuned twin"
    (naive,) = [case for case in workload.cases("default") if case["algorithm"] == "naive"]
    assert python_runs(naive), "the python backend would decline default's naive case"
    assert {case["algorithm"] for case in workload.cases("full")} == {"tuned"}
