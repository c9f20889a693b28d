"""The profiling children: ``python -m harness.profiling.child SPEC``.

A spec names the kinds of profile to take, in order, in this one process (``kinds``,
each with its own file in ``outputs``; or a single ``kind`` and ``output``). The parent
runs ``memory`` then ``lines`` in one child where they cannot disturb each other: the
memory findings are complete, and written, before line profiling starts. A Cython
backend's ``lines`` needs its own child, since the traced build must be loaded before
the timed one is imported.

``kind: "memory"`` builds the entry with the normal (timed) build and measures memory
(construction steps, one evaluation, growth over many calls, device memory for CUDA),
then counts the calls one evaluation makes and breaks them down by callee with cProfile.
It also picks the parameters the line profile will use, so that one profiled call stays
short. ``kind: "lines"`` line-profiles construction and one evaluation at those
parameters; a Cython backend loads its separate traced build first.

Each kind's findings are written as JSON as soon as that kind is done; a crash leaves
the parent the findings written so far and a clean "no output" for the rest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from harness.core.backends import simulated_cuda
from harness.core.files import write_json_atomic
from harness.core.profiles import CallProfile, DeviceMemory, LineProfile, MemoryProfile, Params
from harness.core.registry import discover
from harness.core.workload import BackendUnavailable, Kernel, StepTimer, Workload
from harness.profiling.callees import top_callees
from harness.profiling.lines import Target, construction_targets, function_lines, module_targets, patch_interpreted
from harness.profiling.memory import (
    GrowthBudget,
    device_used_mib,
    fit_growth,
    memory_notes,
    peak_during,
    rss_mib,
    sample_growth,
    sample_interval,
)
from harness.profiling.protocol import Findings, checked_kinds
from harness.profiling.trace_build import ROOT, TRACE_BUILD_DIR, TraceBuildError, build, load_traced, plan_trace_build
from harness.run.calls import count_calls
from harness.run.spec import ProfilingSpec

CONSTRUCTION_INTERVAL = 0.005
# One line-profiled (or cProfiled) call should take about this long at most...
INSTRUMENTED_SECONDS_LIMIT = 2.0
# ...given how much slower than a timed call it runs, per backend (an interpreted
# equivalent of jitted code runs at Python speed, under the line profiler).
INSTRUMENTED_SLOWDOWN = {
    "python": 10.0,
    "numpy": 3.0,
    "cython": 200.0,
    "numba": 1000.0,
    "numba_parallel": 2000.0,
    "cuda": 1.0,
}
CPROFILE_SLOWDOWN = 10.0
# Evaluation calls are line-profiled for about this long (at least one call).
LINE_PROFILE_SECONDS = 0.6
LINE_PROFILE_MAX_CALLS = 50
Value = TypeVar("Value")


# -- memory ---------------------------------------------------------------------------


def memory_findings(spec: ProfilingSpec, workload: Workload) -> Findings:
    """Memory of construction and evaluation, calls per evaluation, and the line params."""
    backend, params = spec.backend, spec.params
    device = DeviceMemoryWatch.start(backend, simulated_cuda())
    baseline = rss_mib()
    try:
        construction, kernel, first_call_seconds = measure_construction(workload, backend, params, baseline)
    except BackendUnavailable as error:
        return Findings(status="unavailable", reason=str(error))
    after_construction = rss_mib()
    device.mark("after_construction")
    evaluation_peak, call_seconds, interval = measure_evaluation(kernel, first_call_seconds)
    budget = GrowthBudget(
        seconds=GrowthBudget.seconds if spec.growth_seconds is None else spec.growth_seconds,
        max_calls=GrowthBudget.max_calls if spec.growth_max_calls is None else spec.growth_max_calls,
    )
    if backend == "cuda" and simulated_cuda():
        budget = replace(budget, min_calls=1)  # simulated memory says nothing
    samples = sample_growth(kernel.call, call_seconds, budget)
    device.mark("after_growth")
    growth = fit_growth(samples.calls, samples.rss_mib)
    memory = MemoryProfile(
        baseline_mib=baseline,
        construction_peak_mib=max(construction.values()),
        construction_steps_peak_mib=construction,
        after_construction_mib=after_construction - baseline,
        evaluation_peak_mib=evaluation_peak - baseline,
        growth=growth.record(samples),
        device=device.record(),
        sample_interval_seconds={"construction": CONSTRUCTION_INTERVAL, "evaluation": interval},
        notes=memory_notes(backend, max(CONSTRUCTION_INTERVAL, interval), simulated_cuda()),
    )
    line_params, line_note = bounded_params(
        workload, params, call_seconds * INSTRUMENTED_SLOWDOWN.get(backend, 10.0)
    )
    return Findings(
        status="ok",
        memory=memory,
        call_seconds=call_seconds,
        calls=call_findings(workload, backend, params, kernel, call_seconds),
        line_params=line_params,
        line_params_note=line_note,
    )


def measure_construction(
    workload: Workload, backend: str, params: Params, baseline: float
) -> tuple[dict[str, float], Kernel, float]:
    """Peak RSS above ``baseline`` for each construction step (inputs, import, prepare, first call)."""
    peaks: dict[str, float] = {}
    inputs_peak, inputs = peak_during(lambda: workload.make_inputs(params), CONSTRUCTION_INTERVAL)
    peaks["inputs"] = inputs_peak - baseline
    import_peak, module = peak_during(lambda: workload.load(backend), CONSTRUCTION_INTERVAL)
    peaks["import"] = import_peak - baseline
    prepare_peak, kernel = peak_during(
        lambda: module.prepare(inputs, params, StepTimer()), CONSTRUCTION_INTERVAL
    )
    peaks["prepare"] = prepare_peak - baseline
    first_call_seconds, first_call_peak = _timed_peak(kernel, CONSTRUCTION_INTERVAL)
    peaks["first_call"] = first_call_peak - baseline
    return peaks, kernel, first_call_seconds


def measure_evaluation(kernel: Kernel, first_call_seconds: float) -> tuple[float, float, float]:
    """Peak RSS of one steady call, the call's seconds, and the sampling interval used."""
    interval = sample_interval(first_call_seconds)
    call_seconds, peak = _timed_peak(kernel, interval)
    return peak, call_seconds, interval


