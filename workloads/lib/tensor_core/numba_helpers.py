"""The plain-Python tensor helpers wrapped for Numba CPU kernels (inlined into callers).

Imported only by ``numba`` and ``numba_parallel`` implementation modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit, typeof

from harness.core.workload import Kernel, StepTimer

from . import indexing, operators
from .numba_exp import vectorisable_exp, vectorisable_sigmoid
from .tensor import StridedTensor

inline = njit(inline="always")

index_to_position = inline(indexing.index_to_position)
to_index = inline(indexing.to_index)
broadcast_index = inline(indexing.broadcast_index)
same_layout = inline(indexing.same_layout)
apply_unary = operators.make_unary_dispatch(inline)
# exp and sigmoid without libm's scalar exp call, so loops over them vectorise
apply_unary_vectorisable = operators.make_unary_dispatch(
    inline, {"exp": vectorisable_exp, "sigmoid": vectorisable_sigmoid}
)
apply_binary = operators.make_binary_dispatch(inline)
apply_reduce = operators.make_reduce_dispatch(inline)


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
    ``output``, whose storage a call returns and whose shape ``fetch`` restores.
    """
    with steps("compile"):
        compile_for(dispatcher, (*args, 1))

    def call() -> Any:
        dispatcher(*args, count())
        return output.storage

    return Kernel(call=call, fetch=output.reshape_values, info=info)
