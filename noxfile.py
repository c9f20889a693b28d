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
BUILD_INPUTS = ("pyproject.toml", "setup.py")


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


# `harness run` options that `harness profile` does not share (each takes a value).
RUN_ONLY_OPTIONS = ("--output", "--resume", "--budget", "--timeout")


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (default preset; pass options after --, e.g. -- --preset quick).

    With ``-- --profile`` the run is followed by ``harness profile --into`` the same
    results file: a separate step, in separate processes, after all timing is done.
    """
    install_project(session, "cuda")
    posargs = list(session.posargs)
    if "--profile" not in posargs:
        session.run("python", "-m", "harness", "run", *posargs)
        return
    posargs.remove("--profile")
    results = option_value(posargs, "--output") or option_value(posargs, "--resume")
    if results is None:
        results = default_results_path(session, posargs)
        posargs += ["--output", results]
    session.run("python", "-m", "harness", "run", *posargs)
    session.run("python", "-m", "harness", "profile", *profile_args(posargs), "--into", results)


@nox.session(reuse_venv=True)
def profile(session: nox.Session) -> None:
    """Memory and line profiles (default preset; e.g. -- --preset quick --into results/x.json)."""
    install_project(session, "cuda")
    session.run("python", "-m", "harness", "profile", *session.posargs)


def option_value(args: list[str], name: str) -> str | None:
    """The value of ``name VALUE`` or ``name=VALUE`` in ``args``, if given."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def profile_args(args: list[str]) -> list[str]:
    """``args`` without the options only ``harness run`` takes."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in RUN_ONLY_OPTIONS:
            skip = True
        elif not arg.startswith(tuple(f"{name}=" for name in RUN_ONLY_OPTIONS)):
            kept.append(arg)
    return kept


def default_results_path(session: nox.Session, args: list[str]) -> str:
    """Where ``harness run`` would write by default, so profile can follow it there."""
    preset = option_value(args, "--preset") or "default"
    code = (
        "import sys; from harness import cli, machine; "
        "print(cli.default_results_path(machine.collect(cli.ROOT, sys.argv[1], [], gpu_name=None)))"
    )
    output = session.run("python", "-c", code, preset, silent=True)
    return str(output).strip().splitlines()[-1]


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """The test suite; CUDA kernels run under the simulator (NUMBA_ENABLE_CUDASIM=1)."""
    install_project(session, "cuda,test")
    session.run("python", "-m", "pytest", *session.posargs, env={"NUMBA_ENABLE_CUDASIM": "1"})


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """ruff on everything; mypy on the harness core."""
    session.install("ruff>=0.4", "mypy>=1.8")
    session.run("ruff", "check", ".")
    install_project(session, "cuda")
    session.run("mypy")
