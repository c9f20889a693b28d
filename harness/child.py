"""Running one step of an entry in a child process, isolated from the harness.

A child's crash (an exception, a segfault) or hang (past its time-out) becomes an
outcome with the tail of its stderr; the child and everything it started (pyperf's
workers) are killed as a process group. Ctrl-C in the harness kills the child's group
too, then propagates, so the run stops cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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

    def describe(self) -> str:
        """Why the child did not succeed, in words, with the tail of what it said."""
        if self.timed_out:
            cause = "timed out and was killed"
        elif self.returncode is not None and self.returncode < 0:
            cause = f"died with signal {signal.Signals(-self.returncode).name}"
        else:
            cause = f"exited with status {self.returncode}"
        tail = self.stderr_tail.strip()
        return f"{cause}: {tail}" if tail else cause


def run_python_module(
    module: str,
    args: list[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    log_path: Path,
) -> ChildOutcome:
    """Run ``python -m module args`` with its own process group; stdout+stderr go to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            returncode = None
        except BaseException:
            _kill_group(process)
            raise
    return ChildOutcome(returncode, _tail(log_path))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
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
