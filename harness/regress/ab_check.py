"""The steps of an A/B check (``harness check``): build and verify the sides, measure
them (timed rounds, instruction counts, or both), and compare what they measured.

``CheckSettings`` is everything the A/B check was asked to do, built once by the CLI
from its options; the steps read it and never change it (a baseline of ``harness run``
results gives a new settings object, sampled alike). The steps print nothing: they
report progress through ``log``, and return the comparisons for the CLI to render.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.machine import collect
from harness.core.results import Run
from harness.regress.ab import (
    CheckError,
    SideTree,
    alias_beside,
    build_in_place,
    ref_worktree,
    repository_root,
    verify_imports,
)
from harness.regress.compare import SidesComparison, compare_sides
from harness.regress.rounds import RoundWriter
from harness.regress.sampling import Sampler
from harness.regress.side_bootstrap import BOOTSTRAP
from harness.regress.sides import Side, load_side
from harness.regress.targets import targets_for
from harness.regress.verdicts import Thresholds
from harness.regress.workers import STALL_TIMEOUT, Workers
from harness.run.entries import EntryPlan
from harness.run.selection import UsageError, plans_for
from harness.run.settings import RunSettings

Log = Callable[[str], None]
MODES = ("time", "instructions", "both")  # timed rounds, callgrind instruction counts, or both


@dataclass(frozen=True)
class CheckSettings:
    """What one A/B check was asked to do (``harness check``'s options, parsed and checked)."""

    selection: RunSettings  # the entries, planned by this tree: both sides run them
    counter_arguments: tuple[str, ...]  # the same selection as options of the instructions counter
    workload_dirs: tuple[Path, ...] = ()  # --workload-dir, resolved: given to every process of the sides
    against: str | None = None  # a git ref, checked out and built as the base side
    baseline: Path | None = None  # or saved results (a file or a folder) as the base side
    rounds: int = 6  # most rounds of sample processes per entry
    min_rounds: int = 2  # rounds every entry gets
    processes: int = 3  # sample processes per side and group in a round
    stall_timeout: float = STALL_TIMEOUT  # seconds a process may go without finishing a step
    output_dir: Path | None = None  # None: results/check/<time stamp> in this tree
    mode: str = "time"  # one of MODES
    thresholds: Thresholds = field(default_factory=Thresholds)
    statistic: str = "min"  # a process's sample: its minimum, or (a baseline of ``harness run``) its mean
    timer: str = "auto"  # one of ``harness.regress.targets.TIMERS``
    command: tuple[str, ...] = ()  # the command line, recorded in each side's metadata


def run_check(settings: CheckSettings, counter: Path, log: Log) -> list[SidesComparison]:
    """Every step of the A/B check; ``counter`` is the instructions counter run by path in each side.

    Raises ``CheckError`` when a step fails (git, a build, a side's run) and
    ``ResultsError`` for a baseline that cannot be read.
    """
    baseline = load_side("base", [settings.baseline]) if settings.baseline else None  # bad input fails first
    current = SideTree("new", repository_root(Path.cwd()))
    output_dir = settings.output_dir or current.tree / "results" / "check" / timestamp()
    build_in_place(current.tree)
    verify_imports(current)
    if baseline is None:
        return check_against(settings, current, output_dir, counter, log)
    return check_baseline(settings, current, output_dir, baseline, counter, log)


def check_against(
    settings: CheckSettings, current: SideTree, output_dir: Path, counter: Path, log: Log
) -> list[SidesComparison]:
    """Check the ref out beside this tree, build it, and measure both sides."""
    assert settings.against is not None
    with ref_worktree(current.tree, settings.against) as ref_tree:
        base = SideTree("base", ref_tree)
        log(f"building {settings.against} in {ref_tree}")
        build_in_place(ref_tree, reuse_from=current.tree)
        verify_imports(base)
        new = SideTree(current.label, alias_beside(current.tree, ref_tree))
        files = measure_sides(settings, [base, new], output_dir, counter, log)
    return compare_files(settings.thresholds, files.get("base", []), files.get("new"), files, log)


def check_baseline(
    settings: CheckSettings, current: SideTree, output_dir: Path, baseline: Side, counter: Path, log: Log
) -> list[SidesComparison]:
    """Measure this tree alone, sampled like ``baseline``, and compare it with the baseline."""
    warn_skipped([baseline], log)
    baseline_files = [Path(source) for source in baseline.sources]
    statistic, timer = sampling_like(baseline.runs, settings.timer)
    if statistic == "mean":
        log("the baseline holds runs of `harness run`: samples are process means, in wall clock unless --timer")
    files = measure_sides(
        dataclasses.replace(settings, statistic=statistic, timer=timer), [current], output_dir, counter, log
    )
    if "new-instructions" in files:
        files["base-instructions"] = baseline_files
    return compare_files(settings.thresholds, baseline_files, files.get("new"), files, log)


def sampling_like(baseline: Sequence[Run], timer: str) -> tuple[str, str]:
    """The sample statistic and timer that make this tree's samples comparable with ``baseline``.

    An A/B check's own rounds take each process's minimum; runs of ``harness run`` hold
    pyperf's values, whose samples are process means in wall clock, so the tree is sampled alike.
    """
    if any("check_round" in run.metadata for run in baseline):
        return "min", timer
    return "mean", "wall" if timer == "auto" else timer


def measure_sides(
    settings: CheckSettings, sides: Sequence[SideTree], output_dir: Path, counter: Path, log: Log
) -> dict[str, list[Path]]:
    """Timed samples and/or instruction counts for every side, into ``output_dir``."""
    files: dict[str, list[Path]] = {}
    if settings.mode in ("time", "both"):
        files = sample_sides(settings, sides, output_dir, log)
    if settings.mode in ("instructions", "both"):
        for side in sides:
            files[f"{side.label}-instructions"] = [count_side(settings, side, output_dir, counter, log)]
    log(f"results of this A/B check: {output_dir}")
    return files


def sample_sides(
    settings: CheckSettings, sides: Sequence[SideTree], output_dir: Path, log: Log
) -> dict[str, list[Path]]:
    """Set every side up, then sample them in rounds: see ``harness.regress.sampling``."""
    targets = targets_for(selected_plans(settings.selection), settings.timer)  # both sides run these
    workers = Workers(output_dir, workload_dirs=settings.workload_dirs, timeout=settings.stall_timeout)
    sampler = Sampler(
        sides,
        workers,
        thresholds=settings.thresholds,
        pairs=settings.processes,
        min_rounds=min(settings.min_rounds, settings.rounds),
        max_rounds=settings.rounds,
        statistic=settings.statistic,
        log=log,
    )
    started = time.monotonic()
    setups = sampler.setup(targets)
    log(f"set-up of {len(targets)} entries on {len(sides)} sides took {time.monotonic() - started:.0f} s")
    command = list(settings.command)
    metadata = {side.label: collect(side.tree, settings.selection.preset, command, None) for side in sides}
    writer = RoundWriter(
        output_dir, metadata, setups, values=sampler.values, warmups=sampler.warmups, statistic=sampler.statistic
    )
    sampler.sample(targets, writer, setups)
    return writer.write()


def selected_plans(selection: RunSettings) -> list[EntryPlan]:
    """The entries ``selection`` asks for; a usage error when there are none."""
    planned = plans_for(selection)
    if not planned.plans:
        raise UsageError(
            "the selection has no entries: " + "; ".join(failure.describe() for failure in planned.load_failures)
        )
    return planned.plans


def count_side(settings: CheckSettings, side: SideTree, output_dir: Path, counter: Path, log: Log) -> Path:
    """Run this tree's instructions counter (``counter``) inside ``side``'s tree (its own harness)."""
    output = output_dir / f"{side.label}-instructions" / "instructions.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-c",
        BOOTSTRAP,
        str(counter.resolve()),
        *settings.counter_arguments,
        "--output",
        str(output),
    ]
    log(f"instructions: {side.label} ({side.tree})")
    done = subprocess.run(command, cwd=side.tree, env=side.environment(), text=True, capture_output=True)
    if done.returncode not in (0, 1) or not output.exists():
        raise CheckError(f"instruction counts of {side.label} failed: {done.stderr[-2000:]}")
    return output


def compare_files(
    thresholds: Thresholds,
    base_files: Sequence[Path],
    new_files: Sequence[Path] | None,
    files: dict[str, list[Path]],
    log: Log,
) -> list[SidesComparison]:
    """The comparison of the timed rounds and the one of the instruction counts, as measured."""
    comparisons = []
    if new_files:
        base, new = load_side("base", base_files), load_side("new", new_files)
        warn_skipped([base, new], log)
        comparisons.append(compare_sides(base, new, thresholds))
    base_counts = files.get("base-instructions") or []
    if "new-instructions" in files and base_counts:
        base, new = load_side("base", base_counts), load_side("new", files["new-instructions"])
        comparisons.append(compare_sides(base, new, thresholds))
    return comparisons


def warn_skipped(sides: Sequence[Side], log: Log) -> None:
    """One warning per results file a side's folder held that could not be read."""
    for side in sides:
        for reason in side.skipped:
            log(f"warning: {side.label}: skipped {reason}")


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
