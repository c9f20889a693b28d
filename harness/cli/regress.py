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
import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.cli import instructions
from harness.cli.option_types import non_negative_float, positive_float, positive_int
from harness.cli.options import add_selection_options, selected_plans
from harness.core.machine import collect
from harness.core.results import ResultsError
from harness.regress.ab import (
    CheckError,
    SideTree,
    alias_beside,
    build_in_place,
    ref_worktree,
    repository_root,
    verify_imports,
)
from harness.regress.compare import NOT_COMPARABLE, Thresholds, compare, load_side
from harness.regress.instructions import InstructionsError
from harness.regress.render import markdown, print_comparison
from harness.regress.sampling import RoundWriter, Sampler, Workers, targets_for
from harness.regress.side_bootstrap import BOOTSTRAP
from harness.run.selection import UsageError

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT = 0, 1, 2
TIMERS = ("auto", "cpu", "wall")  # check --timer: auto is CPU time for one-thread backends


def add_compare_commands(commands: Any) -> None:
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
        help="cpu: process CPU time; wall: wall clock; auto (default): CPU time for the python, cython "
        "and numba backends, whose kernels run on one thread, wall clock for the others",
    )
    check.add_argument("--min-rounds", type=positive_int, default=2, help="rounds every entry gets (default 2)")
    check.add_argument(
        "--processes",
        type=positive_int,
        default=3,
        help="sample processes per side in a round, started alternately A B, B A, ... (default 3)",
    )
    check.add_argument(
        "--timeout",
        type=positive_float,
        help="seconds a set-up or sample process may go without finishing a step before it is killed (default 600)",
    )
    check.add_argument("--output-dir", type=Path, help="where the rounds' results go (default results/check/...)")
    check.add_argument(
        "--mode",
        choices=("time", "instructions", "both"),
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


def thresholds_from(args: argparse.Namespace) -> Any:

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


# -- compare ----------------------------------------------------------------------------------


def command_compare(args: argparse.Namespace) -> int:

    base = load_side("base", [args.base])
    new = load_side("new", [args.new])
    warn_skipped(base, new)
    return report([compare_sides(base, new, args)], args)


def warn_skipped(*sides: Any) -> None:
    """One warning per results file a side's folder held that could not be read."""
    for side in sides:
        for reason in side.skipped:
            print(f"warning: {side.label}: skipped {reason}", file=sys.stderr)


def compare_sides(base: Any, new: Any, args: argparse.Namespace) -> Any:

    return compare(base, new, thresholds_from(args))


def report(comparisons: Sequence[Any], args: argparse.Namespace) -> int:
    """Print each comparison, write the Markdown/JSON, and choose the exit code."""

    for comparison in comparisons:
        print_comparison(comparison)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(markdown(c) for c in comparisons))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([comparison_json(c) for c in comparisons], indent=1))
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


def comparison_json(comparison: Any) -> dict[str, Any]:
    return {
        "regressed": comparison.regressed,
        "counts": comparison.counts(),
        "warnings": comparison.warnings,
        "base": comparison.base.sources,
        "new": comparison.new.sources,
        "entries": [e.to_json() for e in comparison.entries],
    }


# -- check ------------------------------------------------------------------------------------


def command_check(args: argparse.Namespace) -> int:

    thresholds_from(args)  # bad threshold options fail before any benchmark runs
    # a terminated check unwinds like an interrupted one: the ref's worktree is removed
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    try:
        baseline = load_side("base", [args.baseline]) if args.baseline else None  # bad input fails first
        current = SideTree("new", repository_root(Path.cwd()))
        output_dir = args.output_dir or current.tree / "results" / "check" / timestamp()
        build_in_place(current.tree)
        verify_imports(current)
        if baseline is None:
            return check_against(args, current, output_dir)
        return check_baseline(args, current, output_dir, baseline)
    except CheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def check_against(args: argparse.Namespace, current: Any, output_dir: Path) -> int:

    with ref_worktree(current.tree, args.against) as ref_tree:
        base = SideTree("base", ref_tree)
        print(f"building {args.against} in {ref_tree}", file=sys.stderr)
        build_in_place(ref_tree, reuse_from=current.tree)
        verify_imports(base)
        new = SideTree(current.label, alias_beside(current.tree, ref_tree))
        files = measure_sides(args, [base, new], output_dir)
    return compare_files(args, files.get("base", []), files.get("new"), files)


def check_baseline(args: argparse.Namespace, current: Any, output_dir: Path, baseline: Any) -> int:
    warn_skipped(baseline)
    baseline_files = [Path(source) for source in baseline.sources]
    args.statistic, args.timer = sampling_like(baseline.runs, args.timer)
    files = measure_sides(args, [current], output_dir)
    if "new-instructions" in files:
        files["base-instructions"] = baseline_files
    return compare_files(args, baseline_files, files.get("new"), files)


