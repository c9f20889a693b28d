"""The two sides of a comparison (base and new): their runs, loaded from files or folders,
and the machine and software each ran on.

A side pools the values of matching entries across its runs, so all of a side's runs
must come from one machine; entries of the two sides are compared only when their
machines are the same machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.results import MACHINE_FIELDS, Entry, ResultsError, Run, load, machine_facts
from harness.regress.verdicts import Key

SOFTWARE_FIELDS = ("python",)


class CompareError(ResultsError):
    """The inputs cannot be compared: nothing in common, or a side that mixes machines."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its runs and where they came from."""

    label: str
    runs: list[Run]
    sources: list[str]
    skipped: list[str] = field(default_factory=list)  # files in a side's folders that did not load

    @property
    def metadata(self) -> Mapping[str, object]:
        return self.runs[0].metadata if self.runs else {}

    def machines(self) -> dict[Key, list[dict[str, object]]]:
        """Every key, with the machine facts of each of its entries (a merged run's may differ)."""
        found: dict[Key, list[dict[str, object]]] = {}
        for run in self.runs:
            for entry in run.entries:
                found.setdefault(entry.key, []).append(machine_facts(entry, run.metadata))
        return found

    def entries(self) -> dict[Key, list[Entry]]:
        """Every key, with its entries from each run of this side (in run order)."""
        found: dict[Key, list[Entry]] = {}
        for run in self.runs:
            for entry in run.entries:
                found.setdefault(entry.key, []).append(entry)
        return found


def results_files(path: Path) -> list[Path]:
    """The results files a command-line argument names: the file, or a folder's ``*.json``."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
        if not files:
            raise ResultsError(
                f"{path} holds no results files (*.json); pass a file or a folder of runs"
            )
        return files
    if not path.exists():
        raise ResultsError(f"results file {path} does not exist")
    return [path]


def load_side(label: str, paths: Sequence[Path]) -> Side:
    """Load every run of one side; a side must come from one machine to be pooled.

    A file named on the command line must load (``ResultsError`` otherwise); a file found
    in a folder that does not load is skipped, and listed in ``Side.skipped``.
    """
    loaded: list[tuple[Run, Path]] = []
    skipped: list[str] = []
    for path in paths:
        for file in results_files(path):
            try:
                loaded.append((load(file), file))
            except ResultsError as error:
                if not Path(path).is_dir():
                    raise
                skipped.append(str(error))
    if not loaded:
        raise ResultsError(f"the {label} side has no readable results: {'; '.join(skipped)}")
    loaded.sort(key=lambda pair: str(pair[0].metadata.get("utc_time", "")))
    runs = [run for run, _ in loaded]
    side = Side(label=label, runs=runs, sources=[str(f) for _, f in loaded], skipped=skipped)
    machines = {machine_of(run.metadata) for run in runs}
    if len(machines) > 1:
        listed = "; ".join(", ".join(str(v) for v in m) for m in sorted(machines, key=str))
        raise CompareError(
            f"the {label} side mixes runs from different machines ({listed}); "
            "pool only runs from one machine"
        )
    return side


def machine_of(metadata: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(metadata.get(name) for name in MACHINE_FIELDS)


def machine_difference(base: Mapping[str, object], new: Mapping[str, object]) -> str | None:
    """Why two runs' machines are not the same machine, or None when they are."""
    differences = [
        f"{name} {base.get(name)!r} vs {new.get(name)!r}"
        for name in MACHINE_FIELDS
        if base.get(name) != new.get(name)
    ]
    return "different machines: " + "; ".join(differences) if differences else None


def machines_difference(base: list[dict[str, object]], new: list[dict[str, object]]) -> str | None:
    """Why one key's entries on the two sides come from different machines, or None.

    Per entry, so an entry of a run merged from mixed machines is compared only with
    entries of its own machine."""
    for base_facts in base:
        for new_facts in new:
            if reason := machine_difference(base_facts, new_facts):
                return reason
    return None


def environment_warnings(base: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """Top-level warnings: different machines (never compared), different software."""
    warnings = []
    machine = machine_difference(base, new)
    if machine:
        warnings.append(
            f"{machine}. Timings from different machines are not compared; "
            "run both sides on one machine (the A/B check: harness check --against REF)"
        )
    for name in SOFTWARE_FIELDS:
        if base.get(name) != new.get(name):
            warnings.append(f"{name} differs: {base.get(name)} vs {new.get(name)}")
    base_packages, new_packages = packages_of(base), packages_of(new)
    for name in sorted(set(base_packages) | set(new_packages)):
        if base_packages.get(name) != new_packages.get(name):
            warnings.append(
                f"{name} differs: {base_packages.get(name)} vs {new_packages.get(name)}"
            )
    return warnings


def packages_of(metadata: Mapping[str, object]) -> Mapping[str, object]:
    """The package versions a run's metadata records (none when it records none)."""
    packages = metadata.get("packages")
    return packages if isinstance(packages, Mapping) else {}
