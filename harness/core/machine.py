"""Metadata about the machine, the software and the command that produced a run."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

PACKAGES = ("numpy", "numba", "llvmlite", "Cython", "pyperf", "numba-cuda", "scipy")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@cache
def _proc_cpuinfo() -> str | None:
    """/proc/cpuinfo, read once a process (None where there is none)."""
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return None


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name, with its family, model and stepping where Linux gives them.

    A virtual machine may show a bare "AMD EPYC" for different generations (this project's
    VM was a Zen 4 one day and a family 26 part, Zen 5, the next, under that one name, with
    matmul's c kernel at n = 512 taking 13.7 ms on the one and 17 ms on the other): the
    numbers tell them apart, so that ``compare`` does not hold one generation's run against
    another's and the C build cache does not hand one CPU another's code.
    """
    if cpuinfo is None:
        cpuinfo = _proc_cpuinfo()
        if cpuinfo is None:
            return platform.processor() or platform.machine()

    def field(name: str) -> str | None:
        match = re.search(rf"^{name}\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        return match.group(1).strip() if match else None

    name = field("model name") or platform.machine()
    labels = (("family", "cpu family"), ("model", "model"), ("stepping", "stepping"))
    numbers = [(label, field(key)) for label, key in labels]
    known = ", ".join(f"{label} {value}" for label, value in numbers if value is not None)
    return f"{name} ({known})" if known else name


def cpu_flags_digest(cpuinfo: str | None = None) -> str:
    """A short hash of the instruction-set flags Linux lists for the CPU ("unknown" elsewhere)."""
    cpuinfo = _proc_cpuinfo() if cpuinfo is None else cpuinfo
    if cpuinfo is None:
        return "unknown"
    match = re.search(r"^(?:flags|Features)\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return hashlib.sha256(match.group(1).encode()).hexdigest()[:12] if match else "unknown"


def git_state(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "short_commit": "nogit", "dirty": None}
    return {"commit": commit, "short_commit": commit[:8], "dirty": dirty}


def machine_name() -> str:
    return os.environ.get("HARNESS_MACHINE") or platform.node() or "unknown-machine"


def collect(root: Path, preset: str, argv: list[str], gpu_name: str | None) -> dict[str, Any]:
    """Everything a reader needs to know where and how a run was made."""
    numba_threads = os.environ.get("NUMBA_NUM_THREADS")
    return {
        "utc_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git_state(root),
        "machine": machine_name(),
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
        "numba_threading_layer": os.environ.get("NUMBA_THREADING_LAYER", "default"),
        "numba_threads": int(numba_threads) if numba_threads else os.cpu_count(),
        "gpu": gpu_name,
        "preset": preset,
        "command": " ".join(argv),
    }
