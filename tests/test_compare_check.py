"""The A/B machinery (groups, worker processes, set-up, rounds, side trees) and callgrind helpers.

Worker processes are replaced by a fake runner that writes the JSON lines a worker
would, with chosen values, so nothing is timed; one test runs the real worker on the
test-only ``toy`` workload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.cli import instructions as instructions_cli
from harness.core.registry import discover
from harness.core.results import Entry, load
from harness.regress import check_worker, instructions
from harness.regress.ab import (
    SIDE_VARIABLE,
    CheckError,
    SideTree,
    alias_beside,
    build_in_place,
    cython_sources,
    ref_worktree,
    verify_imports,
)
from harness.regress.compare import compare_sides
from harness.regress.rounds import RoundWriter
from harness.regress.sampling import Sampler
from harness.regress.set_up import setup_entry
from harness.regress.sides import load_side
from harness.regress.targets import Group, Target, targets_for
from harness.regress.verdicts import Thresholds
from harness.regress.workers import Workers, read_findings
from harness.run.child import ChildOutcome, run_command
from harness.run.entries import EntryPlan

SIDES = [SideTree("base", Path("/ref")), SideTree("new", Path("/tree"))]
FIXTURES = Path(__file__).parent / "fixtures" / "workloads"


def plans(*backends: str, threads: int | None = 2) -> list[EntryPlan]:
    toy = discover([FIXTURES])["toy"]
    return [EntryPlan(toy, b, {"n": 100}, threads if b == "numba_parallel" else None) for b in backends]


def test_one_thread_kernels_share_a_cpu_timed_concurrent_group() -> None:
    targets = targets_for(plans("python", "numpy", "numba", "numba_parallel"))
    assert [(t.plan.backend, t.group.name, t.group.concurrent, t.timer) for t in targets] == [
        ("python", "serial", True, "cpu"),
        ("numpy", "threads-2", False, "wall"),
        ("numba", "serial", True, "cpu"),
        ("numba_parallel", "threads-2", False, "wall"),
    ]
    assert targets[1].group.threads == 2  # numpy joins the thread group: NUMBA_NUM_THREADS does not touch it


@pytest.mark.parametrize(("timer", "expected"), [("wall", ["wall", "wall"]), ("cpu", ["cpu", "cpu"])])
def test_a_chosen_timer_applies_to_every_kernel(timer: str, expected: list[str]) -> None:
    targets = targets_for(plans("numba", "numpy"), timer)
    assert [t.timer for t in targets] == expected
    assert not any(t.group.concurrent for t in targets) if timer == "wall" else targets[0].group.concurrent


Behaviour = Callable[[str, dict[str, Any], Path], int]


class FakeRunner:
    """Stands in for ``subprocess.run`` of a worker: ``behave`` writes its JSON lines."""

    def __init__(self, behave: Behaviour) -> None:
        self.behave = behave
        self.calls: list[dict[str, Any]] = []

    def __call__(self, command: list[str], **options: Any) -> ChildOutcome:
        mode, spec_path = command[-2], Path(command[-1])
        spec = json.loads(spec_path.read_text())
        self.calls.append({"mode": mode, "spec": spec, **options})
        assert options["progress"] == Path(spec["output"])
        code = self.behave(options["env"][SIDE_VARIABLE], spec, Path(spec["output"]))
        if code == -9:  # stands for a hang: killed by the watchdog
            return ChildOutcome(None, "")
        return ChildOutcome(code, "Segmentation fault" if code else "")


def write_lines(path: Path, *events: dict[str, Any]) -> None:
    with path.open("a") as output:
        for event in events:
            output.write(json.dumps(event) + "\n")


def all_ok(value: Callable[[str, int], float]) -> Behaviour:
    """Every entry ok; entry i's values on ``side`` come from ``value(side, i)``."""
    count = {"n": 0}

    def behave(side: str, spec: dict[str, Any], output: Path) -> int:
        count["n"] += 1
        for index, entry in enumerate(spec["entries"]):
            v = value(side, count["n"])
            loops = entry.get("loops") or 64
            done = {"done": index, "status": "ok", "values": [v, v * 1.01], "loops": loops, "timer": "process_time"}
            write_lines(output, {"start": index}, done)
        return 0

    return behave


def workers(tmp_path: Path, behave: Behaviour) -> tuple[Workers, FakeRunner]:
    fake = FakeRunner(behave)
    return Workers(tmp_path, runner=fake, timeout=5.0), fake


