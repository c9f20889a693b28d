"""Running one step of an entry in a child process, isolated from the harness.

A child's crash (an exception, a segfault) or hang (past its time-out) becomes an
outcome with the tail of its output. Every child runs under a guard
(``harness/run/guard.py``) in a session of its own: when the step ends, times out, passes
its memory limit, or the harness stops or dies in any way (Ctrl-C, SIGTERM, ``kill -9``),
the guard kills the child and every process it started, pyperf's workers and processes
that left for a session of their own included. Ctrl-C in the harness stops the guard
too, then propagates, so the run stops cleanly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

GUARD = Path(__file__).resolve().with_name("guard.py")
GUARD_STOP_SECONDS = 30.0  # how long a stopped guard may take to kill its tree before it is killed
GIB = 2**30
STDERR_TAIL_CHARACTERS = 2000


@dataclass(frozen=True)
class ChildOutcome:
    returncode: int | None  # None when killed: its time-out, its memory limit
    stderr_tail: str
    memory_limit_bytes: int | None = None  # set when killed for passing this limit
    leftovers_killed: int = 0  # processes still running when the child exited, killed then

    @property
    def timed_out(self) -> bool:
        return self.returncode is None and self.memory_limit_bytes is None

    @property
    def out_of_memory(self) -> bool:
        return self.memory_limit_bytes is not None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def cause(self) -> str:
        """How the child ended: killed for its memory limit or its time-out, by a signal, or with a status."""
        if self.memory_limit_bytes is not None:
            return f"out of memory (limit {format_gib(self.memory_limit_bytes)} GiB)"
        if self.timed_out:
            return "timed out and was killed"
        if self.returncode is not None and self.returncode < 0:
            return f"died with signal {_signal_name(-self.returncode)}"
        return f"exited with status {self.returncode}"

    def describe(self) -> str:
        """Why the child did not succeed, in words, with the tail of what it said."""
        tail = self.stderr_tail.strip()
        return f"{self.cause}: {tail}" if tail else self.cause

    def headline(self) -> str:
        """One line: how the child ended and the last meaningful line it wrote."""
        line = last_meaningful_line(self.stderr_tail)
        return f"{self.cause}: {line}" if line else self.cause


# Lines of a traceback or a faulthandler dump that say nothing on their own.
UNINFORMATIVE_PREFIXES = ("Traceback (most recent call last)", "Extension modules:", "Current thread", "Thread 0x")


def last_meaningful_line(output: str) -> str:
    """The last line of ``output`` that says something: the exception, not a frame or header.

    Frames (indented lines), traceback headers and faulthandler's module lists are skipped,
    so a Python traceback yields ``ValueError: ...``.
    """
    for line in reversed(output.splitlines()):
        if line.strip() and not line[0].isspace() and not line.startswith(UNINFORMATIVE_PREFIXES):
            return line.strip()
    return ""


def format_gib(size_bytes: int) -> str:
    return f"{size_bytes / GIB:.3g}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def run_python_module(
    module: str,
    args: list[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
    memory_limit: int | None = None,
) -> ChildOutcome:
    """Run ``python -m module args`` under a guard; stdout+stderr go to log_path."""
    return run_command(
        [sys.executable, "-m", module, *args], env=env, timeout=timeout, log_path=log_path, memory_limit=memory_limit
    )


def run_command(
    command: list[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
    cwd: Path | None = None,
    progress: Path | None = None,
    memory_limit: int | None = None,
) -> ChildOutcome:
    """Run ``command`` under a guard in a session of its own; stdout+stderr go to ``log_path``.

    Without ``progress`` the child is killed after ``timeout`` seconds. With it, the
    time-out is a watchdog: the child is killed once ``progress`` (a file it appends to
    as it goes) has not grown for ``timeout`` seconds, so a child working through many
    steps may take as long as it needs, but not hang in one. ``memory_limit`` (bytes)
    caps the resident memory of the child and everything it starts, together.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    status_path = log_path.with_name(f".{log_path.name}.guard")  # no .json: no reader mistakes it for results
    status_path.unlink(missing_ok=True)
    guarded = [sys.executable, "-I", str(GUARD), str(status_path), str(memory_limit or 0), "--", *command]
    with open(log_path, "w") as log:
        guard = subprocess.Popen(
            guarded,
            stdin=subprocess.PIPE,  # end-of-file on it tells the guard to stop: see harness/run/guard.py
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        try:
            finished = _wait(guard, timeout, progress)
        except BaseException:
            _stop(guard)
            raise
        if not finished:
            _stop(guard)
    return _outcome(status_path, guard, _tail(log_path))


def _wait(guard: subprocess.Popen[bytes], timeout: float, progress: Path | None) -> bool:
    """True once the guard ended by itself, False when the time-out passed first."""
    clock = time.monotonic
    deadline, seen = clock() + timeout, -1
    while True:
        try:
            guard.wait(timeout=max(0.0, min(0.5, deadline - clock())) if progress else timeout)
            return True
        except subprocess.TimeoutExpired:
            size = progress.stat().st_size if progress is not None and progress.exists() else -1
            if progress is not None and size != seen:
                deadline, seen = clock() + timeout, size
            elif progress is None or clock() >= deadline:
                return False


def _stop(guard: subprocess.Popen[bytes]) -> None:
    """Close the guard's pipe, so it kills its tree and exits; kill its group if it does not."""
    if guard.stdin is not None:
        with contextlib.suppress(OSError):
            guard.stdin.close()
    try:
        guard.wait(timeout=GUARD_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(guard.pid, signal.SIGKILL)
        guard.wait()


def _outcome(status_path: Path, guard: subprocess.Popen[bytes], tail: str) -> ChildOutcome:
    """The child's outcome from the guard's status file (the guard's own exit if it wrote none)."""
    if guard.stdin is not None:
        with contextlib.suppress(OSError):
            guard.stdin.close()
    try:
        status = json.loads(status_path.read_text())
    except (OSError, ValueError):  # the guard itself failed: make sure its group is gone
        with contextlib.suppress(ProcessLookupError):
            os.killpg(guard.pid, signal.SIGKILL)
        return ChildOutcome(guard.returncode if guard.returncode else None, tail)
    if status.get("ended") == "not_started":
        return ChildOutcome(127, f"{tail}\ncould not start the child: {status.get('error')}".strip())
    if status.get("ended") == "out_of_memory":
        return ChildOutcome(None, tail, memory_limit_bytes=int(status["limit_bytes"]))
    return ChildOutcome(status.get("returncode"), tail, leftovers_killed=int(status.get("leftovers_killed", 0)))


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - STDERR_TAIL_CHARACTERS))
            return stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
