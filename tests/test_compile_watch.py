"""Numba compiles seen in timed processes: counted, discarded from values, and warned about."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from harness.core.timings import CompileReport, Evaluation, PlainLoop, Stats
from harness.core.workload import Kernel
from harness.run.compile_watch import CompileWatch, compile_seconds, outermost_compiles
from harness.run.entries import EntryPlan
from harness.run.entry_warnings import measurement_warnings, plain_loop_agrees
from harness.run.evaluate import RETAKES, first_call, guarded_timer
from harness.run.findings import WorkerLog
from harness.run.summary import read_compile_watch


class FakeWatch(CompileWatch):
    """A watch whose compiles are planted: ``compiling`` says whether the next timing compiles."""

    def __init__(self, compiling: list[bool]) -> None:
        super().__init__()
        self.compiling = compiling

    def plant(self) -> None:
        if self.compiling and self.compiling.pop(0):
            self.events += [(0.0, "START"), (0.5, "END")]


def timer_with(watch: FakeWatch, seconds: list[float]):
    def time_loops(loops: int) -> float:
        watch.plant()
        return seconds.pop(0) * loops

    return time_loops


def test_outermost_compiles_count_a_kernel_and_its_helpers_once():
    events = [(0.0, "START"), (0.1, "START"), (0.2, "END"), (0.3, "END"), (1.0, "START"), (1.5, "END")]
    assert outermost_compiles(events) == 2
    assert compile_seconds(events) == pytest.approx(0.8)
    assert compile_seconds([]) is None


def test_a_value_that_compiled_is_discarded_and_taken_again():
    watch, log = FakeWatch([True, False]), WorkerLog()
    timed = guarded_timer(timer_with(watch, [9.0, 1.0]), watch, log)
    assert timed(2) == 2.0
    assert log.discarded_values == [9.0] and log.compiled_values_kept == 0


def test_a_value_that_always_compiles_is_kept_and_counted():
    watch, log = FakeWatch([True] * (RETAKES + 1)), WorkerLog()
    timed = guarded_timer(timer_with(watch, [5.0] * (RETAKES + 1)), watch, log)
    assert timed(1) == 5.0
    assert len(log.discarded_values) == RETAKES and log.compiled_values_kept == 1


def test_the_first_call_is_made_timed_and_its_compiles_counted():
    calls, watch, log = [], FakeWatch([]), WorkerLog()
    ticks = iter([1.0, 1.25])

    def call():
        calls.append(1)
        watch.events += [(0.0, "START"), (0.2, "END")]

    first_call(Kernel(call=call), watch, log, clock=lambda: next(ticks))
    assert calls == [1]
    assert (log.first_call_seconds, log.first_call_compiles, log.first_call_compile_seconds) == (0.25, 1, 0.2)


def test_worker_logs_sum_up_into_a_compile_report(tmp_path):
    path = tmp_path / "watch.jsonl"
    WorkerLog(build_compiles=1, build_compile_seconds=2.0, first_call_seconds=2.5).append_to(path)
    WorkerLog(first_call_seconds=0.5, discarded_values=[0.1, 0.2], compiled_values_kept=1).append_to(path)
    report = read_compile_watch(path)
    assert report == CompileReport(
        processes=2,
        processes_compiling=1,
        compile_seconds=2.0,
        discarded_values=2,
        compiled_values_kept=1,
        first_call_seconds=Stats.of([2.5, 0.5]),
    )
    assert read_compile_watch(tmp_path / "missing.jsonl") is None


def evaluation(median: float, plain: float | None = None, compiles: CompileReport | None = None) -> Evaluation:
    return Evaluation(
        seconds=Stats.of([median]),
        processes=1,
        values_per_process=1,
        warmups=1,
        loops=1,
        plain_loop=PlainLoop(Stats.of([plain]), loops=1) if plain else None,
        compiles=compiles,
    )


def kinds(warnings) -> list[str]:
    return [w.kind for w in warnings]


def test_warnings_name_what_was_seen(fixture_workloads):
    from harness.core.registry import discover

    plan = EntryPlan(discover()["toy"], "python", {"n": 3})
    assert measurement_warnings(plan, [], evaluation(1.0, 1.0)) == []
    assert kinds(measurement_warnings(plan, [{"jit_compile_seconds": 0.4}], evaluation(1.0, 1.0))) == [
        "not_cacheable"
    ]
    compiled = CompileReport(processes=3, processes_compiling=3, compile_seconds=6.5, discarded_values=4)
    warnings = measurement_warnings(plan, [], evaluation(1.0, 1.0, compiled))
    assert kinds(warnings) == ["not_cacheable", "compile_in_evaluation"]
    assert "3 of 3 evaluation processes compiled (median 6.5 s each)" in warnings[0].message
    assert "discarded and taken again" in warnings[1].message
    (disagreement,) = measurement_warnings(plan, [], evaluation(5.3, 1.0))
    assert disagreement.kind == "timing_disagreement" and "5.30x that of plain timeit loops" in disagreement.message


def spread_evaluation(harness_processes: list[list[float]], plain_processes: list[float]) -> Evaluation:
    """An evaluation of len(harness_processes) pyperf processes against plain loops of
    len(plain_processes) processes (one median each)."""
    values = [value for process in harness_processes for value in process]
    return Evaluation(
        seconds=Stats.of(values),
        processes=len(harness_processes),
        values_per_process=len(harness_processes[0]),
        warmups=1,
        loops=1,
        plain_loop=PlainLoop(Stats.of(plain_processes), loops=1),
    )


def test_process_medians_split_the_values_by_process():
    evaluation_ = spread_evaluation([[1.0, 2.0, 3.0], [10.0, 11.0, 12.0]], [1.0])
    assert evaluation_.process_medians == [2.0, 11.0]
    uneven = Evaluation(seconds=Stats.of([1.0, 2.0, 3.0]), processes=2, values_per_process=2, warmups=1, loops=1)
    assert uneven.process_medians == [2.0]  # values that do not split by process: the median alone


def test_processes_of_different_speeds_are_told_apart_from_a_disagreement(fixture_workloads):
    from harness.core.registry import discover

    plan = EntryPlan(discover()["toy"], "python", {"n": 3})
    # The harness's processes ran at 1.0 and 1.0; the plain loop's at 1.5, 1.6 and 1.05:
    # medians 0.65x apart, yet one plain process agrees with the harness's.
    (warning,) = measurement_warnings(plan, [], spread_evaluation([[1.0, 1.0], [1.0, 1.0]], [1.5, 1.6, 1.05]))
    assert warning.kind == "process_variation"
    assert "plain timeit loops (1.5 s, 3 processes: 1.05-1.6 s)" in warning.message
    assert "resting on 2 processes" in warning.message
    # No process of one side near any of the other: a disagreement.
    (warning,) = measurement_warnings(plan, [], spread_evaluation([[1.0, 1.0], [1.1, 1.1]], [1.5, 1.6, 1.7]))
    assert warning.kind == "timing_disagreement" and "no process of one agrees with any" in warning.message
    # One process a side: cannot be told apart, and the message says so and what settles it.
    (warning,) = measurement_warnings(plan, [], spread_evaluation([[1.0, 1.0]], [1.5]))
    assert warning.kind == "timing_disagreement" and "with one process a side" in warning.message
    assert measurement_warnings(plan, [], spread_evaluation([[1.0, 1.0], [1.1, 1.1]], [1.1, 1.0])) == []


def test_plain_loop_agreement_bounds():
    assert plain_loop_agrees("numba", 0.81) and plain_loop_agrees("numba", 1.24)
    assert not plain_loop_agrees("numba", 0.79) and not plain_loop_agrees("numba", 1.26)
    assert plain_loop_agrees("cuda", 0.5)  # events leave launch and sync out of the harness's figure
    assert not plain_loop_agrees("cuda", 1.3)


def test_numba_compiles_are_seen_and_cache_loads_are_not(tmp_path):
    """A real Numba kernel with cache=True: the first process compiles it, the second loads it."""
    module = tmp_path / "cached_kernel.py"
    module.write_text(
        textwrap.dedent(
            """
            from numba import njit

            @njit(cache=True)
            def double(x):
                return x * 2.0
            """
        )
    )
    script = textwrap.dedent(
        """
        import json, sys
        from harness.run.compile_watch import CompileWatch
        watch = CompileWatch()
        watch.start(import_numba=True)
        import cached_kernel
        cached_kernel.double(1.0)
        print(json.dumps(watch.compiles_since()))
        """
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path)}
    counts = [
        json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                  check=True, timeout=120).stdout)
        for _ in range(2)
    ]
    assert counts == [1, 0]


@pytest.mark.slow
def test_kernels_numba_cannot_cache_are_flagged_in_a_run(fixture_workloads, tmp_path):
    output = tmp_path / "closures.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--workload", "closures", "--preset", "quick",
         "--budget", "0.5", "--output", str(output)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries = {e["backend"]: e for e in json.loads(output.read_text())["entries"]}
    assert {e["status"] for e in entries.values()} == {"ok"}
    factory = entries["numba"]  # MiniTorch's tensor_map(fn) closure: compiled again in every process
    kinds = {w["kind"] for w in factory["warnings"]}  # (a busy machine may add a timing warning)
    assert "not_cacheable" in kinds and "compile_in_evaluation" not in kinds
    assert factory["evaluation"]["compiles"]["processes_compiling"] == factory["evaluation"]["processes"]
    per_call = entries["python"]  # a jitted function made inside every call
    assert "compile_in_evaluation" in [w["kind"] for w in per_call["warnings"]]
    assert per_call["evaluation"]["compiles"]["compiled_values_kept"] > 0
    assert not {"not_cacheable", "compile_in_evaluation"} & {w["kind"] for w in entries["numpy"]["warnings"]}
    assert "Numba recompiled where its disk cache should have served" in done.stdout


def test_pyperf_is_held_against_the_processes_that_run_its_code():
    from harness.run.summary import add_plain_loops

    def finding(seconds: float) -> dict:
        return {"plain_loop": {"seconds": Stats.of([seconds, seconds]).to_json(), "loops": 4}}

    compiled, loaded = [finding(1.0)], [finding(2.0), finding(2.2), finding(2.1)]
    jit = evaluation(2.1)
    add_plain_loops(jit, compiled, loaded)  # a JIT: the cache-load runs, the compiling run apart
    assert jit.plain_loop is not None and jit.fresh_plain_loop is not None
    assert (jit.plain_loop.seconds.values, jit.fresh_plain_loop.seconds.values) == ([2.0, 2.2, 2.1], [1.0])
    assert jit.plain_loop_ratio == pytest.approx(1.0) and jit.cache_speed_ratio == pytest.approx(2.1)
    compiled_only = evaluation(1.0)
    add_plain_loops(compiled_only, [finding(1.0), {"steps": {}}, finding(1.1)], [])  # python, cython: every cold run
    assert compiled_only.plain_loop.seconds.values == [1.0, 1.1] and compiled_only.fresh_plain_loop is None


def test_cached_code_slower_than_fresh_code_is_its_own_warning(fixture_workloads):
    from harness.core.registry import discover

    plan = EntryPlan(discover()["toy"], "numba", {"n": 3})
    slow_cache = evaluation(2.0, 2.0)
    slow_cache.fresh_plain_loop = PlainLoop(Stats.of([0.8]), loops=1)
    (warning,) = measurement_warnings(plan, [], slow_cache)
    assert warning.kind == "cache_speed"
    assert warning.message.startswith("Numba's code loaded from its disk cache takes 2.50x the time")