def test_a_crash_fails_the_entry_it_was_in_and_a_new_process_takes_the_rest(tmp_path: Path) -> None:
    def crash_in_second(side: str, spec: dict[str, Any], output: Path) -> int:
        names = [e["backend"] for e in spec["entries"]]
        for index, name in enumerate(names):
            write_lines(output, {"start": index})
            if name == "numba":
                return -11
            write_lines(output, {"done": index, "status": "ok", "values": [1.0], "loops": 1, "timer": "t"})
        return 0

    pool, fake = workers(tmp_path, crash_in_second)
    entries = [{"backend": b} for b in ("python", "numba", "cython")]
    found = pool.run(SIDES[1], Group("serial", True), "sample", entries)
    assert [f["status"] for f in found] == ["ok", "failed", "ok"]
    assert "died with signal SIGSEGV: Segmentation fault" in found[1]["reason"]
    assert [[e["backend"] for e in call["spec"]["entries"]] for call in fake.calls] == [
        ["python", "numba", "cython"],
        ["cython"],
    ]


def test_a_hung_entry_is_a_timeout(tmp_path: Path) -> None:
    def hang(side: str, spec: dict[str, Any], output: Path) -> int:
        write_lines(output, {"start": 0})
        return -9

    pool, _ = workers(tmp_path, hang)
    (found,) = pool.run(SIDES[1], Group("serial", True), "setup", [{"backend": "python"}])
    assert found["status"] == "timeout" and "no progress for 5 s" in found["reason"]


def test_a_process_that_cannot_start_stops_the_check(tmp_path: Path) -> None:
    pool, _ = workers(tmp_path, lambda side, spec, output: 1)
    with pytest.raises(CheckError, match="new: the setup process"):
        pool.run(SIDES[1], Group("serial", True), "setup", [{"backend": "python"}])


def test_worker_environment_has_the_group_threads_cache_and_side(tmp_path: Path) -> None:
    pool, fake = workers(tmp_path, all_ok(lambda side, n: 1e-3))
    pool.run(SIDES[0], Group("threads-2", False, threads=2), "sample", [{"backend": "numpy"}])
    (call,) = fake.calls
    env = call["env"]
    assert env["NUMBA_NUM_THREADS"] == "2" and env[SIDE_VARIABLE] == "base"
    assert env["NUMBA_CACHE_DIR"] == str(tmp_path / "numba-cache" / "base" / "threads-2")
    assert call["cwd"] == Path("/ref")


def test_the_watchdog_spares_a_child_that_makes_progress_and_kills_one_that_hangs(tmp_path: Path) -> None:
    progress = tmp_path / "progress"
    steady = f"import time\nfor _ in range(6):\n    open({str(progress)!r}, 'a').write('.')\n    time.sleep(0.5)\n"
    log = tmp_path / "steady.log"
    done = run_command([sys.executable, "-c", steady], env=os.environ, timeout=2.0, log_path=log, progress=progress)
    assert done.returncode == 0  # 3 s in all, but never 2 s without progress
    hung = run_command(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        env=os.environ,
        timeout=2.0,
        log_path=tmp_path / "hung.log",
        progress=tmp_path / "never",
    )
    assert hung.timed_out


def test_a_truncated_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text('{"start": 0}\n{"done": 0, "status": "ok"}\n{"start": 1}\n{"done": 1, "sta')
    started, finished = read_findings(path)
    assert started == [0, 1] and list(finished) == [0]


def test_setup_findings_become_entries() -> None:
    python, numba = plans("python", "numba")
    check = {"passed": True, "comparison": {}, "mismatches": 0, "size": 1, "max_abs_diff": 0.0, "max_rel_diff": 0.0}
    steps = {"inputs": 0.1, "import": 0.2, "prepare": 0.3, "first_call": 0.4}
    ok = setup_entry(python, {"status": "ok", "check": check, "steps": steps, "estimate_seconds": 1e-3})
    assert ok.status == "ok" and ok.evaluation is None and ok.construction is not None
    assert ok.construction.seconds.median == pytest.approx(1.0) and ok.info["estimate_seconds"] == 1e-3
    wrong = setup_entry(numba, {"status": "ok", "check": {**check, "passed": False, "mismatches": 1}, "steps": steps})
    assert wrong.status == "wrong_result" and "1 of 1 elements" in wrong.reason
    assert setup_entry(numba, {"status": "unavailable", "reason": "no GPU"}).status == "unavailable"
    assert setup_entry(numba, {"status": "failed", "reason": "Traceback"}).reason == "Traceback"


