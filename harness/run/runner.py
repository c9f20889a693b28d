"""Runs entries: check, cold construction, cache load, then pyperf evaluation.

Every step of an entry runs in child processes (see ``harness.run.child``), so a failing,
crashing or hanging backend becomes that entry's status and the run goes on. Each entry
gets a run-private Numba cache directory: cold construction runs start from an empty one,
the cache-load run and every pyperf worker from the warm one, so no compile lands in the
evaluation budget.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.core.backends import implementation_unavailable_reason
from harness.core.entry_parts import Check, EntryWarning, Failure
from harness.core.names import path_component
from harness.core.registry import WORKLOAD_PATH_VARIABLE
from harness.core.results import Entry, entry_key
from harness.core.timings import CompileReport, Construction, Evaluation, PlainLoop, Stats
from harness.core.workload import Workload
from harness.run.child import ChildOutcome, run_python_module
from harness.run.planning import EvaluationPlan, expected_seconds, plan_evaluation

INTERPRETER_STARTUP_SECONDS = 0.3  # python, harness, numpy and pyperf imports
# pyperf's median over a plain timeit loop's outside this range is a warning
PLAIN_LOOP_AGREEMENT = (0.8, 1.25)

# Environment variables pyperf must hand on to its workers (it drops all but a few).
INHERITED_PREFIXES = ("NUMBA_", "CUDA_", "OMP_", "MKL_", "OPENBLAS_", "HARNESS_")


@dataclass(frozen=True)
class Measurement:
    """How hard to measure: cold construction runs, evaluation budget, per-entry time-out,
    and the resident memory (bytes) one step's processes may use together (None: no limit)."""

    construction_runs: int
    evaluation_budget: float
    timeout: float
    memory_limit: int | None = None


PRESET_MEASUREMENT = {
    "quick": Measurement(construction_runs=1, evaluation_budget=1.0, timeout=180.0),
    "default": Measurement(construction_runs=3, evaluation_budget=8.0, timeout=600.0),
}


def measurement_for(preset: str) -> Measurement:
    return PRESET_MEASUREMENT.get(preset, PRESET_MEASUREMENT["default"])


@dataclass(frozen=True)
class EntryPlan:
    """One entry to run: a workload, a backend, one parameter set and a thread count."""

    workload: Workload
    backend: str
    params: dict[str, Any]
    threads: int | None = None

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return entry_key(self.workload.name, self.backend, self.params, self.threads)

    def entry(self, **fields: Any) -> Entry:
        return Entry(
            workload=self.workload.name,
            backend=self.backend,
            params=dict(self.params),
            threads=self.threads,
            **fields,
        )

    @property
    def label(self) -> str:
        return self.entry().label


def plan_entries(
    workloads: Sequence[Workload],
    backends: Sequence[str],
    preset: str,
    thread_counts: Sequence[int],
    overrides: dict[str, Any] | None = None,
) -> list[EntryPlan]:
    """Every (workload, case, backend, threads) the selection asks for, in run order."""
    plans = []
    for workload in workloads:
        cases = [{**case, **(overrides or {})} for case in workload.cases(preset)]
        unique = list({json.dumps(c, sort_keys=True): c for c in cases}.values())  # overrides can merge cases
        for params in unique:
            for backend in workload.backends:
                if backends and backend not in backends:
                    continue
                if backend == "numba_parallel":
                    plans += [EntryPlan(workload, backend, params, t) for t in thread_counts]
                else:
                    plans.append(EntryPlan(workload, backend, params))
    return plans


class Progress(Protocol):
    def step(self, plan: EntryPlan, text: str) -> None: ...


