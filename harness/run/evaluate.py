"""The evaluation phase: steady-state timing with pyperf, ``python -m harness.run.evaluate``.

pyperf runs this module as its master and again in every worker process. Each worker
builds the kernel (Numba loads it from the run's warm on-disk cache), makes one untimed
call of its own (Numba's dispatch and cache load, first-touch page faults), and pyperf
then warms up and records values by calling the time function below. The master writes
pyperf's own JSON, which ``python -m pyperf stats/hist/compare_to`` read as usual.

Every worker watches Numba's compile events (``harness.run.compile_watch``). A compile while
building or in the first call means the kernel could not be loaded from the disk cache
(a closure, dynamic globals), so every process pays for it; a compile inside a timed
value measured the compiler, so that value is discarded and taken again. Each worker
appends what it saw as one JSON line (a ``harness.run.findings.WorkerLog``) to the spec's
``watch_file`` for the runner. The spec is a ``harness.run.spec.EvaluationSpec``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import pyperf

from harness.core.registry import discover
from harness.core.workload import Kernel, StepTimer
from harness.run.compile_watch import CompileWatch
from harness.run.findings import WorkerLog
from harness.run.kernels import NUMBA_BACKENDS, Clock, build_kernel, time_function
from harness.run.spec import EvaluationSpec

RETAKES = 3  # how often a value that compiled is taken again before it is kept, flagged



def guarded_timer(
    time_loops: Callable[[int], float], watch: CompileWatch, log: WorkerLog
) -> Callable[[int], float]:
    """``time_loops``, but a value during which Numba compiled is discarded and taken again
    (up to ``RETAKES`` times; after that it is kept and counted in ``log``)."""

    def timed(loops: int) -> float:
        for attempt in range(RETAKES + 1):
            mark = watch.mark()
            seconds = time_loops(loops)
            if not watch.compiles_since(mark):
                return seconds
            if attempt < RETAKES:
                log.discarded_values.append(seconds / loops)
        log.compiled_values_kept += 1
        return seconds

    return timed


def first_call(kernel: Kernel, watch: CompileWatch, log: WorkerLog, clock: Clock = time.perf_counter) -> None:
    """The worker's untimed first call, before pyperf's first value, whatever the plan."""
    mark = watch.mark()
    started = clock()
    kernel.call()
    log.first_call_seconds = clock() - started
    log.first_call_compiles = watch.compiles_since(mark)
    log.first_call_compile_seconds = watch.seconds_since(mark)


def worker_timer(spec: EvaluationSpec) -> tuple[str, Callable[[int], float], WorkerLog]:
    """Build the kernel in this worker, make its first call, and return the guarded timer."""
    watch, log = CompileWatch(), WorkerLog()
    watch.start(import_numba=spec.backend in NUMBA_BACKENDS)
    workload = discover()[spec.workload]
    kernel, _ = build_kernel(workload, spec.backend, spec.params, StepTimer())
    watch.start()  # the build may have loaded Numba for a backend not named after it
    log.build_compiles, log.build_compile_seconds = watch.compiles_since(), watch.seconds_since()
    first_call(kernel, watch, log)
    timer, function = time_function(kernel)
    return timer, guarded_timer(function, watch, log), log


def main() -> None:
    def pass_spec(cmd: list[str], args: argparse.Namespace) -> None:
        cmd.extend(["--spec", args.spec])

    runner = pyperf.Runner(program_args=("-m", "harness.run.evaluate"), add_cmdline_args=pass_spec)
    runner.argparser.add_argument("--spec", required=True, help="entry spec (JSON file)")
    args = runner.parse_args()
    spec = EvaluationSpec.read(Path(args.spec))
    name = f"{spec.workload}.{spec.backend}"
    if args.worker:
        timer, function, log = worker_timer(spec)
        runner.metadata["harness_timer"] = timer
        runner.bench_time_func(name, function)
        if spec.watch_file:
            log.append_to(spec.watch_file)
    else:
        runner.bench_time_func(name, _never_called_in_master)


def _never_called_in_master(loops: int) -> float:
    raise RuntimeError("pyperf's master process spawns workers and never times itself")


if __name__ == "__main__":
    main()
