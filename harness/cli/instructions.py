"""``harness instructions``: instructions per call of every selected entry, under callgrind.

``harness check --mode instructions`` also runs this file *by path* inside the ref's tree
(``side_bootstrap``), where it imports that tree's harness; so it uses only the API every
tree since the first A/B check has had: the selection options, ``selected_plans``, the
results model and the counter in ``harness.regress.instructions``. (Imports for type
checking only are never run, so they may name any module of this tree.)
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness.cli.options import add_selection_options, selected_plans
from harness.core.backends import implementation_unavailable_reason
from harness.core.machine import collect
from harness.core.paths import ROOT
from harness.core.results import Run, save
from harness.regress.instructions import (
    DEFAULT_CALLS,
    UNCOUNTED_BACKENDS,
    Counting,
    InstructionsError,
    count_entry,
    valgrind_unavailable_reason,
)

if TYPE_CHECKING:
    from harness.core.entry_parts import InstructionCounts
    from harness.core.results import Entry
    from harness.run.entries import EntryPlan

VALGRIND_TIMEOUT = 600.0  # seconds one valgrind run (or the native warm-up run) may take, unless told


def measure(args: argparse.Namespace, command: Sequence[str]) -> Run:
    """Plan the selection as ``harness run`` does and count every entry into a Run."""
    plans = selected_plans(args)
    counting = Counting(calls=parse_calls(args.calls), timeout=args.valgrind_timeout)
    dirs = [str(Path(d).resolve()) for d in args.workload_dir]
    run = Run(
        metadata={
            **collect(ROOT, args.preset, list(command), gpu_name=None),
            "mode": "instructions",
        }
    )
    missing = valgrind_unavailable_reason()
    for plan in plans:
        reason = (
            missing
            or UNCOUNTED_BACKENDS.get(plan.backend)
            or implementation_unavailable_reason(plan.workload, plan.backend)
        )
        if reason:
            entry = plan.entry(status="unavailable", reason=reason)
        else:
            print(f"counting {plan.label} ...", file=sys.stderr, flush=True)
            spec = {
                "workload": plan.workload.name,
                "backend": plan.backend,
                "params": plan.params,
                "workload_dirs": dirs,
            }
            try:
                entry = counted_entry(plan, count_entry(spec, counting))
            except (InstructionsError, subprocess.TimeoutExpired) as error:
                entry = plan.entry(status="failed", reason=str(error))
        run.add(entry)
        save(run, args.output)
    return run


def counted_entry(plan: EntryPlan, counts: InstructionCounts | dict[str, object]) -> Entry:
    """The entry of one count. A tree from before results schema 2 (the ref of an A/B check)
    returns the counts as a dict, kept as an extra field of its entry, as its files had them."""
    if isinstance(counts, dict):
        return plan.entry(status="ok", extra={"instructions": counts})
    return plan.entry(status="ok", instructions=counts, sample_kind="instructions")


def parse_calls(text: str) -> tuple[int, int]:
    try:
        first, second = (int(part) for part in text.split(","))
    except ValueError:
        raise InstructionsError(f"--calls takes two counts like 1,11; got {text!r}") from None
    if not 1 <= first < second:
        raise InstructionsError(f"--calls needs 1 <= N1 < N2; got {text!r}")
    return first, second


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness instructions", description="Instructions per call under callgrind."
    )
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The selection options of ``harness run``, and the counting options."""
    add_selection_options(parser)  # this file may run inside an older tree: its harness's signature
    parser.set_defaults(preset="quick")
    parser.add_argument("--output", type=Path, required=True, help="results file to write")
    parser.add_argument(
        "--calls",
        default=",".join(map(str, DEFAULT_CALLS)),
        help="two call counts N1,N2 (default 1,11; N2 is raised until the counted calls take "
        "about 1 s natively); per call = (I(N2)-I(N1))/(N2-N1)",
    )
    parser.add_argument(
        "--valgrind-timeout",
        type=_positive_seconds,
        default=VALGRIND_TIMEOUT,
        metavar="SECONDS",
        help="seconds one run of an entry under valgrind (or its native warm-up run) may take before it is "
        f"killed and the entry recorded as failed; an entry makes three such runs (default {VALGRIND_TIMEOUT:g})",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        dest="valgrind_timeout",
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        action=DeprecatedSpelling,
        new_spelling="--valgrind-timeout",
        help="deprecated spelling of --valgrind-timeout",
    )


class DeprecatedSpelling(argparse.Action):
    """An option's old spelling: sets the new option's value and says so in one line on stderr.

    Here rather than beside the other option types because this file also runs inside
    older trees (see the module's docstring); ``harness check`` uses it too.
    """

    def __init__(self, option_strings: Sequence[str], dest: str, new_spelling: str, **options: object) -> None:
        self.new_spelling = new_spelling
        super().__init__(option_strings, dest, **options)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        print(
            f"note: {parser.prog} {option_string} is deprecated; use {self.new_spelling}, which means the same",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def main(argv: Sequence[str]) -> int:
    run = measure(build_parser().parse_args(argv), ["python", "-m", "harness", "instructions", *argv])
    return exit_code(run)


def exit_code(run: Run) -> int:
    """1 when counting failed for an entry (the reason is printed), else 0."""
    failed = [e for e in run.entries if e.status == "failed"]
    for entry in failed:
        print(f"{entry.label}: {entry.reason}", file=sys.stderr)
    return 1 if failed else 0


def _positive_seconds(text: str) -> float:
    """A finite number of seconds above 0 (harness.cli.option_types is not used: this file may run
    inside an older tree, whose harness lacks it)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0; got {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