@dataclass
class EntryRunner:
    """Runs one EntryPlan at a time into an Entry, using child processes in ``scratch``."""

    measurement: Measurement
    scratch: Path
    pyperf_dir: Path
    workload_dirs: Sequence[Path] = ()
    progress: Progress | None = None
    clock: Callable[[], float] = time.monotonic
    _counter: int = field(default=0, init=False)

    def run(self, plan: EntryPlan) -> Entry:
        reason = implementation_unavailable_reason(plan.workload, plan.backend)
        if reason:
            return plan.entry(status="unavailable", reason=reason)
        self._counter += 1
        folder = self.scratch / f"entry-{self._counter:04d}"
        started = self.clock()
        attempt = _EntryAttempt(self, plan, folder)
        entry = attempt.run()
        entry.info["measured_in_seconds"] = round(self.clock() - started, 3)  # the harness's own cost
        entry.info["step_seconds"] = {step: round(seconds, 3) for step, seconds in attempt.step_seconds.items()}
        return entry

    def base_environment(self, plan: EntryPlan, cache_dir: Path) -> dict[str, str]:
        return child_environment(plan, cache_dir, self.workload_dirs)


def child_environment(plan: EntryPlan, cache_dir: Path, workload_dirs: Sequence[Path]) -> dict[str, str]:
    """A child's environment: a run-private Numba cache, the workload path, the thread count.

    Python's fault handler is on, so a child that segfaults writes its Python stack to its
    log, and the entry's failure shows where it died.
    """
    env = entry_environment(plan.threads, cache_dir, workload_dirs)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return env


def entry_environment(
    threads: int | None,
    cache_dir: Path,
    workload_dirs: Sequence[Path],
    base: dict[str, str] | None = None,
) -> dict[str, str]:
    """``base`` (default: this process's environment) with an entry's cache, workload path and threads."""
    env = dict(os.environ if base is None else base)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env["PYTHONUNBUFFERED"] = "1"
    paths = [str(d) for d in workload_dirs]
    if env.get(WORKLOAD_PATH_VARIABLE):
        paths.append(env[WORKLOAD_PATH_VARIABLE])
    if paths:
        env[WORKLOAD_PATH_VARIABLE] = os.pathsep.join(paths)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    return env


