"""Memory of an entry with memory_profiler: construction peak, evaluation peak, growth.

Everything here runs in the profiling child (``harness.profiling.child``), never in a
timing process. Peaks come from ``memory_profiler.memory_usage((f, args, kwargs),
max_iterations=1, ...)``, which samples this process's RSS from a forked monitor while
``f`` runs once. Growth samples RSS between evaluation calls for a bounded time and fits
a line through (calls, RSS); ``growing`` needs a significant slope, a total growth above
a floor, and growth that persists into the second half of the window, so that allocator
noise and a one-off warm-up step are not taken for a leak.

The fit (``fit_growth``) and the sampling loop (``sample_growth``) take their RSS reader
and clock as parameters so tests can drive them with planted numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from memory_profiler import memory_usage

from harness.core.profiles import MemoryGrowth

MIB = 1024.0 * 1024.0
# A leak must add at least this much over the sampled window to be flagged...
GROWTH_FLOOR_MIB = 1.0
# ...and keep adding this share of it in the window's second half (a steady leak adds
# about half there; a one-off warm-up step adds nothing).
LATE_GROWTH_SHARE = 0.2
# ...with a slope this unlikely under "no growth".
GROWTH_P_VALUE = 0.001
MIN_GROWTH_SAMPLES = 6
MAX_GROWTH_SAMPLES = 400

RssReader = Callable[[], float]
Clock = Callable[[], float]
Value = TypeVar("Value")


@dataclass(frozen=True)
class GrowthBudget:
    """How long to sample growth: ``seconds``, stretched to ``min_calls`` calls but never
    past ``max_seconds``, and ended early at ``max_calls`` calls, whichever comes first."""

    seconds: float = 1.5
    min_calls: int = 8
    max_seconds: float = 10.0
    max_calls: int = 100_000
    warmup_share: float = 0.1  # of the budget (seconds and calls), spent before sampling starts


def rss_mib() -> float:
    """This process's resident set size in MiB, read through memory_profiler."""
    return float(memory_usage(-1, interval=0.0)[0])


def peak_during(function: Callable[[], Value], interval: float) -> tuple[float, Value]:
    """Run ``function`` once under memory_profiler; its peak RSS (MiB) and return value."""
    samples, value = memory_usage((function, (), {}), interval=interval, max_iterations=1, retval=True)
    return float(max(samples)), value


def sample_interval(expected_seconds: float) -> float:
    """About 100 samples over the expected run time, between 1 ms and 50 ms."""
    return min(0.05, max(0.001, expected_seconds / 100.0))


@dataclass
class GrowthSamples:
    calls: list[int]
    rss_mib: list[float]
    seconds: float  # wall time of the sampled calls
    warmup_calls: int


