"""Runs entries: check, cold construction, cache load, then pyperf evaluation.

Every step of an entry runs in child processes (see ``harness.run.child``), so a failing,
crashing or hanging backend becomes that entry's status and the run goes on. Each entry
gets a run-private Numba cache directory: cold construction runs start from an empty one,
the cache-load run and every pyperf worker from the warm one, so no compile lands in the
evaluation budget.

One exception, where the compile is the same: ``numba_parallel``'s machine code does not
depend on the thread count (Numba reads it at every call), so a case is compiled once, by
its first thread count's entry. The later thread counts' entries use that entry's warm
cache (it is done with it): their check run is a cache load, and their construction is
the compiling entry's, named in ``info["compiled_by"]``. A check run that compiles anyway is
a cold construction of its own, as for any entry.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from harness.core.backends import implementation_unavailable_reason
from harness.core.entry_parts import Check, Failure
from harness.core.names import path_component
from harness.core.results import Entry
from harness.core.timings import Construction, Evaluation
from harness.run.child import ChildOutcome, run_python_module
from harness.run.entries import EntryPlan, Measurement, child_environment
from harness.run.entry_warnings import measurement_warnings
from harness.run.findings import ConstructionFindings, StepFailure
from harness.run.planning import EvaluationPlan, expected_seconds, plan_evaluation, processes_to_add, replanned
from harness.run.spec import ConstructionSpec, EvaluationSpec
from harness.run.summary import (
    add_plain_loops,
    numba_cache_note,
    process_means,
    read_compile_watch,
    read_pyperf,
    summarise_construction,
    wrong_result_reason,
)

INTERPRETER_STARTUP_SECONDS = 0.3  # python, harness, numpy and pyperf imports
# Environment variables pyperf must hand on to its workers (it drops all but a few).
INHERITED_PREFIXES = ("NUMBA_", "CUDA_", "OMP_", "MKL_", "OPENBLAS_", "HARNESS_")


class Progress(Protocol):
    def step(self, plan: EntryPlan, text: str) -> None: ...


SHARED_COMPILE_BACKENDS = ("numba_parallel",)  # backends whose compiled code is the same at every thread count


@dataclass(frozen=True)
class SharedCompile:
    """A case's compile made by one thread count's entry, for its other thread counts to load."""

    compiled_by: str  # the compiling entry's thread count, as in its label: "threads=1"
    cache: Path  # that entry's warm cache
    construction: Construction  # its cold construction


@dataclass
class EntryRunner:
    """Runs one EntryPlan at a time into an Entry, using child processes in ``scratch``."""

    measurement: Measurement
    scratch: Path
    pyperf_dir: Path
    workload_dirs: Sequence[Path] = ()
    progress: Progress | None = None
    clock: Callable[[], float] = time.monotonic
    entries: int = 1  # in the run: how many entries a compare of its results corrects over (Holm)
    _counter: int = field(default=0, init=False)
    _compiled: dict[tuple[str, str, str], SharedCompile] = field(default_factory=dict, init=False)

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

    def shared_compile(self, plan: EntryPlan) -> SharedCompile | None:
        """The compile an earlier thread count's entry made of this case, if its backend shares one."""
        if plan.backend not in SHARED_COMPILE_BACKENDS:
            return None
        shared = self._compiled.get(plan.key[:3])
        return shared if shared is not None and shared.cache.is_dir() else None

    def record_compile(self, plan: EntryPlan, cache: Path, construction: Construction) -> None:
        """Keep this entry's compile for the case's later thread counts (the first one kept stays)."""
        if plan.backend in SHARED_COMPILE_BACKENDS and plan.threads is not None:
            self._compiled.setdefault(plan.key[:3], SharedCompile(f"threads={plan.threads}", cache, construction))


