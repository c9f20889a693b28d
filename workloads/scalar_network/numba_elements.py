"""Reading an array's element and adding to one in the scalar network's generated Numba code,
without the cost Numba's array indexing has at compile time.

Numba lowers every ``a[i]`` by copying the array's structure (data pointer, shape, strides
and the rest) into a stack slot of its own, then wrapping a negative index around. LLVM
removes all of it again, but its SROA pass pays for it, and so does Numba's own lowering.
The default network's lanes ``block`` indexes its scratch row 341 times a lane (three
inputs read, 338 sums read and written: the loss and 337 gradient entries), 1,033 stack
slots, and reads its 337 parameters before the loop; straight-line ``sample`` reads its 3
inputs (two features and the label) and 337 parameters and adds to 337 gradient entries.
With these intrinsics instead (and ReLU written without a branch,
``numba_kernels.NUMBA_DIALECT``), the cold build of the lanes fell by about 3 s and of the
straight-line code by 2-3.5 s, the run time unchanged
(docs/notes/2026-12-03-numba-compile-time.md).

``element(a, i)`` and ``add_to(a, i, value)`` are Numba intrinsics that read the data
pointer out of the array value and load, or add and store, at element ``i``: what
``a[i]`` and ``a[i] += value`` compile to once LLVM is done, for a C-contiguous float64
array and an index in range. The generated code's indices are its own: constants from the
graph (an input's, a parameter's or an output's number), and in the lanes
``numba_kernels.lane_layout``'s offsets plus the lane, within the row ``scratch_for``
sizes. Neither intrinsic checks bounds, as Numba's indexing does not unless
``boundscheck`` is set.
"""

from __future__ import annotations

from typing import Any

from numba import types
from numba.extending import intrinsic


def _pointer(context: Any, builder: Any, array_type: Any, array: Any, index: Any) -> Any:
    """A pointer to element ``index`` of ``array`` (an array value, not a pointer to one)."""
    data = builder.extract_value(array, context.data_model_manager[array_type].get_field_position("data"))
    return builder.gep(data, [index], inbounds=True)


def _check(array: Any, index: Any) -> None:
    if not (isinstance(array, types.Array) and array.dtype == types.float64 and array.layout == "C"):
        raise TypeError(f"the array must be a C-contiguous float64 array, not {array}")
    if not isinstance(index, types.Integer):
        raise TypeError(f"the index must be an integer, not {index}")


@intrinsic
def element(typingctx: Any, array: Any, index: Any) -> Any:
    """``array[index]``."""
    _check(array, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.load(_pointer(context, builder, signature.args[0], *args))

    return types.float64(array, index), codegen


@intrinsic
def add_to(typingctx: Any, array: Any, index: Any, value: Any) -> Any:
    """``array[index] += value``."""
    _check(array, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        target, at, addend = args
        addend = context.cast(builder, addend, signature.args[2], types.float64)
        pointer = _pointer(context, builder, signature.args[0], target, at)
        builder.store(builder.fadd(builder.load(pointer), addend), pointer)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen
