"""``python -m harness``: list workloads and backends, and run them.

Each command is a short list of steps (select -> plan -> run -> save -> summarise), each
a function returning the next step's input. Library code raises typed errors; only
``main`` turns them into messages and exit codes: 0 when every available entry is ok,
1 when any failed, was wrong or timed out, 2 on bad usage or bad input, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import machine
from harness.analysis import time_spent
from harness.interrupts import exit_code_of, stop_signals_interrupt
from harness.locking import ResultsLock
from harness.names import path_component
from harness.option_types import positive_float
from harness.registry import LoadFailure, Selection, discover_workloads, select_discovered, workload_dirs
from harness.results import WORKLOAD_LOAD_FAILURES, Entry, ResultsError, Run, load, save
from harness.runner import (
    PRESET_MEASUREMENT,
    EntryPlan,
    EntryRunner,
    Measurement,
    Progress,
    measurement_for,
    plan_entries,
)
from harness.settings import MEMORY_FRACTION, RunSettings, default_memory_limit_gib
from harness.shards import (
    PLAN,
    Assignment,
    Key,
    Shard,
    ShardError,
    assign,
    balance_source,
    expected_seconds,
    measured_seconds,
    read_shard_record,
)
from harness.workload import BACKENDS, Workload, WorkloadError

if TYPE_CHECKING:
    from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
FINISHED = ("ok", "wrong_result", "unavailable")
DEFAULT_PRESET = "default"
EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
INTERRUPTED_BASE = 128  # an interrupted run exits with 128 + the signal's number


class UsageError(ValueError):
    """The command line asks for something that does not exist or cannot be done."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except (UsageError, WorkloadError, ResultsError, ShardError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as interruption:  # stopped before or after the entries' own handling
        print(f"interrupted ({interruption})", file=sys.stderr)
        return exit_code_of(interruption)


