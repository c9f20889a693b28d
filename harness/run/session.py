"""A run's entries timed one by one into its results file (saved after each), the file's
default path, a shard's part of the selection, and the exit code a run ends with."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.core.names import path_component
from harness.core.paths import ROOT
from harness.core.results import WORKLOAD_LOAD_FAILURES, Entry, ResultsError, Run, save
from harness.run.console import RunConsole
from harness.run.entries import EntryPlan, Measurement
from harness.run.interrupts import exit_code_of
from harness.run.runner import EntryRunner, Progress
from harness.run.selection import Planned
from harness.run.settings import RunSettings
from harness.run.shards import (
    PLAN,
    Assignment,
    Key,
    Shard,
    assign,
    balance_source,
    expected_seconds,
    measured_seconds,
    read_shard_record,
)

FINISHED = ("ok", "wrong_result", "unavailable")


EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


INTERRUPTED_BASE = 128  # an interrupted run exits with 128 + the signal's number


def entry_runner(settings: RunSettings, path: Path, console: Progress) -> EntryRunner:
    """An EntryRunner measuring as ``settings`` say, writing pyperf's files beside ``path``."""
    return EntryRunner(
        measurement=Measurement(
            construction_runs=settings.construction_runs,
            evaluation_budget=settings.budget,
            timeout=settings.timeout,
            memory_limit=settings.memory_limit_bytes,
        ),
        scratch=Path(tempfile.mkdtemp(prefix="harness-run-")),
        pyperf_dir=path.with_suffix(".pyperf"),
        workload_dirs=[Path(d) for d in settings.workload_dirs],
        progress=console,
    )


def time_entries(
    run: Run,
    path: Path,
    plans: list[EntryPlan],
    runner: EntryRunner,
    console: RunConsole,
    measured: list[Entry] | None = None,
) -> int | None:
    """Time every plan not already finished, saving after each (and adding it to ``measured``);
    the exit code if interrupted."""
    runner.entries = len(plans)
    try:
        for index, plan in enumerate(plans, start=1):
            previous = run.find(plan.key)
            if previous is not None and previous.status in FINISHED:
                console.note(f"[{index}/{len(plans)}] {plan.label}: {previous.status} (kept from resumed run)")
                continue
            with console.entry(plan, index, len(plans)):
                entry = runner.run(plan)
            run.add(entry)
            if measured is not None:
                measured.append(entry)
            record_gpu(run, entry)
            save(run, path)
            console.finished(entry, run, index, len(plans))
    except KeyboardInterrupt as interruption:
        run.metadata["interrupted"] = True
        save(run, path)
        console.note(f"interrupted ({interruption}): {path} keeps every finished entry; continue with --resume {path}")
        return exit_code_of(interruption)
    finally:
        shutil.rmtree(runner.scratch, ignore_errors=True)
    return None


def record_gpu(run: Run, entry: Entry) -> None:
    if entry.backend == "cuda" and entry.status == "ok" and not entry.info.get("simulated", True):
        run.metadata["gpu"] = entry.info.get("device")


def exit_code(run: Run) -> int:
    """1 when an entry failed, was wrong or timed out, or a workload package failed to load."""
    failed = any(e.status in ("failed", "wrong_result", "timeout") for e in run.entries)
    if failed or run.metadata.get(WORKLOAD_LOAD_FAILURES):
        return EXIT_FAILURES
    return EXIT_OK


def default_results_path(metadata: Mapping[str, Any]) -> Path:
    stamp = metadata["utc_time"].replace(":", "").replace("-", "").replace("+0000", "Z")
    name = path_component(f"{stamp}_{metadata['git']['short_commit']}")
    return ROOT / "results" / path_component(str(metadata["machine"])) / f"{name}.json"


def shard_assignment(settings: RunSettings, shard: Shard, planned: Planned, machine_name: str) -> Assignment:
    """This shard's part of the selection, balanced by the expected seconds of every entry."""
    selection: list[Key] = [plan.key for plan in planned.plans]
    folder = ROOT / "results" / path_component(machine_name)
    source, measured_run = balance_source(settings.balance_from, folder, settings.preset, selection)
    expected = expected_seconds(
        selection, measured_seconds(measured_run), settings.budget, settings.construction_runs
    )
    return assign(shard, selection, expected, source if source == PLAN else repository_relative(Path(source)))


def repository_relative(path: Path) -> str:
    """``path`` relative to the checkout when inside it: the same text on every machine."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def stored_shard_keys(run: Run, path: Path) -> set[Key]:
    """The part a shard's results file was assigned when it started (``metadata.shard``)."""
    if "shard" not in run.metadata:
        raise ResultsError(f"{path}: metadata.settings names a shard, but metadata.shard is missing")
    _, _, assigned = read_shard_record(run.metadata["shard"], str(path))
    return set(assigned)
