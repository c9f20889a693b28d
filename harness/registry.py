"""Finds workloads: the built-in ``workloads`` package and any user directories.

A user directory holds workload packages, each with ``WORKLOAD = Workload(...)`` in its
``__init__``. Directories come from ``--workload-dir`` and the ``HARNESS_WORKLOAD_PATH``
environment variable (``os.pathsep``-separated); the runner passes them on to its child
processes through that variable.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from harness.workload import Workload, WorkloadError

WORKLOAD_PATH_VARIABLE = "HARNESS_WORKLOAD_PATH"


def workload_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """User workload directories: the given ones, then those in the environment."""
    from_environment = os.environ.get(WORKLOAD_PATH_VARIABLE, "")
    dirs = [Path(d) for d in extra] + [Path(d) for d in from_environment.split(os.pathsep) if d]
    unique: list[Path] = []
    for directory in dirs:
        resolved = directory.resolve()
        if not resolved.is_dir():
            raise WorkloadError(f"workload directory {directory} does not exist")
        if resolved not in unique:
            unique.append(resolved)
    return unique


def discover(extra_dirs: Sequence[str | Path] = ()) -> dict[str, Workload]:
    """All workloads by name: built-ins first, then user directories."""
    import workloads

    found: dict[str, Workload] = {}
    _collect(found, "workloads.", workloads.__path__)
    for directory in workload_dirs(extra_dirs):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
        _collect(found, "", [str(directory)])
    return found


def _collect(found: dict[str, Workload], prefix: str, path: Iterable[str]) -> None:
    for module_info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if not module_info.ispkg or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(prefix + module_info.name)
        workload = getattr(module, "WORKLOAD", None)
        if workload is None:
            continue  # a helper package (a tensor core, a graph library), not a workload
        if not isinstance(workload, Workload):
            raise WorkloadError(f"{module.__name__}.WORKLOAD is not a harness Workload")
        if workload.name in found:
            raise WorkloadError(
                f"two workloads are named {workload.name!r}: rename the one in {module.__name__}"
            )
        found[workload.name] = workload


def select(available: dict[str, Workload], names: Sequence[str]) -> list[Workload]:
    """The named workloads (all when ``names`` is empty), or an error listing the valid ones."""
    if not names:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise WorkloadError(
            f"unknown workload {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(available)}"
        )
    return [available[n] for n in dict.fromkeys(names)]