def sample_growth(
    call: Callable[[], object],
    call_seconds: float,
    budget: GrowthBudget = GrowthBudget(),
    read_rss: RssReader = rss_mib,
    clock: Clock = time.perf_counter,
) -> GrowthSamples:
    """Call ``call`` repeatedly, reading RSS between calls, within the budget.

    The window is ``budget.seconds``, stretched to fit ``min_calls`` calls of
    ``call_seconds`` each but never past ``max_seconds``; sampling stops at the end of
    the window or after ``max_calls`` calls, whichever comes first, so fast calls do not
    spend seconds on calls the fit does not need. RSS is read about ``MAX_GROWTH_SAMPLES``
    times over either limit. Results are dropped as they come, so only what the
    implementation itself keeps can grow.
    """
    window = min(budget.max_seconds, max(budget.seconds, budget.min_calls * call_seconds))
    warmup_until = clock() + window * budget.warmup_share
    warmup_limit = max(1, int(budget.max_calls * budget.warmup_share))
    warmup_calls = 0
    while warmup_calls < 1 or (clock() < warmup_until and warmup_calls < warmup_limit):
        call()
        warmup_calls += 1
    started = clock()
    sample_every = window / MAX_GROWTH_SAMPLES
    sample_every_calls = max(1, budget.max_calls // MAX_GROWTH_SAMPLES)
    calls, rss = [0], [read_rss()]
    last_sample, last_sampled_call = started, 0
    count = 0
    while count < budget.max_calls:
        call()
        count += 1
        now = clock()
        done = now - started >= window or count >= budget.max_calls
        if done or now - last_sample >= sample_every or count - last_sampled_call >= sample_every_calls:
            calls.append(count)
            rss.append(read_rss())
            last_sample, last_sampled_call = now, count
        if done:
            break
    return GrowthSamples(calls, rss, clock() - started, warmup_calls)


@dataclass(frozen=True)
class Growth:
    """A line through (calls, RSS) and the verdict on it."""

    calls: list[int]
    rss_mib: list[float]
    slope_mib_per_1000_calls: float | None
    intercept_mib: float | None
    p_value: float | None
    growth_mib: float | None  # the fitted line's rise over the sampled calls
    late_growth_mib: float | None  # the same over the second half of the calls
    growing: bool
    reason: str

    def record(self, samples: GrowthSamples) -> MemoryGrowth:
        """The fit as stored in a profile, with the sampling it was made from (RSS to 0.1 KiB)."""
        return MemoryGrowth(
            calls=list(self.calls),
            rss_mib=[round(v, 4) for v in self.rss_mib],
            slope_mib_per_1000_calls=self.slope_mib_per_1000_calls,
            intercept_mib=self.intercept_mib,
            p_value=self.p_value,
            growth_mib=self.growth_mib,
            late_growth_mib=self.late_growth_mib,
            growing=self.growing,
            reason=self.reason,
            seconds=samples.seconds,
            warmup_calls=samples.warmup_calls,
        )


def fit_growth(calls: list[int], rss: list[float]) -> Growth:
    """Fit RSS against calls and decide whether memory grows with calls."""
    if len(calls) < MIN_GROWTH_SAMPLES or calls[-1] - calls[0] < MIN_GROWTH_SAMPLES - 1:
        return Growth(
            calls, rss, None, None, None, None, None, False,
            f"too few calls ({calls[-1] - calls[0] if calls else 0}) in the budget to fit a slope; "
            "growth not assessed",
        )
    slope, intercept, p_value = _line(calls, rss)
    span = calls[-1] - calls[0]
    growth = slope * span
    half = len(calls) // 2
    late_slope, _, _ = _line(calls[half:], rss[half:])
    late_growth = late_slope * (calls[-1] - calls[half])
    growing = (
        p_value < GROWTH_P_VALUE
        and growth >= GROWTH_FLOOR_MIB
        and late_growth >= LATE_GROWTH_SHARE * growth
    )
    return Growth(
        calls, rss, slope * 1000.0, intercept, p_value, growth, late_growth, growing,
        _verdict(growing, growth, late_growth, p_value),
    )


def _line(calls: list[int], rss: list[float]) -> tuple[float, float, float]:
    """Least-squares slope, intercept and two-sided p-value of the slope (1.0 when flat).

    The same figures as ``scipy.stats.linregress``, with the t distribution's tail from
    ``scipy.special``: importing scipy.stats takes about a second, longer than the whole
    fit, in every profiling child.
    """
    if len(calls) < 3 or max(rss) == min(rss) or calls[-1] == calls[0]:
        return 0.0, float(rss[0]) if rss else 0.0, 1.0
    count = len(calls)
    mean_x, mean_y = sum(calls) / count, sum(rss) / count
    sxx = sum((x - mean_x) ** 2 for x in calls)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(calls, rss, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(calls, rss, strict=True))
    if residual == 0.0:
        return slope, intercept, 0.0 if slope != 0.0 else 1.0
    degrees = count - 2
    t_value = slope / math.sqrt(residual / degrees / sxx)
    return slope, intercept, t_two_sided_p(t_value, degrees)


def t_two_sided_p(t_value: float, degrees: int) -> float:
    """P(|T| >= |t|) for Student's t with ``degrees`` degrees of freedom."""
    from scipy.special import stdtr  # after the memory figures: scipy and numpy stay out of the baseline

    return float(2.0 * stdtr(degrees, -abs(t_value)))


def _verdict(growing: bool, growth: float, late_growth: float, p_value: float) -> str:
    summary = (
        f"fitted growth {growth:.3g} MiB over the window "
        f"({late_growth:.3g} MiB in its second half), p={p_value:.2g}"
    )
    if growing:
        return f"grows: {summary}"
    return (
        f"flat: {summary}; a leak needs p<{GROWTH_P_VALUE}, growth >= {GROWTH_FLOOR_MIB} MiB "
        f"and growth that persists into the second half"
    )


def memory_notes(backend: str, interval: float, simulated_cuda: bool) -> list[str]:
    """What memory_profiler cannot see for this backend, in words for the report."""
    notes = [
        f"peaks are RSS sampled every {interval * 1000:.3g} ms by memory_profiler: a peak shorter "
        "than that, or memory allocated and freed between two samples, is missed",
        "RSS counts resident pages only: memory allocated but never touched (np.empty, "
        "reserved arenas) is not seen, and memory freed to the allocator but not to the OS "
        "still counts",
        "growth is RSS read between evaluation calls with each call's result dropped; it "
        "shows what the implementation keeps, not its transient use",
    ]
    if backend in ("numba", "numba_parallel"):
        notes.append("Numba-compiled code allocates through NRT; it is seen only through RSS")
    if backend == "numba_parallel":
        notes.append("worker threads' stacks and the threading layer's pools count in RSS")
    if backend == "cuda":
        if simulated_cuda:
            notes.append(
                "device memory not measured: CUDA runs under the simulator "
                "(NUMBA_ENABLE_CUDASIM=1), where device arrays are host memory and show in RSS"
            )
        else:
            notes.append(
                "device memory is not in RSS; 'device' is the context's get_memory_info(), "
                "device-wide, so other processes on the GPU count too"
            )
    return notes


def device_used_mib() -> tuple[float, float] | None:
    """(used, total) device memory in MiB from numba-cuda's context, or None without a GPU."""
    from numba import cuda  # numba-cuda is optional (the cuda extra); only a real GPU's profile reads it

    free, total = cuda.current_context().get_memory_info()
    return (total - free) / MIB, total / MIB
