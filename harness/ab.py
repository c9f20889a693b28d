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


@dataclass
class Rounds:
    """Runs rounds of ``harness run`` on each side, writing ``DIR/<label>/round-N.json``."""

    sides: Sequence[SideTree]
    run_args: Sequence[str]
    output_dir: Path
    python: str = sys.executable
    timeout: float = 3600.0
    runner: Runner = subprocess.run
    log: Callable[[str], None] = print
    files: dict[str, list[Path]] = field(default_factory=dict)

    def order(self, round_number: int) -> list[SideTree]:
        """Alternating order: A B, B A, A B, ... (round numbers start at 1)."""
        return list(self.sides) if round_number % 2 else list(reversed(self.sides))

    def run(self, rounds: int) -> dict[str, list[Path]]:
        for number in range(1, rounds + 1):
            for side in self.order(number):
                self.files.setdefault(side.label, []).append(self.run_side(side, number, rounds))
        return self.files

    def run_side(self, side: SideTree, number: int, rounds: int) -> Path:
        output = self.output_dir / side.label / f"round-{number}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.unlink(missing_ok=True)
        self.log(f"round {number}/{rounds}: {side.label} ({side.tree})")
        command = [self.python, "-m", "harness", "run", *self.run_args, "--output", str(output)]
        done = self.runner(
            command,
            cwd=side.tree,
            env=side.environment(),
            timeout=self.timeout,
            text=True,
            capture_output=True,
        )
        # exit 1 means some entry failed; its results file still records that entry.
        if done.returncode not in (0, 1) or not output.exists():
            tail = (done.stderr or done.stdout or "")[-2000:]
            raise CheckError(
                f"{side.label} run {number} ({' '.join(command)}) exited with "
                f"{done.returncode}: {tail}"
            )
        return output


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
        raise CheckError(
            f"{side.label} tree {side.tree} cannot import harness: {done.stderr[-2000:]}"
        )
    tree = side.tree.resolve()
    for line in done.stdout.split():
        if tree not in Path(line).resolve().parents:
            raise CheckError(
                f"{side.label} side imports {line}, not its own tree {tree}; "
                "is another copy first on PYTHONPATH?"
            )
