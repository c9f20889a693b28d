"""Finds workloads: the built-in ``workloads`` package and any user directories.

A user directory holds workload packages, each with ``WORKLOAD = Workload(...)`` in its
``__init__``. Directories come from ``--workload-dir`` and the ``HARNESS_WORKLOAD_PATH``
environment variable (``os.pathsep``-separated); the runner passes them on to its child
processes through that variable.

A package that cannot be loaded (its ``__init__`` raises, its ``WORKLOAD`` is not a
Workload, its name is taken) does not stop discovery: it is recorded as a LoadFailure,
the other workloads load, and the commands report it as failed.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.workload import Workload, WorkloadError

WORKLOAD_PATH_VARIABLE = "HARNESS_WORKLOAD_PATH"
TRACEBACK_TAIL_CHARACTERS = 2000


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


@dataclass(frozen=True)
class LoadFailure:
    """A workload package that could not be loaded: its name, folder and the error it raised.

    ``name`` is the package's name (its folder's name), since a package that fails to
    import never says what its workload is called.
    """

    name: str
    directory: str
    error_type: str
    message: str
    traceback: str = ""

    @classmethod
    def of(cls, name: str, directory: str, error: Exception) -> LoadFailure:
        formatted = "".join(traceback.format_exception(error))[-TRACEBACK_TAIL_CHARACTERS:]
        return cls(name, directory, type(error).__name__, str(error), formatted)

    def describe(self) -> str:
        return f"workload package {self.name!r} in {self.directory} cannot be loaded: {self.error_type}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "directory": self.directory,
            "error": f"{self.error_type}: {self.message}",
            "error_type": self.error_type,
            "message": self.message,
            "traceback": self.traceback,
        }


class WorkloadLoadError(WorkloadError):
    """A workload asked for by name is there, but its package cannot be loaded."""

    def __init__(self, failure: LoadFailure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


@dataclass
class Discovery:
    """Every workload found, by name, and the packages that failed to load."""

    workloads: dict[str, Workload] = field(default_factory=dict)
    failures: list[LoadFailure] = field(default_factory=list)

    def failure(self, name: str) -> LoadFailure | None:
        return next((f for f in self.failures if f.name == name), None)

    def workload(self, name: str) -> Workload:
        """The workload named ``name``, or an error that says why it cannot be had."""
        if name in self.workloads:
            return self.workloads[name]
        failure = self.failure(name)
        if failure is not None:
            raise WorkloadLoadError(failure)
        raise unknown_workloads_error([name], self.workloads)


def discover(extra_dirs: Sequence[str | Path] = ()) -> dict[str, Workload]:
    """All workloads that load, by name: built-ins first, then user directories."""
    return discover_workloads(extra_dirs).workloads


def discover_workloads(extra_dirs: Sequence[str | Path] = ()) -> Discovery:
    """All workloads by name, and the packages that failed to load (which stop nothing)."""
    import workloads  # the built-in workloads, a package beside harness: found only when discovering

    found = Discovery()
    _collect(found, "workloads.", workloads.__path__)
    for directory in workload_dirs(extra_dirs):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
        _collect(found, "", [str(directory)])
    return found


def load_workload(name: str, extra_dirs: Sequence[str | Path] = ()) -> Workload:
    """One workload by name (for child processes); WorkloadLoadError if its package is broken."""
    return discover_workloads(extra_dirs).workload(name)


def _collect(found: Discovery, prefix: str, path: Iterable[str]) -> None:
    for module_info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if not module_info.ispkg or module_info.name.startswith("_"):
            continue
        directory = str(getattr(module_info.module_finder, "path", ""))
        try:
            workload = _import_workload(prefix + module_info.name, found.workloads)
        except Exception as error:  # the package's own code raised: record it, load the others
            found.failures.append(LoadFailure.of(module_info.name, directory, error))
            continue
        if workload is not None:
            found.workloads[workload.name] = workload


def _import_workload(module_name: str, found: dict[str, Workload]) -> Workload | None:
    """The package's WORKLOAD; None for a helper package (a tensor core, a graph library)."""
    module = importlib.import_module(module_name)
    workload = getattr(module, "WORKLOAD", None)
    if workload is None:
        return None
    if not isinstance(workload, Workload):
        raise WorkloadError(f"{module_name}.WORKLOAD is a {type(workload).__name__}, not a harness Workload")
    if workload.name in found:
        raise WorkloadError(f"two workloads are named {workload.name!r}: rename the one in {module_name}")
    return workload


def select(available: dict[str, Workload], names: Sequence[str]) -> list[Workload]:
    """The named workloads (all when ``names`` is empty), or an error listing the valid ones."""
    if not names:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise unknown_workloads_error(unknown, available)
    return [available[n] for n in dict.fromkeys(names)]


def unknown_workloads_error(unknown: Sequence[str], available: dict[str, Workload]) -> WorkloadError:
    return WorkloadError(f"unknown workload {', '.join(map(repr, unknown))}; choose from: {', '.join(available)}")


@dataclass(frozen=True)
class Selection:
    """The workloads a command asked for, and those of them whose packages failed to load."""

    workloads: list[Workload]
    failures: list[LoadFailure]


def select_discovered(discovery: Discovery, names: Sequence[str]) -> Selection:
    """The named workloads (all when ``names`` is empty), broken ones kept apart as failures.

    A broken package named explicitly is selected as a failure, never as an unknown name.
    """
    if not names:
        return Selection(list(discovery.workloads.values()), list(discovery.failures))
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in discovery.workloads and discovery.failure(n) is None]
    if unknown:
        raise unknown_workloads_error(unknown, discovery.workloads)
    return Selection(
        [discovery.workloads[n] for n in wanted if n in discovery.workloads],
        [f for n in wanted if n not in discovery.workloads and (f := discovery.failure(n)) is not None],
    )