def _timed_peak(kernel: Kernel, interval: float) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one ``kernel.call()`` with its result fetched."""
    seconds: list[float] = []

    def one_call() -> None:
        started = time.perf_counter()
        kernel.fetch(kernel.call())
        seconds.append(time.perf_counter() - started)

    peak, _ = peak_during(one_call, interval)
    return seconds[0], peak


class DeviceMemoryWatch:
    """Device memory used (numba-cuda's context) at named points; None off a real GPU."""

    def __init__(self, start: tuple[float, float] | None) -> None:
        self.total = start[1] if start else None
        self.used: dict[str, float] = {"before_construction": start[0]} if start else {}

    @classmethod
    def start(cls, backend: str, simulated: bool) -> DeviceMemoryWatch:
        if backend != "cuda" or simulated:
            return cls(None)
        return cls(device_used_mib())

    def mark(self, name: str) -> None:
        if self.total is not None:
            reading = device_used_mib()
            if reading is not None:
                self.used[name] = reading[0]

    def record(self) -> DeviceMemory | None:
        if self.total is None:
            return None
        before = self.used["before_construction"]
        return DeviceMemory(
            total_mib=self.total,
            used_mib=dict(self.used),
            construction_mib=self.used.get("after_construction", before) - before,
            growth_mib=self.used.get("after_growth", before) - self.used.get("after_construction", before),
        )


def bounded_params(workload: Workload, params: Params, instrumented_seconds: float) -> tuple[Params, str | None]:
    """``params``, or the closest ``quick`` case when an instrumented call would be slow."""
    if instrumented_seconds <= INSTRUMENTED_SECONDS_LIMIT:
        return params, None
    smaller = workload.quick_case_for(params)
    if smaller == params:
        return params, None
    return smaller, (
        f"one instrumented call at the entry's params would take ~{instrumented_seconds:.0f} s, "
        f"so the workload's quick case was profiled instead: {smaller}"
    )


def call_findings(
    workload: Workload, backend: str, params: Params, kernel: Kernel, call_seconds: float
) -> CallProfile:
    """Python calls per evaluation (harness.run.calls, at ``params``) and the top callees (cProfile).

    The count is made at the entry's own params, as ``harness run`` does; the cProfile
    breakdown, which slows a call more, at the bounded params (``callee_params``).
    """
    counts, _ = count_calls(kernel.call)
    if backend == "cuda" and simulated_cuda():
        simulated = "no callee breakdown under the CUDA simulator: its Python calls are not the device's"
        return CallProfile(params, counts.to_json(), note=simulated)
    callee_params, note = bounded_params(workload, params, call_seconds * CPROFILE_SLOWDOWN)
    if callee_params != params:
        inputs = workload.make_inputs(callee_params)
        kernel = workload.load(backend).prepare(inputs, callee_params, StepTimer())
        kernel.call()
    callees, total = top_callees(kernel.call)
    return CallProfile(params, counts.to_json(), callee_params, note, total, callees)


# -- lines ----------------------------------------------------------------------------


def line_findings(spec: ProfilingSpec, workload: Workload) -> Findings:
    """Line profiles of construction and one evaluation at ``spec.params``."""
    backend, params = spec.backend, spec.params
    notes: list[str] = []
    if backend == "cython":
        notes += load_traced_build(workload.implementations[backend])
    try:
        module = workload.load(backend)
    except BackendUnavailable as error:
        return Findings(status="unavailable", reason=str(error))
    evaluation = module_targets(module)
    construction = construction_targets(workload.make_inputs, module)
    patch_interpreted(module, evaluation)
    construction_profiles, kernel = profile_phase(
        "construction", construction.functions,
        lambda: module.prepare(workload.make_inputs(params), params, StepTimer()),
    )
    evaluation_profiles: list[LineProfile] = []
    calls: list[float] = []
    if evaluation.functions:
        seconds = LINE_PROFILE_SECONDS if spec.line_seconds is None else spec.line_seconds
        evaluation_profiles, calls = profile_phase(
            "evaluation", evaluation.functions, lambda: repeat_calls(kernel.call, seconds)
        )
        if not evaluation_profiles:
            names = ", ".join(target.name for target in evaluation.functions)
            notes.append(f"no line events were recorded for {names}: compiled without line tracing?")
    else:
        notes.append(f"{module.__name__} defines no line-traceable function for the evaluation")
    notes += construction.notes + evaluation.notes
    notes.append(
        f"profiled: one construction and {len(calls)} evaluation call(s) at params {params}; "
        "hits and seconds are totals over those calls"
    )
    return Findings(
        status="ok",
        line_profiles=construction_profiles + evaluation_profiles,
        line_profile_notes=notes,
        line_profile_evaluation_calls=len(calls),
    )


def repeat_calls(
    call: Callable[[], object], seconds: float = LINE_PROFILE_SECONDS, max_calls: int = LINE_PROFILE_MAX_CALLS
) -> list[float]:
    """Call ``call`` until ``seconds`` have passed (at least once, at most ``max_calls``).

    More than one call evens out the noise of short profiles; returns each call's seconds.
    """
    durations: list[float] = []
    started = time.perf_counter()
    while not durations or (time.perf_counter() - started < seconds and len(durations) < max_calls):
        before = time.perf_counter()
        call()
        durations.append(time.perf_counter() - before)
    return durations


def load_traced_build(module_name: str) -> list[str]:
    """Load the Cython module's traced build in place of the timed one; notes say what happened."""
    try:
        plan = plan_trace_build(module_name)
        if not plan.is_built:
            build(plan)
        load_traced(plan)
    except (TraceBuildError, ImportError, OSError) as error:
        return [f"no traced Cython build of {module_name} ({error}); Cython lines are not profiled"]
    except Exception as error:  # a compiler failure surfaces as setuptools' own error types
        return [f"the traced Cython build of {module_name} failed: {error}"]
    return [
        f"Cython lines come from a separate build with line tracing ({plan.folder}), not the timed "
        "build; tracing makes each line far slower, so compare lines, not absolute times"
    ]


def profile_phase(
    phase: str, targets: list[Target], action: Callable[[], Value]
) -> tuple[list[LineProfile], Value]:
    """Run ``action`` once with the targets line-profiled; their profiles and its value."""
    from line_profiler import LineProfiler  # in the line part only: the memory part's figures never hold it

    profiler = LineProfiler()
    interpreted = set()
    for target in targets:
        profiler.add_function(target.function)
        if target.interpreted_equivalent:
            code = target.function.__code__
            interpreted.add((code.co_filename, code.co_firstlineno))
    profiler.enable_by_count()
    try:
        value = action()
    finally:
        profiler.disable_by_count()
    stats = profiler.get_stats()
    return function_lines(stats.timings, stats.unit, phase, interpreted, display_path), value


def display_path(filename: str) -> str:
    """A traced build's copy maps back to its source; paths in the project become relative."""
    path = Path(filename)
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if path.is_relative_to(TRACE_BUILD_DIR):
        parts = path.relative_to(TRACE_BUILD_DIR).parts
        if "src" in parts:
            path = ROOT / Path(*parts[parts.index("src") + 1 :])
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# -- entry point ----------------------------------------------------------------------

KINDS: dict[str, Callable[[ProfilingSpec, Workload], Findings]] = {
    "memory": memory_findings,
    "lines": line_findings,
}


def run_kinds(spec: ProfilingSpec, workload: Workload) -> None:
    """Take each kind of profile the spec names, in order, writing each one's findings.

    ``lines`` after ``memory`` uses the parameters the memory findings picked for it.
    Stops after a kind that finds the backend unavailable.
    """
    params = spec.params
    for kind in spec.kinds:
        findings = KINDS[kind](replace(spec, params=params), workload)
        write_json_atomic(Path(spec.outputs[kind]), findings.to_json())
        if findings.status == "unavailable":
            return
        if findings.line_params is not None:
            params = findings.line_params


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m harness.profiling.child SPEC.json", file=sys.stderr)
        return 2
    spec = checked_kinds(ProfilingSpec.read(Path(args[0])))
    workload = discover()[spec.workload]
    run_kinds(spec, workload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
