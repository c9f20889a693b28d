"""Kinds and valid ranges of the parameters the tensor workloads share, checked before any
entry runs (``harness.core.parameters``): a bad ``--param`` is a usage error, not a failed entry.

``elements`` lists its valid values: a power of two (``matrix_shape`` lays it out as a
near-square matrix) up to 2^27, a GiB of float64 per operand, the most a machine like the
ones this project measures on can hold two or three of beside the interpreter.
"""

from __future__ import annotations

from harness.core.parameters import ParameterType

from .algorithm import ALGORITHMS

MAX_ELEMENTS_EXPONENT = 27

ELEMENTS = ParameterType(int, choices=tuple(1 << k for k in range(1, MAX_ELEMENTS_EXPONENT + 1)))
SEED = ParameterType(int, minimum=0, maximum=2**32 - 1)
PYTHON_LIMIT = ParameterType(int, minimum=1)
ALGORITHM = ParameterType(str, choices=ALGORITHMS)
SHARED = {"seed": SEED, "python_limit": PYTHON_LIMIT, "algorithm": ALGORITHM}


def choice(values: tuple[str, ...]) -> ParameterType:
    return ParameterType(str, choices=values)
