"""Numba compilation seen from inside a process: how many compiles, and how long they took.

Numba announces every real compile (not a load from its disk cache) as a
``numba:compile`` event. A process that should only load cached code (a pyperf worker, a
cache-load run) watches these events: a compile there means the kernel cannot be cached
(a closure, dynamic globals) and every process pays for it, and a compile inside a timed
value means that value measured the compiler, not the kernel.

Importing this module imports nothing heavy; Numba is imported only when asked for.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numba.core.event import Event, Listener

COMPILE_EVENT = "numba:compile"


def import_numba_if_installed() -> None:
    """Import Numba when it is installed (a missing one is the backend's to report)."""
    if "numba" not in sys.modules and importlib.util.find_spec("numba") is not None:
        import numba  # noqa: F401  # optional (the jit extra): importing it is this function's job


def compile_seconds(events: Iterable[tuple[float, str]]) -> float | None:
    """Wall time covered by outermost compile events (nested compiles counted once).

    ``events`` are ``(timestamp, status)`` pairs with status ``START`` or ``END``; None
    when there are none.
    """
    depth, started, total, seen = 0, 0.0, 0.0, False
    for stamp, status in events:
        seen = True
        if status == "START":
            if depth == 0:
                started = stamp
            depth += 1
        elif status == "END" and depth > 0:
            depth -= 1
            if depth == 0:
                total += stamp - started
    return total if seen else None


def outermost_compiles(events: Iterable[tuple[float, str]]) -> int:
    """How many compiles started at depth zero (a kernel compiling its helpers counts once)."""
    depth = count = 0
    for _, status in events:
        if status == "START":
            count += depth == 0
            depth += 1
        elif status == "END" and depth > 0:
            depth -= 1
    return count


@dataclass
class CompileWatch:
    """Records Numba's compile events from ``start()`` on, if Numba is (or gets) loaded.

    ``mark()`` returns a position in the record; ``since(mark)`` the compiles after it.
    """

    events: list[tuple[float, str]] = field(default_factory=list)
    _listener: Listener | None = None

    def start(self, *, import_numba: bool = False) -> bool:
        """Begin recording; True if Numba is loaded (importing it first if asked and installed)."""
        if self._listener is not None:
            return True
        if import_numba:
            import_numba_if_installed()  # loaded here so that compiles during a build are seen
        if "numba" not in sys.modules:
            return False
        from numba.core import event  # optional: reached only once Numba is loaded (checked above)

        watch = self

        class Recorder(event.Listener):  # type: ignore[misc]  # numba ships no type information
            def on_start(self, ev: Event) -> None:
                watch.events.append((time.perf_counter(), "START"))

            def on_end(self, ev: Event) -> None:
                watch.events.append((time.perf_counter(), "END"))

        self._listener = Recorder()
        event.register(COMPILE_EVENT, self._listener)
        return True

    def mark(self) -> int:
        return len(self.events)

    def compiles_since(self, mark: int = 0) -> int:
        return outermost_compiles(self.events[mark:])

    def seconds_since(self, mark: int = 0) -> float:
        return compile_seconds(self.events[mark:]) or 0.0

