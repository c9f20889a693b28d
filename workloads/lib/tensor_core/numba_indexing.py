"""Two pieces of MiniTorch's index arithmetic compiled for Numba as C compiles them.

The naive algorithms find every element's multi-index with ``to_index``: a division and
a remainder per dimension, written into a small index buffer. The c kernels' buffers are
arrays on the stack and each division is one ``div`` instruction giving both quotient
and remainder. Numba's kernels had neither:

- **Index buffers.** ``np.empty`` is a heap allocation that LLVM cannot tell apart from
  the shape and stride arrays (the likely reason a stack buffer measured faster).
  ``index_buffer(n)`` is a view of ``n`` elements of a ``MAX_DIMS`` array on the stack
  (the c kernels' size). Nothing checks ``n`` in the kernel (a ``raise`` in a ``prange``
  body keeps Numba from running it in parallel): ``check_dims`` does, before a kernel
  is called (``numba_helpers.output_kernel``).
- **Division.** LLVM guards every 64-bit division on x86 with a test of whether both
  operands fit in 32 bits, to use the shorter instruction, and chooses between the two
  instructions per division (its "idivq-to-divl" tuning, on for this VM's Zen 5 CPU, where
  the 64-bit instruction is not slower). ``unsigned_divmod(a, b)`` is one ``div``
  instruction on x86-64 (inline assembly, the instruction GCC emits for C's ``/`` and ``%``
  of one pair), and LLVM's unsigned division and remainder elsewhere.

With both, MiniTorch's map loop at 2^16 elements (``neg``, one thread, CPU time
alternating with c in one process) took 0.99-1.05 of c's time, against 1.20-1.36 with
heap buffers and LLVM's division (docs/performance.md, "On the Zen 5: one division and
stack buffers").

Both are plain Python functions with a Numba ``overload``: called from interpreted code
(``harness profile`` runs kernels' ``py_func``) they are ``np.empty`` and ``divmod``.
A stack buffer lives as long as the compiled function that made it: never return one.
"""

from __future__ import annotations

import platform
from typing import Any

import llvmlite.binding
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numba.np import arrayobj

from .c_kernels import MAX_DIMS

# inline assembly needs LLVM's assembly parser, which Numba's JIT does not set up
X86_64 = platform.machine().lower() in ("x86_64", "amd64")
if X86_64:
    llvmlite.binding.initialize_native_asmparser()

INDEX_ARRAY = types.Array(types.int64, 1, "C")


def check_dims(ndim: int) -> None:
    """A ``ValueError`` for a tensor with more dims than ``index_buffer`` holds."""
    if ndim > MAX_DIMS:
        raise ValueError(f"the numba backends take tensors of at most {MAX_DIMS} dims, not {ndim}")


def index_buffer(count: int) -> np.ndarray:
    """An int64 buffer of ``count`` elements for a multi-index (on the stack in Numba's kernels)."""
    return np.empty(count, np.int64)


def unsigned_divmod(dividend: int, divisor: int) -> tuple[int, int]:
    """``divmod`` of a non-negative integer by a positive one (one division in Numba's kernels)."""
    return divmod(dividend, divisor)


@intrinsic
def _stack_array(typingctx: Any, count: Any) -> Any:
    """A C-contiguous int64 array of ``count`` elements over ``MAX_DIMS`` on the function's stack."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = arrayobj.make_array(INDEX_ARRAY)(context, builder)
        # alloca_once: in the function's entry block, so a loop around the call reuses one slot
        data = cgutils.alloca_once(builder, context.get_value_type(types.int64),
                                   size=context.get_constant(types.intp, MAX_DIMS))
        itemsize = context.get_constant(types.intp, 8)
        arrayobj.populate_array(array, data=data, shape=cgutils.pack_array(builder, [args[0]]),
                                strides=cgutils.pack_array(builder, [itemsize]), itemsize=itemsize, meminfo=None)
        return array._getvalue()

    return INDEX_ARRAY(types.intp), codegen


@overload(index_buffer, inline="always")
def _index_buffer(count: Any) -> Any:
    def implementation(count: Any) -> Any:  # annotated as the overload: Numba compares the two
        return _stack_array(count)

    return implementation


@intrinsic
def _divide(typingctx: Any, dividend: Any, divisor: Any) -> Any:
    """(quotient, remainder) of two int64 values taken as unsigned."""
    result = types.UniTuple(types.int64, 2)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        dividend, divisor = (context.cast(builder, value, type_, types.int64)
                             for value, type_ in zip(args, signature.args, strict=True))
        if X86_64:
            word = ir.IntType(64)
            pair_type = ir.FunctionType(ir.LiteralStructType([word, word]), [word, word, word])
            # divq divides rdx:rax (rdx = 0) by the operand: quotient to rax, remainder to rdx
            pair = builder.asm(pair_type, "divq $4", "={rax},={rdx},0,1,r,~{dirflag},~{fpsr},~{flags}",
                               [dividend, ir.Constant(word, 0), divisor], False, "divq")
            quotient, remainder = builder.extract_value(pair, 0), builder.extract_value(pair, 1)
        else:
            quotient, remainder = builder.udiv(dividend, divisor), builder.urem(dividend, divisor)
        return context.make_tuple(builder, result, [quotient, remainder])

    return result(dividend, divisor), codegen


@overload(unsigned_divmod, inline="always")
def _unsigned_divmod(dividend: Any, divisor: Any) -> Any:
    if not (isinstance(dividend, types.Integer) and isinstance(divisor, types.Integer)):
        return None

    def implementation(dividend: Any, divisor: Any) -> Any:
        return _divide(dividend, divisor)

    return implementation
