"""Backend availability, detected and never assumed.

Each check returns None when the backend can run here, or the reason it cannot, in
words that say what to install or change. Checks are lazy: nothing here imports numba
or numba.cuda until a check for a backend that needs it is asked for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
from functools import cache

from harness.core.c_build import compiler_unavailable_reason
from harness.core.cython_build import build_unavailable_reason
from harness.core.implementations import (
    built_at_install,
    cython_source,
    defining_package,
    module_exists,
    no_implementation_message,
    not_built_message,
    unfound_path_message,
)
from harness.core.workload import BACKENDS, Workload


def simulated_cuda() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "") == "1"


@cache
def backend_unavailable_reason(backend: str) -> str | None:
    """Why ``backend`` cannot run on this machine, or None if it can."""
    if backend not in BACKENDS:
        return f"unknown backend {backend!r}; choose from: {', '.join(BACKENDS)}"
    if backend in ("python", "numpy", "cython"):
        return None
    if backend == "c":
        return compiler_unavailable_reason()
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed: pip install numba"
    if backend == "cuda":
        return _cuda_unavailable_reason()
    return None


def _cuda_unavailable_reason() -> str | None:
    """What is missing for CUDA, in order: the numba-cuda package, the driver library, a device."""
    if importlib.util.find_spec("numba_cuda") is None:
        return "the numba-cuda package is not installed: pip install numba-cuda"
    try:
        from numba import cuda  # optional and slow: only once numba-cuda is found installed
    except ImportError as error:
        return f"numba-cuda is installed but does not import ({error}): reinstall it, pip install numba-cuda"
    if simulated_cuda():
        return None
    driver = _cuda_driver_problem()
    if driver:
        return driver
    try:
        if cuda.is_available():
            return None
        cuda.current_context()
    except Exception as error:  # numba raises CudaSupportError, or a driver error
        detail = " ".join(str(error).split())
        return f"no CUDA device: the CUDA driver loads but reports {detail}"
    return "no CUDA device: the CUDA driver loads but finds no device (numba.cuda.is_available() is False)"


def _cuda_driver_problem() -> str | None:
    """Why the CUDA driver library cannot be loaded, or None when it can (Linux and Windows names)."""
    names = ["libcuda.so.1", "libcuda.so", "nvcuda.dll"]
    found = ctypes.util.find_library("cuda")
    for name in [*([found] if found else []), *names]:
        try:
            ctypes.CDLL(name)
            return None
        except OSError:
            continue
    return (
        "the CUDA driver library (libcuda.so.1) cannot be loaded: no NVIDIA driver is installed, or it is "
        "not on the library path (LD_LIBRARY_PATH)"
    )


def implementation_unavailable_reason(workload: Workload, backend: str) -> str | None:
    """Why ``workload`` cannot run on ``backend`` here, without importing the implementation.

    A path that names no module is not a reason to be unavailable but a bug in the
    workload: see ``implementation_problem``.
    """
    if backend not in workload.implementations:
        return no_implementation_message(workload.name, workload.package, backend)
    reason = backend_unavailable_reason(backend)
    if reason:
        return reason
    module_name = workload.implementations[backend]
    if backend == "cython" and not module_exists(module_name) and cython_source(module_name) is not None:
        if built_at_install(module_name):
            return not_built_message(module_name)
        reason = build_unavailable_reason()  # else it is compiled on first use
        return f"{module_name}: {reason}" if reason else None
    return None


def implementation_problem(workload: Workload, backend: str) -> str | None:
    """Why ``workload``'s path for ``backend`` cannot work (a failure, not unavailability), or None.

    Found without importing the implementation; an unbuilt Cython extension is no problem
    here (it is unavailable, see ``implementation_unavailable_reason``).
    """
    module_name = workload.implementations.get(backend)
    if module_name is None or module_exists(module_name):
        return None
    if backend == "cython" and cython_source(module_name) is not None:
        return None
    return unfound_path_message(backend, module_name, defining_package(workload))


def cuda_note() -> str | None:
    """A warning to show when CUDA runs under the simulator."""
    if simulated_cuda():
        return "cuda runs under NUMBA_ENABLE_CUDASIM=1: results are checked, timings are meaningless"
    return None
