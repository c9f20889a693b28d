"""A user workload's Cython backend, compiled on first use.

``pip install -e .`` compiles the ``.pyx`` files of this project's own workloads; a
workload in a user's directory (``--workload-dir``) is never installed, so its
``cython_impl.pyx`` is compiled the first time the backend is loaded: Cython's
``cythonize`` and setuptools' ``build_ext``, the machinery ``pip install`` itself runs,
into a cache folder named after the hash of what the build depends on (the module's
name, the ``.pyx`` and the ``.pxd`` files beside it, the interpreter, Cython's and
NumPy's versions, the compiler's flags and the CPU they target). It compiles with the
flags of the project's own extensions (``c_build.OPTIMISE``, as setup.py does). A
changed source is a new folder; an unchanged one is an import.

A run gives each entry's processes a cache folder of their own
(``harness.run.entries.entry_environment``): a cold construction compiles, and is timed
with its compile, as a JIT's is; the evaluation loads the build. Without Cython or a C
compiler the backend is unavailable, with the reason; a ``.pyx`` that does not compile
is the workload's own fault (``CythonBuildError``, with the compiler's output).

Imported only when such a backend is loaded: it imports Cython and setuptools.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

from harness.core.c_build import MATH_LIBRARIES, OPTIMISE, cython_compile_args, host_target

CACHE_VARIABLE = "HARNESS_CYTHON_CACHE"


class CythonBuildError(RuntimeError):
    """A user's ``.pyx`` did not compile; the message holds what Cython or the compiler said."""


def cache_root() -> Path:
    """Where builds go: ``$HARNESS_CYTHON_CACHE``, else ``~/.cache/hotloop-harness/cython``."""
    explicit = os.environ.get(CACHE_VARIABLE)
    return Path(explicit) if explicit else Path.home() / ".cache" / "hotloop-harness" / "cython"


def build_unavailable_reason() -> str | None:
    """Why nothing can be compiled here (no Cython, no C compiler), or None when it can."""
    if importlib.util.find_spec("Cython") is None:
        return "Cython is not installed, so this workload's .pyx cannot be compiled: pip install Cython"
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return (
            f"no C compiler ({compiler!r} is not on the PATH), so this workload's .pyx cannot be "
            "compiled: install one (e.g. gcc) or set CC"
        )
    return None


def _sources(source: Path) -> list[Path]:
    """The .pyx and every .pxd beside it (what a cimport may need)."""
    return [source, *sorted(source.parent.glob("*.pxd"))]


def build_folder(module_name: str, source: Path) -> Path:
    """The cache folder of this module's build; it changes whenever an input of the build does."""
    import Cython  # optional: a user's .pyx is built only where Cython is installed
    import numpy  # numpy's headers and version belong to the build; loaded with it

    digest = hashlib.sha256()
    for part in (module_name, sys.version, sysconfig.get_platform(), Cython.__version__, numpy.__version__,
                 " ".join(OPTIMISE), " ".join(MATH_LIBRARIES), host_target()):
        digest.update(part.encode())
    for path in _sources(source):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return cache_root() / f"{module_name}-{digest.hexdigest()[:16]}"


def extension_path(folder: Path, module_name: str) -> Path:
    return folder.joinpath(*module_name.split(".")).with_suffix(sysconfig.get_config_var("EXT_SUFFIX"))


def _compile(module_name: str, source: Path, folder: Path) -> None:
    """cythonize and build_ext ``source`` as ``module_name``, the extension landing under ``folder``."""
    import numpy  # numpy's headers, for the build only
    from Cython.Build import cythonize  # optional, and slow to import: only to build
    from Cython.Compiler.Errors import CompileError as CythonError  # as above
    from setuptools import Distribution, Extension  # setuptools' build machinery: only to build
    from setuptools.errors import BaseError, CCompilerError  # as above

    work = folder / "src"
    work.mkdir(parents=True)
    for path in _sources(source):
        shutil.copy2(path, work / path.name)
    extension = Extension(
        module_name,
        [str(work / source.name)],
        include_dirs=[numpy.get_include(), str(source.parent)],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=list(OPTIMISE),
        libraries=list(MATH_LIBRARIES),
    )
    try:
        modules = cythonize([extension], compiler_directives={"language_level": 3}, quiet=True)
        for module in modules:
            module.extra_compile_args = cython_compile_args(module.extra_compile_args)
        distribution = Distribution({"ext_modules": modules, "script_name": "harness_cython_build"})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(folder)
        command.build_temp = str(folder / "temp")
        command.ensure_finalized()
        command.run()
    except (CythonError, CCompilerError, BaseError) as error:
        raise CythonBuildError(f"compiling {source} as {module_name} failed: {error}") from error


def build(module_name: str, source: Path) -> Path:
    """The compiled extension of ``source``, built now unless the cache holds it; its path.

    Each build goes to a private folder that is renamed into place when complete, so
    processes building the same module at once never see half a build.
    """
    folder = build_folder(module_name, source)
    built = extension_path(folder, module_name)
    if built.exists():
        return built
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        _compile(module_name, source, scratch)
        if not extension_path(scratch, module_name).exists():
            raise CythonBuildError(f"compiling {source} produced no {extension_path(scratch, module_name).name}")
        try:
            os.rename(scratch, folder)
        except OSError:  # another process finished the same build first: use that one
            if not built.exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return built


def load(module_name: str, source: Path) -> ModuleType:
    """Import ``module_name`` from its compiled ``source``, building it first if need be."""
    built = build(module_name, source)
    loader = importlib.machinery.ExtensionFileLoader(module_name, str(built))
    spec = importlib.util.spec_from_file_location(module_name, built, loader=loader)
    if spec is None:
        raise CythonBuildError(f"cannot load {built}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
