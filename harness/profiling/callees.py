"""Which functions one evaluation calls, and how often: cProfile's view of a call.

``harness.run.calls`` gives the single number (Python calls per evaluation); this breaks it
down by callee, so a report can say *what* a backend calls a hundred thousand times.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from types import CodeType

from harness.core.profiles import Callee

TOP_CALLEES = 15


def top_callees(function: Callable[[], object], count: int = TOP_CALLEES) -> tuple[list[Callee], int]:
    """Run ``function()`` once under cProfile; the most-called functions and the total calls.

    The profiler's own bookkeeping (``disable``) and ``function`` itself are left out.
    """
    profiler = cProfile.Profile()
    profiler.runcall(function)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    own_code = getattr(function, "__code__", None)
    callees = []
    for (file, lineno, name), (primitive, calls, own, cumulative, _) in stats.items():
        if ("disable" in name and "_lsprof" in name) or _is_code(own_code, file, lineno, name):
            continue
        callees.append(Callee(name, file, lineno, calls, primitive, own, cumulative))
    callees.sort(key=lambda c: (-c.calls, -c.cumulative_seconds))
    return callees[:count], sum(c.calls for c in callees)


def _is_code(code: CodeType | None, file: str, lineno: int, name: str) -> bool:
    return code is not None and (code.co_filename, code.co_firstlineno, code.co_name) == (file, lineno, name)
