"""``python -m harness profile``: select -> plan -> profile -> save into the results file.

Profiles go into ``Entry.profile`` of the matching entries of ``--into RESULTS`` (an
existing run; entries it lacks are added, marked as profiled only), or of a new results
file (``--output``, or the default location). Timing and profiling never share a
process: ``harness run`` times, ``harness profile --into`` the same file profiles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.cli.option_types import positive_float
from harness.cli.options import add_memory_limit_option, run_settings
from harness.core import machine
from harness.core.paths import ROOT
from harness.core.profiles import MemoryProfile, Profile
from harness.core.results import Entry, Run, load, save
from harness.profiling.runner import PRESET_PROFILE_SETTINGS, ProfileRunner, ProfileSettings, settings_for
from harness.run.entries import EntryPlan
from harness.run.interrupts import exit_code_of, stop_signals_interrupt
from harness.run.locking import ResultsLock
from harness.run.selection import Planned, UsageError, plans_for, record_load_failures, record_workloads
from harness.run.session import EXIT_FAILURES, EXIT_OK, INTERRUPTED_BASE, default_results_path

PROFILED_ONLY = "profiled only: this file has no timings for it (time it with `harness run`)"


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``profile`` beyond the shared selection options."""
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--into", type=Path, metavar="RESULTS", help="add profiles to this existing results file")
    target.add_argument("--output", type=Path, help="new results file (default: results/<machine>/...)")

    parser.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="seconds one entry may take per kind of profile (memory, lines) before it is killed and recorded "
        f"as timeout (default: {per_preset('timeout')})",
    )
    parser.add_argument(
        "--growth-seconds",
        type=positive_float,
        metavar="SECONDS",
        help=f"seconds of calls sampled for memory growth (default: {per_preset('growth_seconds')})",
    )
    add_memory_limit_option(parser)


def per_preset(field: str) -> str:
    """A profiling default as help text: ``60 s at quick, 180 s otherwise``."""
    quick, other = PRESET_PROFILE_SETTINGS["quick"], settings_for("default")
    return f"{getattr(quick, field):g} s at quick, {getattr(other, field):g} s otherwise"


def command_profile(args: argparse.Namespace) -> int:
    """Steps: plans -> lock the results file -> profile each entry into it."""

    with stop_signals_interrupt():
        selection = run_settings(args, memory_limit_gib=args.memory_limit)
        planned = plans_for(selection)
        path, metadata = profile_target(args, selection.preset)
        with ResultsLock(path, " ".join(["python", "-m", "harness", *sys.argv[1:]])):
            run = open_results(args, path, metadata, selection.preset)
            note_load_failures(run, planned)
            settings = profile_settings(
                selection.preset,
                timeout=args.timeout,
                growth_seconds=args.growth_seconds,
                memory_limit=selection.memory_limit_bytes,
            )
            status = profile_into(run, path, planned.plans, settings, [Path(d) for d in selection.workload_dirs])
    if status > INTERRUPTED_BASE or not planned.load_failures:
        return status
    return max(status, EXIT_FAILURES)


def note_load_failures(run: Run, planned: Planned) -> None:
    """The workloads profiled, and the broken packages: failures here too, and the file says so."""

    record_workloads(run, planned.plans)
    if planned.load_failures:
        record_load_failures(run, planned.load_failures)
        console = ProfileConsole()
        for failure in planned.load_failures:
            console.note(f"workload {failure.name}: failed: {failure.describe()}")


def profile_into(
    run: Run, path: Path, plans: list[EntryPlan], settings: ProfileSettings, workload_dirs: list[Path]
) -> int:
    """Profile every plan into ``run``, saving ``path`` after each entry; the exit code."""
    scratch = Path(tempfile.mkdtemp(prefix="harness-profile-"))
    runner = ProfileRunner(settings=settings, scratch=scratch, workload_dirs=workload_dirs)
    console = ProfileConsole()
    console.note(f"profiling into: {path}")
    started = dt.datetime.now(dt.UTC)
    try:
        for index, plan in enumerate(plans, start=1):
            with console.entry(plan, index, len(plans)):
                reason, profile = runner.profile(plan)
            entry = attach_profile(run, plan, reason, profile)
            save(run, path)
            console.finished(entry, index, len(plans))
    except KeyboardInterrupt as interruption:
        save(run, path)
        console.note(f"interrupted ({interruption}): {path} keeps every finished profile")
        return exit_code_of(interruption)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    record_profiling(run, started)
    save(run, path)
    console.summary(run, plans)
    console.note(f"results: {path}")
    return exit_code(run, plans)


def profile_settings(
    preset: str,
    *,
    timeout: float | None = None,
    growth_seconds: float | None = None,
    memory_limit: int | None = None,
) -> ProfileSettings:
    """The preset's profiling settings, with the options given on the command line in place."""
    defaults = settings_for(preset)
    return replace(
        defaults,
        timeout=timeout or defaults.timeout,
        growth_seconds=growth_seconds or defaults.growth_seconds,
        memory_limit=memory_limit,
    )


def profile_target(args: argparse.Namespace, preset: str) -> tuple[Path, dict[str, object] | None]:
    """The file to profile into, and fresh metadata when it is a new one."""

    if args.into:
        if not args.into.is_file():
            raise UsageError(f"results file {args.into} does not exist; profile into a new one with --output")
        return args.into, None
    metadata = machine.collect(ROOT, preset, ["python", "-m", "harness", *sys.argv[1:]], gpu_name=None)
    return args.output or default_results_path(metadata), metadata


