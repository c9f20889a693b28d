"""The ``algorithm`` parameter's contract, checked the same way for tensor_map and tensor_zip.

Every backend but numpy runs the algorithm a case names and records it; numpy records
that it runs its own; presets name the algorithm of every case; and a ``numba`` and a
``numba_parallel`` kernel of one algorithm are one loop body. That last holds when their
Python sources compile to the same bytecode but for ``prange`` where the serial one has
``range``, every other global they call is the same object (the ``njit(inline="always")``
chunk functions), their compile options differ only in ``parallel``, and both are cached
on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tensor_strategies import skip_reason

from harness.core.workload import StepTimer, Workload
from workloads.lib.tensor_core.algorithm import ALGORITHMS

LOOP_NAMES = {"prange": "range"}


def kernel_info(workload: Workload, backend: str, params: dict[str, Any]) -> dict[str, Any]:
    """The ``info`` of ``backend``'s kernel for ``params``, skipping an unavailable backend."""
    if reason := skip_reason(workload, backend):
        pytest.skip(reason)
    return workload.load(backend).prepare(workload.make_inputs(params), params, StepTimer()).info


def assert_records_its_algorithm(workload: Workload, backend: str, params: dict[str, Any]) -> None:
    info = kernel_info(workload, backend, params)
    if backend == "numpy":
        assert (info["algorithm"], info["algorithm_parameter"]) == ("numpy", "ignored")
    else:
        assert info["algorithm"] == params["algorithm"]


def assert_presets_name_algorithms(workload: Workload, python_runs: Callable[[dict[str, Any]], bool]) -> None:
    """Every case names its algorithm; quick and default hold one naive case beside its tuned
    twin (naive -> tuned on every backend), default's within python's limit; full is tuned."""
    for preset in workload.presets:
        assert all(case["algorithm"] in ALGORITHMS for case in workload.cases(preset)), preset
    for preset in ("quick", "default"):
        cases = workload.cases(preset)
        naive = [case for case in cases if case["algorithm"] == "naive"]
        assert len(naive) == 1, f"{preset}: one naive case"
        assert {**naive[0], "algorithm": "tuned"} in cases, f"{preset}: the naive case's tuned twin"
    (naive,) = [case for case in workload.cases("default") if case["algorithm"] == "naive"]
    assert python_runs(naive), "the python backend would decline default's naive case"
    assert {case["algorithm"] for case in workload.cases("full")} == {"tuned"}


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


def assert_numba_backends_share_the_chunk(workload: Workload, kernel_name: str, algorithm: str) -> None:
    """numba's and numba_parallel's ``<algorithm>_<kernel_name>_<op>``, one kernel per op, call
    ``numba_chunks.<algorithm>_chunk``, with the op a constant of the kernel."""
    import importlib

    for backend in ("numba", "numba_parallel"):
        if reason := skip_reason(workload, backend):
            pytest.skip(reason)
    serial, parallel, chunks = (
        importlib.import_module(f"workloads.{workload.name}.{module}")
        for module in ("numba_impl", "numba_parallel_impl", "numba_chunks")
    )
    names = [name for name in vars(serial) if name.startswith(f"{algorithm}_{kernel_name}_")]
    assert names, f"no {algorithm}_{kernel_name}_<op> kernels in {serial.__name__}"
    ops = set()
    for name in names:
        kernel = getattr(serial, name)
        chunk_functions = assert_one_body(kernel, getattr(parallel, name))
        assert getattr(chunks, f"{algorithm}_chunk") in chunk_functions
        (op,) = (cell.cell_contents for cell in kernel.py_func.__closure__)
        ops.add(op)
    assert len(ops) == len(names), "one kernel per op"