def setups_for(targets: list[Target], **status: str) -> dict[str, list[Entry]]:
    return {
        side.label: [t.plan.entry(status=status.get(f"{side.label}-{t.plan.backend}", "ok")) for t in targets]
        for side in SIDES
    }


def run_sampler(
    tmp_path: Path, behave: Behaviour, targets: list[Target], setups: dict[str, list[Entry]], **options: Any
) -> tuple[Sampler, FakeRunner, RoundWriter]:
    pool, fake = workers(tmp_path, behave)
    sampler = Sampler(SIDES, pool, log=lambda _: None, **options)
    metadata = {side.label: {"machine": "m"} for side in SIDES}
    writer = RoundWriter(tmp_path, metadata, setups, values=2, warmups=1)
    sampler.sample(targets, writer, setups)
    return sampler, fake, writer


def test_alone_groups_alternate_the_sides_and_serial_pairs_run_both(tmp_path: Path) -> None:
    targets = targets_for(plans("numpy", "python"))
    _, fake, _ = run_sampler(
        tmp_path, all_ok(lambda side, n: 1e-3), targets, setups_for(targets), pairs=2, min_rounds=1, max_rounds=1
    )
    alone = [call["env"][SIDE_VARIABLE] for call in fake.calls if call["spec"]["entries"][0]["backend"] == "numpy"]
    assert alone == ["base", "new", "new", "base"]
    serial = [call for call in fake.calls if call["spec"]["entries"][0]["backend"] == "python"]
    assert sorted(call["env"][SIDE_VARIABLE] for call in serial) == ["base", "base", "new", "new"]


def test_loops_are_fixed_by_the_first_process_that_calibrates(tmp_path: Path) -> None:
    targets = targets_for(plans("numpy"))
    _, fake, writer = run_sampler(
        tmp_path, all_ok(lambda side, n: 1e-3), targets, setups_for(targets), pairs=2, min_rounds=1, max_rounds=1
    )
    assert [call["spec"]["entries"][0]["loops"] for call in fake.calls] == [0, 64, 64, 64]
    assert writer.loops[targets[0].key] == 64


def test_a_clear_regression_stops_once_it_passes_the_family_bar(tmp_path: Path) -> None:
    targets = targets_for(plans("python"))
    slower = all_ok(lambda side, n: (1.2e-3 if side == "new" else 1e-3) * (1 + n % 5 / 1000))
    _, _, writer = run_sampler(tmp_path, slower, targets, setups_for(targets), pairs=4, min_rounds=2, max_rounds=6)
    assert len(writer.rounds) == 2  # 8 vs 8 processes, all slower: p far below alpha / 1


def test_an_unclear_entry_gets_the_most_rounds(tmp_path: Path) -> None:
    # noise of +-10% around the same time on both sides: neither significant nor clearly small
    noisy = all_ok(lambda side, n: 1e-3 * (1 + (n * 37 % 21 - 10) / 100))
    targets = targets_for(plans("python"))
    _, _, writer = run_sampler(tmp_path, noisy, targets, setups_for(targets), pairs=3, min_rounds=2, max_rounds=5)
    assert len(writer.rounds) == 5


def test_entries_not_ok_on_a_side_are_not_sampled(tmp_path: Path) -> None:
    targets = targets_for(plans("python", "numba"))
    setups = setups_for(targets, **{"base-numba": "wrong_result"})
    _, fake, _ = run_sampler(
        tmp_path, all_ok(lambda side, n: 1e-3), targets, setups, pairs=1, min_rounds=1, max_rounds=1
    )
    assert {e["backend"] for call in fake.calls for e in call["spec"]["entries"]} == {"python"}


def test_rounds_are_written_so_that_compare_pairs_them(tmp_path: Path) -> None:
    targets = targets_for(plans("python", "numba"))
    setups = setups_for(targets, **{"base-numba": "failed"})
    slower = all_ok(lambda side, n: (1.1e-3 if side == "new" else 1e-3) * (1 + n % 3 / 1000))
    _, _, writer = run_sampler(tmp_path, slower, targets, setups, pairs=3, min_rounds=2, max_rounds=2)
    files = writer.write()
    assert [p.name for p in files["new"]] == ["round-01.json", "round-02.json"]
    comparison = compare_sides(load_side("base", files["base"]), load_side("new", files["new"]), Thresholds())
    verdicts = {e.label: (e.status, e.statistics.strata if e.statistics else None) for e in comparison.entries}
    assert verdicts == {"toy[n=100] python": ("regressed", 2), "toy[n=100] numba": ("not comparable", None)}
    pooled = load(tmp_path / "new-latest.json").find(targets[0].key)
    assert pooled is not None and pooled.evaluation is not None
    assert pooled.evaluation.processes == 6 and pooled.evaluation.values_per_process == 1
    assert pooled.evaluation.timer == "process_time"
    assert pooled.evaluation.seconds.values[0] == pytest.approx(1.1e-3, rel=0.003)  # the minimum, not the mean


