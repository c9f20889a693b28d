"""A/B runs on one machine: the current tree against a git ref, interleaved in rounds.

The ref is checked out into a temporary ``git worktree`` and its Cython extensions are
built in place there, so each side imports its own ``harness`` and ``workloads`` (the
side's tree comes first on ``PYTHONPATH`` and is the working directory; this is checked
before any timing). Both sides use the same interpreter and packages, so only the code
differs. Each round runs ``python -m harness run`` once per side, into its own results
file; the order alternates (base, new, then new, base, ...) so that drift of the machine
and any cost of running second hit both sides alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIDE_VARIABLE = "HARNESS_CHECK_SIDE"  # "base" or "new": lets a test workload know its side


class CheckError(RuntimeError):
    """A step of the A/B check failed (git, the ref's build, a side's run)."""


@dataclass(frozen=True)
class SideTree:
    """A source tree benchmarked as one side of the check."""

    label: str
    tree: Path

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment that makes a child import this tree's harness and workloads."""
        env = dict(os.environ if base is None else base)
        paths = [str(self.tree), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env[SIDE_VARIABLE] = self.label
        return env


Runner = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Unit:
    """The smallest piece run alternately on both sides: one workload on one backend."""

    name: str
    args: tuple[str, ...]


@dataclass
class Rounds:
    """Runs ``harness run`` for every unit on each side, alternating, round after round.

    In each round every unit (workload x backend) runs once per side, the two sides one
    right after the other, so both see nearly the same load; the order alternates
    (A B, then B A, ...) so that neither side always runs second. Results go to
    ``DIR/<side>/round-NN-<unit>.json``. A side whose harness rejects a unit (a workload
    the ref does not have: exit 2) is skipped for it, and the comparison says so.
    """

    sides: Sequence[SideTree]
    units: Sequence[Unit]
    run_args: Sequence[str]
    output_dir: Path
    python: str = sys.executable
    timeout: float = 3600.0
    runner: Runner = subprocess.run
    log: Callable[[str], None] = print
    budgets: ProcessBudgets | None = None
    files: dict[str, list[Path]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def order(self, turn: int) -> list[SideTree]:
        """Alternating order: A B on even turns, B A on odd ones."""
        return list(self.sides) if turn % 2 == 0 else list(reversed(self.sides))

    def run(self, rounds: int) -> dict[str, list[Path]]:
        turn = 0
        for number in range(1, rounds + 1):
            for unit in self.units:
                for side in self.order(turn):
                    output = self.run_side(side, unit, number, rounds)
                    if output is not None:
                        self.files.setdefault(side.label, []).append(output)
                turn += 1
        return self.files

    def run_side(self, side: SideTree, unit: Unit, number: int, rounds: int) -> Path | None:
        output = self.output_dir / side.label / f"round-{number:02d}-{unit.name}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.unlink(missing_ok=True)
        self.log(f"round {number}/{rounds}: {unit.name} on {side.label}")
        command = [self.python, "-m", "harness", "run", *unit.args, *self.run_args]
        budget = self.budgets.budget(unit.name) if self.budgets else None
        if budget is not None:
            command.append(f"--budget={budget:.2f}")
        command += ["--output", str(output)]
        done = self.runner(
            command,
            cwd=side.tree,
            env=side.environment(),
            timeout=self.timeout,
            text=True,
            capture_output=True,
        )
        tail = (done.stderr or done.stdout or "")[-2000:].strip()
        if done.returncode == 2 and not output.exists():
            self.skipped.append(f"{unit.name} on {side.label}: {tail}")
            return None
        # exit 1 means some entry failed; its results file records that entry.
        if done.returncode not in (0, 1) or not output.exists():
            raise CheckError(f"{side.label} run {number} ({' '.join(command)}) exited with {done.returncode}: {tail}")
        if self.budgets:
            self.budgets.learn(unit.name, output)
        return output


@dataclass
class ProcessBudgets:
    """Evaluation budgets that give every unit at least ``processes`` pyperf processes.

    The rank test's samples are per-process means, so a unit measured in one process per
    round (a Numba backend, whose every worker pays ~1 s to import numba and load its
    cache, gets one process from a 2 s budget) gives the test nothing to rank. After a
    unit's first run, its budget becomes what the harness's planner needs to choose
    ``processes`` processes, given the call time and worker start-up that run measured;
    never below ``floor`` and never above ``ceiling``. Both sides of later rounds get the
    same budget, so the comparison stays fair.
    """

    floor: float
    processes: int = 3
    ceiling: float = 20.0
    learned: dict[str, float] = field(default_factory=dict)

    def budget(self, unit: str) -> float:
        return min(self.ceiling, max(self.floor, self.learned.get(unit, self.floor)))

    def learn(self, unit: str, results_file: Path) -> None:
        from harness.results import ResultsError, load

        try:
            entries = load(results_file).entries
        except ResultsError:
            return
        needs = [need for e in entries if (need := self.needed(e)) is not None]
        if needs:
            self.learned[unit] = max(self.learned.get(unit, 0.0), *needs)

    def needed(self, entry: Any) -> float | None:
        """The least budget for which the harness's planner chooses ``processes`` processes.

        Asks ``harness.planning.plan_evaluation`` itself (doubling, then bisecting), with
        the call time and worker start-up this run measured, so it follows the planner.
        """
        from harness.planning import plan_evaluation
        from harness.runner import INTERPRETER_STARTUP_SECONDS

        construction, evaluation = entry.construction, entry.evaluation
        if entry.status != "ok" or construction is None or evaluation is None:
            return None
        if construction.cache_load is not None:
            startup = construction.cache_load.median
        else:
            startup = construction.seconds.median - construction.steps.get("first_call", 0.0)
        startup += INTERPRETER_STARTUP_SECONDS
        call = evaluation.seconds.median

        def enough(budget: float) -> bool:
            return plan_evaluation(call, startup, budget).processes >= self.processes

        high = 1.0
        while not enough(high) and high < 1e4:
            high *= 2
        low = high / 2
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (low, middle) if enough(middle) else (middle, high)
        return 1.2 * high


def latest_run(files: Sequence[Path], folder: Path) -> Any:
    """One run holding each entry's latest round, for the HTML report of a side.

    ``folder`` is where the merged file will live: pyperf file paths, stored relative to
    each round's file, are made relative to it.
    """
    import dataclasses

    from harness.results import Run, load

    runs = [(path, load(path)) for path in files]
    if not runs:
        raise CheckError("no results to merge")
    merged = Run(metadata={**runs[-1][1].metadata, "merged_from": [str(p) for p, _ in runs]})
    for path, run in runs:
        for entry in run.entries:
            evaluation = entry.evaluation
            if evaluation is not None and evaluation.pyperf_file:
                moved = os.path.relpath(path.parent / evaluation.pyperf_file, folder)
                entry = dataclasses.replace(entry, evaluation=dataclasses.replace(evaluation, pyperf_file=moved))
            merged.add(entry)
    return merged


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise CheckError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def repository_root(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel"))


@contextmanager
def ref_worktree(repo: Path, ref: str, parent: Path | None = None) -> Iterator[Path]:
    """Check ``ref`` out into a temporary detached worktree; removed afterwards."""
    commit = git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix="harness-ref-", dir=parent)) / "tree"
    git(repo, "worktree", "add", "--detach", str(folder), commit)
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)],
            cwd=repo,
            capture_output=True,
            timeout=300,
        )
        shutil.rmtree(folder.parent, ignore_errors=True)


def build_in_place(tree: Path, python: str = sys.executable, timeout: float = 900.0) -> None:
    """Build the tree's Cython extensions next to their sources (``build_ext --inplace``)."""
    if not (tree / "setup.py").exists():
        return
    done = subprocess.run(
        [python, "setup.py", "-q", "build_ext", "--inplace"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=SideTree("build", tree).environment(),
    )
    if done.returncode:
        raise CheckError(f"building {tree} failed:\n{(done.stderr or done.stdout)[-3000:]}")


def verify_imports(side: SideTree, python: str = sys.executable) -> None:
    """Fail unless the side's environment imports the side's own harness and workloads."""
    code = "import harness, workloads; print(harness.__file__); print(workloads.__file__)"
    done = subprocess.run(
        [python, "-c", code],
        cwd=side.tree,
        env=side.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise CheckError(f"{side.label} tree {side.tree} cannot import harness: {done.stderr[-2000:]}")
    tree = side.tree.resolve()
    for line in done.stdout.split():
        if tree not in Path(line).resolve().parents:
            raise CheckError(
                f"{side.label} side imports {line}, not its own tree {tree}; is another copy first on PYTHONPATH?"
            )
