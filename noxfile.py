"""Nox sessions: ``nox -s bench`` is the main job, ``nox -s tests`` the test suite.

Sessions reuse their virtualenvs (``reuse_venv``) and skip reinstalling when nothing
in the project's build inputs changed since the last install.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
BUILD_INPUTS = ("pyproject.toml", "setup.py", "harness/core/c_build.py")  # c_build: the compiler's flags


def build_fingerprint() -> str:
    """Hash of what a (re)install depends on: metadata and every Cython source."""
    digest = hashlib.sha256()
    for path in [*(ROOT / name for name in BUILD_INPUTS), *sorted(ROOT.glob("workloads/**/*.pyx")),
                 *sorted(ROOT.glob("workloads/**/*.pxd"))]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def install_project(session: nox.Session, extras: str) -> None:
    """Install the project (editable, Cython extensions built) unless already current."""
    stamp = Path(session.virtualenv.location) / f".harness-installed-{extras}"
    fingerprint = build_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        session.log("project already installed and current; skipping install")
        return
    session.install("setuptools>=68", "Cython>=3.0", "numpy>=1.26", "wheel")
    session.install("--no-build-isolation", "-e", f".[{extras}]")
    stamp.write_text(fingerprint)


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (default preset; pass options after --, e.g. -- --preset quick).

    Writes reports/index.html (this run plus the history in results/) before the run
    exits, so the report exists even when an entry failed (exit 1 fails the session).
    ``-- --profile`` adds memory and line profiles to the same results file once all
    timing is done, in separate processes, so neither disturbs the other.
    """
    install_project(session, "cuda")
    session.run("python", "-m", "harness", "run", "--report", "reports", *session.posargs)


@nox.session(reuse_venv=True)
def report(session: nox.Session) -> None:
    """Rebuild reports/index.html from results/ (or: -- RESULTS... --output DIR)."""
    install_project(session, "cuda")
    session.run("python", "-m", "harness", "report", *session.posargs)


@nox.session(reuse_venv=True)
def profile(session: nox.Session) -> None:
    """Memory and line profiles (default preset; e.g. -- --preset quick --into results/x.json)."""
    install_project(session, "cuda")
    session.run("python", "-m", "harness", "profile", *session.posargs)


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """The test suite; CUDA kernels run under the simulator (NUMBA_ENABLE_CUDASIM=1)."""
    install_project(session, "cuda,test")
    session.run("python", "-m", "pytest", *session.posargs, env={"NUMBA_ENABLE_CUDASIM": "1"})


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """ruff on everything; mypy on the harness core."""
    session.install("ruff>=0.4,<0.18", "mypy>=1.8,<2.5")  # the versions the tree was last checked with
    session.run("ruff", "check", ".")
    install_project(session, "cuda")
    session.run("mypy")


@nox.session(reuse_venv=True)
def check(session: nox.Session) -> None:
    """Regression check: -- --against REF (A/B on this machine) or -- --baseline RESULTS."""
    install_project(session, "jit")
    session.run("python", "-m", "harness", "check", *session.posargs)
