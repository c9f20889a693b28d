"""A/B checks on one machine: the sides' source trees.

The ref is checked out into a temporary ``git worktree`` and its Cython extensions are
built in place there, so each side imports its own ``harness`` and ``workloads`` (the
side's tree comes first on ``PYTHONPATH`` and is the working directory; this is checked
before any timing). Both sides use the same interpreter and packages, so only the code
differs. ``harness.regress.sampling`` sets the sides up and samples them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SIDE_VARIABLE = "HARNESS_CHECK_SIDE"  # "base" or "new": lets a test workload know its side
PAD_VARIABLE = "HARNESS_CHECK_PAD"  # evens out the length of the side's label in the environment
LABEL_WIDTH = 4  # "base"; shorter labels are padded to it wherever a side's strings differ


class CheckError(RuntimeError):
    """A step of the A/B check failed (git, the ref's build, a side's run)."""


@dataclass(frozen=True)
class SideTree:
    """A source tree benchmarked as one side of the A/B check."""

    label: str
    tree: Path

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment that makes a child import this tree's harness and workloads."""
        env = dict(os.environ if base is None else base)
        paths = [str(self.tree), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env[SIDE_VARIABLE] = self.label
        env[PAD_VARIABLE] = "_" * (LABEL_WIDTH - len(self.label))
        return env

    @property
    def padded(self) -> str:
        """The label at ``LABEL_WIDTH`` characters, for paths the side's processes are given."""
        return self.label.ljust(LABEL_WIDTH, "_")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise CheckError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def repository_root(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel"))


@contextmanager
def ref_worktree(repo: Path, ref: str, parent: Path | None = None) -> Iterator[Path]:
    """Check ``ref`` out into a temporary detached worktree; removed afterwards.

    The worktree is ``<temporary folder>/ref``; ``alias_beside`` puts this tree's alias
    next to it, so both sides' paths have the same length.
    """
    try:
        commit = git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    except CheckError:
        raise CheckError(
            f"--against {ref!r} names no commit in {repo}: give a branch, tag or commit "
            "(e.g. origin/main, HEAD~1; `git branch -a` lists the branches)"
        ) from None
    folder = Path(tempfile.mkdtemp(prefix="harness-ref-", dir=parent)) / "ref"
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


def alias_beside(tree: Path, worktree: Path) -> Path:
    """A link to ``tree`` next to ``worktree``, its path as long as the worktree's.

    Python keeps a process's paths, its environment and its arguments on the heap, so
    their lengths move the addresses of what is allocated after them, and a kernel of a
    few microseconds runs a few percent faster or slower for where its arrays land. With
    the same lengths, the place a tree is checked out in cannot favour one side.
    """
    alias = worktree.parent / "now"
    alias.symlink_to(tree.resolve(), target_is_directory=True)
    return alias


def build_in_place(
    tree: Path, python: str = sys.executable, timeout: float = 900.0, reuse_from: Path | None = None
) -> None:
    """Build the tree's Cython extensions next to their sources (``build_ext --inplace``).

    When ``reuse_from`` (a built tree) has the same Cython sources and ``setup.py``, its
    generated C files and extension modules are copied first, and the build finds them
    up to date: a ref that did not touch Cython code costs no compile.
    """
    if not (tree / "setup.py").exists():
        return
    if reuse_from is not None and cython_sources(tree) == cython_sources(reuse_from):
        copy_built_extensions(reuse_from, tree)
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


CYTHON_SOURCES = ("*.pyx", "*.pxd", "*.pxi")


def cython_sources(tree: Path) -> dict[str, bytes]:
    """Every Cython source under ``workloads/``, and ``setup.py``: what a build depends on."""
    found = {"setup.py": (tree / "setup.py").read_bytes() if (tree / "setup.py").exists() else b""}
    for pattern in CYTHON_SOURCES:
        for path in (tree / "workloads").rglob(pattern):
            found[str(path.relative_to(tree))] = path.read_bytes()
    return found


def copy_built_extensions(source: Path, target: Path) -> None:
    """Copy each extension built from an up-to-date ``.pyx``: the C file, then the module."""
    for pyx in (source / "workloads").rglob("*.pyx"):
        c_file = pyx.with_suffix(".c")
        modules = [m for m in pyx.parent.glob(f"{pyx.stem}.*") if m.suffix in (".so", ".pyd")]
        built = [c_file, *modules]
        if not modules or not c_file.exists() or min(p.stat().st_mtime for p in built) < pyx.stat().st_mtime:
            continue
        for path in built:  # copied in this order, each newer than what it was built from
            shutil.copy(path, target / path.relative_to(source))


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
