"""``python -m harness``: list workloads and backends, and run them.

Each command is a short list of steps (select -> plan -> run -> save -> summarise), each
a function returning the next step's input. Library code raises typed errors; only
``main`` turns them into messages and exit codes: 0 when every available entry is ok,
1 when any failed, was wrong or timed out, 2 on bad usage or bad input, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import machine
from harness.registry import LoadFailure, Selection, discover_workloads, select_discovered
from harness.results import WORKLOAD_LOAD_FAILURES, ResultsError, Run, load, save
from harness.workload import BACKENDS, Workload, WorkloadError

if TYPE_CHECKING:
    from rich.table import Table

    from harness.runner import EntryPlan

ROOT = Path(__file__).resolve().parent.parent
FINISHED = ("ok", "wrong_result", "unavailable")
EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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
    except (UsageError, WorkloadError, ResultsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="Benchmark numerical Python workloads on every backend.",
    )
    commands = parser.add_subparsers(title="commands")

    listing = commands.add_parser("list", help="workloads x backends, with availability")
    add_workload_dir_option(listing)
    listing.set_defaults(handler=command_list)

    run = commands.add_parser("run", help="check, then time construction and evaluation")
    add_selection_options(run)
    run.add_argument("--output", type=Path, help="results file (default: results/<machine>/...)")
    run.add_argument("--resume", type=Path, metavar="RESULTS", help="continue a run, skipping finished entries")
    run.add_argument("--budget", type=float, help="evaluation seconds per entry (default: by preset)")
    run.add_argument("--timeout", type=float, help="seconds per entry before it is killed (default: by preset)")
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
    run.set_defaults(handler=command_run)

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
    report.set_defaults(handler=command_report)

    profile = commands.add_parser("profile", help="memory, line profiles and call counts, into a results file")
    add_selection_options(profile)
    add_profile_options(profile)
    profile.set_defaults(handler=command_profile)

    from harness.compare_cli import add_compare_commands

    add_compare_commands(commands)
    return parser


def add_workload_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workload-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also load workload packages from DIR (repeatable; or HARNESS_WORKLOAD_PATH)",
    )


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs entries (run, and later profile)."""
    add_workload_dir_option(parser)
    parser.add_argument("--workload", action="append", default=[], help="workload name (repeatable; default: all)")
    parser.add_argument(
        "--backend", action="append", default=[], help=f"backend (repeatable; default: all): {', '.join(BACKENDS)}"
    )
    parser.add_argument("--preset", default="default", help="quick, default, full, or a workload's own")
    parser.add_argument(
        "--threads",
        default=None,
        help="numba_parallel thread counts, e.g. 1,2 (default: run measures 1 and all cores; "
        "profile and check all cores)",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter in every case"
    )


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    from harness.profiling.command import add_profile_options as add_options

    add_options(parser)


def command_profile(args: argparse.Namespace) -> int:
    from harness.profiling.command import command_profile as profile_entries

    return profile_entries(args)


# -- selection ---------------------------------------------------------------------------


def selected_workloads(args: argparse.Namespace) -> list[Workload]:
    return workload_selection(args).workloads


def workload_selection(args: argparse.Namespace) -> Selection:
    """The selected workloads that have the preset, and the selected packages that failed to load."""
    selection = select_discovered(discover_workloads(args.workload_dir), args.workload)
    having = [w for w in selection.workloads if args.preset in w.presets]
    if selection.workloads and not having:
        presets = sorted({p for w in selection.workloads for p in w.presets})
        raise UsageError(f"no selected workload has preset {args.preset!r}; choose from: {', '.join(presets)}")
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


@dataclass(frozen=True)
class Planned:
    """The entries a command will run, and the selected workload packages that failed to load."""

    plans: list[EntryPlan]
    load_failures: list[LoadFailure]


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
    from harness.runner import plan_entries

    selection = workload_selection(args)
    plans = plan_entries(
        selection.workloads,
        selected_backends(args.backend),
        args.preset,
        thread_counts(args.threads, with_one=one_thread_too),
        parameter_overrides(args.param, selection.workloads),
    )
    if not plans and not selection.failures:
        raise UsageError("the selection has no entries: no selected workload implements the selected backends")
    return Planned(plans, selection.failures)


def record_load_failures(run: Run, failures: Sequence[LoadFailure]) -> None:
    """Keep the broken packages in the run's metadata (a resumed run gets this run's list)."""
    if failures:
        run.metadata[WORKLOAD_LOAD_FAILURES] = [failure.to_json() for failure in failures]
    else:
        run.metadata.pop(WORKLOAD_LOAD_FAILURES, None)


