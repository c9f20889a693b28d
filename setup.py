"""Builds every ``workloads/**/*.pyx`` into an extension module next to its source.

The regular build compiles for speed, with the flags of the ``c`` backend, the per-core
ceiling the other backends are read against (``harness.core.c_build.OPTIMISE``: ``-O3``
for the host CPU, fused multiply-adds allowed), so that Cython and C differ by their
code only; a module's own ``# distutils: extra_compile_args`` come after and override
them. Setting ``HARNESS_CYTHON_TRACE=1`` compiles with
line tracing (a profiling build, used by ``harness profile``), never for timing.
"""

import os
import sys
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # the harness's build flags, from the source tree being built
from harness.core.c_build import MATH_LIBRARIES, OPTIMISE, cython_compile_args  # noqa: E402

TRACE = os.environ.get("HARNESS_CYTHON_TRACE") == "1"


def extensions() -> list[Extension]:
    modules = []
    for source in sorted((HERE / "workloads").rglob("*.pyx")):
        relative = source.relative_to(HERE)
        name = ".".join(relative.with_suffix("").parts)
        macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
        if TRACE:
            macros += [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]
        modules.append(
            Extension(
                name,
                [str(relative)],
                include_dirs=[numpy.get_include()],
                define_macros=macros,
                extra_compile_args=list(OPTIMISE),
                libraries=list(MATH_LIBRARIES),
            )
        )
    directives = {"language_level": 3}
    if TRACE:
        directives.update({"linetrace": True, "binding": True})
    built = cythonize(modules, compiler_directives=directives, quiet=True)
    for module in built:
        module.extra_compile_args = cython_compile_args(module.extra_compile_args)
    return built


setup(ext_modules=extensions())
