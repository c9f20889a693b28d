"""``harness run``: settings -> plans -> lock the results file -> time each entry ->
summarise (then, if asked, profile and report). ``--resume`` continues a stored run."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.option_types import positive_float
from harness.cli.options import (
    add_memory_limit_option,
    add_selection_options,
    narrowed_settings,
    per_preset,
    run_settings,
)
from harness.cli.profile import profile_into, profile_settings
from harness.core import machine
from harness.core.analysis import time_spent
from harness.core.paths import ROOT
from harness.core.results import Entry, Run, load, save
from harness.report.sources import collect_results
from harness.run.console import RunConsole
from harness.run.entries import EntryPlan
from harness.run.interrupts import stop_signals_interrupt
from harness.run.locking import ResultsLock
from harness.run.selection import (
    Planned,
    UsageError,
    narrowed_plans,
    plans_for,
    record_load_failures,
    record_workloads,
    restricted,
)
from harness.run.session import (
    INTERRUPTED_BASE,
    default_results_path,
    entry_runner,
    exit_code,
    shard_assignment,
    stored_shard_keys,
    time_entries,
)
from harness.run.settings import RunSettings
from harness.run.shards import Shard

if TYPE_CHECKING:
    from harness.cli.options import Subparsers


def add_run_command(commands: Subparsers) -> None:
    run = commands.add_parser("run", help="check, then time construction and evaluation")
    add_selection_options(run)
    target = run.add_mutually_exclusive_group()
    target.add_argument("--output", type=Path, help="results file (default: results/<machine>/...)")
    target.add_argument(
        "--resume",
        type=Path,
        metavar="RESULTS",
        help="continue a run with the selection and options stored in it, skipping finished entries; "
        "selection options may narrow it, never widen it",
    )
    run.add_argument(
        "--budget",
        type=positive_float,
        metavar="SECONDS",
        help=f"evaluation seconds per entry (default: {per_preset('evaluation_budget')})",
    )
    run.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="seconds one entry may take, its processes together, before it is killed and recorded as timeout "
        f"(default: {per_preset('timeout')})",
    )
    add_memory_limit_option(run)
    run.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="when the run ends, write DIR/index.html from it and the history in results/",
    )
    run.add_argument(
        "--profile",
        action="store_true",
        help="after all timing, add memory and line profiles to the same results file (separate processes)",
    )
    add_shard_options(run)
    run.set_defaults(handler=command_run)


def add_shard_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="run shard K of N (1 <= K <= N): a part of the selection balanced by expected time; "
        "join the N results files with `harness merge`",
    )
    run.add_argument(
        "--balance-from",
        metavar="RESULTS",
        help="with --shard: the results file whose entries' measured times balance the shards, or 'none' "
        "for the plan's estimates (default: the newest comparable run in results/<machine>/, else the plan)",
    )


def command_run(args: argparse.Namespace) -> int:
    """Steps: settings -> plans -> lock the results file -> time each entry -> summarise."""
    with stop_signals_interrupt():
        if args.resume:
            return resume_run(args)
        return start_run(args)


def start_run(args: argparse.Namespace) -> int:
    settings = run_settings(
        args,
        budget=args.budget,
        timeout=args.timeout,
        memory_limit_gib=args.memory_limit,
        one_thread_too=True,
    )
    if settings.balance_from is not None and settings.shard is None:
        raise UsageError("--balance-from balances shards; give --shard K/N with it")
    planned = plans_for(settings)
    metadata = machine.collect(ROOT, settings.preset, command_line(), gpu_name=None)
    if settings.shard is not None:
        assignment = shard_assignment(settings, settings.shard, planned, str(metadata["machine"]))
        metadata["shard"] = assignment.to_json()
        planned = restricted(planned, set(assignment.assigned))
        print(
            f"shard {assignment.shard}: {len(assignment.assigned)} of the selection's {len(assignment.selection)} "
            f"entries, about {assignment.expected_seconds:.0f} s expected (balanced from {assignment.balanced_from})"
        )
    path = args.output or default_results_path(metadata)
    with ResultsLock(path, " ".join(command_line())):
        if path.exists():
            raise UsageError(
                f"{path} exists and no run is writing it; choose another --output, "
                f"or continue that run with --resume {path}"
            )
        run = Run(metadata={**metadata, "settings": settings.to_json()})
        save(run, path)
        return time_and_finish(run, path, settings, planned, args, narrowed=False)


def resume_run(args: argparse.Namespace) -> int:
    path: Path = args.resume
    if not path.is_file():
        raise UsageError(f"results file {path} does not exist; nothing to resume")
    with ResultsLock(path, " ".join(command_line())):
        run = load(path)
        settings, planned, narrowed = resumed_selection(run, path, args)
        run.metadata.setdefault("resumed", []).append(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        return time_and_finish(run, path, settings, planned, args, narrowed=narrowed)


def resumed_selection(run: Run, path: Path, args: argparse.Namespace) -> tuple[RunSettings, Planned, bool]:
    """The settings and plans of a resumed run: those stored in it, narrowed by explicit options;
    and whether they were narrowed (fewer entries than the stored selection)."""
    stored_preset = run.metadata.get("preset")
    if args.preset and args.preset != stored_preset:
        raise UsageError(f"{path} was run with preset {stored_preset!r}; resume it with --preset {stored_preset}")
    if "settings" not in run.metadata:  # written before runs stored their selection
        if not args.preset:
            raise UsageError(
                f"{path} does not store the selection it was run with (an older harness wrote it); "
                f"give it again: --preset {stored_preset} and the --workload/--backend/--param options it had"
            )
        settings = run_settings(
            args, budget=args.budget, timeout=args.timeout, memory_limit_gib=args.memory_limit, one_thread_too=True
        )
        return settings, plans_for(settings), False
    stored = RunSettings.from_json(run.metadata["settings"], str(path))
    if args.shard and (stored.shard is None or Shard.parse(args.shard) != stored.shard):
        raise UsageError(
            f"{path} is shard {stored.shard}; resume it without --shard (a resumed shard keeps its part)"
            if stored.shard
            else f"{path} is a whole run, not a shard; resume it without --shard"
        )
    if getattr(args, "balance_from", None) is not None:
        raise UsageError(
            f"--balance-from deals a selection into shards when they start; {path} keeps the part it "
            "was dealt: resume it without --balance-from"
        )
    settings = narrowed_settings(stored, args)
    original = plans_for(stored)
    planned = narrowed_plans(original, settings)  # refuses what the whole stored selection lacks
    if stored.shard is not None:  # options narrow this shard's part, never reach into another's
        keys = stored_shard_keys(run, path)
        original, planned = restricted(original, keys), restricted(planned, keys)
    return settings, planned, len(planned.plans) < len(original.plans)


def command_line() -> list[str]:
    return ["python", "-m", "harness", *sys.argv[1:]]


def time_and_finish(
    run: Run, path: Path, settings: RunSettings, planned: Planned, args: argparse.Namespace, *, narrowed: bool
) -> int:
    """Time every plan into ``run`` (saved at ``path``), then summarise, profile and report.

    ``narrowed``: a resumed run asked for part of its selection, so finishing these plans
    does not finish the run, and an ``interrupted`` mark stays.
    """

    started = time.monotonic()
    record_workloads(run, planned.plans)
    record_load_failures(run, planned.load_failures)
    save(run, path)
    console = RunConsole()
    console.note(f"results: {path}")
    console.load_failures(planned.load_failures)
    runner = entry_runner(settings, path, console)
    measured: list[Entry] = []
    interrupted = time_entries(run, path, planned.plans, runner, console, measured)
    if interrupted is not None:
        return interrupted
    if not narrowed:
        run.metadata.pop("interrupted", None)
    save(run, path)
    console.summary(run)
    console.load_failures(planned.load_failures)
    console.note(time_spent(measured, time.monotonic() - started).describe())
    console.note(f"results: {path}")
    status = exit_code(run)
    if args.profile:
        status = max(status, profile_after_timing(run, path, planned.plans, args, settings))
        if status > INTERRUPTED_BASE:
            return status
    if args.report:
        console.note(f"report: {write_run_report(path, args.report)}")
    return status


def profile_after_timing(
    run: Run, path: Path, plans: list[EntryPlan], args: argparse.Namespace, settings: RunSettings
) -> int:
    """``run --profile``: once all timing is done, profile the same entries into the same file."""

    profiling = profile_settings(settings.preset, timeout=args.timeout, memory_limit=settings.memory_limit_bytes)
    return profile_into(run, path, plans, profiling, [Path(d) for d in settings.workload_dirs])


def write_run_report(results: Path, output: Path) -> Path:
    """The report about the run just made, with the history found in results/."""
    from harness.report.render import write_report  # matplotlib and Jinja2: loaded only to write a report

    history = [ROOT / "results"] if (ROOT / "results").is_dir() else []
    return write_report(collect_results([results, *history]), output)
