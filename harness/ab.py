"""A/B checks on one machine: the sides' trees, and the set-up run of each side.

The ref is checked out into a temporary ``git worktree`` and its Cython extensions are
built in place there, so each side imports its own ``harness`` and ``workloads`` (the
side's tree comes first on ``PYTHONPATH`` and is the working directory; this is checked
before any timing). Both sides use the same interpreter and packages, so only the code
differs. Each side's own ``python -m harness run`` sets the entries up (``Setup``); the
samples that are compared come after, interleaved process by process
(``harness.sampling``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
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


@dataclass
class Setup:
    """Each side's own ``harness run`` of the selection, the two sides at the same time.

    One run per workload and side (``DIR/<side>/setup-<workload>.json``): it checks every
    entry against the reference, times construction, calibrates the call time and keeps
    each entry's warm Numba cache for the sample processes (``--keep-caches``, where the
    side's harness has it). Nothing the check compares is timed here, so the two sides
    run side by side, one core each. A workload the side's harness rejects (exit 2: a ref
    from before the workload existed) is skipped on that side, and said so.
    """

    sides: Sequence[SideTree]
    workloads: Sequence[str]
    run_args: Sequence[str]
    output_dir: Path
    budget: float = 0.5
    python: str = sys.executable
    timeout: float = 3600.0
    runner: Runner = subprocess.run
    log: Callable[[str], None] = print
    skipped: list[str] = field(default_factory=list)

    def run(self) -> dict[str, Any]:
        """Each side's set-up entries as one ``Run``, keyed by the side's label."""
        with ThreadPoolExecutor(max_workers=len(self.sides)) as pool:
            runs = list(pool.map(self.run_side, self.sides))
        return {side.label: run for side, run in zip(self.sides, runs, strict=True)}

    def run_side(self, side: SideTree) -> Any:
        from harness.results import Run, load

        keeps = self.keeps_caches(side)
        merged: Any = None
        for workload in self.workloads:
            output = self.output_dir / side.label / f"setup-{workload}.json"
            output.parent.mkdir(parents=True, exist_ok=True)
            output.unlink(missing_ok=True)
            command = [self.python, "-m", "harness", "run", "--workload", workload, *self.run_args]
            command += [f"--budget={self.budget}", "--output", str(output)]
            if keeps:
                command += ["--keep-caches", str(self.output_dir / side.label / "caches")]
            self.log(f"set-up: {workload} on {side.label}")
            done = self.runner(
                command, cwd=side.tree, env=side.environment(), timeout=self.timeout, text=True, capture_output=True
            )
            tail = (done.stderr or done.stdout or "")[-2000:].strip()
            if done.returncode == 2 and not output.exists():
                self.skipped.append(f"{workload} on {side.label}: {tail}")
                continue
            # exit 1 means some entry failed; its results file records that entry.
            if done.returncode not in (0, 1) or not output.exists():
                raise CheckError(f"{side.label} set-up ({' '.join(command)}) exited with {done.returncode}: {tail}")
            run = load(output)
            merged = merged or Run(metadata=run.metadata)
            for entry in run.entries:
                merged.add(entry)
        if merged is None:
            raise CheckError(f"the {side.label} side ran none of the selected workloads: {'; '.join(self.skipped)}")
        return merged

    def keeps_caches(self, side: SideTree) -> bool:
        """Whether the side's harness has ``run --keep-caches`` (older refs do not)."""
        done = self.runner(
            [self.python, "-m", "harness", "run", "--help"],
            cwd=side.tree,
            env=side.environment(),
            timeout=120,
            text=True,
            capture_output=True,
        )
        return "--keep-caches" in (done.stdout or "")


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
        [python, "setup.py", "-q", "build_ext", "--inplace", f"--parallel={os.cpu_count() or 1}"],
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
