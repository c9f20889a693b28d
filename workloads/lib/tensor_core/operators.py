"""The scalar functions the tensor workloads apply, and the op codes compiled kernels switch on.

Compiled kernels take an integer op code instead of a function object: a kernel that
receives a jitted function as an argument is specialised on the function's type, which
Numba cannot find again in its on-disk cache, so every process would recompile it. An
integer keeps one cached kernel per signature. The c, Cython and CUDA kernels branch on
it at run time (loop-invariant); the Numba kernels are compiled one per op, with the
code a constant (``numba_helpers.op_dispatch``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

UnaryFunction = Callable[[float], float]
BinaryFunction = Callable[[float, float], float]


def neg(x: float) -> float:
    return -x


def exp(x: float) -> float:
    return math.exp(x)


def relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def add(x: float, y: float) -> float:
    return x + y


def mul(x: float, y: float) -> float:
    return x * y


def lt(x: float, y: float) -> float:
    return 1.0 if x < y else 0.0


UNARY_FUNCTIONS: dict[str, UnaryFunction] = {
    "neg": neg,
    "exp": exp,
    "relu": relu,
    "sigmoid": sigmoid,
}
BINARY_FUNCTIONS: dict[str, BinaryFunction] = {"add": add, "mul": mul, "lt": lt}
REDUCE_STARTS: dict[str, float] = {"sum": 0.0, "max": -math.inf}

UNARY_CODES: dict[str, int] = {name: code for code, name in enumerate(UNARY_FUNCTIONS)}
BINARY_CODES: dict[str, int] = {name: code for code, name in enumerate(BINARY_FUNCTIONS)}
REDUCE_CODES: dict[str, int] = {name: code for code, name in enumerate(REDUCE_STARTS)}
SUM, MAX = REDUCE_CODES["sum"], REDUCE_CODES["max"]


def check_name(kind: str, name: str, known: dict[str, int]) -> int:
    """The op code of ``name``, or a ValueError listing the choices."""
    if name not in known:
        raise ValueError(f"unknown {kind} op {name!r}; choose from: {', '.join(known)}")
    return known[name]


def make_unary_dispatch(
    wrap: Callable[[Callable], Callable], replacements: dict[str, Callable] | None = None
) -> Callable[[int, float], float]:
    """``apply_unary(code, x)`` built from the scalar functions, each wrapped by ``wrap``.

    ``wrap`` is ``numba.njit(inline="always")`` or ``numba.cuda.jit(device=True)``.
    ``replacements`` maps op names to already compiled equivalents used instead (the
    vectorisable exp and sigmoid of ``numba_exp``).
    """
    chosen = {name: wrap(f) for name, f in UNARY_FUNCTIONS.items()} | (replacements or {})
    neg_, exp_, relu_, sigmoid_ = (chosen[name] for name in UNARY_FUNCTIONS)

    def apply_unary(code: int, x: float) -> float:
        if code == 0:
            return neg_(x)
        if code == 1:
            return exp_(x)
        if code == 2:
            return relu_(x)
        return sigmoid_(x)

    return wrap(apply_unary)


def make_binary_dispatch(
    wrap: Callable[[Callable], Callable],
) -> Callable[[int, float, float], float]:
    """``apply_binary(code, x, y)``, as ``make_unary_dispatch`` for binary functions."""
    add_, mul_, lt_ = (wrap(f) for f in BINARY_FUNCTIONS.values())

    def apply_binary(code: int, x: float, y: float) -> float:
        if code == 0:
            return add_(x, y)
        if code == 1:
            return mul_(x, y)
        return lt_(x, y)

    return wrap(apply_binary)


def maximum(x: float, y: float) -> float:
    return x if x > y else y


REDUCE_FUNCTIONS: dict[str, BinaryFunction] = {"sum": add, "max": maximum}


def make_reduce_dispatch(
    wrap: Callable[[Callable], Callable],
) -> Callable[[int, float, float], float]:
    """``apply_reduce(code, accumulator, x)``: sum or max, as ``make_unary_dispatch``."""
    add_, maximum_ = (wrap(f) for f in REDUCE_FUNCTIONS.values())

    def apply_reduce(code: int, accumulator: float, x: float) -> float:
        if code == 0:
            return add_(accumulator, x)
        return maximum_(accumulator, x)

    return wrap(apply_reduce)