class _EntryAttempt:
    """The steps of one entry, sharing its folder, deadline and findings."""

    def __init__(self, runner: EntryRunner, plan: EntryPlan, folder: Path) -> None:
        self.runner = runner
        self.plan = plan
        self.folder = folder
        self.deadline = runner.clock() + runner.measurement.timeout
        self.step_seconds: dict[str, float] = {}  # wall seconds of the children, per results.STEP_KINDS
        folder.mkdir(parents=True, exist_ok=True)

    def child(self, step: str, module: str, args: list[str], **options: Any) -> ChildOutcome:
        """``run_python_module``, its wall time added to ``step``'s (one of results.STEP_KINDS)."""
        started = self.runner.clock()
        try:
            return run_python_module(module, args, **options)
        finally:
            self.step_seconds[step] = self.step_seconds.get(step, 0.0) + self.runner.clock() - started

    def run(self) -> Entry:
        findings, failure = self.construct("check", cache_dir=self.folder / "cache-1", check=True)
        if failure:
            return failure
        if findings["status"] == "unavailable":
            return self.plan.entry(status="unavailable", reason=findings["reason"])
        check = Check.from_json(findings["check"])
        if self.plan.backend == self.plan.workload.reference and check.passed:
            check.message = "; ".join(["this backend is the reference", *(o.describe() for o in check.outside)])
        if not check.passed:
            return self.plan.entry(
                status="wrong_result", reason=wrong_result_reason(check), check=check
            )
        runs = self.runner.measurement.construction_runs
        jit = findings.get("jit_compile_seconds") is not None
        estimate = float(findings.get("estimate_seconds", 0.0))
        cold = [findings]
        for run in range(2, runs + 1):  # a JIT's fresh code is not what pyperf times: no plain loop
            more, failure = self.construct(
                f"cold {run}", cache_dir=self.folder / f"cache-{run}", plain_loop=None if jit else estimate
            )
            if failure:
                return failure
            cold.append(more)
        warm_cache = self.folder / f"cache-{len(cold)}"
        cached: list[dict[str, Any]] = []
        for run in range(1, runs + 1) if jit else ():
            more, failure = self.construct(f"cache load {run}", cache_dir=warm_cache, plain_loop=estimate)
            if failure:
                return failure
            cached.append(more)
        construction = summarise_construction(cold, cached)
        evaluation, failure = self.evaluate(findings, construction, warm_cache)
        if evaluation is not None:
            add_plain_loops(evaluation, cold, cached)
        if failure:
            return failure
        assert evaluation is not None
        warnings = measurement_warnings(self.plan, cached, evaluation)
        info = {**findings.get("info", {})}
        if cached:
            info["numba_cache"] = numba_cache_note(cached, evaluation)
        return self.plan.entry(
            status="ok",
            check=check,
            construction=construction,
            evaluation=evaluation,
            calls_per_evaluation=findings.get("calls_per_evaluation"),
            info=info,
            warnings=warnings,
        )

    def remaining(self) -> float:
        return max(1.0, self.deadline - self.runner.clock())

    def construct(
        self, label: str, *, cache_dir: Path, check: bool = False, plain_loop: float | None = None
    ) -> tuple[dict[str, Any], Entry | None]:
        """One construction child; returns its findings, or the entry that records its failure.

        ``plain_loop``: the estimated seconds of one call, to time a plain loop after the
        construction (the check run times one whenever its check passes)."""
        self.report(f"construction ({label})")
        name = label.replace(" ", "-")
        output = self.folder / f"construct-{name}.json"
        spec = {
            "workload": self.plan.workload.name,
            "backend": self.plan.backend,
            "params": self.plan.params,
            "check": check,
            "reference_file": str(self.reference_file()),
            "output": str(output),
            "plain_loop_call_seconds": plain_loop,
        }
        spec_path = self.folder / f"spec-{name}.json"
        spec_path.write_text(json.dumps(spec))
        step = "check" if check else "cache_load" if label.startswith("cache load") else "construction"
        outcome = self.child(
            step,
            "harness.run.construct",
            [str(spec_path)],
            env=self.runner.base_environment(self.plan, cache_dir),
            timeout=self.remaining(),
            log_path=self.folder / f"construct-{name}.log",
            memory_limit=self.runner.measurement.memory_limit,
        )
        findings = json.loads(output.read_text()) if output.exists() and not outcome.timed_out else None
        if findings is not None and findings.get("status") == "failed":
            return {}, self.raised(f"construction ({label})", findings["failure"])
        if not outcome.ok or findings is None:
            return {}, self.failed(f"construction ({label})", outcome)
        return findings, None

    def evaluate(
        self, findings: dict[str, Any], construction: Construction, warm_cache: Path
    ) -> tuple[Evaluation | None, Entry | None]:
        call_seconds = float(findings.get("estimate_seconds", 0.0))
        startup = INTERPRETER_STARTUP_SECONDS + (
            construction.cache_load.median
            if construction.cache_load
            else construction.seconds.median - construction.steps.get("first_call", 0.0)
        )
        budget = self.runner.measurement.evaluation_budget
        plan = plan_evaluation(call_seconds, startup, budget)
        planned = expected_seconds(plan, call_seconds, startup)
        over = f", over the {budget:g} s budget: a warm-up is never dropped" if planned > budget else ""
        self.report(f"evaluation (pyperf: {plan.processes} processes x {plan.values} values, ~{planned:.0f} s{over})")
        pyperf_file = self.runner.pyperf_dir / f"{_slug(self.plan)}.json"
        pyperf_file.parent.mkdir(parents=True, exist_ok=True)
        pyperf_file.unlink(missing_ok=True)
        spec_path = self.folder / "spec-evaluate.json"
        watch_file = self.folder / "watch.jsonl"
        spec_path.write_text(
            json.dumps(
                {
                    "workload": self.plan.workload.name,
                    "backend": self.plan.backend,
                    "params": self.plan.params,
                    "watch_file": str(watch_file),
                }
            )
        )
        env = self.runner.base_environment(self.plan, warm_cache)
        inherited = sorted(k for k in env if k.startswith(INHERITED_PREFIXES))
        args = [
            "--spec",
            str(spec_path),
            "--output",
            str(pyperf_file),
            "--quiet",
            *plan.pyperf_args(),
        ]
        if inherited:
            args.append(f"--inherit-environ={','.join(inherited)}")
        outcome = self.child(
            "evaluation",
            "harness.run.evaluate",
            args,
            env=env,
            timeout=self.remaining(),
            log_path=self.folder / "evaluate.log",
            memory_limit=self.runner.measurement.memory_limit,
        )
        if not outcome.ok or not pyperf_file.exists():
            return None, self.failed("evaluation", outcome)
        evaluation = read_pyperf(pyperf_file, plan, findings.get("work"))
        evaluation.planned_seconds, evaluation.budget_seconds = round(planned, 3), budget
        evaluation.compiles = read_compile_watch(watch_file)
        return evaluation, None

    def reference_file(self) -> Path:
        digest = _params_digest(self.plan.params)
        return self.runner.scratch / "reference" / f"{path_component(self.plan.workload.name)}-{digest}.npz"

    def failed(self, phase: str, outcome: ChildOutcome) -> Entry:
        """A child that died or timed out without saying why: its last meaningful line is the reason."""
        status = "timeout" if outcome.timed_out else "failed"
        timeout = f" after the entry's {self.runner.measurement.timeout:.0f} s" if outcome.timed_out else ""
        failure = Failure(phase=phase, message=outcome.cause, output_tail=outcome.stderr_tail)
        return self.plan.entry(status=status, reason=f"{phase}{timeout}: {outcome.headline()}", failure=failure)

    def raised(self, phase: str, failure: dict[str, Any]) -> Entry:
        """A construction step that raised, as the child recorded it: step, exception, traceback."""
        record = Failure(
            phase=phase,
            step=failure["step"],
            error_type=failure["error_type"],
            message=failure["message"],
            output_tail=failure["traceback"],
        )
        reason = f"{phase}: {record.step} raised {record.error_type}: {record.message}"
        return self.plan.entry(status="failed", reason=reason, failure=record)

    def report(self, text: str) -> None:
        if self.runner.progress:
            self.runner.progress.step(self.plan, text)


