"""numba_helpers.op_dispatch: a kernel whose op is a constant types (so compiles) that op's
function alone; a run-time code, as interpreted code passes to a jitted helper, still works."""

from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from numba import njit  # noqa: E402
from numba.extending import overload  # noqa: E402

from workloads.lib.tensor_core.numba_helpers import inline, op_dispatch  # noqa: E402


def untypeable(x: float) -> float:
    """A function Numba refuses to type: an op that calls it compiles only if never typed."""
    return x


@overload(untypeable)
def _untypeable(x):  # type: ignore[no-untyped-def]
    raise numba.core.errors.TypingError("this op was typed")


@inline
def double(code: int, x: float) -> float:
    return 2.0 * x


@inline
def negate(code: int, x: float) -> float:
    return -x


@inline
def refused(code: int, x: float) -> float:
    return untypeable(x)


apply = op_dispatch({0: double, 1: negate})
apply_or_refuse = op_dispatch({0: double, 1: refused})


def kernel_for(op: int):  # type: ignore[no-untyped-def]
    """A kernel with ``op`` a constant, as the tensor workloads' ``kernels_for`` builds them."""

    @njit
    def kernel(values: np.ndarray) -> np.ndarray:
        out = np.empty_like(values)
        for i in range(values.size):
            out[i] = apply_or_refuse(op, values[i])
        return out

    return kernel


def test_a_kernel_with_its_op_a_constant_types_that_op_alone() -> None:
    assert kernel_for(0)(np.array([1.0, -2.0])).tolist() == [2.0, -4.0]
    with pytest.raises(numba.core.errors.TypingError, match="this op was typed"):
        kernel_for(1)(np.array([1.0]))


def test_a_run_time_code_types_every_op_and_picks_the_right_one() -> None:
    @njit
    def any_op(code: int, x: float) -> float:
        return apply(code, x)

    assert (any_op(0, 3.0), any_op(1, 3.0)) == (6.0, -3.0)

    @njit
    def any_op_or_refuse(code: int, x: float) -> float:
        return apply_or_refuse(code, x)

    with pytest.raises(numba.core.errors.TypingError, match="this op was typed"):
        any_op_or_refuse(0, 3.0)


def test_interpreted_code_runs_the_ops_python_function() -> None:
    assert (apply(0, 4.0), apply(1, 4.0)) == (8.0, -4.0)


def test_the_ops_must_take_the_same_parameters() -> None:
    @inline
    def other(code: int, y: float) -> float:
        return y

    with pytest.raises(ValueError, match="different parameters"):
        op_dispatch({0: double, 1: other})


def test_a_tensor_kernels_op_is_its_constant() -> None:
    from workloads.lib.tensor_core.operators import BINARY_CODES
    from workloads.tensor_zip import numba_impl

    for name, code in BINARY_CODES.items():
        for algorithm in ("naive", "tuned"):
            kernel = getattr(numba_impl, f"{algorithm}_zip_{name}")
            assert [cell.cell_contents for cell in kernel.py_func.__closure__] == [code]