class ExactOptionParser(argparse.ArgumentParser):
    """An argument parser that takes options only by their whole names: with abbreviations,
    ``list --workload mandelbrot`` would read as ``--workload-dir mandelbrot``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = ExactOptionParser(
        prog="python -m harness",
        description="Benchmark numerical Python workloads on every backend.",
    )
    commands = parser.add_subparsers(title="commands", parser_class=ExactOptionParser)

    listing = commands.add_parser("list", help="workloads x backends, with availability")
    add_workload_dir_option(listing)
    listing.set_defaults(handler=command_list)

    add_run_command(commands)

    report = commands.add_parser("report", help="write the HTML report from saved results")
    report.add_argument(
        "results",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="results files or directories; the first names the run reported on (a directory: "
        "its newest run), all feed the history (default: results/)",
    )
    report.add_argument(
        "--output",
        type=Path,
        default=Path("reports"),
        help="folder for index.html, or an .html file (default: reports/)",
    )
    report.add_argument(
        "--markdown",
        type=Path,
        metavar="FILE",
        help="also write a compact Markdown summary of the reported run to FILE (for $GITHUB_STEP_SUMMARY)",
    )
    report.set_defaults(handler=command_report)

    profile = commands.add_parser("profile", help="memory, line profiles and call counts, into a results file")
    add_selection_options(profile)
    add_profile_options(profile)
    profile.set_defaults(handler=command_profile)

    from harness.compare_cli import add_compare_commands
    from harness.merge import add_merge_command

    add_compare_commands(commands)
    add_merge_command(commands)
    return parser


def add_run_command(commands: Any) -> None:
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
        help=f"seconds per entry before it is killed (default: {per_preset('timeout')})",
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


def add_workload_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workload-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also load workload packages from DIR (repeatable; or HARNESS_WORKLOAD_PATH)",
    )


def add_selection_options(parser: argparse.ArgumentParser, default_preset: str | None = None) -> None:
    """Options shared by every command that runs entries (run, profile, check, instructions).

    ``run`` and ``profile`` leave ``--preset`` unset when it is not given (a resumed run
    takes the stored one); other commands name their own default.
    """
    add_workload_dir_option(parser)
    parser.add_argument("--workload", action="append", default=[], help="workload name (repeatable; default: all)")
    parser.add_argument(
        "--backend", action="append", default=[], help=f"backend (repeatable; default: all): {', '.join(BACKENDS)}"
    )
    parser.add_argument(
        "--preset",
        default=default_preset,
        help=f"quick, default, full, or a workload's own (default: {default_preset or DEFAULT_PRESET})",
    )
    parser.add_argument(
        "--threads",
        default=None,
        help="numba_parallel thread counts, e.g. 1,2 (default: run measures 1 and all cores; "
        "profile and check all cores)",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter in every case"
    )


def per_preset(field: str) -> str:
    """A measurement default as help text: ``180 s at quick, 600 s otherwise``."""
    values = [f"{getattr(m, field):g} s at {name}" for name, m in PRESET_MEASUREMENT.items() if name != DEFAULT_PRESET]
    return ", ".join([*values, f"{getattr(measurement_for(DEFAULT_PRESET), field):g} s otherwise"])


def add_memory_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit",
        type=positive_float,
        metavar="GIB",
        help="resident memory one step's processes may use together before they are killed and the entry "
        f"fails as out of memory (default: {MEMORY_FRACTION * 100:.0f}%% of the memory available when the run starts, "
        f"now {default_memory_limit_gib():g} GiB)",
    )


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    from harness.profiling.command import add_profile_options as add_options

    add_options(parser)


def command_profile(args: argparse.Namespace) -> int:
    from harness.profiling.command import command_profile as profile_entries

    return profile_entries(args)


# -- selection ---------------------------------------------------------------------------


def preset_of(args: argparse.Namespace) -> str:
    """The preset asked for, or the default one."""
    return str(args.preset or DEFAULT_PRESET)


def workload_selection(names: Sequence[str], preset: str, dirs: Sequence[str]) -> Selection:
    """The selected workloads that have the preset, and the selected packages that failed to load."""
    selection = select_discovered(discover_workloads(dirs), names)
    having = [w for w in selection.workloads if preset in w.presets]
    if selection.workloads and not having:
        presets = sorted({p for w in selection.workloads for p in w.presets})
        raise UsageError(f"no selected workload has preset {preset!r}; choose from: {', '.join(presets)}")
    return Selection(having, selection.failures)


def selected_backends(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in BACKENDS]
    if unknown:
        raise UsageError(f"unknown backend {', '.join(map(repr, unknown))}; choose from: {', '.join(BACKENDS)}")
    return list(dict.fromkeys(names))


def thread_counts(text: str | None, *, with_one: bool = False) -> list[int]:
    """numba_parallel's thread counts: ``text`` (``1,2``), else all cores (and 1, if asked:
    ``run`` measures one thread beside all cores, so parallel efficiency is always known)."""
    cores = os.cpu_count() or 1
    if text is None:
        return sorted({1, cores}) if with_one else [cores]
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--threads takes counts like 1,2; got {text!r}") from None
    bad = [c for c in counts if not 1 <= c <= cores]
    if bad or not counts:
        raise UsageError(f"thread counts must be between 1 and {cores} (this machine's cores); got {text!r}")
    return list(dict.fromkeys(counts))


def parameter_overrides(pairs: Sequence[str], workloads: Sequence[Workload]) -> dict[str, Any]:
    """``--param NAME=VALUE`` pairs: each value read as JSON (``3``, ``0.5``, ``true``), else text."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--param takes NAME=VALUE; got {pair!r}")
        try:
            overrides[name] = json.loads(text)
        except json.JSONDecodeError:
            overrides[name] = text
        for workload in workloads:
            known = set(workload.parameters) | {k for case in workload.presets["quick"] for k in case}
            if name not in known:
                raise UsageError(
                    f"workload {workload.name!r} has no parameter {name!r}; "
                    f"choose from: {', '.join(sorted(known))}"
                )
    return overrides