def add_plain_loops(evaluation: Evaluation, cold: list[dict[str, Any]], cached: list[dict[str, Any]]) -> None:
    """The plain loops of the processes that ran what pyperf's workers run: the cache-load
    runs for a JIT backend (its check run's, of freshly compiled code, kept apart), else
    every cold run."""
    same_code = cached or cold
    evaluation.plain_loop = PlainLoop.pooled([f["plain_loop"] for f in same_code if f.get("plain_loop")])
    if cached and cold[0].get("plain_loop"):
        evaluation.fresh_plain_loop = PlainLoop.pooled([cold[0]["plain_loop"]])


def read_compile_watch(path: Path) -> CompileReport | None:
    """Sum up what the evaluation workers saw of Numba compiling (``harness.run.evaluate``)."""
    if not path.exists():
        return None
    logs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not logs:
        return None
    compiling = [log for log in logs if log["build_compiles"] or log["first_call_compiles"]]
    seconds = [log["build_compile_seconds"] + log["first_call_compile_seconds"] for log in compiling]
    return CompileReport(
        processes=len(logs),
        processes_compiling=len(compiling),
        compile_seconds=round(statistics.median(seconds), 6) if seconds else 0.0,
        discarded_values=sum(len(log["discarded_values"]) for log in logs),
        compiled_values_kept=sum(log["compiled_values_kept"] for log in logs),
        first_call_seconds=Stats.of(log["first_call_seconds"] for log in logs),
    )


