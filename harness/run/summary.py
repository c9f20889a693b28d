"""The children's findings summed up into an entry's parts: the construction steps' medians,
the plain loops, the evaluation read from pyperf's file, what the workers saw of Numba
compiling, and the reason a failed check gives.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from harness.core.entry_parts import Check
from harness.core.timings import CompileReport, Construction, Evaluation, PlainLoop, Stats
from harness.run.findings import ConstructionFindings, WorkerLog, WorkFindings
from harness.run.planning import EvaluationPlan


def summarise_construction(
    cold: Sequence[ConstructionFindings], cached: Sequence[ConstructionFindings]
) -> Construction:
    """Median per step over the cold runs; the total is the sum of the top-level steps."""

    def total(findings: ConstructionFindings) -> float:
        return sum(v for k, v in findings["steps"].items() if "." not in k)

    step_names = list(dict.fromkeys(name for f in cold for name in f["steps"]))
    steps = {
        name: statistics.median(f["steps"].get(name, 0.0) for f in cold) for name in step_names
    }
    compiles = [seconds for f in cold if (seconds := f.get("jit_compile_seconds")) is not None]
    return Construction(
        seconds=Stats.of(total(f) for f in cold),
        steps=steps,
        runs=len(cold),
        jit_compile=Stats.of(compiles) if compiles else None,
        cache_load=Stats.of(total(f) for f in cached) if cached else None,
        cache_load_steps=(
            {name: statistics.median(f["steps"].get(name, 0.0) for f in cached) for name in step_names}
            if cached
            else {}
        ),
    )


def add_plain_loops(
    evaluation: Evaluation, cold: Sequence[ConstructionFindings], cached: Sequence[ConstructionFindings]
) -> None:
    """The plain loops of the processes that ran what pyperf's workers run: the cache-load
    runs for a JIT backend (its check run's, of freshly compiled code, kept apart), else
    every cold run. ``cold`` is empty where another entry compiled the code (the check run
    loaded it, and is among ``cached``)."""
    same_code = cached or cold
    evaluation.plain_loop = PlainLoop.pooled([dict(loop) for f in same_code if (loop := f.get("plain_loop"))])
    if cached and cold and (fresh := cold[0].get("plain_loop")):
        evaluation.fresh_plain_loop = PlainLoop.pooled([dict(fresh)])


def read_compile_watch(path: Path) -> CompileReport | None:
    """Sum up what the evaluation workers saw of Numba compiling (``harness.run.evaluate``)."""
    if not path.exists():
        return None
    logs = WorkerLog.read_lines(path)
    if not logs:
        return None
    compiling = [log for log in logs if log.build_compiles or log.first_call_compiles]
    seconds = [log.build_compile_seconds + log.first_call_compile_seconds for log in compiling]
    return CompileReport(
        processes=len(logs),
        processes_compiling=len(compiling),
        compile_seconds=round(statistics.median(seconds), 6) if seconds else 0.0,
        discarded_values=sum(len(log.discarded_values) for log in logs),
        compiled_values_kept=sum(log.compiled_values_kept for log in logs),
        first_call_seconds=Stats.of(log.first_call_seconds for log in logs),
    )


def process_means(path: Path) -> list[float]:
    """The mean seconds per call of each worker process in pyperf's file, in run order."""
    import pyperf  # as in read_pyperf

    runs = pyperf.Benchmark.load(str(path)).get_runs()
    return [statistics.fmean(run.values) for run in runs if run.values]


def read_pyperf(path: Path, plan: EvaluationPlan, work: WorkFindings | None) -> Evaluation:
    """Turn pyperf's JSON into an Evaluation (seconds per call, every value kept)."""
    import pyperf  # not at module level: the CLI imports this module, and most commands never read pyperf's files

    benchmark = pyperf.Benchmark.load(str(path))
    values = list(benchmark.get_values())
    seconds = Stats.of(values)
    metadata = benchmark.get_metadata()
    rate = None
    if work and seconds.median > 0:
        rate = {"value": work["amount"] / seconds.median, "unit": f"{work['unit']}/s", "work": work}
    return Evaluation(
        seconds=seconds,
        processes=benchmark.get_nrun(),
        values_per_process=plan.values,
        warmups=plan.warmups,
        loops=int(metadata.get("loops", plan.loops or 1)),
        timer=str(metadata.get("harness_timer", "perf_counter")),
        pyperf_file=f"{path.parent.name}/{path.name}",
        rate=rate,
    )


def numba_cache_note(cached: Sequence[ConstructionFindings], evaluation: Evaluation) -> str:
    compiles = evaluation.compiles
    if any(f.get("jit_compile_seconds") for f in cached) or (compiles and compiles.processes_compiling):
        return "run-private; not reused: the kernel recompiled in later processes (see warnings)"
    return "run-private, warm for evaluation (no compile seen in the cache-load run or the workers)"


STRUCTURAL_FAILURES = {"none": "no result", "parts": "wrong parts", "shape": "wrong shape", "dtype": "wrong dtype"}


def wrong_result_reason(check: Check) -> str:
    """The entry's reason for a failed check: what was wrong with the structure, the outside
    figures it missed, or by how much the values differ from the reference backend's."""
    if check.failed_on in STRUCTURAL_FAILURES:
        return f"{STRUCTURAL_FAILURES[check.failed_on]}: {check.message}"
    missed = "; ".join(o.describe() for o in check.outside if not o.passed)
    if check.failed_on == "outside":
        return missed
    nonfinite = (
        f" ({check.nonfinite_mismatches} of them NaN or inf not matched by position)"
        if check.nonfinite_mismatches
        else ""
    )
    differs = (
        f"result differs from the reference: {check.mismatches} of {check.size} elements out of "
        f"tolerance{nonfinite}, max abs diff {check.max_abs_diff:.3g}, max rel diff {check.max_rel_diff:.3g}"
        + (f" ({check.message})" if check.message else "")
    )
    return f"{missed}; {differs}" if missed else differs
