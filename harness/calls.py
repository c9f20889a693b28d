"""Counting Python-level function calls made by one evaluation (the diary's measure).

Counts come from ``sys.setprofile`` events: ``call`` (a Python function or generator
resumption entered) and ``c_call`` (a built-in or extension function called from Python).
A compiled kernel called from Python shows up as one call; a pure-Python loop shows every
call it makes.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CallCount:
    python_calls: int
    builtin_calls: int

    @property
    def total(self) -> int:
        return self.python_calls + self.builtin_calls

    def to_json(self) -> dict[str, int]:
        return {
            "python_calls": self.python_calls,
            "builtin_calls": self.builtin_calls,
            "total": self.total,
        }


def count_calls(function: Callable[[], Any]) -> tuple[CallCount, Any]:
    """Run ``function()`` once and count the calls it makes, itself included.

    ``function`` is the one call the user makes per evaluation, so it always counts as
    one: a compiled kernel behind a lambda counts 1, a pure-Python loop counts 1 plus
    every call made inside it. The profiler switch-off is not counted.
    """
    counts = {"call": 0, "c_call": 0}

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event in counts:
            counts[event] += 1

    threading.setprofile(profiler)
    sys.setprofile(profiler)
    try:
        result = function()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    builtin_calls = counts["c_call"] - 1  # the c_call of sys.setprofile(None)
    if not inspect.isfunction(function) and not inspect.ismethod(function):
        builtin_calls += 1  # a C-level callable (functools.partial, a dispatcher) emits no event
    return CallCount(python_calls=counts["call"], builtin_calls=builtin_calls), result