def measurement_warnings(plan: EntryPlan, cached: list[dict[str, Any]], evaluation: Evaluation) -> list[EntryWarning]:
    """What measuring this entry showed that its figures must be read with."""
    warnings = []
    cache_load_compile = max((f.get("jit_compile_seconds") or 0.0 for f in cached), default=0.0)
    compiles = evaluation.compiles
    if cache_load_compile > 0 or (compiles is not None and compiles.processes_compiling):
        warnings.append(EntryWarning("not_cacheable", not_cacheable_message(cache_load_compile, compiles)))
    if compiles is not None and (compiles.discarded_values or compiles.compiled_values_kept):
        warnings.append(EntryWarning("compile_in_evaluation", compile_in_evaluation_message(compiles)))
    ratio = evaluation.plain_loop_ratio
    if ratio is not None and not plain_loop_agrees(plan.backend, ratio):
        if plan.backend != "cuda" and processes_overlap(evaluation):
            warnings.append(EntryWarning("process_variation", process_variation_message(evaluation, ratio)))
        else:
            warnings.append(EntryWarning("timing_disagreement", disagreement_message(evaluation, ratio)))
    cache_ratio = evaluation.cache_speed_ratio
    if cache_ratio is not None and not within_agreement(cache_ratio):
        warnings.append(EntryWarning("cache_speed", cache_speed_message(evaluation, cache_ratio)))
    return warnings


def not_cacheable_message(cache_load_compile: float, compiles: CompileReport | None) -> str:
    seen = []
    if cache_load_compile > 0:
        seen.append(f"the cache-load run compiled for {cache_load_compile:.2g} s")
    if compiles is not None and compiles.processes_compiling:
        seen.append(
            f"{compiles.processes_compiling} of {compiles.processes} evaluation processes compiled "
            f"(median {compiles.compile_seconds:.2g} s each)"
        )
    return (
        f"Numba recompiled where its disk cache should have served: {' and '.join(seen)}. The kernel "
        "cannot be cached (a closure, or globals that change), so every process of a user's program "
        "pays this compile; build kernels at module level from constants and plain arguments"
    )


def compile_in_evaluation_message(compiles: CompileReport) -> str:
    text = f"Numba compiled during {compiles.discarded_values + compiles.compiled_values_kept} timed values"
    if compiles.compiled_values_kept:
        return (
            f"{text}, and {compiles.compiled_values_kept} still compiled after being taken again: "
            "the median includes compilation, so the kernel compiles on every call (a jitted function "
            "created inside the call?)"
        )
    return f"{text}; they were discarded and taken again, so the median is of values without compilation"


def within_agreement(ratio: float) -> bool:
    low, high = PLAIN_LOOP_AGREEMENT
    return low <= ratio <= high


def plain_loop_agrees(backend: str, ratio: float) -> bool:
    """True when pyperf's median and the plain loops' agree within PLAIN_LOOP_AGREEMENT.

    For cuda the harness times the kernel with CUDA events and the plain loop the whole
    call (launch and synchronisation too), so only a harness figure above the loop's is
    a disagreement there.
    """
    return ratio <= PLAIN_LOOP_AGREEMENT[1] if backend == "cuda" else within_agreement(ratio)


def processes_overlap(evaluation: Evaluation, bounds: tuple[float, float] = PLAIN_LOOP_AGREEMENT) -> bool:
    """True when some evaluation process and some plain-loop process agree within
    ``bounds``, with more than one process on a side.

    Then the two medians differ because processes of this kernel run at different speeds
    (their memory layout, the core they got, a slow spell of the host), which each
    measurement samples: not because one of them measured something besides the kernel.
    With one process a side the two cannot be told apart.
    """
    assert evaluation.plain_loop is not None
    harness, plain = evaluation.process_medians, list(evaluation.plain_loop.seconds.values)
    if len(harness) + len(plain) < 3 or min(plain) <= 0:
        return False
    low, high = bounds
    return min(harness) / max(plain) <= high and max(harness) / min(plain) >= low