class _EntryAttempt:
    """The steps of one entry, sharing its folder, deadline and findings."""

    def __init__(self, runner: EntryRunner, plan: EntryPlan, folder: Path) -> None:
        self.runner = runner
        self.plan = plan
        self.folder = folder
        self.deadline = runner.clock() + runner.measurement.timeout
        self.step_seconds: dict[str, float] = {}  # wall seconds of the children, per results.STEP_KINDS
        self.replanned: str | None = None  # why the evaluation was planned again, if it was
        folder.mkdir(parents=True, exist_ok=True)

    def child(self, step: str, module: str, args: list[str], env: Mapping[str, str], log_path: Path) -> ChildOutcome:
        """``run_python_module`` within the entry's time and memory limits, its wall time added
        to ``step``'s (one of results.STEP_KINDS)."""
        timeout, memory_limit = self.remaining(), self.runner.measurement.memory_limit
        started = self.runner.clock()
        try:
            return run_python_module(
                module, args, env=env, timeout=timeout, log_path=log_path, memory_limit=memory_limit
            )
        finally:
            self.step_seconds[step] = self.step_seconds.get(step, 0.0) + self.runner.clock() - started

    def run(self) -> Entry:
        # this case's compile, made by another thread count's entry (done by now): loaded from its
        # cache, not made again; the cache itself, not a copy, as generated modules live in it
        shared = self.runner.shared_compile(self.plan)
        first_cache = self.folder / "cache-1" if shared is None else shared.cache
        findings = self.construct("check", cache_dir=first_cache, check=True)
        if isinstance(findings, Entry):
            return findings
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
        if shared is not None and jit:  # it compiled all the same: a cold construction of its own
            shared = None
        cold: list[ConstructionFindings] = [findings]
        cached: list[ConstructionFindings] = []
        cache_loads = range(1, runs + 1) if jit else range(0)
        if shared is not None:  # the check run loaded the compile: it is a cache load
            cold, cached, cache_loads = [], [findings], range(2, runs + 1)
        else:
            for run in range(2, runs + 1):  # a JIT's fresh code is not what pyperf times: no plain loop
                more = self.construct(
                    f"cold {run}", cache_dir=self.folder / f"cache-{run}", plain_loop=None if jit else estimate
                )
                if isinstance(more, Entry):
                    return more
                cold.append(more)
        warm_cache = first_cache if len(cold) <= 1 else self.folder / f"cache-{len(cold)}"
        for run in cache_loads:
            more = self.construct(f"cache load {run}", cache_dir=warm_cache, plain_loop=estimate)
            if isinstance(more, Entry):
                return more
            cached.append(more)
        if shared is not None:
            loaded = summarise_construction(cached, [])
            construction = replace(shared.construction, cache_load=loaded.seconds, cache_load_steps=loaded.steps)
        else:
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
        if self.replanned:
            info["evaluation_replanned"] = self.replanned
        if shared is not None:
            info["compiled_by"] = (
                f"{shared.compiled_by}: this case's compile, loaded from that entry's cache; "
                f"{self.plan.backend}'s machine code does not depend on the thread count, so the "
                "construction figures are that entry's and the cache load is this entry's"
            )
        elif jit:
            self.runner.record_compile(self.plan, warm_cache, construction)
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
    ) -> ConstructionFindings | Entry:
        """One construction child; returns its findings, or the entry that records its failure.

        ``plain_loop``: the estimated seconds of one call, to time a plain loop after the
        construction (the check run times one whenever its check passes)."""
        self.report(f"construction ({label})")
        name = label.replace(" ", "-")
        output = self.folder / f"construct-{name}.json"
        spec = ConstructionSpec(
            self.plan.workload.name,
            self.plan.backend,
            self.plan.params,
            check=check,
            reference_file=self.reference_file(),
            plain_loop_call_seconds=plain_loop,
            output=output,
        )
        spec_path = self.folder / f"spec-{name}.json"
        spec.write(spec_path)
        step = "check" if check else "cache_load" if label.startswith("cache load") else "construction"
        env = self.runner.base_environment(self.plan, cache_dir)
        log_path = self.folder / f"construct-{name}.log"
        outcome = self.child(step, "harness.run.construct", [str(spec_path)], env, log_path)
        findings: ConstructionFindings | None = None
        if output.exists() and not outcome.timed_out:
            findings = json.loads(output.read_text())  # written by the child: harness.run.construct
        if findings is not None and findings.get("status") == "failed":
            return self.raised(f"construction ({label})", findings["failure"])
        if not outcome.ok or findings is None:
            return self.failed(f"construction ({label})", outcome)
        return findings

    def evaluate(
        self, findings: ConstructionFindings, construction: Construction, warm_cache: Path
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
        count = self.report_plan(plan, planned, budget)
        pyperf_file = self.runner.pyperf_dir / f"{_slug(self.plan)}.json"
        pyperf_file.parent.mkdir(parents=True, exist_ok=True)
        pyperf_file.unlink(missing_ok=True)
        spec_path = self.folder / "spec-evaluate.json"
        watch_file = self.folder / "watch.jsonl"
        EvaluationSpec(self.plan.workload.name, self.plan.backend, self.plan.params, watch_file).write(spec_path)
        env = self.runner.base_environment(self.plan, warm_cache)
        inherited = sorted(k for k in env if k.startswith(INHERITED_PREFIXES))
        extra = [f"--inherit-environ={','.join(inherited)}"] if inherited else []
        first_round = True
        while count:  # rounds of workers appended to one file, until their means agree
            args = ["--spec", str(spec_path), "--append", str(pyperf_file), "--quiet", *extra]
            args += plan.round_of(count).pyperf_args()
            started = self.runner.clock()
            outcome = self.child("evaluation", "harness.run.evaluate", args, env, self.folder / "evaluate.log")
            if not outcome.ok or not pyperf_file.exists():
                return None, self.failed("evaluation", outcome)
            if first_round:  # workers that started far faster than planned: planned again
                first_round = False
                again = replanned(plan, call_seconds, budget, startup, self.runner.clock() - started, count)
                if again is not None:
                    better, measured = again
                    self.replanned = replanned_note(plan, better, startup, measured)
                    same_layout = better.round_of(plan.processes) == plan
                    plan, planned = better, expected_seconds(better, call_seconds, measured)
                    if not same_layout:  # other values or loops a process: the round is set aside
                        pyperf_file.unlink()
                        watch_file.unlink(missing_ok=True)
                        count = self.report_plan(plan, planned, budget)
                        continue
            means = process_means(pyperf_file)
            # at least the plan's first round (a plan raised in the same layout has a larger one)
            short = plan.first_round(self.runner.entries) - len(means)
            count = max(processes_to_add(means, plan.processes), short)
        evaluation = read_pyperf(pyperf_file, plan, findings.get("work"))
        evaluation.planned_seconds, evaluation.budget_seconds = round(planned, 3), budget
        evaluation.compiles = read_compile_watch(watch_file)
        return evaluation, None

    def report_plan(self, plan: EvaluationPlan, planned: float, budget: float) -> int:
        """Say what the evaluation will run; returns its first round's processes."""
        over = f", over the {budget:g} s budget: a warm-up is never dropped" if planned > budget else ""
        count = plan.first_round(self.runner.entries)
        self.report(
            f"evaluation (pyperf: {count} of at most {plan.processes} processes"
            f" x {plan.values} values, ~{planned:.0f} s at most{over})"
        )
        return count

    def reference_file(self) -> Path:
        digest = _params_digest(self.plan.params)
        return self.runner.scratch / "reference" / f"{path_component(self.plan.workload.name)}-{digest}.npz"

    def failed(self, phase: str, outcome: ChildOutcome) -> Entry:
        """A child that died or timed out without saying why: its last meaningful line is the reason."""
        status = "timeout" if outcome.timed_out else "failed"
        timeout = f" after the entry's {self.runner.measurement.timeout:.0f} s" if outcome.timed_out else ""
        failure = Failure(phase=phase, message=outcome.cause, output_tail=outcome.stderr_tail)
        return self.plan.entry(status=status, reason=f"{phase}{timeout}: {outcome.headline()}", failure=failure)

    def raised(self, phase: str, failure: StepFailure) -> Entry:
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


def replanned_note(before: EvaluationPlan, after: EvaluationPlan, planned_startup: float, measured: float) -> str:
    """What ``info["evaluation_replanned"]`` says: the plans, and the start-ups they rest on."""
    set_aside = after.round_of(before.processes) != before
    return (
        f"planned for a worker start-up of {planned_startup:.2f} s ({_processes(before)} at most); the first"
        f" round's workers started in {measured:.2f} s, so the budget holds {_processes(after)}"
        + ("; the first round was set aside, since a process now takes other values" if set_aside else "")
    )


def _processes(plan: EvaluationPlan) -> str:
    return f"{plan.processes} process{'es' if plan.processes != 1 else ''} of {plan.values} values"


def _params_digest(params: Mapping[str, object]) -> str:
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def _slug(plan: EntryPlan) -> str:
    threads = f"-t{plan.threads}" if plan.threads is not None else ""
    return path_component(f"{plan.workload.name}-{plan.backend}{threads}-{_params_digest(plan.params)}")
