"""The ``compare``, ``check`` and ``instructions`` commands of ``python -m harness``.

compare BASE NEW     compare saved results (files, or folders of runs pooled per side)
check --against REF  A/B on this machine: this tree and REF in interleaved rounds, compared
check --baseline P   this tree in rounds, compared with saved results P
instructions         instructions per call under callgrind (the deterministic mode)

Exit codes: 0 no regression, 1 a regression, 2 bad input (a missing, corrupt or
wrong-version file, nothing to compare, a ref that cannot be checked out or built).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli import instructions
from harness.cli.option_types import non_negative_float, positive_float, positive_int
from harness.cli.options import add_selection_options, run_settings
from harness.core.registry import discover
from harness.core.results import ResultsError
from harness.regress.ab import CheckError
from harness.regress.ab_check import MODES, CheckSettings, run_check, warn_skipped
from harness.regress.compare import SidesComparison, compare_sides
from harness.regress.instructions import InstructionsError
from harness.regress.render import markdown, print_comparison
from harness.regress.sides import load_side
from harness.regress.targets import CPU_TIMED_BACKENDS, TIMERS
from harness.regress.verdicts import NOT_COMPARABLE, Thresholds
from harness.regress.workers import STALL_TIMEOUT
from harness.run.selection import UsageError

if TYPE_CHECKING:
    from harness.cli.options import Subparsers

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Outputs:
    """Where the comparisons also go, besides the terminal (``--markdown``, ``--json``)."""

    markdown: Path | None = None
    json: Path | None = None


def add_compare_commands(commands: Subparsers) -> None:
    """Register the commands on ``harness.cli.main``'s subparsers."""

    compare = commands.add_parser("compare", help="compare saved results: regressed, improved, unchanged")
    compare.add_argument("base", type=Path, help="base results file, or a folder of runs to pool")
    compare.add_argument("new", type=Path, help="new results file, or a folder of runs to pool")
    add_threshold_options(compare)
    compare.set_defaults(handler=command_compare)

    check = commands.add_parser("check", help="A/B regression check of this tree against a git ref")
    add_selection_options(check, default_preset="quick")
    which = check.add_mutually_exclusive_group(required=True)
    which.add_argument("--against", metavar="REF", help="git ref to benchmark against (e.g. origin/main)")
    which.add_argument("--baseline", type=Path, help="saved results (file or folder) to compare with")
    check.add_argument(
        "--rounds",
        type=positive_int,
        default=6,
        help="most rounds of sample processes per entry (default 6); an entry stops earlier once its verdict is clear",
    )
    check.add_argument(
        "--timer",
        choices=TIMERS,
        default="auto",
        help="cpu: process CPU time; wall: wall clock; auto (default): CPU time for the "
        f"{', '.join(CPU_TIMED_BACKENDS)} backends, whose kernels run on one thread, wall clock for the others",
    )
    check.add_argument("--min-rounds", type=positive_int, default=2, help="rounds every entry gets (default 2)")
    check.add_argument(
        "--processes",
        type=positive_int,
        default=3,
        help="sample processes per side in a round, started alternately A B, B A, ... (default 3)",
    )
    check.add_argument(
        "--stall-timeout",
        type=positive_float,
        default=STALL_TIMEOUT,
        metavar="SECONDS",
        help="seconds a set-up or sample process may go without finishing a step (one entry's set-up, "
        f"or one value) before it is killed and that entry recorded as timeout (default {STALL_TIMEOUT:g})",
    )
    check.add_argument(
        "--timeout",
        type=positive_float,
        dest="stall_timeout",
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        action=instructions.DeprecatedSpelling,
        new_spelling="--stall-timeout",
        help="deprecated spelling of --stall-timeout",
    )
    check.add_argument("--output-dir", type=Path, help="where the rounds' results go (default results/check/...)")
    check.add_argument(
        "--mode",
        choices=MODES,
        default="time",
        help="wall-clock rounds, callgrind instruction counts, or both (default time)",
    )
    add_threshold_options(check)
    check.set_defaults(handler=command_check)

    counting = commands.add_parser("instructions", help="instructions per call under callgrind")
    instructions.add_options(counting)
    counting.set_defaults(handler=command_instructions)


def add_threshold_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.01,
        help="significance level for the whole comparison (default 0.01; Holm's step-down over the entries)",
    )
    parser.add_argument(
        "--no-holm",
        action="store_true",
        help="judge each entry at --alpha alone, without Holm's adjustment over the entries",
    )
    parser.add_argument(
        "--min-effect",
        type=non_negative_float,
        default=0.05,
        help="smallest change that counts, as a fraction (default 0.05)",
    )
    parser.add_argument(
        "--min-effect-for",
        action="append",
        default=[],
        metavar="WORKLOAD=FRACTION",
        help="minimum effect for one workload, e.g. mandelbrot=0.1 (repeatable)",
    )
    parser.add_argument(
        "--instructions-threshold",
        type=non_negative_float,
        default=0.01,
        help="change in instructions per call that counts (default 0.01)",
    )
    parser.add_argument("--markdown", type=Path, help="also write a Markdown summary to this file")
    parser.add_argument("--json", type=Path, help="also write the comparison as JSON to this file")


