"""The A/B machinery (rounds, side environments, budgets, worktrees) and callgrind helpers.

The rounds run a fake ``harness run`` that only writes a results file, so nothing is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import instructions
from harness.ab import (
    SIDE_VARIABLE,
    CheckError,
    ProcessBudgets,
    Rounds,
    SideTree,
    Unit,
    ref_worktree,
    verify_imports,
)
from harness.results import Construction, Entry, Evaluation, Run, Stats, load, save

SIDES = [SideTree("base", Path("/ref")), SideTree("new", Path("/tree"))]
UNITS = [
    Unit("w-numba", ("--workload", "w", "--backend", "numba")),
    Unit("w-numpy", ("--workload", "w", "--backend", "numpy")),
]


def ok_entry(cache_load: float = 1.0, call: float = 1e-3) -> Entry:
    return Entry(
        workload="w",
        backend="numba",
        params={"n": 1},
        construction=Construction(
            seconds=Stats.of([2.0]),
            steps={"first_call": 1.0},
            runs=1,
            cache_load=Stats.of([cache_load]),
        ),
        evaluation=Evaluation(seconds=Stats.of([call] * 6), processes=2, values_per_process=6, warmups=1, loops=100),
    )


class FakeHarness:
    """Stands in for ``subprocess.run`` of ``harness run``: records calls, writes a results file."""

    def __init__(self, returncode: int = 0, write: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.returncode, self.write = returncode, write

    def __call__(self, command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append({"command": command, **options})
        output = Path(command[command.index("--output") + 1])
        if self.write:
            save(Run(metadata={"machine": "m"}, entries=[ok_entry()]), output)
        return subprocess.CompletedProcess(command, self.returncode, "", "unknown workload 'w'")


def test_rounds_alternate_the_order_of_the_sides(tmp_path: Path) -> None:
    fake = FakeHarness()
    files = Rounds(SIDES, UNITS, ["--preset", "quick"], tmp_path, runner=fake, log=lambda _: None).run(2)
    order = [(call["cwd"], call["command"][call["command"].index("--backend") + 1]) for call in fake.calls]
    assert order == [
        (Path("/ref"), "numba"),
        (Path("/tree"), "numba"),
        (Path("/tree"), "numpy"),
        (Path("/ref"), "numpy"),
        (Path("/ref"), "numba"),
        (Path("/tree"), "numba"),
        (Path("/tree"), "numpy"),
        (Path("/ref"), "numpy"),
    ]
    assert [p.name for p in files["new"]] == [
        "round-01-w-numba.json",
        "round-01-w-numpy.json",
        "round-02-w-numba.json",
        "round-02-w-numpy.json",
    ]
    assert all(call["env"][SIDE_VARIABLE] in ("base", "new") for call in fake.calls)


def test_a_unit_the_ref_does_not_know_is_skipped(tmp_path: Path) -> None:
    rounds = Rounds(
        SIDES,
        UNITS[:1],
        [],
        tmp_path,
        runner=FakeHarness(returncode=2, write=False),
        log=lambda _: None,
    )
    assert rounds.run(1) == {}
    assert len(rounds.skipped) == 2


def test_a_crashing_side_stops_the_check(tmp_path: Path) -> None:
    rounds = Rounds(SIDES, UNITS[:1], [], tmp_path, runner=FakeHarness(returncode=3), log=lambda _: None)
    with pytest.raises(CheckError, match="exited with 3"):
        rounds.run(1)


def test_budgets_grow_until_enough_processes_fit(tmp_path: Path) -> None:
    from harness.planning import plan_evaluation
    from harness.runner import INTERPRETER_STARTUP_SECONDS

    budgets = ProcessBudgets(floor=3.0, processes=3)
    assert budgets.budget("w-numba") == 3.0
    save(Run(metadata={}, entries=[ok_entry(cache_load=1.0, call=1e-3)]), tmp_path / "r.json")
    budgets.learn("w-numba", tmp_path / "r.json")
    learned = budgets.budget("w-numba")
    startup = 1.0 + INTERPRETER_STARTUP_SECONDS
    assert plan_evaluation(1e-3, startup, learned / 1.2).processes >= 3
    assert plan_evaluation(1e-3, startup, learned / 1.2 * 0.98).processes < 3
    budgets.learn("w-numba", tmp_path / "missing.json")
    assert budgets.budget("w-numba") == learned


def test_budgets_are_capped() -> None:
    budgets = ProcessBudgets(floor=3.0, ceiling=10.0, learned={"slow": 60.0})
    assert budgets.budget("slow") == 10.0


def test_side_environment_puts_its_tree_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = SideTree("base", Path("/ref")).environment()
    assert env["PYTHONPATH"].split(os.pathsep) == ["/ref", "/elsewhere"]
    assert env[SIDE_VARIABLE] == "base"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_a_ref_worktree_imports_its_own_harness(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for package in ("harness", "workloads"):
        (repo / package).mkdir(parents=True)
        (repo / package / "__init__.py").write_text("VERSION = 'old'\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old")
    (repo / "harness" / "__init__.py").write_text("VERSION = 'new'\n")
    with ref_worktree(repo, "HEAD") as tree:
        assert (tree / "harness" / "__init__.py").read_text() == "VERSION = 'old'\n"
        verify_imports(SideTree("base", tree))
        code = "import harness; print(harness.VERSION)"
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tree,
            env=SideTree("base", tree).environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == "old"
    assert not tree.exists()


def test_an_unknown_ref_is_a_check_error(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(CheckError, match="rev-parse"), ref_worktree(tmp_path, "no-such-ref"):
        pass


# -- callgrind helpers --------------------------------------------------------------------------


def test_instructions_per_call_cancel_the_fixed_cost() -> None:
    assert instructions.per_call((1_000_000 + 1 * 5_000, 1_000_000 + 11 * 5_000), (1, 11)) == 5_000


def test_callgrind_totals_are_parsed() -> None:
    assert instructions.parse_totals("events: Ir\nsummary: 2415826010\ntotals: 2415826010\n") == 2415826010
    with pytest.raises(instructions.InstructionsError):
        instructions.parse_totals("events: Ir\n")


@pytest.mark.parametrize("text", ["5", "11,1", "0,3", "a,b"])
def test_bad_call_counts_are_refused(text: str) -> None:
    with pytest.raises(instructions.InstructionsError):
        instructions.parse_calls(text)


def test_missing_valgrind_is_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    reason = instructions.valgrind_unavailable_reason()
    assert reason is not None and "valgrind is not installed" in reason


def test_without_valgrind_every_entry_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    output = tmp_path / "counts.json"
    argv = ["--workload", "mandelbrot", "--backend", "numpy", "--output", str(output)]
    run = instructions.measure(instructions.build_parser().parse_args(argv), argv)
    assert [(e.status, "valgrind" in e.reason) for e in run.entries] == [("unavailable", True)]
    assert load(output).entries[0].status == "unavailable"


def test_fast_kernels_get_more_counted_calls() -> None:
    assert instructions.calls_for((1, 11), 0.1) == (1, 11)
    assert instructions.calls_for((1, 11), 0.001) == (1, 1001)
    assert instructions.calls_for((1, 11), 1e-9) == (1, 1 + instructions.MAX_COUNTED_CALLS)


def test_the_latest_round_of_each_entry_makes_one_run_for_the_report(tmp_path: Path) -> None:
    from harness.ab import latest_run

    files = []
    for round_number, call in ((1, 1e-3), (2, 2e-3)):
        entry = ok_entry(call=call)
        entry.evaluation.pyperf_file = f"round-{round_number}.pyperf/w.json"  # type: ignore[union-attr]
        path = tmp_path / "new" / f"round-{round_number}.json"
        save(Run(metadata={"machine": "m"}, entries=[entry]), path)
        files.append(path)
    merged = latest_run(files, tmp_path)
    assert len(merged.entries) == 1
    evaluation = merged.entries[0].evaluation
    assert evaluation is not None and evaluation.seconds.median == 2e-3
    assert evaluation.pyperf_file == "new/round-2.pyperf/w.json"
    assert merged.metadata["merged_from"] == [str(p) for p in files]
