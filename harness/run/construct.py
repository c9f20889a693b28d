"""The construction phase, run in a fresh child process: ``python -m harness.run.construct SPEC``.

One run makes the inputs, imports the backend, prepares it (JIT compile, code generation,
device transfers) and makes the first call, timing each step. With ``check`` set it then
compares the result with the reference backend's and with any figure from outside the
project the workload declares for the case, estimates the steady-state time of one call,
times the kernel with a plain ``timeit`` loop (the outside view pyperf's median is held
against) and counts the Python calls one evaluation makes. It writes its findings as JSON
to the path the spec names, so a crash leaves the parent a clean "no output" rather than
half a file.
A step that raises is a finding too: ``status: failed`` with the step, the exception's
type and message and the traceback's tail, so the entry can say what went wrong where.
The spec is a ``harness.run.spec.ConstructionSpec``; the findings a
``harness.run.findings.ConstructionFindings``.
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import time
import timeit
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from harness.core.correctness import Parts, compare, flatten, unusable_reference
from harness.core.entry_parts import OutsideCheck
from harness.core.files import write_json_atomic
from harness.core.json_fields import FieldError, JSONOut
from harness.core.registry import load_workload
from harness.core.timings import Stats
from harness.core.workload import BackendUnavailable, Kernel, Params, StepTimer, Workload
from harness.run.calls import count_calls
from harness.run.compile_watch import compile_seconds, import_numba_if_installed
from harness.run.findings import ConstructionFindings, PlainLoopFindings
from harness.run.kernels import NUMBA_BACKENDS, Clock, build_kernel, perf_counter_timer, prepare_kernel
from harness.run.planning import loops_for
from harness.run.spec import ConstructionSpec

PLAIN_LOOP_SECONDS = 0.5  # about how long the plain-loop cross-check times the kernel
PLAIN_LOOP_REPEATS = (3, 15)  # values it takes: at least, at most
SLOW_VALUE_SECONDS = 5.0  # a value this long is taken once

TRACEBACK_TAIL_CHARACTERS = 4000  # enough for a chained traceback's user frames


class UnusableReference(ValueError):
    """The reference backend's result is None or not numeric, so nothing can be checked."""


@contextmanager
def numba_compile_events() -> Iterator[list[tuple[float, str]]]:
    """Record Numba's own ``numba:compile`` events, if Numba is loaded; else record nothing."""
    events: list[tuple[float, str]] = []
    if "numba" not in sys.modules:
        yield events
        return
    from numba.core import event  # optional: reached only once the backend loaded Numba (checked above)

    with event.install_recorder("numba:compile") as recorder:
        try:
            yield events
        finally:
            events.extend((stamp, ev.status.name) for stamp, ev in recorder.buffer)


def thread_facts() -> JSONOut:
    """Numba's thread count and threading layer, where Numba ran."""
    if "numba" not in sys.modules:
        return {}
    import numba  # optional: reached only once the backend loaded Numba (checked above)

    facts: JSONOut = {"numba_threads": numba.get_num_threads()}
    with contextlib.suppress(ValueError):  # raised when no parallel region ran yet
        facts["threading_layer"] = numba.threading_layer()
    return facts


