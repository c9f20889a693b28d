"""How much measuring each entry gets: pyperf processes, values, warmups and loops.

pyperf's defaults (20 processes x 3 values, loops calibrated to 100 ms a value) suit
microbenchmarks; a pure-Python backend taking seconds per call would run for minutes.
The plan fits an evaluation budget per entry, from the steady-state time of one call
calibrated in the check run and the start-up cost of a worker (interpreter start plus
its construction with a warm cache). A worker always makes an untimed first call before
its first value, whatever the budget. The budget sets the most worker processes; the
evaluation runs a first round of them (as many as compare needs to call a change,
``processes_for_verdicts``) and adds more only while the process means disagree
(``processes_to_add``), up to the budget's most. The first round also measures the
workers' start-up (``measured_startup``); where the budget allows more processes at it,
the evaluation is planned again from it (``harness.run.runner``). Every plan is stored in
the entry, so nothing about it is hidden.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

MIN_VALUE_SECONDS = 0.1  # pyperf's --min-time: a value should last at least this long
MAX_PROCESSES = 20
MIN_PROCESSES = 3
# The fewest processes in the first round of an evaluation; more follow only where their
# means disagree. A run's first round is larger where compare needs it (processes_for_verdicts).
FIRST_ROUND_PROCESSES = 5
# compare's default alpha (harness.regress.verdicts.Thresholds; a test holds them equal)
VERDICT_ALPHA = 0.01
# The evaluation stops adding processes once the 95% interval of the mean of the process
# means is within this share of it: well inside compare's 5% minimum effect (the interval of
# a ratio of two such means is about 2.8% wide each way).
TARGET_HALF_WIDTH = 0.02
# An evaluation is planned again when its first round's workers started in under this share
# of the planned start-up (an estimate that counted a compile into the entry's build cache),
# and at least this many seconds sooner: the round's values are an estimate too (the check's
# call time), and in a noisy hour they moved plans whose start-up was right (in the default
# run at 0fa84eb4, 10 of 18 entries planned again had a start-up of 0.31-0.83 s planned).
REPLAN_STARTUP_SHARE = 0.5
REPLAN_MIN_SECONDS = 1.0


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

    def round_of(self, processes: int) -> EvaluationPlan:
        """This plan with ``processes`` workers: one round of an evaluation."""
        return replace(self, processes=processes)

    def first_round(self, entries: int = 1) -> int:
        """The processes of the first round in a run of ``entries``: as many as compare needs to
        call a change in one of them (``processes_for_verdicts``), or the budget's fewer."""
        return min(self.processes, processes_for_verdicts(entries))


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
    faults land there), and pyperf adds a warm-up value wherever it fits. The budget
    allows as many processes as fit, from 3 up to 20 (the most the evaluation may run;
    ``processes_to_add`` decides how many it does); a call so slow that three processes do not
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


def measured_startup(plan: EvaluationPlan, call_seconds: float, round_seconds: float, processes: int) -> float:
    """The start-up of one worker that a round of ``processes`` workers of ``plan`` showed: the
    round's wall time a process, less what its first call and values take (pyperf's master
    and the guard are in it).

    A plan's start-up is an estimate: a cache load for a JIT backend, else the cold
    construction less its first call. Where that construction compiled into the entry's
    build cache (c, a generated Cython module), the workers load the build and start in a
    fraction of it, and the estimate left one process where the budget holds eight.
    """
    per_process = round_seconds / max(processes, 1)
    return max(0.0, per_process - expected_seconds(plan.round_of(1), call_seconds, 0.0))


def replanned(
    plan: EvaluationPlan,
    call_seconds: float,
    budget_seconds: float,
    planned_startup: float,
    round_seconds: float,
    processes: int,
) -> tuple[EvaluationPlan, float] | None:
    """The plan a first round of ``processes`` workers that took ``round_seconds`` calls for,
    with the start-up it measured; None to keep ``plan``.

    Planned again only where the workers started in under ``REPLAN_STARTUP_SHARE`` of the
    planned start-up and at least ``REPLAN_MIN_SECONDS`` sooner (an estimate that counted a
    compile), and the budget then holds more processes: an estimate that was about right is
    kept, so noise does not move plans.
    """
    measured = measured_startup(plan, call_seconds, round_seconds, processes)
    better = plan_evaluation(call_seconds, measured, budget_seconds)
    far_off = measured < planned_startup * REPLAN_STARTUP_SHARE and planned_startup - measured >= REPLAN_MIN_SECONDS
    if not far_off or better.processes <= plan.processes:
        return None
    return better, measured


def processes_for_verdicts(entries: int, alpha: float = VERDICT_ALPHA) -> int:
    """The fewest processes per side at which compare's two-sided rank test on process means
    can call a change in a run of ``entries`` after Holm's correction over them.

    The smallest p that n processes against n can give is 2 / C(2n, n) (0.0079 at five,
    4.1e-5 at nine), and Holm's first step needs p under alpha / entries: five suffice for
    one entry, eight for 20, nine for 176 (the default preset). At least
    ``FIRST_ROUND_PROCESSES``, at most ``MAX_PROCESSES``.
    """
    n = FIRST_ROUND_PROCESSES
    while n < MAX_PROCESSES and 2 / math.comb(2 * n, n) >= alpha / max(entries, 1):
        n += 1
    return n


def relative_half_width(process_means: Sequence[float]) -> float:
    """Half the width of the 95% Student t interval of the mean of ``process_means``, over that mean.

    Each process is one sample (pyperf's model: what varies from process to process, the
    memory layout and hash seeds, is the spread that matters); inf for fewer than two.
    """
    if len(process_means) < 2:
        return math.inf
    from scipy.stats import t  # only the runner's parent process needs it

    mean = statistics.fmean(process_means)
    if mean <= 0:
        return math.inf
    spread = statistics.stdev(process_means) / math.sqrt(len(process_means))
    return float(t.ppf(0.975, len(process_means) - 1)) * spread / mean


def processes_to_add(process_means: Sequence[float], planned: int, target: float = TARGET_HALF_WIDTH) -> int:
    """How many more worker processes an evaluation should run after those of ``process_means``.

    None once the interval is within ``target`` or ``planned`` processes (the budget's
    most) have run. Otherwise as many as the spread so far says the interval needs
    (n >= (t * s / (target * mean))^2 with the current t), at least two, at most what
    the plan has left.
    """
    done = len(process_means)
    left = planned - done
    if left <= 0:
        return 0
    width = relative_half_width(process_means)
    if width <= target:
        return 0
    if not math.isfinite(width):
        return left
    needed = math.ceil(done * (width / target) ** 2)
    return min(left, max(2, needed - done))
