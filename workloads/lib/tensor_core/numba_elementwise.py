"""``elementwise`` wrapped for Numba, and how map and zip's numba backends call their kernels.

Imported only by ``numba`` and ``numba_parallel`` implementation modules. Each map or
zip kernel is a top-level wrapper that loops over chunks and calls one
``njit(inline="always")`` chunk function: ``range`` in the ``numba`` backend, ``prange``
in ``numba_parallel``, the same chunk function and the same ``kernel_options()`` in both,
so the two backends differ only in threads.

Chunk functions take each tensor as one ``Parts`` tuple (storage, shape, strides); the
top-level kernels take the arrays one by one and build the tuples in the call. A
parallel kernel taking the tuples as its own arguments ran zip's naive loop about half
as fast when loaded from Numba's cache as when freshly compiled, for a cause not found
(``docs/workloads/tensor.md``); with arrays as arguments the two are alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeAlias

import numpy as np

from harness.core.workload import Kernel, StepTimer

from . import elementwise
from .numba_helpers import inline, output_kernel
from .tensor import StridedTensor

Parts: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray]  # a tensor's storage, shape and strides


def kernel_options() -> dict[str, Any]:
    """The compile options, besides ``cache`` and ``parallel``, of every map and zip kernel.

    - ``fastmath={"contract"}``: FMA contraction only (the vectorisable exp's polynomial
      becomes fused multiply-adds); no flag that assumes NaN or inf away.
    - ``error_model="numpy"``: a float division by zero gives inf, as in NumPy, instead of
      a check that raises ZeroDivisionError. That check is a branch in the loop, which
      keeps sigmoid's ``1 / (1 + exp(-x))`` from vectorising; parallel regions use the
      NumPy model anyway, so without it the serial kernel would be a different loop.
    """
    return {"fastmath": {"contract"}, "error_model": "numpy"}


chunk_count = inline(elementwise.chunk_count)
chunk_start = inline(elementwise.chunk_start)
last_step = inline(elementwise.last_step)
row_count = inline(elementwise.row_count)


class ElementwiseInputs(Protocol):
    """What map and zip inputs offer their kernels: the algorithm, an output and the kernel's arguments."""

    algorithm: str
    code: int

    def output(self) -> StridedTensor: ...

    def kernel_args(self, output: StridedTensor) -> tuple[Any, ...]: ...


def chunked_kernel(
    kernels: dict[int, dict[str, Any]], inputs: ElementwiseInputs, threads: Callable[[], int], steps: StepTimer
) -> Kernel:
    """Compile the op's and algorithm's kernel and return a Kernel that calls it with
    ``CHUNKS_PER_THREAD`` chunks per thread.

    ``kernels`` maps each op code to the kernels compiled with that op a constant
    (``numba_helpers.op_kernels``), so they take the arguments after the code.

    ``threads`` is read at every call (``numba.get_num_threads`` for numba_parallel, one
    for the serial backend), so a changed thread count changes the chunking with it.
    """
    output = inputs.output()

    def chunks() -> int:
        return elementwise.CHUNKS_PER_THREAD * threads()

    code, *args = inputs.kernel_args(output)
    info = {"algorithm": inputs.algorithm}
    return output_kernel(kernels[code][inputs.algorithm], tuple(args), chunks, output, steps, info)


def one_thread() -> int:
    """The thread count of the serial backend, which runs every chunk itself."""
    return 1