def open_results(args: argparse.Namespace, path: Path, metadata: dict[str, object] | None, preset: str) -> Run:
    """The run at ``path`` (``--into``), or a new run with ``metadata``; the lock is held."""

    if metadata is None:
        run = load(path)
        if run.metadata.get("preset") not in (None, preset):
            raise UsageError(
                f"{path} was run with preset {run.metadata.get('preset')!r}; "
                f"profile it with --preset {run.metadata.get('preset')}"
            )
        return run
    if path.exists():
        raise UsageError(
            f"{path} exists and no run is writing it; choose another --output or add profiles to it with --into {path}"
        )
    run = Run(metadata=metadata)
    save(run, path)
    return run


def attach_profile(run: Run, plan: EntryPlan, reason: str, profile: Profile | None) -> Entry:
    """Put ``profile`` on the run's entry for ``plan``, adding a profiled-only entry if missing."""
    entry = run.find(plan.key)
    if entry is None:
        entry = new_entry(plan, reason, profile)
        run.add(entry)
    entry.profile = profile
    calls = profile.calls if profile else None
    if entry.calls_per_evaluation is None and calls and calls.params == entry.params:
        entry.calls_per_evaluation = dict(calls.per_evaluation)
    return entry


def new_entry(plan: EntryPlan, reason: str, profile: Profile | None) -> Entry:
    if reason:
        return plan.entry(status="unavailable", reason=reason)
    if profile is None or profile.memory is None:
        why = profile.reason if profile else "no profile"
        return plan.entry(status="failed", reason=why)
    return plan.entry(status="ok", reason=PROFILED_ONLY)


def record_profiling(run: Run, started: dt.datetime) -> None:
    """Note in the metadata when and how the profiles were taken."""
    run.metadata.setdefault("profiling", []).append(
        {
            "utc_time": started.isoformat(timespec="seconds"),
            "command": ["python", "-m", "harness", *sys.argv[1:]],
            "seconds": (dt.datetime.now(dt.UTC) - started).total_seconds(),
        }
    )


def exit_code(run: Run, plans: list[EntryPlan]) -> int:
    """1 when an available entry has no profile or an incomplete one."""
    for plan in plans:
        entry = run.find(plan.key)
        if entry is None or entry.status == "unavailable":
            continue
        if entry.profile is None or entry.profile.status != "ok":
            return EXIT_FAILURES
    return EXIT_OK


class ProfileConsole:
    """A status line while an entry is profiled, one line when done, a table at the end."""

    def __init__(self) -> None:

        self.console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)

    @contextmanager
    def entry(self, plan: EntryPlan, index: int, total: int) -> Iterator[None]:

        with self.console.status(escape(f"[{index}/{total}] {plan.label}: profiling")):
            yield

    def note(self, text: str) -> None:

        self.console.print(escape(text))

    def finished(self, entry: Entry, index: int, total: int) -> None:
        self.note(f"[{index}/{total}] {entry.label}: {profile_line(entry)}")

    def summary(self, run: Run, plans: list[EntryPlan]) -> None:

        table = Table(title="Profiles")
        for column in ("entry", "constr. peak", "eval peak", "growth /1000 calls", "growing",
                       "calls/eval", "hottest evaluation line", "profiling took"):
            table.add_column(column, overflow="fold")
        for plan in plans:
            entry = run.find(plan.key)
            if entry is not None:
                table.add_row(escape(entry.label), *(escape(cell) for cell in profile_cells(entry)))
        self.console.print(table)


def profile_line(entry: Entry) -> str:
    profile = entry.profile
    if profile is None:
        return f"no profile ({entry.reason})" if entry.reason else "no profile"
    cells = profile_cells(entry)
    text = f"{profile.status}  construction peak {cells[0]}, evaluation peak {cells[1]}, growth {cells[2]}"
    if profile.reason:
        text += f"  ({last_lines(profile.reason)})"
    return text


def last_lines(reason: str) -> str:
    """Each failure's cause and its last line (the exception), for one console line."""
    parts = []
    for failure in reason.split("; "):
        lines = [line.strip() for line in failure.splitlines() if line.strip()]
        cause = lines[0].split(":")[0] if lines else ""
        parts.append(f"{cause}: {lines[-1][:120]}" if len(lines) > 1 else cause)
    return "; ".join(parts)


def profile_cells(entry: Entry) -> list[str]:
    """Summary cells for one entry's profile: memory, growth, calls, hottest line, and the
    seconds the whole profile of the entry took (not the line's)."""
    profile = entry.profile or Profile()
    memory = profile.memory or MemoryProfile()
    growth = memory.growth
    slope = growth.slope_mib_per_1000_calls if growth else None
    calls = profile.calls_per_evaluation or {}
    return [
        _mib(memory.construction_peak_mib),
        _mib(memory.evaluation_peak_mib),
        "-" if slope is None else f"{slope:+.3g} MiB",
        "-" if growth is None else ("YES" if growth.growing else "no"),
        str(calls.get("total", "-")),
        hottest_line(profile),
        f"{profile.seconds:.1f} s" if profile.seconds is not None else "-",
    ]


def hottest_line(profile: Profile) -> str:
    evaluation = [p for p in profile.line_profiles if p.phase == "evaluation" and p.lines]
    if not evaluation:
        return "-"
    function = max(evaluation, key=lambda p: p.total_seconds)
    line = max(function.lines, key=lambda line: line.seconds)
    return f"{function.function}:{line.lineno} {line.percent:.0f}% {line.source.strip()[:50]}"


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} MiB"