# -- list ---------------------------------------------------------------------------------


def command_list(args: argparse.Namespace) -> int:
    """Workloads x backends with availability; exit 1 when a package or a path is broken."""
    from rich.console import Console
    from rich.markup import escape

    discovery = discover_workloads(args.workload_dir)
    table, broken_paths = availability_table(discovery.workloads.values())
    for failure in discovery.failures:
        reason = f"cannot be loaded: {failure.error_type}: {failure.message} ({failure.directory})"
        table.add_row(escape(failure.name), "-", "[red]failed[/red]", escape(reason))
    console = Console(highlight=False)
    console.print(table)
    for workload in discovery.workloads.values():
        presets = ", ".join(f"{name} ({len(cases)} cases)" for name, cases in workload.presets.items())
        console.print(f"[bold]{workload.name}[/bold]: {escape(workload.description)}\n  presets: {presets}")
        for name, meaning in workload.parameters.items():
            console.print(f"  {name}: {escape(meaning)}")
    return EXIT_FAILURES if discovery.failures or broken_paths else EXIT_OK


def availability_table(workloads: Iterable[Workload]) -> tuple[Table, int]:
    """One row per workload and backend: available, unavailable (why) or failed (why); and the failed count."""
    from rich.markup import escape
    from rich.table import Table

    from harness.backends import implementation_problem, implementation_unavailable_reason

    table = Table(title="Workloads and backends")
    for column in ("workload", "backend", "available"):
        table.add_column(column)
    table.add_column("reason", overflow="fold")
    failed = 0
    for workload in workloads:
        for backend in BACKENDS:
            if backend not in workload.implementations:
                table.add_row(workload.name, backend, "no", "no implementation")
            elif problem := implementation_problem(workload, backend):
                failed += 1
                table.add_row(workload.name, backend, "[red]failed[/red]", escape(problem))
            else:
                reason = implementation_unavailable_reason(workload, backend)
                table.add_row(workload.name, backend, "no" if reason else "yes", escape(reason or ""))
    return table, failed


# -- run ----------------------------------------------------------------------------------


def run_settings(
    args: argparse.Namespace,
    *,
    budget: float | None = None,
    timeout: float | None = None,
    memory_limit_gib: float | None = None,
    one_thread_too: bool = False,
) -> RunSettings:
    """The settings the selection options ask for, with each measurement default filled in.

    ``workloads`` holds the names selected, the packages among them that failed to load
    included, so a resumed run reports them again rather than selecting every workload.
    """
    preset = preset_of(args)
    dirs = tuple(str(d) for d in workload_dirs(args.workload_dir))
    selection = workload_selection(args.workload, preset, dirs)
    measurement = measurement_for(preset)
    return RunSettings(
        preset=preset,
        workloads=tuple([w.name for w in selection.workloads] + [f.name for f in selection.failures]),
        backends=tuple(selected_backends(args.backend)),
        threads=tuple(thread_counts(args.threads, with_one=one_thread_too)),
        params=parameter_overrides(args.param, selection.workloads),
        workload_dirs=dirs,
        budget=budget or measurement.evaluation_budget,
        timeout=timeout or measurement.timeout,
        memory_limit_gib=memory_limit_gib or default_memory_limit_gib(),
        construction_runs=measurement.construction_runs,
        shard=Shard.parse(args.shard) if getattr(args, "shard", None) else None,
        balance_from=getattr(args, "balance_from", None),
    )


@dataclass(frozen=True)
class Planned:
    """The entries a command will run, and the selected workload packages that failed to load."""

    plans: list[EntryPlan]
    load_failures: list[LoadFailure]