def command_run(args: argparse.Namespace) -> int:
    from harness.console import RunConsole
    from harness.runner import EntryRunner, Measurement, measurement_for

    planned = selected_entries(args, one_thread_too=True)
    preset_measurement = measurement_for(args.preset)
    measurement = Measurement(
        construction_runs=preset_measurement.construction_runs,
        evaluation_budget=args.budget or preset_measurement.evaluation_budget,
        timeout=args.timeout or preset_measurement.timeout,
    )
    run, path = open_run(args)
    record_workloads(run, planned.plans)
    record_load_failures(run, planned.load_failures)
    save(run, path)
    console = RunConsole()
    console.note(f"results: {path}")
    console.load_failures(planned.load_failures)
    runner = EntryRunner(
        measurement=measurement,
        scratch=Path(tempfile.mkdtemp(prefix="harness-run-")),
        pyperf_dir=path.with_suffix(".pyperf"),
        workload_dirs=[Path(d).resolve() for d in args.workload_dir],
        progress=console,
    )
    if not time_entries(run, path, planned.plans, runner, console):
        return EXIT_INTERRUPTED
    console.summary(run)
    console.load_failures(planned.load_failures)
    console.note(f"results: {path}")
    status = exit_code(run)
    if args.profile:
        status = max(status, profile_after_timing(run, path, planned.plans, args))
        if status == EXIT_INTERRUPTED:
            return status
    if args.report:
        console.note(f"report: {write_run_report(path, args.report)}")
    return status


def time_entries(run: Run, path: Path, plans: list[Any], runner: Any, console: Any) -> bool:
    """Time every plan not already finished, saving after each; False if interrupted."""
    try:
        for index, plan in enumerate(plans, start=1):
            previous = run.find(plan.key)
            if previous is not None and previous.status in FINISHED:
                console.note(f"[{index}/{len(plans)}] {plan.label}: {previous.status} (kept from resumed run)")
                continue
            with console.entry(plan, index, len(plans)):
                entry = runner.run(plan)
            run.add(entry)
            record_gpu(run, entry)
            save(run, path)
            console.finished(entry, run, index, len(plans))
    except KeyboardInterrupt:
        run.metadata["interrupted"] = True
        save(run, path)
        console.note(f"interrupted: {path} keeps every finished entry; continue with --resume {path}")
        return False
    finally:
        shutil.rmtree(runner.scratch, ignore_errors=True)
    run.metadata.pop("interrupted", None)
    save(run, path)
    return True


def profile_after_timing(run: Run, path: Path, plans: list[Any], args: argparse.Namespace) -> int:
    """``run --profile``: once all timing is done, profile the same entries into the same file."""
    from harness.profiling.command import profile_into, profile_settings

    workload_dirs = [Path(d).resolve() for d in args.workload_dir]
    return profile_into(run, path, plans, profile_settings(args), workload_dirs)


def open_run(args: argparse.Namespace) -> tuple[Run, Path]:
    """A new run with fresh metadata, or the resumed one (its metadata kept)."""
    if args.resume:
        run = load(args.resume)
        if run.metadata.get("preset") != args.preset:
            raise UsageError(
                f"{args.resume} was run with preset {run.metadata.get('preset')!r}; "
                f"resume it with --preset {run.metadata.get('preset')}"
            )
        run.metadata.setdefault("resumed", []).append(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        return run, args.resume
    metadata = machine.collect(ROOT, args.preset, ["python", "-m", "harness", *sys.argv[1:]], gpu_name=None)
    path = args.output or default_results_path(metadata)
    if path.exists():
        raise UsageError(f"{path} exists; choose another --output or continue it with --resume {path}")
    run = Run(metadata=metadata)
    save(run, path)
    return run, path


def record_workloads(run: Run, plans: list[Any]) -> None:
    """What readers of the results need of each workload's declaration: its size parameters."""
    recorded = run.metadata.setdefault("workloads", {})
    for plan in plans:
        recorded[plan.workload.name] = {"size_parameters": list(plan.workload.size_parameters)}


def default_results_path(metadata: dict[str, Any]) -> Path:
    stamp = metadata["utc_time"].replace(":", "").replace("-", "").replace("+0000", "Z")
    return ROOT / "results" / metadata["machine"] / f"{stamp}_{metadata['git']['short_commit']}.json"


def record_gpu(run: Run, entry: Any) -> None:
    if entry.backend == "cuda" and entry.status == "ok" and not entry.info.get("simulated", True):
        run.metadata["gpu"] = entry.info.get("device")


# -- report -------------------------------------------------------------------------------


def command_report(args: argparse.Namespace) -> int:
    """Steps: find the runs -> build and write the HTML. Never runs a workload."""
    from harness.report.render import write_report
    from harness.report.sources import collect_results

    report_input = collect_results(args.results or [ROOT / "results"])
    path = write_report(report_input, args.output)
    print(f"report: {path} ({len(report_input.runs)} runs; about {report_input.primary_path})")
    return EXIT_OK


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
