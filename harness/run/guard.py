"""The guard: runs one child command, and nothing the command starts outlives it.

``harness.run.child`` starts every child step as ``python -I guard.py STATUS LIMIT -- COMMAND``
in a session of its own, with a pipe on the guard's standard input whose other end only
the harness holds. The guard starts COMMAND and waits until one of these happens:

- the command exits: its exit status is the outcome;
- the pipe reaches end-of-file: the harness closed it (the step's time-out, Ctrl-C) or
  died, however it died (``kill -9`` included), since the kernel closes a dead process's
  descriptors;
- the guard gets SIGTERM;
- the resident memory of the command's processes, summed, exceeds LIMIT bytes (0: no
  limit): ``out_of_memory``.

In every case it then kills every process below it, and writes the outcome to STATUS
(JSON). The guard is a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux 3.4+):
a process the command starts that leaves its session (``setsid``) and loses its parent
is re-parented to the guard instead of to PID 1, so it is still found among the guard's
descendants and killed with the rest. Without a subreaper (other systems) such a process
can escape.

Why a pipe and not ``prctl(PR_SET_PDEATHSIG)``: the parent-death signal reaches only the
direct child, not the processes it starts; it fires when the *thread* that started the
child ends, not the process (``harness check`` starts children from worker threads); and
it is Linux-only. End-of-file on a pipe reaches the guard however the harness ends, and
the guard, not the kernel, then kills the whole tree.

Why resident memory and not ``setrlimit``: ``RLIMIT_AS`` and ``RLIMIT_DATA`` count
address space that is reserved, not used. Numba's threads, LLVM and above all the CUDA
simulator and driver reserve far more than they touch (see docs/faults.md for the
measured figures), so a limit on them fails healthy backends long before a runaway one.
The guard samples the resident set of every process of the tree every
``POLL_SECONDS`` and kills the tree once the sum passes the limit; a process that
allocates faster than that may overshoot by what it allocates in one interval.

This file runs by path in an isolated interpreter (``-I``), so it imports nothing from
the harness: the tree being guarded may be another checkout (``harness check``).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import NotRequired, TypedDict

PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
POLL_SECONDS = 0.25  # how often resident memory is sampled, when there is a limit
KILL_ROUNDS = 200  # kill passes over the tree before giving up on a process that keeps forking


class GuardStatus(TypedDict):
    """The status file: how the command ended and what the guard saw (``harness.run.child`` reads it)."""

    ended: str  # exited, stopped, out_of_memory, terminated or not_started
    returncode: int | None
    error: NotRequired[str]  # why the command could not be started
    leftovers_killed: NotRequired[int]
    limit_bytes: NotRequired[int]
    peak_bytes: NotRequired[int]
    subreaper: NotRequired[bool]
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Terminated(Exception):
    """The guard got SIGTERM: stop the command and everything it started."""


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process (Linux); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _proc_children_available() -> bool:
    return Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (every thread's), from /proc; psutil where /proc lacks them."""
    if not PROC_CHILDREN:
        import psutil  # only where /proc lacks the children files; the guard starts with every step

        try:
            return [child.pid for child in psutil.Process(pid).children()]
        except psutil.Error:
            return []
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for thread in threads:
        try:
            text = Path(f"/proc/{pid}/task/{thread}/children").read_text()
        except OSError:
            continue
        found += [int(part) for part in text.split()]
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents before their children."""
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in children_of(queue.pop(0)):
            if child not in found:
                found.append(child)
                queue.append(child)
    return found


def resident_bytes(pid: int) -> int:
    """The resident set of ``pid`` in bytes (0 once it is gone)."""
    if not PROC_CHILDREN:
        import psutil  # only where /proc lacks the children files; the guard starts with every step

        try:
            return int(psutil.Process(pid).memory_info().rss)
        except psutil.Error:
            return 0
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def reap() -> Iterator[tuple[int, int]]:
    """(pid, exit code) of every child that has ended, without waiting."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, os.waitstatus_to_exitcode(status)


def kill_tree(root: int) -> int:
    """SIGKILL every process below ``root`` until none is left; how many were alive at first."""
    first: set[int] | None = None
    for _ in range(KILL_ROUNDS):
        pids = descendants(root)
        if first is None:
            first = {pid for pid in pids if not _is_zombie(pid)}
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for _ in reap():
            pass
        time.sleep(0.01)
    return len(first or ())


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def spawn(command: list[str]) -> int:
    """Start ``command`` with standard input from /dev/null; output goes where the guard's goes."""
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)]
    return os.posix_spawnp(command[0], command, dict(os.environ), file_actions=actions)


class Watch:
    """Waits for the command to end, the harness to go, or the memory limit to be passed."""

    def __init__(self, command_pid: int, limit_bytes: int) -> None:
        self.command_pid = command_pid
        self.limit_bytes = limit_bytes
        self.peak_bytes = 0
        self.pidfd = os.pidfd_open(command_pid) if hasattr(os, "pidfd_open") else None

    def outcome(self) -> GuardStatus:
        while True:
            waiting = [sys.stdin.fileno()] + ([self.pidfd] if self.pidfd is not None else [])
            polling = self.limit_bytes > 0 or self.pidfd is None
            readable, _, _ = select.select(waiting, [], [], POLL_SECONDS if polling else None)
            if sys.stdin.fileno() in readable and not os.read(sys.stdin.fileno(), 1):
                return {"ended": "stopped", "returncode": None}
            for pid, code in reap():
                if pid == self.command_pid:
                    return {"ended": "exited", "returncode": code}
            if self.limit_bytes and self.over_limit():
                return {"ended": "out_of_memory", "returncode": None}

    def over_limit(self) -> bool:
        used = sum(resident_bytes(pid) for pid in descendants(os.getpid()))
        self.peak_bytes = max(self.peak_bytes, used)
        return used > self.limit_bytes


def write_status(path: Path, status: GuardStatus) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(status))
    os.replace(temporary, path)


def _terminate(number: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: guard.py STATUS LIMIT_BYTES -- COMMAND...", file=sys.stderr)
        return 2
    status_path, limit_bytes, command = Path(argv[0]), int(argv[1]), argv[3:]
    signal.signal(signal.SIGTERM, _terminate)
    subreaper = become_subreaper()
    watch: Watch | None = None
    try:
        watch = Watch(spawn(command), limit_bytes)
        status = watch.outcome()
    except Terminated:
        status = {"ended": "terminated", "returncode": None}
    except OSError as error:  # the command could not be started
        status = {"ended": "not_started", "returncode": None, "error": str(error)}
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clean-up below must finish
    killed = kill_tree(os.getpid())
    status["leftovers_killed"] = killed if status["ended"] == "exited" else 0
    status["limit_bytes"] = limit_bytes
    status["peak_bytes"] = watch.peak_bytes if watch else 0
    status["subreaper"] = subreaper
    write_status(status_path, status)
    return 0


PROC_CHILDREN = _proc_children_available()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