def test_a_failed_sample_is_recorded_on_its_side_and_sampling_stops(tmp_path: Path) -> None:
    def fail_new(side: str, spec: dict[str, Any], output: Path) -> int:
        if side == "new":
            write_lines(output, {"start": 0}, {"done": 0, "status": "failed", "reason": "Traceback: boom"})
            return 0
        return all_ok(lambda s, n: 1e-3)(side, spec, output)

    targets = targets_for(plans("numpy"))
    _, fake, writer = run_sampler(tmp_path, fail_new, targets, setups_for(targets), pairs=2, max_rounds=3)
    assert len(fake.calls) == 4  # one round only
    files = writer.write()
    (entry,) = load(files["new"][0]).entries
    assert entry.status == "failed" and "boom" in entry.reason
    assert load(tmp_path / "new-latest.json").entries[0].status == "failed"


def test_the_real_worker_sets_up_and_samples_a_side(tmp_path: Path, fixture_workloads: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    side = SideTree("new", root)
    targets = targets_for(plans("python", "numpy", "numba", "cython"))
    sampler = Sampler([side], Workers(tmp_path, workload_dirs=[fixture_workloads]), log=lambda _: None, values=3)
    setups = sampler.setup(targets)
    statuses = [(e.backend, e.status) for e in setups["new"]]
    # toy's cython backend is a .pyx in a user's folder, compiled on first use
    assert statuses == [("python", "ok"), ("numpy", "ok"), ("numba", "wrong_result"), ("cython", "ok")]
    sampler.max_rounds = sampler.min_rounds = sampler.pairs = 1
    writer = RoundWriter(tmp_path, {"new": {"machine": "m"}}, setups, values=3, warmups=1)
    sampler.sample(targets, writer, setups)
    samples = writer.rounds[0]
    assert set(samples) == {targets[0].key, targets[1].key, targets[3].key}
    assert all(0 < s < 0.1 for found in samples.values() for s in found["new"])


def test_the_worker_takes_values_round_robin(tmp_path: Path) -> None:
    order: list[int] = []

    class Fake(check_worker.Timed):
        def value(self) -> float:
            order.append(self.index)
            return 1e-3 * (self.index + 1)

    items = [Fake(i, "process_time", lambda loops: 0.0, 1) for i in range(2)]
    original = check_worker.prepare_entry
    check_worker.prepare_entry = lambda index, entry, spec: items[index]  # type: ignore[assignment]
    try:
        output = tmp_path / "out.jsonl"
        with output.open("w") as stream:
            check_worker.sample({"entries": [{}, {}], "warmups": 1, "values": 2}, stream)
    finally:
        check_worker.prepare_entry = original
    assert order == [0, 1, 0, 1, 0, 1]
    _, finished = read_findings(output)
    assert finished[1]["values"] == [2e-3, 2e-3] and finished[0]["loops"] == 1


def test_values_during_which_numba_compiled_are_discarded(tmp_path: Path) -> None:
    import numba

    class Compiling(check_worker.Timed):
        calls = 0

        def value(self) -> float:
            self.calls += 1
            if self.index == 1 or self.calls == 1:  # entry 1 compiles every time, entry 0 once
                numba.njit(lambda x: x + 1.0)(1.0)
            return 1e-3

    items = [Compiling(i, "process_time", lambda loops: 0.0, 1) for i in range(2)]
    original = check_worker.prepare_entry
    check_worker.prepare_entry = lambda index, entry, spec: items[index]  # type: ignore[assignment]
    try:
        output = tmp_path / "out.jsonl"
        with output.open("w") as stream:
            check_worker.sample({"entries": [{}, {}], "warmups": 0, "values": 3}, stream)
    finally:
        check_worker.prepare_entry = original
    _, finished = read_findings(output)
    assert (finished[0]["status"], finished[0]["compiled_values"], finished[0]["values"]) == ("ok", 1, [1e-3, 1e-3])
    assert finished[1]["status"] == "failed" and finished[1]["compiled_values"] == 3
    assert "compiles on every call" in finished[1]["reason"]


def test_a_workload_or_backend_the_side_lacks_is_unavailable_there(tmp_path: Path, fixture_workloads: Path) -> None:
    spec = {"reference_dir": str(tmp_path)}
    missing = check_worker.setup_entry({"workload": "nosuch", "backend": "python", "params": {}}, spec)
    assert missing == {"status": "unavailable", "reason": "this side's tree has no workload 'nosuch'"}
    no_backend = check_worker.setup_entry({"workload": "toy", "backend": "cuda", "params": {"n": 3}}, spec)
    assert no_backend["status"] == "unavailable" and "no cuda backend" in no_backend["reason"]


def test_the_cpu_clock_leaves_out_waiting() -> None:
    import time

    time_loops = check_worker.timed_loops(lambda: time.sleep(0.02), time.process_time)
    assert time_loops(2) < 0.02  # two 20 ms sleeps use almost no CPU time


def test_calibration_doubles_until_a_value_is_long_enough() -> None:
    assert check_worker.calibrate(lambda loops: loops * 1e-4, 0.005) == 64
    assert check_worker.calibrate(lambda loops: 1.0, 0.005) == 1


def make_built_tree(root: Path, source: str) -> Path:
    (root / "workloads" / "w").mkdir(parents=True)
    (root / "setup.py").write_text("setup()\n")
    (root / "workloads" / "w" / "impl.pyx").write_text(source)
    return root


def test_a_ref_with_the_same_cython_sources_reuses_the_built_extensions(tmp_path: Path) -> None:
    built = make_built_tree(tmp_path / "tree", "def f(): pass\n")
    (built / "workloads" / "w" / "impl.c").write_text("/* c */")
    (built / "workloads" / "w" / "impl.cpython-311-x86_64-linux-gnu.so").write_bytes(b"ELF")
    same = make_built_tree(tmp_path / "same", "def f(): pass\n")
    other = make_built_tree(tmp_path / "other", "def f(): return 1\n")
    assert cython_sources(same) == cython_sources(built) != cython_sources(other)
    for tree in (same, other):
        (tree / "setup.py").write_text("import sys; sys.exit(0)\n")  # the build itself does nothing here
    (built / "setup.py").write_text("import sys; sys.exit(0)\n")
    build_in_place(same, reuse_from=built)
    build_in_place(other, reuse_from=built)
    assert (same / "workloads" / "w" / "impl.cpython-311-x86_64-linux-gnu.so").read_bytes() == b"ELF"
    assert not (other / "workloads" / "w" / "impl.c").exists()


def test_side_environment_puts_its_tree_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = SideTree("base", Path("/ref")).environment()
    assert env["PYTHONPATH"].split(os.pathsep) == ["/ref", "/elsewhere"]
    assert env[SIDE_VARIABLE] == "base"


def test_the_sides_strings_have_the_same_lengths(tmp_path: Path) -> None:
    base, new = SideTree("base", Path("/ref")), SideTree("new", Path("/now"))
    sizes = [sum(len(k) + len(v) for k, v in side.environment({}).items()) for side in (base, new)]
    assert sizes[0] == sizes[1] and (base.padded, new.padded) == ("base", "new_")
    worktree = tmp_path / "harness-ref-x" / "ref"
    worktree.mkdir(parents=True)
    alias = alias_beside(tmp_path, worktree)
    assert len(str(alias)) == len(str(worktree)) and alias.resolve() == tmp_path.resolve()


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
    message = r"--against 'no-such-ref' names no commit in .*: give a branch, tag or commit"
    with pytest.raises(CheckError, match=message), ref_worktree(tmp_path, "no-such-ref"):
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
        instructions_cli.parse_calls(text)


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
    run = instructions_cli.measure(instructions_cli.build_parser().parse_args(argv), argv)
    assert [(e.status, "valgrind" in e.reason) for e in run.entries] == [("unavailable", True)]
    assert load(output).entries[0].status == "unavailable"


def test_fast_kernels_get_more_counted_calls() -> None:
    assert instructions.calls_for((1, 11), 0.1) == (1, 11)
    assert instructions.calls_for((1, 11), 0.001) == (1, 1001)
    assert instructions.calls_for((1, 11), 1e-9) == (1, 1 + instructions.MAX_COUNTED_CALLS)
