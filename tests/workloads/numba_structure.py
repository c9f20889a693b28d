"""Checks that a ``numba`` and a ``numba_parallel`` kernel are one loop body, differing only in threads.

A serial and a parallel kernel are the same algorithm when their Python sources compile
to the same bytecode but for ``prange`` where the serial one has ``range``, every other
global they call is the same object (the ``njit(inline="always")`` chunk functions),
and their compile options differ only in ``parallel``. Both must be cached on disk.
"""

from __future__ import annotations

from typing import Any

LOOP_NAMES = {"prange": "range"}


def global_calls(kernel: Any) -> dict[str, Any]:
    """The globals a kernel's body names, by name, as its module resolves them now."""
    function = kernel.py_func
    return {name: function.__globals__[name] for name in function.__code__.co_names if name not in ("range", "prange")}


def assert_one_body(serial: Any, parallel: Any) -> list[Any]:
    """Assert the two kernels compile the same code but for range/prange; return their chunk functions."""
    serial_code, parallel_code = serial.py_func.__code__, parallel.py_func.__code__
    assert serial_code.co_code == parallel_code.co_code
    assert [LOOP_NAMES.get(name, name) for name in parallel_code.co_names] == list(serial_code.co_names)
    assert "prange" in parallel_code.co_names and "range" in serial_code.co_names
    serial_calls, parallel_calls = global_calls(serial), global_calls(parallel)
    assert serial_calls.keys() == parallel_calls.keys()
    assert all(serial_calls[name] is parallel_calls[name] for name in serial_calls)
    chunk_functions = list(serial_calls.values())
    assert all(function.targetoptions.get("inline") == "always" for function in chunk_functions)
    assert {**serial.targetoptions, "parallel": True} == parallel.targetoptions
    assert all(type(kernel._cache).__name__ == "FunctionCache" for kernel in (serial, parallel))
    return chunk_functions
