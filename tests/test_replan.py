"""An evaluation whose workers start far faster than planned is planned again from its first round.

Real children on the toy workload's python backend. The planned start-up is made large (as a
compile into the entry's build cache makes it: c's scalar network in lanes was planned at one
process where the budget holds eight) and the runner's clock stands still, so the first
round's workers seem to start at once; no timing is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pyperf
import pytest

from harness.core.registry import load_workload
from harness.run import runner as runner_module
from harness.run.entries import EntryPlan, Measurement
from harness.run.runner import EntryRunner

BUDGET = 3.0


def test_a_first_round_of_other_values_is_set_aside_and_the_budgets_processes_run(
    tmp_path: Path, fixture_workloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "INTERPRETER_STARTUP_SECONDS", 5.0)  # one process of two values fits
    runner = EntryRunner(
        measurement=Measurement(construction_runs=1, evaluation_budget=BUDGET, timeout=180.0),
        scratch=tmp_path / "scratch",
        pyperf_dir=tmp_path / "pyperf",
        clock=lambda: 0.0,  # every round seems to take no time: a start-up of nothing
    )
    workload = load_workload("toy")
    entry = runner.run(EntryPlan(workload, "python", dict(workload.cases("quick")[0])))
    assert entry.status == "ok", entry.reason
    note = entry.info["evaluation_replanned"]
    assert note.startswith("planned for a worker start-up of 5.")
    assert "1 process of 2 values at most" in note and note.endswith("since a process now takes other values")
    evaluation = entry.evaluation
    assert evaluation is not None
    assert evaluation.processes >= 3 and (evaluation.values_per_process, evaluation.warmups) == (3, 1)
    assert f"the budget holds {evaluation.processes} processes of 3 values" in note
    # the set-aside round is gone from pyperf's file: every run there is of the new plan
    (pyperf_file,) = (tmp_path / "pyperf").glob("*.json")
    runs = [run for run in pyperf.Benchmark.load(str(pyperf_file)).get_runs() if run.values]
    assert len(runs) == evaluation.processes
    assert {len(run.values) for run in runs} == {3}


def test_a_start_up_as_planned_is_not_planned_again(
    tmp_path: Path, fixture_workloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(1_000_000))
    runner = EntryRunner(  # a time-out far past the clock's jumps, so no child is cut short
        measurement=Measurement(construction_runs=1, evaluation_budget=0.5, timeout=1e9),
        scratch=tmp_path / "scratch",
        pyperf_dir=tmp_path / "pyperf",
        clock=lambda: float(next(ticks)) * 100.0,  # every round seems slow: no start-up is shorter than planned
    )
    workload = load_workload("toy")
    entry = runner.run(EntryPlan(workload, "numpy", dict(workload.cases("quick")[0])))
    assert entry.status == "ok", entry.reason
    assert "evaluation_replanned" not in entry.info
