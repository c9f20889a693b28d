"""Builds every ``workloads/**/*.pyx`` into an extension module next to its source.

The regular build compiles for speed. Setting ``HARNESS_CYTHON_TRACE=1`` compiles with
line tracing (a profiling build, used by ``harness profile``), never for timing.
"""

import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
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
                extra_compile_args=["-O3"],
            )
        )
    directives = {"language_level": 3}
    if TRACE:
        directives.update({"linetrace": True, "binding": True})
    return cythonize(modules, compiler_directives=directives, quiet=True)


setup(ext_modules=extensions())
