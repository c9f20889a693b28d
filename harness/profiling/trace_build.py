"""A separate Cython build with line tracing, for line profiles only; never the timed build.

The timed extension is built for speed by ``pip install -e .``. For line profiles a
Cython backend's ``.pyx`` is copied into its own folder under ``build/harness-trace/``
(keyed by a hash of the source and the tool versions) and compiled there with
``linetrace``/``binding`` and ``CYTHON_TRACE(_NOGIL)``, so neither the timed ``.so`` nor
the ``.c`` file beside the source is touched. The profiling child then loads the traced
module under the module's own name (``load_traced``) before the backend is imported.

Building runs in a child process, ``python -m harness.profiling.trace_build``, so the
compiler's chatter goes to a log and a failed build is a note, not a crash.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent
TRACE_BUILD_DIR = ROOT / "build" / "harness-trace"


class TraceBuildError(RuntimeError):
    """A traced Cython build cannot be made or loaded; the message says why."""


@dataclass(frozen=True)
class TraceBuild:
    """Where the traced copy of one Cython module is (to be) built."""

    module_name: str
    source: Path  # the original .pyx
    folder: Path  # build/harness-trace/<digest>

    @property
    def extension_path(self) -> Path:
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        return self.folder / "lib" / Path(*self.module_name.split(".")).with_suffix(suffix)

    @property
    def is_built(self) -> bool:
        return self.extension_path.exists()


def pyx_source(module_name: str) -> Path:
    """The ``.pyx`` beside the built extension module ``module_name``."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise TraceBuildError(f"module {module_name} not found: run `pip install -e .`")
    origin = Path(spec.origin)
    stem = origin.name.split(".")[0]
    source = origin.with_name(f"{stem}.pyx")
    if not source.exists():
        raise TraceBuildError(f"no {source.name} beside {origin}: cannot build a traced copy")
    return source


def plan_trace_build(module_name: str, root: Path = TRACE_BUILD_DIR) -> TraceBuild:
    """Where ``module_name``'s traced build lives; the folder changes when its inputs change."""
    import Cython  # here: a missing Cython is a note in the profile, not a child that cannot start

    source = pyx_source(module_name)
    digest = hashlib.sha256()
    for part in (module_name, sys.version, Cython.__version__):
        digest.update(part.encode())
    for path in _sources(source):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return TraceBuild(module_name, source, root / digest.hexdigest()[:16])


def _sources(source: Path) -> list[Path]:
    """The .pyx and every .pxd beside it (what a cimport may need)."""
    return [source, *sorted(source.parent.glob("*.pxd"))]


def build(plan: TraceBuild) -> Path:
    """Compile the traced copy (in this process); returns the extension's path."""
    import numpy  # here: numpy stays out of every profiling child's memory baseline
    from Cython.Build import cythonize  # compiler machinery: loaded only to compile a traced build
    from setuptools import Distribution, Extension  # compiler machinery too

    from harness.core.c_build import MATH_LIBRARIES  # linked as the timed builds link it

    package_dir = plan.folder / "src" / Path(*plan.module_name.split(".")[:-1])
    package_dir.mkdir(parents=True, exist_ok=True)
    for path in _sources(plan.source):
        shutil.copy2(path, package_dir / path.name)
    copied = package_dir / plan.source.name
    extension = Extension(
        plan.module_name,
        [str(copied)],
        include_dirs=[numpy.get_include()],
        define_macros=[
            ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
            ("CYTHON_TRACE", "1"),
            ("CYTHON_TRACE_NOGIL", "1"),
        ],
        extra_compile_args=["-O1"],
        libraries=list(MATH_LIBRARIES),
    )
    modules = cythonize(
        [extension],
        compiler_directives={"language_level": 3, "linetrace": True, "binding": True},
        quiet=True,
    )
    distribution = Distribution({"ext_modules": modules, "script_name": "trace_build"})
    command = distribution.get_command_obj("build_ext")
    command.build_lib = str(plan.folder / "lib")
    command.build_temp = str(plan.folder / "temp")
    command.ensure_finalized()
    command.run()
    if not plan.is_built:
        raise TraceBuildError(f"the traced build of {plan.module_name} produced no {plan.extension_path}")
    return plan.extension_path


def load_traced(plan: TraceBuild) -> ModuleType:
    """Import the traced extension under the module's own name, ahead of the timed one."""
    if plan.module_name in sys.modules:
        raise TraceBuildError(f"{plan.module_name} is already imported; load the traced build first")
    loader = importlib.machinery.ExtensionFileLoader(plan.module_name, str(plan.extension_path))
    spec = importlib.util.spec_from_file_location(plan.module_name, plan.extension_path, loader=loader)
    if spec is None:
        raise TraceBuildError(f"cannot load {plan.extension_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[plan.module_name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[plan.module_name]
        raise
    return module


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m harness.profiling.trace_build MODULE", file=sys.stderr)
        return 2
    plan = plan_trace_build(args[0])
    print(build(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
