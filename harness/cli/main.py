"""``python -m harness``: list workloads and backends, and run them.

Each command is a short list of steps (select -> plan -> run -> save -> summarise), each
a function returning the next step's input. Library code raises typed errors; only
``main`` turns them into messages and exit codes: 0 when every available entry is ok,
1 when any failed, was wrong or timed out, 2 on bad usage or bad input, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.cli.options import ExactOptionParser, add_selection_options, add_workload_dir_option
from harness.cli.profile import add_profile_options, command_profile
from harness.cli.regress import add_compare_commands
from harness.cli.run import add_run_command
from harness.core.backends import implementation_problem, implementation_unavailable_reason
from harness.core.paths import ROOT
from harness.core.registry import discover_workloads
from harness.core.results import ResultsError, Run
from harness.core.workload import BACKENDS, Workload, WorkloadError
from harness.report.markdown import render_markdown
from harness.report.sources import collect_results
from harness.run.interrupts import exit_code_of
from harness.run.merge import add_merge_command
from harness.run.selection import UsageError
from harness.run.session import EXIT_FAILURES, EXIT_OK, EXIT_USAGE
from harness.run.shards import ShardError


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

    add_compare_commands(commands)
    add_merge_command(commands)
    return parser


def command_list(args: argparse.Namespace) -> int:
    """Workloads x backends with availability; exit 1 when a package or a path is broken."""

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


def command_report(args: argparse.Namespace) -> int:
    """Steps: find the runs -> build and write the HTML. Never runs a workload."""
    from harness.report.render import write_report  # matplotlib and Jinja2: loaded only to write a report

    report_input = collect_results(args.results or [ROOT / "results"])
    warn_skipped(report_input.skipped)
    path = write_report(report_input, args.output)
    print(f"report: {path} ({len(report_input.runs)} runs; about {report_input.primary_path})")
    if args.markdown:
        print(f"summary: {write_markdown_summary(report_input.primary, args.markdown)}")
    return EXIT_OK


def write_markdown_summary(run: Run, path: Path) -> Path:
    """The Markdown summary of ``run`` at ``path`` (its folder made if needed)."""

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(run), encoding="utf-8")
    return path


def warn_skipped(reasons: Sequence[str], shown: int = 5) -> None:
    """A warning per file a folder held that is not readable results (the first few, then a count)."""
    for reason in reasons[:shown]:
        print(f"warning: skipped {reason}", file=sys.stderr)
    if len(reasons) > shown:
        print(f"warning: skipped {len(reasons) - shown} more files; the report lists them all", file=sys.stderr)
