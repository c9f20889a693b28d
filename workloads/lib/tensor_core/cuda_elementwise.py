"""How map and zip's ``cuda`` backends launch their kernels: one thread per output element.

Imported only by ``cuda`` implementation modules. The tuned algorithm on the GPU is
the same optimisation as on the CPU, in the GPU's form: when every operand is laid out
like the output, a kernel with no index arithmetic (thread i reads and writes position
i); otherwise each thread does its element's full index arithmetic, as in the naive
kernel (rows are not a unit of work for a GPU thread, so there is nothing to hoist).
"""

from __future__ import annotations

from typing import Any

from harness.core.cuda_launch import launched_kernel
from harness.core.workload import Kernel

from .tensor import StridedTensor

THREADS_PER_BLOCK = 256


def one_thread_per_element(
    kernel: Any, args: tuple[Any, ...], out_storage: Any, output: StridedTensor, info: dict[str, Any]
) -> Kernel:
    """A Kernel launching ``kernel(*args)`` on one thread per element of ``output``.

    ``out_storage`` is the device array the kernel writes, fetched back for the check.
    """
    blocks = (output.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    facts = {"threads_per_block": THREADS_PER_BLOCK, "blocks": blocks, **info}
    return launched_kernel(kernel[blocks, THREADS_PER_BLOCK], args, out_storage, facts, output.reshape_values)
