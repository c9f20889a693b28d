"""SIGTERM and SIGHUP stop a run the way Ctrl-C does.

Inside ``stop_signals_interrupt()``, SIGINT, SIGTERM and SIGHUP raise ``Interrupted``
(a ``KeyboardInterrupt``), so one code path kills the running child's guard, marks the
run interrupted, saves and exits with 128 + the signal's number (130 for Ctrl-C, 143
for SIGTERM, 129 for SIGHUP). Only the first signal raises: later ones are ignored, so
the save that follows the first is never cut short. A SIGINT or SIGHUP that the
harness was started ignoring (a background job, ``nohup``) stays ignored.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
RESPECTED_IF_IGNORED = (signal.SIGINT, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``exit_code`` is 128 + its number."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number

    @property
    def exit_code(self) -> int:
        return 128 + self.signal_number


def exit_code_of(interruption: KeyboardInterrupt) -> int:
    """128 + the signal for ``Interrupted``; 130 (SIGINT) for a plain KeyboardInterrupt."""
    if isinstance(interruption, Interrupted):
        return interruption.exit_code
    return 128 + signal.SIGINT


class _RaiseOnce:
    """The handler: raise ``Interrupted`` for the first stop signal, ignore the rest."""

    def __init__(self) -> None:
        self.received: int | None = None

    def __call__(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None:
            return
        self.received = number
        raise Interrupted(number)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Turn stop signals into ``Interrupted`` inside the block; restore the handlers after."""
    handler = _RaiseOnce()
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    for number in STOP_SIGNALS:
        if number in RESPECTED_IF_IGNORED and previous[number] == signal.SIG_IGN:
            continue
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
