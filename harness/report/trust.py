"""How far the report's headline figures can be trusted: intervals from the same
statistics as ``harness compare``, and ties within noise.

The independent unit is the pyperf worker process (``harness.regress.time_verdicts``
says why), so every interval here rests on one sample per process: the process's mean.
A speedup's interval is the Hodges-Lehmann interval of the ratio of two entries' process
samples (``harness.regress.significance.ratio_interval``), the one ``compare`` gives for
a change between two runs; two backends are tied when that interval holds 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from harness.core.results import Entry
from harness.regress.significance import ratio_estimate, ratio_interval, strata_of
from harness.regress.time_verdicts import process_means

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Ratio:
    """How many times faster one entry is than another, with its interval (None: one
    side has a single process, too few to bound it)."""

    value: float
    low: float | None
    high: float | None

    @property
    def includes_one(self) -> bool:
        """Within noise of 1; False where there is no interval to say so."""
        return self.low is not None and self.high is not None and self.low <= 1.0 <= self.high

    def text(self) -> str:
        if self.low is None or self.high is None:
            return f"{_times(self.value)} (no interval)"
        # one unit: a no-break space keeps the interval beside its figure
        return f"{_times(self.value)}\u00a0[{_times(self.low, bare=True)}–{_times(self.high, bare=True)}]"


def _times(value: float, bare: bool = False) -> str:
    if math.isinf(value):
        return "∞"
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    elif value >= 0.01:
        text = f"{value:.2f}"
    else:
        text = f"{value:.2g}"
    return text if bare else f"{text}×"


def samples(entry: Entry) -> tuple[float, ...]:
    """One sample per worker process (each value where processes are not recorded)."""
    return tuple(process_means(entry))


def speedup_of(entry: Entry, over: Entry) -> Ratio | None:
    """How many times faster per call ``entry`` is than ``over`` (their process samples).

    With one process on a side there is no interval, and the Hodges-Lehmann estimate would
    be a ratio of process means where every other table of the report divides medians: the
    figure is then the ratio of the two entries' medians, as theirs is."""
    slow, fast = samples(over), samples(entry)
    if (len(slow) < 2 or len(fast) < 2) and entry.evaluation and over.evaluation:
        slowest, fastest = over.evaluation.seconds.median, entry.evaluation.seconds.median
        return Ratio(slowest / fastest, None, None) if slowest > 0 and fastest > 0 else None
    return _speedup(slow, fast)


@lru_cache(maxsize=4096)
def _speedup(slow: tuple[float, ...], fast: tuple[float, ...]) -> Ratio | None:
    if not slow or not fast or min(slow) <= 0 or min(fast) <= 0:
        return None
    strata = strata_of([(list(fast), list(slow))])  # slow/fast: the new side over the base
    value = ratio_estimate(strata)
    if len(slow) < 2 or len(fast) < 2:
        return Ratio(value, None, None)
    low, high = ratio_interval(strata, CONFIDENCE)
    return Ratio(value, low, high)


def process_count(entry: Entry) -> str:
    """How many samples (worker processes) the median and its intervals rest on."""
    return f"{len(samples(entry))} proc."


def efficiency_of(entry: Entry, one_thread: Entry) -> Ratio | None:
    """numba_parallel's parallel efficiency at ``entry``'s threads: its speedup over the case's
    one-thread entry (``speedup_of``, the Hodges-Lehmann ratio of their process samples, with
    that interval) over the threads. The two entries ran in separate processes, so the
    interval is as wide as the machine's speed moves from one process to the next."""
    speedup = speedup_of(entry, over=one_thread)
    if speedup is None:
        return None
    threads = entry.threads or 1
    low = None if speedup.low is None else speedup.low / threads
    high = None if speedup.high is None else speedup.high / threads
    return Ratio(speedup.value / threads, low, high)


def percent_text(ratio: Ratio) -> str:
    """A ratio as a percentage with its interval: "70% [59–83%]"."""
    if ratio.low is None or ratio.high is None:
        return f"{ratio.value:.0%} (no interval)"
    return f"{ratio.value:.0%}\u00a0[{ratio.low * 100:.0f}–{ratio.high:.0%}]"
