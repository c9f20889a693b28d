"""How much measuring each entry gets: pyperf processes, values, warmups and loops.

pyperf's defaults (20 processes x 3 values, loops calibrated to 100 ms a value) suit
microbenchmarks; a pure-Python backend taking seconds per call would run for minutes.
The plan fits an evaluation budget per entry, from the steady-state time of one call
calibrated in the check run and the start-up cost of a worker (interpreter start plus
its construction with a warm cache). A worker always makes an untimed first call before
its first value, whatever the budget. Every plan is stored in the entry, so nothing
about it is hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_VALUE_SECONDS = 0.1  # pyperf's --min-time: a value should last at least this long
MAX_PROCESSES = 20
MIN_PROCESSES = 3


@dataclass(frozen=True)
class EvaluationPlan:
    processes: int
    values: int
    warmups: int
    loops: int  # calls per value

    def pyperf_args(self) -> list[str]:
        return [
            f"--processes={self.processes}",
            f"--values={self.values}",
            f"--warmups={self.warmups}",
            f"--loops={self.loops}",
            f"--min-time={MIN_VALUE_SECONDS}",
        ]


def loops_for(call_seconds: float, value_seconds: float = MIN_VALUE_SECONDS) -> int:
    """Calls per value so that a value lasts ``value_seconds``: a power of two, as pyperf's."""
    if call_seconds >= value_seconds:
        return 1
    return int(2 ** math.ceil(math.log2(value_seconds / max(call_seconds, 1e-9))))


def plan_evaluation(call_seconds: float, startup_seconds: float, budget_seconds: float) -> EvaluationPlan:
    """Choose a pyperf plan whose expected duration fits ``budget_seconds`` where it can.

    Loops come from the check run's calibrated estimate of one call, so pyperf spends no
    process on calibration. Every worker makes one untimed call of its own before pyperf
    takes over (``harness.run.evaluate``: Numba's dispatch, a cache load, first-touch page
    faults land there), and pyperf adds a warm-up value wherever it fits. Calls run in as
    many processes as fit, from 3 up to 20; a call so slow that three processes do not
    fit runs in one process with as many values as fit, at least two. Nothing is dropped
    to meet the budget: a plan that cannot fit takes longer, and ``expected_seconds``
    says how much.
    """
    loops = loops_for(call_seconds)
    value_seconds = loops * max(call_seconds, 1e-9)
    first_call = max(call_seconds, 0.0)
    values, warmups = 3, 1
    per_process = startup_seconds + first_call + (values + warmups) * value_seconds
    processes = math.floor(budget_seconds / per_process)
    if processes >= MIN_PROCESSES:
        return EvaluationPlan(min(processes, MAX_PROCESSES), values, warmups, loops)
    fitting = math.floor((budget_seconds - startup_seconds - first_call) / value_seconds)
    warmups = 1 if fitting >= 4 else 0  # the worker's own first call is the warm-up then
    return EvaluationPlan(1, max(2, fitting - warmups), warmups, loops)


def expected_seconds(plan: EvaluationPlan, call_seconds: float, startup_seconds: float) -> float:
    """Roughly how long ``plan`` takes: per process, start-up, the first call and the values."""
    value_seconds = plan.loops * max(call_seconds, 1e-9)
    per_process = startup_seconds + max(call_seconds, 0.0) + (plan.values + plan.warmups) * value_seconds
    return plan.processes * per_process
