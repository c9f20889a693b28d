"""A content-addressed cache for generated source and the extension modules built from it.

Generated code is written to a real file named after the hash of its text, and only when
that file is missing: Numba's on-disk cache keys on the source file's path and time stamp,
so rewriting an unchanged file would throw the compiled code away. A Cython build goes
into the same directory, named after the same hash, so a second construction of the same
graph is an import, not a compile.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

from harness.core.c_build import MATH_LINK_ARGUMENTS, OPTIMISE, host_target

CACHE_ENVIRONMENT_VARIABLE = "SCALAR_NETWORK_CACHE_DIR"


class BuildError(RuntimeError):
    """Generated code failed to compile; the message holds the compiler's output."""


class CompilerMissing(BuildError):
    """The C compiler (or Cython) is not installed, so nothing can be built here."""


def cache_root() -> Path:
    """Where builds go: ``$SCALAR_NETWORK_CACHE_DIR``, else ``$NUMBA_CACHE_DIR/scalar_network``,
    else ``~/.cache/hotloop-harness/scalar_network``.

    Following ``NUMBA_CACHE_DIR`` puts the Cython builds where the harness puts Numba's
    cache: it gives each entry a private one, empty for cold construction runs and warm
    for the cache-load run, so both kinds of compiled code are measured the same way.
    """
    explicit = os.environ.get(CACHE_ENVIRONMENT_VARIABLE)
    if explicit:
        return Path(explicit)
    numba_cache = os.environ.get("NUMBA_CACHE_DIR")
    if numba_cache:
        return Path(numba_cache) / "scalar_network"
    return Path.home() / ".cache" / "hotloop-harness" / "scalar_network"


def cache_dir(kind: str) -> Path:
    """The cache folder for one kind of build (``cython``, ``numba``, ``cuda``), created."""
    directory = cache_root() / kind
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def module_name(prefix: str, source: str) -> str:
    """A module name unique to this source text (and this interpreter, for extensions)."""
    key = f"{source}\n{sys.version}\n{sysconfig.get_platform()}"
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def write_once(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless it is already there; True if written."""
    if path.exists():
        return False
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return True


def import_path(name: str, path: Path) -> ModuleType:
    """Import the module (source or extension) at ``path`` under ``name``, once per process."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BuildError(f"cannot import {path}: no loader for this file type")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_python_source(kind: str, prefix: str, source: str) -> tuple[ModuleType, bool]:
    """Write generated Python source to the cache and import it; True if it was new."""
    name = module_name(prefix, source)
    path = cache_dir(kind) / f"{name}.py"
    written = write_once(path, source)
    return import_path(name, path), written


def _compile_command(c_file: Path, library: Path, flags: tuple[str, ...] = (),
                     libraries: tuple[str, ...] = ()) -> list[str]:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()
    include = sysconfig.get_paths()["include"]
    # the c backend's optimisation (the generated C of both differs only in its wrapper),
    # with CPython's own -fwrapv -fno-strict-aliasing, which Cython's C expects; a build's
    # own flags and libraries (vector math: ``c_build.VECTOR_MATH_FLAGS``) as the c backend's
    return [*compiler, "-shared", "-fPIC", *OPTIMISE, "-fwrapv", "-fno-strict-aliasing", *flags,
            "-w", f"-I{include}", str(c_file), "-o", str(library), *libraries]


def _run(command: list[str], what: str) -> None:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise CompilerMissing(f"{what} needs {command[0]!r}, which is not installed: "
                              "install a C compiler (e.g. gcc) or set CC") from error
    if completed.returncode != 0:
        raise BuildError(f"{what} failed ({' '.join(command)}):\n{completed.stderr[-4000:]}")


def build_cython(prefix: str, source: str, flags: tuple[str, ...] = (),
                 libraries: tuple[str, ...] = ()) -> tuple[ModuleType, bool]:
    """Cythonize and compile a generated .pyx into the cache and import it; ``flags`` come
    after ``OPTIMISE``, ``libraries`` are linked after the module.

    Returns the module and whether it was built now (False: loaded from the cache). The
    C compiler is called directly, without setuptools, which saves a second or two.
    """
    # libm by name, as every build links it (``c_build.MATH_LIBRARIES``); the flags and
    # the CPU they target are part of the build's key
    libraries = (*libraries, *MATH_LINK_ARGUMENTS)
    build = " ".join((*OPTIMISE, *flags, *libraries))
    name = module_name(prefix, f"{source}\n# {build} for {host_target()}")
    directory = cache_dir("cython")
    library = directory / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    if library.exists():
        return import_path(name, library), False
    with tempfile.TemporaryDirectory(dir=directory) as work:
        pyx = Path(work) / f"{name}.pyx"
        pyx.write_text(source)
        c_file = pyx.with_suffix(".c")
        _run([sys.executable, "-m", "cython", "-3", "--fast-fail", str(pyx), "-o", str(c_file)],
             "cython")
        built = Path(work) / library.name
        _run(_compile_command(c_file, built, flags, libraries), "C compilation")
        os.replace(built, library)
    return import_path(name, library), True
