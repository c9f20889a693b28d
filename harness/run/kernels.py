"""A kernel: built from a workload, a backend and a case (inputs, import, prepare, each
timed), and timed over ``loops`` back-to-back calls. The construction child, the pyperf
workers, the profilers and the A/B check's processes all build and time kernels so."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Protocol

from harness.core.workload import Kernel, Params, StepTimer, Workload

NUMBA_BACKENDS = ("numba", "numba_parallel", "cuda")

Clock = Callable[[], float]


class BackendModule(Protocol):
    """A backend's module, as ``Workload.load`` imports it: its ``prepare`` makes the kernel."""

    def prepare(self, inputs: object, params: Params, steps: StepTimer) -> Kernel: ...


def perf_counter_timer(call: Callable[[], object], clock: Clock = time.perf_counter) -> Callable[[int], float]:
    """Seconds taken by ``loops`` back-to-back calls."""

    def time_loops(loops: int) -> float:
        repeat = itertools.repeat(None, loops)
        started = clock()
        for _ in repeat:
            call()
        return clock() - started

    return time_loops


def time_function(kernel: Kernel) -> tuple[str, Callable[[int], float]]:
    """The timer's name and function: the kernel's own (CUDA events) if it has one, else a
    loop timed with ``perf_counter``."""
    if kernel.time_loops:
        return "cuda_events", kernel.time_loops
    return "perf_counter", perf_counter_timer(kernel.call)


def load_backend(
    workload: Workload, backend: str, params: Params, steps: StepTimer
) -> tuple[BackendModule, object]:
    """Make the inputs and import the backend's module, each timed."""
    with steps("inputs"):
        inputs = workload.make_inputs(params)
    with steps("import"):
        module = workload.load(backend)
    return module, inputs


def prepare_kernel(module: BackendModule, inputs: object, params: Params, steps: StepTimer) -> Kernel:
    """Run the backend's ``prepare``; its own named sub-steps become ``prepare.<name>``."""
    prepare_steps = StepTimer(steps.clock)
    with steps("prepare"):
        kernel = module.prepare(inputs, params, prepare_steps)
    for name, seconds in prepare_steps.seconds.items():
        steps.seconds[f"prepare.{name}"] = seconds
    return kernel


def build_kernel(
    workload: Workload, backend: str, params: Params, steps: StepTimer
) -> tuple[Kernel, object]:
    """Inputs, import and prepare, each timed; returns the kernel and its inputs."""
    module, inputs = load_backend(workload, backend, params, steps)
    return prepare_kernel(module, inputs, params, steps), inputs
