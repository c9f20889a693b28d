"""Counting Python-level function calls made by one evaluation (the diary's measure).

Counts come from ``sys.setprofile`` events: ``call`` (a Python function entered, or a
Numba-jitted function, for which Numba's dispatcher reports a frame) and ``c_call`` (a
built-in function called from Python).

The harness calls ``Kernel.call``, usually a small wrapper (a lambda) that makes the
user's call; that wrapper frame is the harness's, not the workload's, and is not
counted. Some compiled calls are invisible to the profiler (a Cython function called
from compiled code); an evaluation always makes at least one call, so ``total`` is at
least 1. A compiled backend that reaches "one call per evaluation" shows ``total == 1``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TypeVar

Result = TypeVar("Result")


@dataclass(frozen=True)
class CallCount:
    python_calls: int
    builtin_calls: int

    @property
    def total(self) -> int:
        return max(1, self.python_calls + self.builtin_calls)

    def to_json(self) -> dict[str, int]:
        return {
            "python_calls": self.python_calls,
            "builtin_calls": self.builtin_calls,
            "total": self.total,
        }


def count_calls(function: Callable[[], Result]) -> tuple[CallCount, Result]:
    """Run ``function()`` once; count the calls made inside it (its own frame excluded)."""
    wrapper_code = getattr(function, "__code__", None)
    counts = {"call": 0, "c_call": 0}
    wrapper_seen = False

    def profiler(frame: FrameType, event: str, arg: object) -> None:
        nonlocal wrapper_seen
        if event == "call" and not wrapper_seen and frame.f_code is wrapper_code:
            wrapper_seen = True
            return
        if event in counts:
            counts[event] += 1

    threading.setprofile(profiler)
    sys.setprofile(profiler)
    try:
        result = function()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    builtin_calls = counts["c_call"] - 1  # the c_call of sys.setprofile(None) itself
    return CallCount(python_calls=counts["call"], builtin_calls=builtin_calls), result
