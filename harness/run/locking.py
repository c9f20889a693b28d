"""One writer per results file: an advisory lock held while a run or a profile writes it.

The lock is ``fcntl.flock`` on ``.<results name>.lock`` beside the results file, which
holds the writer's PID and command so a second writer can say who holds it. The kernel
drops a ``flock`` when its holder dies, however it dies, so a lock file left behind by
a killed run never blocks the next one. The holder removes the file while still holding
the lock; a process that opened the old file meanwhile notices (its descriptor no longer
names the path's file) and starts over, so two writers never both hold a lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from types import TracebackType

from harness.core.results import ResultsError


class ResultsLocked(ResultsError):
    """Another process is writing the results file."""


def lock_path(results: Path) -> Path:
    return results.with_name(f".{results.name}.lock")


class ResultsLock:
    """``with ResultsLock(path, command):`` holds the lock on ``path`` for the block."""

    def __init__(self, results: Path, command: str) -> None:
        self.results = Path(results)
        self.path = lock_path(self.results)
        self.command = command
        self._descriptor: int | None = None

    def __enter__(self) -> ResultsLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while self._descriptor is None:
            self._descriptor = self._try_lock()
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        holder = {"pid": os.getpid(), "command": self.command, "since": since}
        os.ftruncate(self._descriptor, 0)
        os.write(self._descriptor, json.dumps(holder).encode())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._descriptor is None:
            return
        self.path.unlink(missing_ok=True)  # while still locked: see the module docstring
        os.close(self._descriptor)
        self._descriptor = None

    def _try_lock(self) -> int | None:
        """The locked descriptor; None if the file was replaced meanwhile (try again)."""
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(descriptor)
            os.close(descriptor)
            raise ResultsLocked(self._held_message(holder)) from None
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            current = None
        if current != os.fstat(descriptor).st_ino:
            os.close(descriptor)
            return None
        return descriptor

    def _held_message(self, holder: dict[str, object]) -> str:
        who = f"process {holder.get('pid', '?')}"
        if holder.get("command"):
            who += f" ({holder['command']})"
        return (
            f"{self.results} is being written by {who}, since {holder.get('since', '?')}; "
            "wait for it to finish or stop it, then try again (two writers would lose entries)"
        )


def _read_holder(descriptor: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(descriptor, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
