"""Running one step of an entry in a child process, isolated from the harness.

A child's crash (an exception, a segfault) or hang (past its time-out) becomes an
outcome with the tail of its stderr; the child and everything it started (pyperf's
workers) are killed as a process group. Ctrl-C in the harness kills the child's group
too, then propagates, so the run stops cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL_CHARACTERS = 2000


@dataclass(frozen=True)
class ChildOutcome:
    returncode: int | None  # None when killed for its time-out
    stderr_tail: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def cause(self) -> str:
        """How the child ended: killed for its time-out, by a signal, or with a status."""
        if self.timed_out:
            return "timed out and was killed"
        if self.returncode is not None and self.returncode < 0:
            return f"died with signal {signal.Signals(-self.returncode).name}"
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


def run_python_module(
    module: str,
    args: list[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
) -> ChildOutcome:
    """Run ``python -m module args`` with its own process group; stdout+stderr go to log_path."""
    return run_command([sys.executable, "-m", module, *args], env=env, timeout=timeout, log_path=log_path)


def run_command(
    command: list[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
    cwd: Path | None = None,
    progress: Path | None = None,
) -> ChildOutcome:
    """Run ``command`` in its own process group; stdout+stderr go to ``log_path``.

    Without ``progress`` the child is killed after ``timeout`` seconds. With it, the
    time-out is a watchdog: the child is killed once ``progress`` (a file it appends to
    as it goes) has not grown for ``timeout`` seconds, so a child working through many
    steps may take as long as it needs, but not hang in one.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        try:
            returncode = _wait(process, timeout, progress)
        except BaseException:
            _kill_group(process)
            raise
    return ChildOutcome(returncode, _tail(log_path))


def _wait(process: subprocess.Popen[bytes], timeout: float, progress: Path | None) -> int | None:
    """The child's exit status, or None once it was killed for its time-out."""
    clock = time.monotonic
    deadline, seen = clock() + timeout, -1
    while True:
        try:
            return process.wait(timeout=max(0.0, min(0.5, deadline - clock())) if progress else timeout)
        except subprocess.TimeoutExpired:
            size = progress.stat().st_size if progress is not None and progress.exists() else -1
            if progress is not None and size != seen:
                deadline, seen = clock() + timeout, size
            elif progress is None or clock() >= deadline:
                _kill_group(process)
                return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - STDERR_TAIL_CHARACTERS))
            return stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
