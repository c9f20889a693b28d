"""The node kinds of a scalar graph: their codes, arity and scalar semantics.

One table drives everything that must agree about an operation: the Python evaluator,
constant folding, the instruction tape's opcodes and the code generators. ``fma`` is
``a * b + c`` as written: Python, NumPy and Numba round it twice, while the c and Cython
builds (``-ffp-contract=fast``) let the compiler fuse it into one rounding, a difference
of an ulp that the workload's tolerance allows. Numba's ``contract`` flag, which would
fuse it too, was measured to change nothing in the straight-line code's speed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


def _relu(x: float, y: float = 0.0, z: float = 0.0) -> float:
    return x if x > 0.0 else 0.0


def _step(x: float, y: float = 0.0, z: float = 0.0) -> float:
    return 1.0 if x > 0.0 else 0.0


def _sigmoid(x: float, y: float = 0.0, z: float = 0.0) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class OpInfo:
    """What one node kind is: opcode on the tape, operand count, and how to evaluate it."""

    code: int
    name: str
    arity: int
    commutative: bool = False
    evaluate: Callable[..., float] | None = None


# Leaves: constants carry their value, inputs and parameters their index, in ``attr``.
CONST = "const"
INPUT = "input"
PARAM = "param"
LEAVES = frozenset({CONST, INPUT, PARAM})

_TABLE: tuple[OpInfo, ...] = (
    OpInfo(0, CONST, 0),
    OpInfo(1, INPUT, 0),
    OpInfo(2, PARAM, 0),
    OpInfo(3, "add", 2, True, lambda x, y, z=0.0: x + y),
    OpInfo(4, "sub", 2, False, lambda x, y, z=0.0: x - y),
    OpInfo(5, "mul", 2, True, lambda x, y, z=0.0: x * y),
    OpInfo(6, "div", 2, False, lambda x, y, z=0.0: x / y),
    OpInfo(7, "neg", 1, False, lambda x, y=0.0, z=0.0: -x),
    OpInfo(8, "exp", 1, False, lambda x, y=0.0, z=0.0: math.exp(x)),
    OpInfo(9, "log", 1, False, lambda x, y=0.0, z=0.0: math.log(x)),
    OpInfo(10, "relu", 1, False, _relu),
    OpInfo(11, "step", 1, False, _step),
    OpInfo(12, "tanh", 1, False, lambda x, y=0.0, z=0.0: math.tanh(x)),
    OpInfo(13, "sigmoid", 1, False, _sigmoid),
    # powc: x ** attr, a constant exponent (the exponent is not differentiated).
    OpInfo(14, "powc", 1, False, None),
    OpInfo(15, "fma", 3, False, lambda x, y, z: x * y + z),
)

OPS: dict[str, OpInfo] = {info.name: info for info in _TABLE}
CODES: dict[str, int] = {info.name: info.code for info in _TABLE}


def evaluate(op: str, operands: tuple[float, ...], attr: float) -> float:
    """The value of one non-leaf node from its operand values (used by constant folding)."""
    if op == "powc":
        return math.pow(operands[0], attr)
    function = OPS[op].evaluate
    if function is None:
        raise ValueError(f"{op!r} is a leaf and has no operands to evaluate")
    return float(function(*operands))
