"""The command-line options shared by the commands that run entries (run, profile, check,
instructions), and the one frozen ``RunSettings`` each command builds from them."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from harness.cli.option_types import positive_float
from harness.core.registry import workload_dirs
from harness.core.workload import BACKENDS
from harness.run.entries import PRESET_MEASUREMENT, EntryPlan, measurement_for
from harness.run.selection import (
    DEFAULT_PRESET,
    Planned,
    UsageError,
    parameter_overrides,
    plans_for,
    selected_backends,
    thread_counts,
    workload_selection,
)
from harness.run.settings import MEMORY_FRACTION, RunSettings, default_memory_limit_gib
from harness.run.shards import Shard


class ExactOptionParser(argparse.ArgumentParser):
    """An argument parser that takes options only by their whole names: with abbreviations,
    ``list --workload mandelbrot`` would read as ``--workload-dir mandelbrot``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[ExactOptionParser]  # what ``add_subparsers`` gives ``harness.cli.main``


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
    usual = getattr(measurement_for(DEFAULT_PRESET), field)
    values = [
        f"{getattr(m, field):g} s at {name}" for name, m in PRESET_MEASUREMENT.items() if getattr(m, field) != usual
    ]
    return ", ".join([*values, f"{usual:g} s otherwise"])


def add_memory_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit",
        type=positive_float,
        metavar="GIB",
        help="resident memory one step's processes may use together before they are killed and the entry "
        f"fails as out of memory (default: {MEMORY_FRACTION * 100:.0f}%% of the memory available when the run starts, "
        f"now {default_memory_limit_gib():g} GiB)",
    )


def preset_of(args: argparse.Namespace) -> str:
    """The preset asked for, or the default one."""
    return str(args.preset or DEFAULT_PRESET)


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