def sampling_like(baseline: Sequence[Any], timer: str) -> tuple[str, str]:
    """The sample statistic and timer that make this tree's samples comparable with ``baseline``.

    A check's own rounds take each process's minimum; runs of ``harness run`` hold pyperf's
    values, whose samples are process means in wall clock, so the tree is sampled alike.
    """
    if any("check_round" in run.metadata for run in baseline):
        return "min", timer
    log("the baseline holds runs of `harness run`: samples are process means, in wall clock unless --timer")
    return "mean", "wall" if timer == "auto" else timer


def measure_sides(args: argparse.Namespace, sides: Sequence[Any], output_dir: Path) -> dict[str, list[Path]]:
    """Timed samples and/or instruction counts for every side, into ``output_dir``."""
    files: dict[str, list[Path]] = {}
    if args.mode in ("time", "both"):
        files = sample_sides(args, sides, output_dir)
    if args.mode in ("instructions", "both"):
        for side in sides:
            files[f"{side.label}-instructions"] = [count_side(args, side, output_dir)]
    print(f"results of this check: {output_dir}", file=sys.stderr)
    return files


def sample_sides(args: argparse.Namespace, sides: Sequence[Any], output_dir: Path) -> dict[str, list[Path]]:
    """Set every side up, then sample them in rounds: see ``harness.regress.sampling``."""

    targets = targets_for(selected_plans(args), args.timer)  # planned by this tree: both sides run these
    workload_dirs = [Path(d).resolve() for d in args.workload_dir]
    workers = Workers(output_dir, workload_dirs=workload_dirs, timeout=args.timeout or 600.0)
    sampler = Sampler(
        sides,
        workers,
        thresholds=thresholds_from(args),
        pairs=args.processes,
        min_rounds=min(args.min_rounds, args.rounds),
        max_rounds=args.rounds,
        statistic=getattr(args, "statistic", "min"),
        log=log,
    )
    started = time.monotonic()
    setups = sampler.setup(targets)
    log(f"set-up of {len(targets)} entries on {len(sides)} sides took {time.monotonic() - started:.0f} s")
    command = ["python", "-m", "harness", *sys.argv[1:]]
    metadata = {side.label: collect(side.tree, args.preset, command, None) for side in sides}
    writer = RoundWriter(
        output_dir, metadata, setups, values=sampler.values, warmups=sampler.warmups, statistic=sampler.statistic
    )
    sampler.sample(targets, writer, setups)
    return writer.write()


def compare_files(
    args: argparse.Namespace,
    base_files: Sequence[Path],
    new_files: Sequence[Path] | None,
    files: dict[str, list[Path]],
) -> int:

    comparisons = []
    if new_files:
        base, new = load_side("base", base_files), load_side("new", new_files)
        warn_skipped(base, new)
        comparisons.append(compare_sides(base, new, args))
    if "new-instructions" in files:
        base_counts = files.get("base-instructions") or []
        if base_counts:
            comparisons.append(
                compare_sides(
                    load_side("base", base_counts),
                    load_side("new", files["new-instructions"]),
                    args,
                )
            )
    return report(comparisons, args)


def count_side(args: argparse.Namespace, side: Any, output_dir: Path) -> Path:
    """Run this tree's instructions counter inside ``side``'s tree (its own harness)."""


    output = output_dir / f"{side.label}-instructions" / "instructions.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-c",
        BOOTSTRAP,
        str(Path(instructions.__file__).resolve()),
        *selection_arguments(args),
        "--output",
        str(output),
    ]
    print(f"instructions: {side.label} ({side.tree})", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=side.tree, env=side.environment(), text=True, capture_output=True)
    if done.returncode not in (0, 1) or not output.exists():
        raise CheckError(f"instruction counts of {side.label} failed: {done.stderr[-2000:]}")
    return output


def log(text: str) -> None:
    sys.stderr.write(text + "\n")  # one write: lines from the two sides' threads stay whole
    sys.stderr.flush()


def selection_arguments(args: argparse.Namespace) -> list[str]:
    """The selection options, as ``harness run`` takes them (workload dirs made absolute)."""
    arguments = ["--preset", args.preset]
    arguments += [f"--workload={name}" for name in args.workload]
    arguments += [f"--backend={name}" for name in args.backend]
    arguments += [f"--param={pair}" for pair in args.param]
    arguments += [f"--workload-dir={Path(d).resolve()}" for d in args.workload_dir]
    if args.threads:
        arguments.append(f"--threads={args.threads}")
    return arguments


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# -- instructions -----------------------------------------------------------------------------


def command_instructions(args: argparse.Namespace) -> int:

    try:
        run = instructions.measure(args, ["python", "-m", "harness", "instructions", *sys.argv[2:]])
    except InstructionsError as error:
        raise ResultsError(str(error)) from error
    return instructions.exit_code(run)
