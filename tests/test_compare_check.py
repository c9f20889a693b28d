"""The A/B machinery (set-up, interleaved samples, rounds, side environments, worktrees) and callgrind helpers.

The set-up runs a fake ``harness run`` that only writes a results file, and the samples
come from a fake worker that writes pyperf files with chosen values, so nothing is timed.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyperf
import pytest

from harness import instructions
from harness.ab import SIDE_VARIABLE, CheckError, Setup, SideTree, ref_worktree, verify_imports
from harness.compare import Thresholds, compare, load_side
from harness.results import Construction, Entry, Evaluation, Run, Stats, load, save
from harness.sampling import RoundWriter, SampleFailure, Sampler, Target, targets_of

SIDES = [SideTree("base", Path("/ref")), SideTree("new", Path("/tree"))]


def ok_entry(call: float = 1e-3, backend: str = "numba", status: str = "ok") -> Entry:
    return Entry(
        workload="w",
        backend=backend,
        params={"n": 1},
        status=status,
        construction=Construction(seconds=Stats.of([2.0]), steps={"first_call": 1.0}, runs=1),
        evaluation=Evaluation(seconds=Stats.of([call] * 6), processes=2, values_per_process=3, warmups=1, loops=100),
    )


class FakeHarness:
    """Stands in for ``subprocess.run`` of ``harness run``: records calls, writes a results file."""

    def __init__(self, returncode: int = 0, write: bool = True, keeps_caches: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.returncode, self.write, self.keeps_caches = returncode, write, keeps_caches

    def __call__(self, command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        if "--help" in command:
            usage = "usage: harness run [--keep-caches DIR]" if self.keeps_caches else "usage: harness run"
            return subprocess.CompletedProcess(command, 0, usage, "")
        self.calls.append({"command": command, **options})
        output = Path(command[command.index("--output") + 1])
        if self.write:
            save(Run(metadata={"machine": "m"}, entries=[ok_entry()]), output)
        return subprocess.CompletedProcess(command, self.returncode, "", "unknown workload 'w'")


def test_the_setup_runs_every_workload_on_every_side_with_kept_caches(tmp_path: Path) -> None:
    fake = FakeHarness()
    setup = Setup(SIDES, ["w", "v"], ["--preset", "quick"], tmp_path, runner=fake, log=lambda _: None)
    runs = setup.run()
    assert set(runs) == {"base", "new"} and len(runs["new"].entries) == 1
    ran = sorted((call["cwd"], call["command"][call["command"].index("--workload") + 1]) for call in fake.calls)
    assert ran == [(Path("/ref"), "v"), (Path("/ref"), "w"), (Path("/tree"), "v"), (Path("/tree"), "w")]
    assert all("--keep-caches" in call["command"] for call in fake.calls)
    assert all(call["env"][SIDE_VARIABLE] in ("base", "new") for call in fake.calls)


def test_a_ref_without_kept_caches_is_set_up_without_them(tmp_path: Path) -> None:
    fake = FakeHarness(keeps_caches=False)
    Setup(SIDES[:1], ["w"], [], tmp_path, runner=fake, log=lambda _: None).run()
    assert "--keep-caches" not in fake.calls[0]["command"]


def test_a_workload_the_ref_does_not_know_is_skipped(tmp_path: Path) -> None:
    setup = Setup(SIDES[:1], ["w"], [], tmp_path, runner=FakeHarness(returncode=2, write=False), log=lambda _: None)
    with pytest.raises(CheckError, match="none of the selected workloads"):
        setup.run()
    assert len(setup.skipped) == 1 and "unknown workload" in setup.skipped[0]


def test_a_crashing_side_stops_the_check(tmp_path: Path) -> None:
    setup = Setup(SIDES, ["w"], [], tmp_path, runner=FakeHarness(returncode=3), log=lambda _: None)
    with pytest.raises(CheckError, match="exited with 3"):
        setup.run()


def test_targets_are_the_entries_ok_on_both_sides() -> None:
    base = Run(metadata={}, entries=[ok_entry(backend="numba"), ok_entry(backend="numpy")])
    new = Run(metadata={}, entries=[ok_entry(backend="numba", call=0.3), ok_entry(backend="numpy", status="failed")])
    targets = targets_of({"base": base, "new": new})
    assert [t.first.backend for t in targets] == ["numba"]
    assert targets[0].loops == 128  # the base side's 1 ms call: 0.1 s values
    assert targets[0].slug == "w-numba-n1"


class FakeWorker:
    """Stands in for a pyperf worker: writes a pyperf file with values from ``time(side, count)``."""

    def __init__(self, time: Callable[[str, int], float], fail_on: str | None = None) -> None:
        self.time, self.fail_on = time, fail_on
        self.sides: list[str] = []

    def __call__(self, command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        side = options["env"][SIDE_VARIABLE]
        self.sides.append(side)
        if side == self.fail_on:
            return subprocess.CompletedProcess(command, 1, "", "Traceback: boom")
        assert options["env"]["NUMBA_CACHE_DIR"].endswith("kept") and "--worker" in command
        timer = {"cpu": "process_time", "wall": "perf_counter"}[options["env"]["HARNESS_TIMER"]]
        value = self.time(side, len(self.sides))
        metadata = {"name": "w.numba", "loops": 128, "harness_timer": timer}
        run = pyperf.Run([value] * 3, metadata=metadata, collect_metadata=False)
        pyperf.Benchmark([run]).dump(command[command.index("--output") + 1])
        return subprocess.CompletedProcess(command, 0, "", "")


def target(call: float = 1e-3) -> Target:
    entry = ok_entry(call=call)
    entry.info["kept_numba_cache"] = "/caches/kept"
    return Target({"base": entry, "new": entry}, loops=128)


def sampler(tmp_path: Path, worker: FakeWorker, **options: Any) -> Sampler:
    return Sampler(SIDES, tmp_path, runner=worker, log=lambda _: None, **options)


def test_sample_processes_alternate_the_sides(tmp_path: Path) -> None:
    worker = FakeWorker(lambda side, count: 1e-3 * (1 + count % 7 / 100))
    timed = sampler(tmp_path, worker, pairs=2, min_rounds=2, max_rounds=2)
    rounds = timed.sample(target())
    assert worker.sides == ["base", "new", "new", "base", "base", "new", "new", "base"]
    assert len(rounds) == 2 and all(len(r["base"]) == 2 and len(r["new"]) == 2 for r in rounds)
    assert timed.timers == {"base": "process_time", "new": "process_time"}  # numba runs on one thread


@pytest.mark.parametrize(
    ("backend", "timer", "expected"),
    [("numba", "auto", "process_time"), ("numba_parallel", "auto", "perf_counter"), ("numba", "wall", "perf_counter")],
)
def test_one_thread_kernels_are_timed_in_cpu_time(tmp_path: Path, backend: str, timer: str, expected: str) -> None:
    one = target()
    entries = {label: dataclasses.replace(entry, backend=backend) for label, entry in one.entries.items()}
    timed = sampler(tmp_path, FakeWorker(lambda side, count: 1e-3), pairs=1, min_rounds=1, max_rounds=1, timer=timer)
    timed.sample(Target(entries, one.loops))
    assert timed.timers["new"] == expected


def test_a_clear_regression_stops_sampling_at_the_least_rounds(tmp_path: Path) -> None:
    worker = FakeWorker(lambda side, count: (1.2e-3 if side == "new" else 1e-3) * (1 + count % 5 / 1000))
    rounds = sampler(tmp_path, worker, pairs=4, min_rounds=2, max_rounds=6).sample(target())
    assert len(rounds) == 2


def test_an_unclear_entry_gets_the_most_rounds(tmp_path: Path) -> None:
    # noise of +-10% around the same time on both sides: neither significant nor clearly small
    worker = FakeWorker(lambda side, count: 1e-3 * (1 + (count * 37 % 21 - 10) / 100))
    rounds = sampler(tmp_path, worker, pairs=3, min_rounds=2, max_rounds=5).sample(target())
    assert len(rounds) == 5


def test_a_failing_sample_names_its_side(tmp_path: Path) -> None:
    with pytest.raises(SampleFailure, match="boom") as failure:
        sampler(tmp_path, FakeWorker(lambda side, count: 1e-3, fail_on="new")).sample(target())
    assert failure.value.side == "new"


def test_rounds_are_written_so_that_compare_pairs_them(tmp_path: Path) -> None:
    setups = {
        "base": Run(metadata={"machine": "m"}, entries=[ok_entry(), ok_entry(backend="numpy", status="failed")]),
        "new": Run(metadata={"machine": "m"}, entries=[ok_entry(), ok_entry(backend="numpy")]),
    }
    writer = RoundWriter(tmp_path, setups, values=3, warmups=1)
    sampled = [
        {"base": [1.00e-3, 1.01e-3, 0.99e-3], "new": [1.10e-3, 1.12e-3, 1.11e-3]},
        {"base": [1.02e-3, 1.00e-3, 1.01e-3], "new": [1.13e-3, 1.11e-3, 1.12e-3]},
    ]
    one = target()
    writer.add(one, sampled, {"base": "process_time", "new": "process_time"})
    files = writer.write({one.first.key})
    assert [p.name for p in files["new"]] == ["round-01.json", "round-02.json"]
    comparison = compare(load_side("base", files["base"]), load_side("new", files["new"]), Thresholds())
    verdicts = {e.label: (e.status, e.statistics.strata if e.statistics else None) for e in comparison.entries}
    assert verdicts == {"w[n=1] numba": ("regressed", 2), "w[n=1] numpy": ("not comparable", None)}
    latest = load(tmp_path / "new-latest.json")
    pooled = latest.find(one.first.key)
    assert pooled is not None and pooled.evaluation is not None and pooled.evaluation.processes == 6
    assert pooled.evaluation.timer == "process_time"


def test_a_failed_sample_is_recorded_on_its_side(tmp_path: Path) -> None:
    setups = {"base": Run(metadata={"machine": "m"}, entries=[ok_entry()]), "new": Run(metadata={"machine": "m"})}
    writer = RoundWriter(tmp_path, setups, values=3, warmups=1)
    writer.add_failure(target(), "new", "new sample r01-p1 exited with 1")
    files = writer.write({target().first.key})
    (entry,) = load(files["new"][0]).entries
    assert entry.status == "failed" and "exited with 1" in entry.reason


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


def test_a_real_worker_of_a_side_gives_one_sample(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    entry = Entry(
        workload="planted",
        backend="python",
        params={"n": 400, "steps": 5},
        evaluation=Evaluation(seconds=Stats.of([1e-4]), processes=1, values_per_process=1, warmups=0, loops=1),
    )
    real = Sampler(
        [SideTree("new", root)],
        tmp_path,
        workload_dirs=[root / "tests" / "compare_workloads"],
        pairs=1,
        min_rounds=1,
        max_rounds=1,
        log=lambda _: None,
    )
    (one_round,) = real.sample(Target({"new": entry}, loops=2))
    (mean,) = one_round["new"]
    assert 0 < mean < 1.0
    assert (tmp_path / "new" / "samples" / "planted-python-n400-steps5" / "r01-p1.json").exists()
