"""A numba_parallel case is compiled once, by its first thread count's entry; its other thread
counts load that compile and say so, and one that compiles anyway is a cold construction of its own.

Real children on mandelbrot's quick case (about 2 s of Numba compile) and the scalar network's
(its generated module lives in the entry's cache), no timing asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.registry import load_workload
from harness.run.entries import EntryPlan, Measurement
from harness.run.runner import EntryRunner, SharedCompile

pytest.importorskip("numba")


def runner_in(tmp_path: Path) -> EntryRunner:
    return EntryRunner(
        measurement=Measurement(construction_runs=1, evaluation_budget=0.3, timeout=180.0),
        scratch=tmp_path / "scratch",
        pyperf_dir=tmp_path / "pyperf",
    )


def plans(threads: list[int], workload_name: str = "mandelbrot") -> list[EntryPlan]:
    workload = load_workload(workload_name)
    (case, *_) = workload.cases("quick")
    return [EntryPlan(workload, "numba_parallel", dict(case), t) for t in threads]


@pytest.mark.parametrize("workload", ["mandelbrot", "scalar_network"])
def test_later_thread_counts_load_the_first_ones_compile(tmp_path: Path, workload: str) -> None:
    runner = runner_in(tmp_path)
    one, two = (runner.run(plan) for plan in plans([1, 2], workload))
    assert (one.status, two.status) == ("ok", "ok"), (one.reason, two.reason)
    assert one.construction is not None and two.construction is not None
    assert one.construction.jit_compile is not None  # the first thread count compiled cold
    assert "compiled_by" not in one.info
    assert two.info["compiled_by"].startswith("threads=1: ")
    # the construction is the compiling entry's; the cache load is this entry's own check run
    assert two.construction.seconds == one.construction.seconds
    assert two.construction.jit_compile == one.construction.jit_compile
    assert two.construction.cache_load is not None and two.construction.cache_load.values != []
    assert two.construction.cache_load != one.construction.cache_load
    assert set(two.info["step_seconds"]) == {"check", "evaluation"}  # no cold run, no separate cache load
    assert set(one.info["step_seconds"]) == {"check", "cache_load", "evaluation"}
    assert two.evaluation is not None and two.evaluation.compiles is not None
    assert two.evaluation.compiles.processes_compiling == 0
    assert two.check is not None and two.check.passed  # checked at its own thread count


def test_a_check_that_compiles_despite_the_shared_cache_is_a_cold_construction(tmp_path: Path) -> None:
    runner = runner_in(tmp_path)
    (plan,) = plans([2])
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    compiled = runner.run(plans([1])[0])
    assert compiled.construction is not None
    # an earlier entry's record whose cache holds nothing: the check run must compile
    runner._compiled[plan.key[:3]] = SharedCompile("threads=1", empty, compiled.construction)
    entry = runner.run(plan)
    assert entry.status == "ok", entry.reason
    assert "compiled_by" not in entry.info
    assert entry.construction is not None and entry.construction.jit_compile is not None
    assert entry.construction.seconds != compiled.construction.seconds
    assert set(entry.info["step_seconds"]) == {"check", "cache_load", "evaluation"}