def save_reference(path: Path, result: object) -> None:
    """Save the reference result's parts; a reference no result could be checked against is refused."""
    parts = flatten(result)
    problem = unusable_reference(parts)
    if problem:
        raise UnusableReference(f"the reference backend's result cannot be checked against: {problem}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    arrays: dict[str, np.ndarray] = dict(parts)
    # numpy's stub also takes allow_pickle by keyword, so a dict of arrays reads as a flag
    np.savez(temporary, **arrays)  # type: ignore[arg-type]
    temporary.replace(path)


def load_reference(path: Path) -> Parts:
    with np.load(path) as data:
        return Parts({name: data[name] for name in data.files})


def reference_result(workload: Workload, params: Params, path: Path) -> Parts:
    """The reference backend's result for these params, computed once and cached on disk."""
    if not path.exists():
        kernel, _ = build_kernel(workload, workload.reference, params, StepTimer())
        save_reference(path, kernel.fetch(kernel.call()))
    return load_reference(path)


class Stage:
    """The construction step under way, so that a failure can say where it happened."""

    def __init__(self) -> None:
        self.current = "workload"


def construct(spec: Mapping[str, object], clock: Clock = time.perf_counter) -> dict[str, object]:
    """The findings of one construction, from the JSON of a ``ConstructionSpec``.

    The A/B check's worker calls this by name in trees of any version of the harness
    (``harness.regress.check_worker``), so it takes and returns plain dicts; a malformed
    spec is a ``failed`` finding of the ``workload`` step.
    """
    try:
        typed = ConstructionSpec.from_json(dict(spec))
    except FieldError as error:
        return dict(failure_findings("workload", error))
    return dict(construction_findings(typed, clock))


def construction_findings(spec: ConstructionSpec, clock: Clock = time.perf_counter) -> ConstructionFindings:
    """The findings of one construction; a step that raises becomes a ``failed`` finding.

    BackendUnavailable from the inputs, the import or ``prepare`` (which may decline a case
    it cannot run here, too large for pure Python) makes the entry ``unavailable``.
    """
    stage = Stage()
    try:
        return construct_steps(spec, clock, stage)
    except BackendUnavailable as error:
        if stage.current not in ("inputs", "import", "prepare"):
            return failure_findings(stage.current, error)
        return {"status": "unavailable", "reason": str(error)}
    except Exception as error:
        return failure_findings(stage.current, error)


def construct_steps(spec: ConstructionSpec, clock: Clock, stage: Stage) -> ConstructionFindings:
    workload = load_workload(spec.workload)
    backend, params = spec.backend, spec.params
    steps = StepTimer(clock)
    stage.current = "inputs"
    with steps("inputs"):
        inputs = workload.make_inputs(params)
    stage.current = "import"
    with steps("import"):
        if backend in NUMBA_BACKENDS:  # loaded before the backend, so compiles in prepare are seen
            import_numba_if_installed()  # even when the backend imports numba only inside prepare
        module = workload.load(backend)
    with numba_compile_events() as events:
        stage.current = "prepare"
        kernel = prepare_kernel(module, inputs, params, steps)
        stage.current = "first call"
        with steps("first_call"):
            output = kernel.call()
    stage.current = "fetch"
    fetch_started = clock()
    result = kernel.fetch(output)
    findings: ConstructionFindings = {
        "status": "ok",
        "steps": steps.seconds,
        "fetch_seconds": clock() - fetch_started,
        "jit_compile_seconds": compile_seconds(events),
        "info": {**kernel.info, **(thread_facts() if backend == "numba_parallel" else {})},
    }
    if spec.check:
        stage.current = "check"
        check_and_estimate(workload, spec, kernel, inputs, result, findings, clock, stage)
    elif spec.plain_loop_call_seconds:  # a later construction: one more process's plain loop
        stage.current = "plain loop"
        findings["plain_loop"] = plain_loop(kernel.call, spec.plain_loop_call_seconds, clock)
    return findings


def failure_findings(step: str, error: BaseException) -> ConstructionFindings:
    """A step's exception as data: the step, its type and message, the traceback's tail.

    The traceback also goes to stderr, into the child's log.
    """
    formatted = "".join(traceback.format_exception(error))
    print(formatted, file=sys.stderr)
    return {
        "status": "failed",
        "reason": f"{step} raised {type(error).__name__}: {error}",
        "failure": {
            "step": step,
            "error_type": type(error).__name__,
            "message": str(error),
            "traceback": formatted[-TRACEBACK_TAIL_CHARACTERS:],
        },
    }


def check_and_estimate(
    workload: Workload,
    spec: ConstructionSpec,
    kernel: Kernel,
    inputs: object,
    result: object,
    findings: ConstructionFindings,
    clock: Clock,
    stage: Stage | None = None,
) -> None:
    """Correctness check, then (only if it passed) a steady-call estimate and call counts,
    added to ``findings``."""
    stage = stage or Stage()
    backend, params = spec.backend, spec.params
    assert spec.reference_file is not None  # ConstructionSpec.from_json requires it with check
    if backend == workload.reference and not spec.reference_file.exists():
        save_reference(spec.reference_file, result)
    stage.current = f"the reference backend ({workload.reference})"  # its failure is not this backend's
    reference = reference_result(workload, params, spec.reference_file)
    stage.current = "check"
    check = compare(flatten(result), reference, workload.comparison_for(backend))
    if check.failed_on in ("", "values"):  # a result of the wrong structure has no figure to hold
        check.outside = outside_checks(workload, params, result)
    if check.passed and not all(o.passed for o in check.outside):
        check.passed, check.failed_on = False, "outside"
    findings["check"] = check.to_json()
    if workload.work is not None:
        work = workload.work(params, inputs)
        findings["work"] = {"amount": work.amount, "unit": work.unit}
    if not check.passed:
        return
    time_loops = kernel.time_loops or perf_counter_timer(kernel.call, clock)
    estimate = findings["estimate_seconds"] = estimate_call_seconds(time_loops)
    findings["plain_loop"] = plain_loop(kernel.call, estimate, clock)
    counts, _ = count_calls(kernel.call)
    findings["calls_per_evaluation"] = counts.to_json()


def outside_checks(workload: Workload, params: Params, result: object) -> list[OutsideCheck]:
    """The result held against every outside figure the workload declares for this case."""
    checks = []
    for reference in workload.outside_references_for(params):
        expected = reference.expected_for(params)
        observed = float(reference.summarise(result))
        passed = math.isclose(observed, expected, rel_tol=reference.rtol, abs_tol=0.0)
        checks.append(
            OutsideCheck(reference.quantity, expected, observed, passed, reference.source, reference.rtol)
        )
    return checks


def plain_loop(call: Callable[[], object], call_seconds: float, clock: Clock = time.perf_counter) -> PlainLoopFindings:
    """Seconds per call from a plain ``timeit.repeat`` of ``call``, after one warm-up call.

    Independent of pyperf and of the harness's planning: values of the same loop count
    pyperf uses, as many as fit in about ``PLAIN_LOOP_SECONDS`` (3 to 15; a value over
    ``SLOW_VALUE_SECONDS`` once). The garbage collector stays on, as it is in pyperf's
    values and in a user's program (timeit turns it off unless told otherwise).
    """
    loops = loops_for(call_seconds)
    value_seconds = loops * max(call_seconds, 1e-9)
    fewest, most = PLAIN_LOOP_REPEATS
    repeat = max(fewest, min(most, round(PLAIN_LOOP_SECONDS / value_seconds)))
    if value_seconds >= SLOW_VALUE_SECONDS:
        repeat = 1
    call()
    totals = timeit.Timer(call, setup=gc.enable, timer=clock).repeat(repeat=repeat, number=loops)
    return {"seconds": Stats.of(t / loops for t in totals).to_json(), "loops": loops, "timer": "perf_counter"}


def estimate_call_seconds(
    time_loops: Callable[[int], float], target_seconds: float = 0.05, max_loops: int = 2**22
) -> float:
    """Steady seconds per call: double the loops until one timing lasts ``target_seconds``.

    This calibrates pyperf's loops (see harness.run.planning), so pyperf needs no
    calibration process of its own.
    """
    loops = 1
    while True:
        seconds = time_loops(loops)
        if seconds >= target_seconds or loops >= max_loops:
            return seconds / loops
        loops *= 2


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m harness.run.construct SPEC.json", file=sys.stderr)
        return 2
    spec = ConstructionSpec.read(Path(args[0]))
    if spec.output is None:
        print(f"{args[0]}: the spec names no output file for the findings", file=sys.stderr)
        return 2
    findings = construction_findings(spec)
    write_json_atomic(spec.output, findings)
    return 1 if findings["status"] == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