def plans_for(settings: RunSettings) -> Planned:
    """The entries ``settings`` select, each case's parameters checked before any entry runs."""
    selection = workload_selection(settings.workloads, settings.preset, settings.workload_dirs)
    plans = plan_entries(
        selection.workloads, settings.backends, settings.preset, settings.threads, dict(settings.params)
    )
    if not plans and not selection.failures:
        raise UsageError("the selection has no entries: no selected workload implements the selected backends")
    checked: set[tuple[str, str]] = set()
    for plan in plans:
        if (plan.workload.name, plan.key[2]) not in checked:
            plan.workload.check_params(plan.params)
            checked.add((plan.workload.name, plan.key[2]))
    return Planned(plans, selection.failures)


def selected_plans(args: argparse.Namespace, *, one_thread_too: bool = False) -> list[EntryPlan]:
    """The entries the selection options ask for (shared by run, profile and check)."""
    planned = selected_entries(args, one_thread_too=one_thread_too)
    if not planned.plans:
        raise UsageError(
            "the selection has no entries: "
            + "; ".join(failure.describe() for failure in planned.load_failures)
        )
    return planned.plans


def selected_entries(args: argparse.Namespace, *, one_thread_too: bool = False) -> Planned:
    """The entries to run and the broken packages to report; a usage error if there is neither."""
    return plans_for(run_settings(args, one_thread_too=one_thread_too))


def record_load_failures(run: Run, failures: Sequence[LoadFailure]) -> None:
    """Keep the broken packages in the run's metadata (a resumed run gets this run's list)."""
    if failures:
        run.metadata[WORKLOAD_LOAD_FAILURES] = [failure.to_json() for failure in failures]
    else:
        run.metadata.pop(WORKLOAD_LOAD_FAILURES, None)


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


def resumed_selection(
    run: Run, path: Path, args: argparse.Namespace
) -> tuple[RunSettings, Planned, bool]:
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


def narrowed_settings(stored: RunSettings, args: argparse.Namespace) -> RunSettings:
    """``stored`` with every option given on the command line in its place."""
    dirs = tuple(dict.fromkeys([*stored.workload_dirs, *(str(d) for d in workload_dirs(args.workload_dir))]))
    selection = workload_selection(args.workload or stored.workloads, stored.preset, dirs)
    return dataclasses.replace(
        stored,
        workloads=tuple([w.name for w in selection.workloads] + [f.name for f in selection.failures]),
        backends=tuple(selected_backends(args.backend)) or stored.backends,
        threads=tuple(thread_counts(args.threads, with_one=True)) if args.threads else stored.threads,
        params={**stored.params, **parameter_overrides(args.param, selection.workloads)},
        workload_dirs=dirs,
        budget=args.budget or stored.budget,
        timeout=args.timeout or stored.timeout,
        memory_limit_gib=args.memory_limit or stored.memory_limit_gib,
    )


def narrowed_plans(original: Planned, settings: RunSettings) -> Planned:
    """The plans of ``settings``, refused if any is outside the stored selection's plans."""
    keys = {plan.key for plan in original.plans}
    planned = plans_for(settings)
    outside = [plan.label for plan in planned.plans if plan.key not in keys]
    if outside:
        listed = ", ".join(outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
        raise UsageError(
            f"--resume continues the run stored in the file and may only narrow it; these entries are not in "
            f"it: {listed}. Resume without those options, or start a new run with --output"
        )
    return planned


# -- shards -------------------------------------------------------------------------------


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


def restricted(planned: Planned, keys: set[Key]) -> Planned:
    """The plans whose keys are in ``keys``, in run order."""
    return Planned([plan for plan in planned.plans if plan.key in keys], planned.load_failures)


def stored_shard_keys(run: Run, path: Path) -> set[Key]:
    """The part a shard's results file was assigned when it started (``metadata.shard``)."""
    if "shard" not in run.metadata:
        raise ResultsError(f"{path}: metadata.settings names a shard, but metadata.shard is missing")
    _, _, assigned = read_shard_record(run.metadata["shard"], str(path))
    return set(assigned)


def command_line() -> list[str]:
    return ["python", "-m", "harness", *sys.argv[1:]]


def time_and_finish(
    run: Run, path: Path, settings: RunSettings, planned: Planned, args: argparse.Namespace, *, narrowed: bool
) -> int:
    """Time every plan into ``run`` (saved at ``path``), then summarise, profile and report.

    ``narrowed``: a resumed run asked for part of its selection, so finishing these plans
    does not finish the run, and an ``interrupted`` mark stays.
    """
    from harness.console import RunConsole

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
    run: Run, path: Path, plans: list[EntryPlan], runner: Any, console: Any, measured: list[Entry] | None = None
) -> int | None:
    """Time every plan not already finished, saving after each (and adding it to ``measured``);
    the exit code if interrupted."""
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


