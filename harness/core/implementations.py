"""What a backend module that cannot be found or imported means: unavailable, or a bug.

Only a documented missing piece makes a backend *unavailable*: an optional dependency
that is not installed (numba, numba-cuda, Cython for code generated at run time) or a
Cython extension that was not built (its ``.pyx`` is there, the compiled module is not).
A user's workload is never installed: its ``.pyx`` is compiled on first use instead
(``harness.core.cython_build``), and only a missing Cython or C compiler makes it unavailable.
Anything else is the workload's own fault and must fail loudly: a backend module that
imports a module that does not exist, an import error raised by the module's own code,
or an implementation path that names no module (paths are package-qualified:
``"saxpy.numpy_impl"``, not ``"numpy_impl"``). An ImportError's ``name`` tells the two
apart: it names the module that could not be found.

A workload that names no path for a backend gets the conventional one,
``<its package>.<backend>_impl``, when that module (or, for cython, its ``.pyx``) is
there; a backend with neither is one the workload does not have.

Nothing here imports an implementation module; ``importlib.util.find_spec`` only imports
the packages above it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

# Packages whose .pyx files `pip install -e .` compiles: this project's own workloads.
INSTALLED_PACKAGES: tuple[str, ...] = ("workloads",)

# Top-level modules whose absence makes a backend unavailable, and what installs them.
OPTIONAL_DEPENDENCIES = {
    "numba": "pip install numba",
    "llvmlite": "pip install numba",
    "numba_cuda": "pip install numba-cuda",
    "Cython": "pip install Cython",
}


def missing_optional_dependency(error: ImportError) -> str | None:
    """``"numba, which is not installed: pip install numba"`` when that is what ``error`` says."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    top_level = error.name.partition(".")[0]
    if top_level not in OPTIONAL_DEPENDENCIES:
        return None
    return f"{error.name}, which is not installed: {OPTIONAL_DEPENDENCIES[top_level]}"


def names_the_module(module_name: str, error: ImportError) -> bool:
    """True when ``error`` says ``module_name`` itself (or a package above it) cannot be found."""
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    return bool(missing) and (module_name == missing or module_name.startswith(f"{missing}."))


def module_exists(module_name: str) -> bool:
    """Whether ``module_name`` can be found, without importing it (its packages are imported)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False
    except Exception:  # a package above it raised on import: the import itself will say what
        return True


def cython_source(module_name: str) -> Path | None:
    """The ``.pyx`` that ``module_name`` would be built from, if there is one."""
    package, _, leaf = module_name.rpartition(".")
    if not package or not module_exists(package):
        return None
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        source = Path(folder) / f"{leaf}.pyx"
        if source.exists():
            return source
    return None


def built_at_install(module_name: str) -> bool:
    """Whether ``module_name`` belongs to a package that ``pip install`` compiles (else: compiled on first use)."""
    return module_name.partition(".")[0] in INSTALLED_PACKAGES


def not_built_message(module_name: str) -> str:
    return f"Cython extension {module_name} not built: run `pip install -e .`"


def unfound_path_message(backend: str, module_name: str, package: str | None) -> str:
    """Why an implementation path names no module, with the package-qualified path to write."""
    unfound = f"the {backend} implementation {module_name!r} cannot be found"
    if package and module_name.startswith(f"{package}."):
        relative = module_name.removeprefix(f"{package}.").replace(".", "/")
        return f"{unfound}: the package {package} has no {relative}.py"
    suggestion = f"{package or 'mypackage'}.{module_name}"
    if package and module_exists(suggestion):
        return f"{unfound}: implementation paths are package-qualified; did you mean {suggestion!r}?"
    return (
        f"{unfound}: implementation paths are package-qualified, e.g. {suggestion!r} for "
        f"{module_name.replace('.', '/')}.py in the package {package or 'mypackage'}"
    )


def defining_package(workload: object) -> str | None:
    """The name of the package whose ``WORKLOAD`` is ``workload`` (for a path hint), if imported."""
    for name, module in list(sys.modules.items()):
        if getattr(module, "__dict__", {}).get("WORKLOAD") is workload:
            return name
    return None


def conventional_path(package: str, backend: str) -> str:
    """The module a backend is looked for in when the workload names none: ``<package>.<backend>_impl``."""
    return f"{package}.{backend}_impl"


def conventional_implementations(package: str, backends: Iterable[str]) -> dict[str, str]:
    """Backend -> conventional path, for each backend whose module (or cython ``.pyx``) ``package`` holds.

    Called while the package's ``__init__`` runs: ``find_spec`` needs only the package's
    ``__path__``, which is set by then, and imports no implementation.
    """
    found = {}
    for backend in backends:
        path = conventional_path(package, backend)
        if module_exists(path) or (backend == "cython" and cython_source(path) is not None):
            found[backend] = path
    return found


def declaring_package(internal_module: str) -> str:
    """The package of the first caller outside ``internal_module``: where a ``Workload(...)`` is written.

    ``collections.namedtuple`` finds its caller's module the same way. A top-level module
    (a script, a test file outside a package) has no package: the empty string.
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == internal_module:
        frame = frame.f_back  # type: ignore[assignment]
    return (frame.f_globals.get("__package__") or "") if frame is not None else ""


def no_implementation_message(workload_name: str, package: str, backend: str) -> str:
    """Why a workload has no ``backend``: it names no path, and its package has no conventional module."""
    message = f"workload {workload_name!r} has no {backend} implementation"
    if package:
        message += f" (no module {conventional_path(package, backend)})"
    return message