def thresholds_from(args: argparse.Namespace) -> Thresholds:
    """The threshold options, checked: a bad one is a usage error before anything runs."""
    per_workload = {}
    for pair in args.min_effect_for:
        name, equals, text = pair.partition("=")
        try:
            per_workload[name] = non_negative_float(text)
        except argparse.ArgumentTypeError:
            raise UsageError(f"--min-effect-for takes WORKLOAD=FRACTION, e.g. mandelbrot=0.1; got {pair!r}") from None
        if not equals or not name:
            raise UsageError(f"--min-effect-for takes WORKLOAD=FRACTION; got {pair!r}")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1; got {args.alpha}")
    return Thresholds(
        alpha=args.alpha,
        min_effect=args.min_effect,
        min_effect_for=per_workload,
        instructions_threshold=args.instructions_threshold,
        family_wise=not args.no_holm,
    )


def check_effect_workloads(thresholds: Thresholds, known: Iterable[str], where: str) -> None:
    """A ``--min-effect-for`` workload that is not among ``known`` is a usage error, not a
    threshold silently never applied."""
    unknown = sorted(set(thresholds.min_effect_for) - set(known))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise UsageError(
            f"--min-effect-for names {names}, not a workload {where}; choose from {', '.join(sorted(known))}"
        )


def outputs_from(args: argparse.Namespace) -> Outputs:
    return Outputs(markdown=args.markdown, json=args.json)


# -- compare ----------------------------------------------------------------------------------


def command_compare(args: argparse.Namespace) -> int:
    """Steps: read the options -> load both sides -> compare -> print and write."""
    thresholds, outputs = thresholds_from(args), outputs_from(args)
    base = load_side("base", [args.base])
    new = load_side("new", [args.new])
    workloads = {entry.workload for side in (base, new) for run in side.runs for entry in run.entries}
    check_effect_workloads(thresholds, workloads, "in either side's results")
    warn_skipped([base, new], log)
    return report([compare_sides(base, new, thresholds)], outputs)


def report(comparisons: Sequence[SidesComparison], outputs: Outputs) -> int:
    """Print each comparison, write the Markdown/JSON, and choose the exit code."""
    for comparison in comparisons:
        print_comparison(comparison)
    if outputs.markdown:
        outputs.markdown.parent.mkdir(parents=True, exist_ok=True)
        outputs.markdown.write_text("\n".join(markdown(c) for c in comparisons))
    if outputs.json:
        outputs.json.parent.mkdir(parents=True, exist_ok=True)
        outputs.json.write_text(json.dumps([c.to_json() for c in comparisons], indent=1))
    if any(c.regressed for c in comparisons):
        return EXIT_REGRESSION
    if not any(c.compared for c in comparisons):
        reasons = {e.reason for c in comparisons for e in c.with_status(NOT_COMPARABLE)}
        print(
            f"error: nothing to compare: every entry is not comparable ({'; '.join(sorted(reasons))})",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return EXIT_OK


# -- check ------------------------------------------------------------------------------------


def command_check(args: argparse.Namespace) -> int:
    """Steps: read the options into one ``CheckSettings`` -> run the A/B check -> print and write."""
    settings = check_settings(args)  # bad options fail before any benchmark runs
    # a terminated A/B check unwinds like an interrupted one: the ref's worktree is removed
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    try:
        comparisons = run_check(settings, Path(instructions.__file__), log)
    except CheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return report(comparisons, outputs_from(args))


def check_settings(args: argparse.Namespace) -> CheckSettings:
    """Everything ``harness check`` was asked to do, checked, in one frozen object."""
    selection = run_settings(args)
    thresholds = thresholds_from(args)
    check_effect_workloads(thresholds, discover(selection.workload_dirs), "this tree has")
    return CheckSettings(
        selection=selection,
        counter_arguments=tuple(counter_arguments(args)),
        workload_dirs=tuple(Path(d).resolve() for d in args.workload_dir),
        against=args.against,
        baseline=args.baseline,
        rounds=args.rounds,
        min_rounds=args.min_rounds,
        processes=args.processes,
        stall_timeout=args.stall_timeout,
        output_dir=args.output_dir,
        mode=args.mode,
        thresholds=thresholds,
        timer=args.timer,
        command=("python", "-m", "harness", *sys.argv[1:]),
    )


def counter_arguments(args: argparse.Namespace) -> list[str]:
    """The selection options, as the instructions counter takes them (workload dirs made absolute)."""
    arguments = ["--preset", args.preset]
    arguments += [f"--workload={name}" for name in args.workload]
    arguments += [f"--backend={name}" for name in args.backend]
    arguments += [f"--param={pair}" for pair in args.param]
    arguments += [f"--workload-dir={Path(d).resolve()}" for d in args.workload_dir]
    if args.threads:
        arguments.append(f"--threads={args.threads}")
    return arguments


def log(text: str) -> None:
    sys.stderr.write(text + "\n")  # one write: lines from the two sides' threads stay whole
    sys.stderr.flush()


# -- instructions -----------------------------------------------------------------------------


def command_instructions(args: argparse.Namespace) -> int:
    try:
        run = instructions.measure(args, ["python", "-m", "harness", "instructions", *sys.argv[2:]])
    except InstructionsError as error:
        raise ResultsError(str(error)) from error
    return instructions.exit_code(run)
