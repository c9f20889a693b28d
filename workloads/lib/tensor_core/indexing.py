"""Strided-tensor index arithmetic, written once in plain Python and wrapped per backend.

Every function here uses only integer loops over sequences, so the same source runs in
CPython (on lists), compiles under ``numba.njit`` (on int64 arrays) and under
``numba.cuda.jit(device=True)`` (on device arrays and local arrays). Shapes and strides
are counted in elements, not bytes. Cython cannot wrap Python functions, so
``cindexing.pxd`` restates these three loops as ``cdef inline`` functions.
"""

from __future__ import annotations

from collections.abc import MutableSequence, Sequence
from typing import TypeAlias

import numpy as np

Ints: TypeAlias = Sequence[int] | np.ndarray
MutableInts: TypeAlias = MutableSequence[int] | np.ndarray


class BroadcastError(ValueError):
    """Two shapes cannot be broadcast together under NumPy's rules."""


def index_to_position(index: Ints, strides: Ints) -> int:
    """Position in flat storage of a multi-index: the dot product of index and strides."""
    position = 0
    for dim in range(len(strides)):
        position += index[dim] * strides[dim]
    return position


def to_index(ordinal: int, shape: Ints, out_index: MutableInts) -> None:
    """Write into ``out_index`` the multi-index of the ``ordinal``-th element in row-major order.

    The result goes into a caller-owned buffer so that compiled loops allocate nothing.
    """
    remaining = ordinal
    for dim in range(len(shape) - 1, -1, -1):
        out_index[dim] = remaining % shape[dim]
        remaining = remaining // shape[dim]


def broadcast_index(
    big_index: Ints,
    big_shape: Ints,
    shape: Ints,
    out_index: MutableInts,
) -> None:
    """Map an index of the broadcast (big) shape to the index of a smaller operand.

    Dimensions are aligned on the right; where the operand has size 1 it is read at 0.
    """
    offset = len(big_shape) - len(shape)
    for dim in range(len(shape)):
        if shape[dim] > 1:
            out_index[dim] = big_index[dim + offset]
        else:
            out_index[dim] = 0


def same_layout(
    out_shape: Ints,
    out_strides: Ints,
    in_shape: Ints,
    in_strides: Ints,
) -> bool:
    """True when an operand is laid out exactly like the output, so ordinal == position."""
    if len(out_shape) != len(in_shape):
        return False
    for dim in range(len(out_shape)):
        if out_shape[dim] != in_shape[dim] or out_strides[dim] != in_strides[dim]:
            return False
    return True


def shape_broadcast(shape_a: Ints, shape_b: Ints) -> tuple[int, ...]:
    """The shape two operands broadcast to (NumPy rules), or BroadcastError naming both."""
    shape_a, shape_b = tuple(int(s) for s in shape_a), tuple(int(s) for s in shape_b)
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + shape_a
    padded_b = (1,) * (ndim - len(shape_b)) + shape_b
    result = []
    for size_a, size_b in zip(padded_a, padded_b, strict=True):
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise BroadcastError(
                f"shapes {shape_a} and {shape_b} cannot be broadcast: "
                f"sizes {size_a} and {size_b} differ and neither is 1"
            )
        result.append(max(size_a, size_b))
    return tuple(result)


def contiguous_strides(shape: Ints) -> tuple[int, ...]:
    """Row-major strides, in elements, of a freshly allocated tensor of ``shape``."""
    strides = [1] * len(shape)
    for dim in range(len(shape) - 2, -1, -1):
        strides[dim] = strides[dim + 1] * shape[dim + 1]
    return tuple(strides)