def process_range(seconds: list[float]) -> str:
    count = len(seconds)
    span = f"{min(seconds):.3g}-{max(seconds):.3g} s" if count > 1 else f"{seconds[0]:.3g} s"
    return f"{count} process{'es' if count > 1 else ''}: {span}"


def disagreement_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None
    plain = evaluation.plain_loop
    harness_processes, plain_processes = evaluation.process_medians, list(plain.seconds.values)
    text = (
        f"the harness's median ({evaluation.seconds.median:.3g} s, {process_range(harness_processes)}) is "
        f"{ratio:.2f}x that of plain timeit loops of the same kernel ({plain.seconds.median:.3g} s, "
        f"{process_range(plain_processes)}; {plain.loops} calls a value)"
    )
    if len(harness_processes) == 1 and len(plain_processes) == 1:
        return (
            f"{text}; with one process a side this cannot tell a measurement fault (a missing warm-up, "
            "a compile, a machine busy in one and not the other) from processes that run at different "
            "speeds: rerun on a quiet machine with more processes (a larger --budget, or --preset default)"
        )
    return (
        f"{text}; no process of one agrees with any of the other, so one of them measured something "
        "besides the kernel (a machine busy in one and not the other, a missing warm-up, a compile): "
        "rerun on a quiet machine"
    )


def process_variation_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None
    plain = evaluation.plain_loop
    harness_processes = evaluation.process_medians
    return (
        f"processes of this kernel ran at different speeds: the harness's median "
        f"({evaluation.seconds.median:.3g} s, {process_range(harness_processes)}) is {ratio:.2f}x that of "
        f"plain timeit loops ({plain.seconds.median:.3g} s, {process_range(list(plain.seconds.values))}), "
        "yet single processes of the two agree. A figure resting on "
        f"{len(harness_processes)} process{'es' if len(harness_processes) > 1 else ''} can move this much "
        "from run to run; more processes (a larger --budget, or --preset default) narrow it"
    )


def cache_speed_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None and evaluation.fresh_plain_loop is not None
    cached, fresh = evaluation.plain_loop.seconds.median, evaluation.fresh_plain_loop.seconds.median
    return (
        f"Numba's code loaded from its disk cache takes {ratio:.2f}x the time of the same kernel freshly "
        f"compiled (plain loops: {cached:.3g} s in {len(evaluation.plain_loop.seconds.values)} processes "
        f"that loaded it, {fresh:.3g} s in the process that compiled it). The figures here are the "
        "cached code's, what every later run of a program with cache=True gets; its first run gets "
        "the other"
    )


def numba_cache_note(cached: list[dict[str, Any]], evaluation: Evaluation) -> str:
    compiles = evaluation.compiles
    if any(f.get("jit_compile_seconds") for f in cached) or (compiles and compiles.processes_compiling):
        return "run-private; not reused: the kernel recompiled in later processes (see warnings)"
    return "run-private, warm for evaluation (no compile seen in the cache-load run or the workers)"


def summarise_construction(
    cold: list[dict[str, Any]], cached: list[dict[str, Any]]
) -> Construction:
    """Median per step over the cold runs; the total is the sum of the top-level steps."""

    def total(findings: dict[str, Any]) -> float:
        return sum(v for k, v in findings["steps"].items() if "." not in k)

    step_names = list(dict.fromkeys(name for f in cold for name in f["steps"]))
    steps = {
        name: statistics.median(f["steps"].get(name, 0.0) for f in cold) for name in step_names
    }
    compiles = [f["jit_compile_seconds"] for f in cold if f.get("jit_compile_seconds") is not None]
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


def read_pyperf(path: Path, plan: EvaluationPlan, work: dict[str, Any] | None) -> Evaluation:
    """Turn pyperf's JSON into an Evaluation (seconds per call, every value kept)."""
    import pyperf

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


def _params_digest(params: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def _slug(plan: EntryPlan) -> str:
    threads = f"-t{plan.threads}" if plan.threads is not None else ""
    return path_component(f"{plan.workload.name}-{plan.backend}{threads}-{_params_digest(plan.params)}")
