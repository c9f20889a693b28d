"""What a Numba kernel is built from: the inline bodies it calls, its flags, its parallel regions.

The tensor workloads' ``numba`` and ``numba_parallel`` kernels must run one algorithm with
one loop body, so that the two backends differ only in the threads; these helpers let a
test check that from the kernels themselves.
"""

from __future__ import annotations

from typing import Any

import numba
from numba.parfors.parfor import Parfor


def inline_bodies(kernel: Any) -> set[Any]:
    """The ``njit(inline="always")`` functions the kernel's source calls by global name."""
    function = kernel.py_func
    called = (function.__globals__.get(name) for name in function.__code__.co_names)
    return {value for value in called if getattr(value, "targetoptions", {}).get("inline") == "always"}


def fastmath_of(kernel: Any) -> Any:
    return kernel.targetoptions.get("fastmath", False)


def top_level_parallel_regions(kernel: Any, args: tuple) -> int:
    """Parallel regions (top-level parfors) of a fresh compilation of ``kernel`` for ``args``.

    Compiled again without ``cache=True`` (nothing is written to the cache, so the cached
    kernel is untouched), because a kernel loaded from the cache carries no parfor
    diagnostics. Loops nested inside a ``prange`` body run serially and do not count.
    """
    fresh = numba.njit(parallel=True, fastmath=fastmath_of(kernel))(kernel.py_func)
    fresh(*args)
    diagnostics = fresh.get_metadata(fresh.signatures[0])["parfor_diagnostics"]
    blocks = diagnostics.func_ir.blocks.values()
    return sum(isinstance(statement, Parfor) for block in blocks for statement in block.body)


def assert_one_body_two_loops(serial: Any, parallel: Any) -> None:
    """``serial`` and ``parallel`` inline the same bodies with the same fastmath flags,
    and are two Python functions (Numba's cache index key ignores compile flags)."""
    bodies = inline_bodies(serial)
    assert bodies, f"{serial.py_func.__qualname__} calls no inline body"
    assert bodies == inline_bodies(parallel)
    assert fastmath_of(serial) == fastmath_of(parallel)
    assert parallel.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
    assert serial.py_func is not parallel.py_func
    assert serial.py_func.__code__.co_filename != parallel.py_func.__code__.co_filename
