"""The plain-Python tensor helpers wrapped for Numba CPU kernels (inlined into callers);
``to_index`` restated with one unsigned division a dim, as C divides.

Imported only by ``numba`` and ``numba_parallel`` implementation modules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from numba import njit, typeof, types
from numba.extending import overload

from harness.core.workload import Kernel, StepTimer

from . import indexing, operators
from .numba_exp import vectorisable_exp, vectorisable_sigmoid
from .numba_indexing import check_dims, unsigned_divmod
from .tensor import StridedTensor

inline = njit(inline="always")

index_to_position = inline(indexing.index_to_position)
broadcast_index = inline(indexing.broadcast_index)
same_layout = inline(indexing.same_layout)


@njit(inline="always")
def to_index(ordinal: int, shape: Any, out_index: Any) -> None:
    """``indexing.to_index`` with one unsigned division a dim (``numba_indexing``), for Numba's kernels.

    The same loop, but Numba's signed ``%`` and ``//`` round toward minus infinity (Python's
    rule): each is a division plus a sign fix-up, and LLVM does not merge the two into one
    division as it does C's. Ordinals and sizes are never negative (and a size is never 0
    where an ordinal is in range), so an unsigned division gives the same index.
    """
    remaining = ordinal
    for dim in range(len(shape) - 1, -1, -1):
        remaining, remainder = unsigned_divmod(remaining, shape[dim])
        out_index[dim] = remainder


def op_dispatch(by_code: Mapping[int, Any]) -> Callable[..., Any]:
    """``dispatch(code, ...)``: ``by_code[code](code, ...)``, chosen while Numba types the kernel,
    from jitted ``inline`` functions, one an op code, that take the same parameters.

    Where the code is a constant of the kernel (one kernel an op: ``op_kernels``), Numba
    compiles that op's function and no other's. Where it is known only at run time (a
    jitted helper called from interpreted Python, as the line profiler's interpreted
    kernels call them), a branch over every op's function. Either is inlined, as an
    ``inline="always"`` call is: a call per row that passes arrays would cost their
    reference counts (tuned zip on broadcast rows, 2^16 elements: 26 us against 20 us
    inlined). Called from interpreted Python itself, it runs the op's ``py_func``.
    """
    signatures = {str(inspect.signature(f.py_func).replace(return_annotation=inspect.Signature.empty))
                  for f in by_code.values()}
    if len(signatures) != 1:
        raise ValueError(f"op_dispatch: the ops' functions take different parameters: {sorted(signatures)}")
    (signature,) = signatures
    # Numba inlines no call with *args, and an overload's typing function and implementation
    # must have the same parameters, annotations included: all three are written out for them
    parameters = list(inspect.signature(next(iter(by_code.values())).py_func).parameters)
    code, names = parameters[0], ", ".join(parameters)
    namespace: dict[str, Any] = {"by_code": by_code, **{f"op_{c}": f for c, f in by_code.items()}}
    branches = "".join(f"    if {code} == {c}:\n        return op_{c}({names})\n" for c in list(by_code)[:-1])
    source = (
        f"def dispatch{signature}:\n    return by_code[{code}].py_func({names})\n"
        f"def any_op{signature}:\n{branches}    return op_{list(by_code)[-1]}({names})\n"
        f"def implementation{signature}:\n    return chosen({code})\n"
    )
    # dont_inherit: this module's postponed annotations would quote the quoted ones again
    exec(compile(source, f"<op_dispatch of {names}>", "exec", dont_inherit=True), namespace)
    namespace["chosen"] = chosen_for(by_code, namespace["any_op"])
    overload(namespace["dispatch"], prefer_literal=True, inline="always")(namespace["implementation"])
    return namespace["dispatch"]


def chosen_for(by_code: Mapping[int, Any], any_op: Callable[..., Any]) -> Callable[[Any], Callable[..., Any]]:
    """While typing: the ``py_func`` of the op whose code is a constant, else ``any_op``."""

    def chosen(code: Any) -> Callable[..., Any]:
        if isinstance(code, types.IntegerLiteral):
            return by_code[code.literal_value].py_func
        return any_op

    return chosen


def scalar_dispatch(functions: Mapping[str, Callable[..., Any]], codes: Mapping[str, int]) -> Callable[..., Any]:
    """An ``op_dispatch`` over scalar functions, each by its name's code, jitted ``inline``
    (unless it is jitted already) and taking the code first, unused."""

    def op(function: Callable[..., Any]) -> Any:
        jitted = function if hasattr(function, "py_func") else inline(function)
        if len(inspect.signature(getattr(function, "py_func", function)).parameters) == 1:
            return inline(lambda code, x: jitted(x))
        return inline(lambda code, x, y: jitted(x, y))  # Numba inlines no call with *operands

    return op_dispatch({codes[name]: op(function) for name, function in functions.items()})


# exp and sigmoid without libm's scalar exp call, so loops over them vectorise
VECTORISABLE = {"exp": vectorisable_exp, "sigmoid": vectorisable_sigmoid}
apply_unary = scalar_dispatch(operators.UNARY_FUNCTIONS, operators.UNARY_CODES)
apply_unary_vectorisable = scalar_dispatch(operators.UNARY_FUNCTIONS | VECTORISABLE, operators.UNARY_CODES)
apply_binary = scalar_dispatch(operators.BINARY_FUNCTIONS, operators.BINARY_CODES)
apply_reduce = scalar_dispatch(operators.REDUCE_FUNCTIONS, operators.REDUCE_CODES)


def op_kernels(names: Mapping[str, Any], kind: str, codes: Mapping[str, int]) -> dict[int, dict[str, Any]]:
    """A backend module's kernels by op code and algorithm, from its globals ``names``:
    ``<algorithm>_<kind>_<op>``, each compiled with its op a constant.

    Looked up when ``prepare`` runs, since ``harness profile`` swaps a module's jitted
    functions for their ``py_func`` after import."""
    return {
        code: {algorithm: names[f"{algorithm}_{kind}_{op}"] for algorithm in ("naive", "tuned")}
        for op, code in codes.items()
    }


def compile_for(dispatcher: Any, args: tuple) -> None:
    """Compile ``dispatcher`` for the types of ``args`` (or load it from the cache); run nothing.

    Under ``harness profile`` the line profiler swaps a dispatcher for its interpreted
    ``py_func``, which has nothing to compile.
    """
    compile_signature = getattr(dispatcher, "compile", None)
    if compile_signature is not None:
        compile_signature(tuple(typeof(arg) for arg in args))


def output_kernel(
    dispatcher: Any,
    args: tuple[Any, ...],
    count: Callable[[], int],
    output: StridedTensor,
    steps: StepTimer,
    info: dict[str, Any],
) -> Kernel:
    """Compile ``dispatcher`` (timed as ``compile``); a Kernel calling ``dispatcher(*args, count())``.

    The last argument is the number of chunks or tasks the kernel splits its work into,
    read at every call (so a changed thread count changes it too). The kernel writes
    ``output``, whose storage a call returns and whose shape ``fetch`` restores. No
    operand has more dims than the output (a broadcast shape, or a reduced one), so
    ``check_dims`` of the output's covers the kernels' stack index buffers.
    """
    check_dims(output.shape.size)
    with steps("compile"):
        compile_for(dispatcher, (*args, 1))

    def call() -> Any:
        dispatcher(*args, count())
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info=info)
