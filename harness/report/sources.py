"""Finding and loading the runs a report is built from.

The first RESULTS argument names the run the report is about: a file, or the newest
run in a directory. Every run found in any argument also feeds the history. Inside a
directory, files that are not harness results (pyperf's JSON beside them, say) are
skipped and listed; a file named explicitly must load, or the error says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.results import ResultsError, Run, load


class ReportError(ResultsError):
    """There is nothing to build a report from, or the output cannot be written."""


@dataclass
class ReportInput:
    """The run the report is about, and every run (it included) for the history."""

    primary: Run
    primary_path: Path
    runs: list[tuple[Path, Run]]
    skipped: list[str] = field(default_factory=list)


def run_time(run: Run) -> str:
    return str(run.metadata.get("utc_time", ""))


def run_identity(run: Run) -> tuple[str, str, str]:
    """Copies of one run (the same file found twice, or copied) count once in the history."""
    git = run.metadata.get("git") or {}
    return (str(run.metadata.get("machine")), run_time(run), str(git.get("commit")))


def results_in_directory(directory: Path) -> tuple[list[tuple[Path, Run]], list[str]]:
    """Every loadable results file under ``directory``, oldest first; skipped files apart."""
    runs: list[tuple[Path, Run]] = []
    skipped: list[str] = []
    for path in sorted(directory.rglob("*.json")):
        folders = path.relative_to(directory).parts[:-1]
        if any(part.endswith(".pyperf") or part.startswith(".") for part in folders):
            continue
        try:
            runs.append((path, load(path)))
        except ResultsError as error:
            skipped.append(str(error))
    runs.sort(key=lambda item: (run_time(item[1]), str(item[0])))
    return runs, skipped


def newest_run(results: Path, preset: str) -> Path | None:
    """The newest run of ``preset`` in the machine folders under ``results`` (``results/<machine>/``)."""
    runs = sorted(
        (run_time(run), str(path), path)
        for path in results.glob("*/*.json")
        if (run := load(path)).metadata.get("preset") == preset
    )
    return runs[-1][2] if runs else None


def collect_results(arguments: Sequence[Path]) -> ReportInput:
    """Load the runs named by files and directories (see the module docstring)."""
    if not arguments:
        raise ReportError("no results given; name a results file or a directory of them")
    runs: list[tuple[Path, Run]] = []
    skipped: list[str] = []
    primary: tuple[Path, Run] | None = None
    for argument in arguments:
        if argument.is_dir():
            found, not_results = results_in_directory(argument)
            skipped += not_results
            if primary is None and found:
                primary = found[-1]
        elif argument.exists():
            found = [(argument, load(argument))]
            primary = primary or found[0]
        else:
            raise ReportError(f"results {argument} do not exist; run `python -m harness run` first")
        seen = {run_identity(run) for _, run in runs}
        runs += [item for item in found if run_identity(item[1]) not in seen]
    if primary is None:
        raise ReportError(
            f"no harness results found in {', '.join(map(str, arguments))}; "
            "run `python -m harness run` first"
        )
    runs.sort(key=lambda item: (run_time(item[1]), str(item[0])))
    return ReportInput(primary=primary[1], primary_path=primary[0], runs=runs, skipped=skipped)