def profile_after_timing(
    run: Run, path: Path, plans: list[EntryPlan], args: argparse.Namespace, settings: RunSettings
) -> int:
    """``run --profile``: once all timing is done, profile the same entries into the same file."""
    from harness.profiling.command import profile_into, profile_settings

    profiling = profile_settings(settings.preset, timeout=args.timeout, memory_limit=settings.memory_limit_bytes)
    return profile_into(run, path, plans, profiling, [Path(d) for d in settings.workload_dirs])


def record_workloads(run: Run, plans: list[Any]) -> None:
    """What readers of the results need of each workload's declaration: its size parameters."""
    recorded = run.metadata.setdefault("workloads", {})
    for plan in plans:
        recorded[plan.workload.name] = {"size_parameters": list(plan.workload.size_parameters)}


def default_results_path(metadata: dict[str, Any]) -> Path:
    stamp = metadata["utc_time"].replace(":", "").replace("-", "").replace("+0000", "Z")
    name = path_component(f"{stamp}_{metadata['git']['short_commit']}")
    return ROOT / "results" / path_component(str(metadata["machine"])) / f"{name}.json"


def record_gpu(run: Run, entry: Any) -> None:
    if entry.backend == "cuda" and entry.status == "ok" and not entry.info.get("simulated", True):
        run.metadata["gpu"] = entry.info.get("device")


# -- report -------------------------------------------------------------------------------


def command_report(args: argparse.Namespace) -> int:
    """Steps: find the runs -> build and write the HTML. Never runs a workload."""
    from harness.report.render import write_report
    from harness.report.sources import collect_results

    report_input = collect_results(args.results or [ROOT / "results"])
    warn_skipped(report_input.skipped)
    path = write_report(report_input, args.output)
    print(f"report: {path} ({len(report_input.runs)} runs; about {report_input.primary_path})")
    if args.markdown:
        print(f"summary: {write_markdown_summary(report_input.primary, args.markdown)}")
    return EXIT_OK


def write_markdown_summary(run: Run, path: Path) -> Path:
    """The Markdown summary of ``run`` at ``path`` (its folder made if needed)."""
    from harness.report.markdown import render_markdown

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(run), encoding="utf-8")
    return path


def warn_skipped(reasons: Sequence[str], shown: int = 5) -> None:
    """A warning per file a folder held that is not readable results (the first few, then a count)."""
    for reason in reasons[:shown]:
        print(f"warning: skipped {reason}", file=sys.stderr)
    if len(reasons) > shown:
        print(f"warning: skipped {len(reasons) - shown} more files; the report lists them all", file=sys.stderr)


def write_run_report(results: Path, output: Path) -> Path:
    """The report about the run just made, with the history found in results/."""
    from harness.report.render import write_report
    from harness.report.sources import collect_results

    history = [ROOT / "results"] if (ROOT / "results").is_dir() else []
    return write_report(collect_results([results, *history]), output)


def exit_code(run: Run) -> int:
    """1 when an entry failed, was wrong or timed out, or a workload package failed to load."""
    failed = any(e.status in ("failed", "wrong_result", "timeout") for e in run.entries)
    if failed or run.metadata.get(WORKLOAD_LOAD_FAILURES):
        return EXIT_FAILURES
    return EXIT_OK
