"""NumPy: ``sum``/``max`` along the dim with ``keepdims``, into a preallocated output.

NumPy has one algorithm of its own (its reductions: a pairwise sum) and runs it whatever
the ``algorithm`` parameter says; ``info`` records that.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.algorithm import NUMPY_ALGORITHM_INFO

from .inputs import ReduceInputs

NUMPY_OPS: dict[str, Callable[..., np.ndarray]] = {"sum": np.sum, "max": np.max}


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    source = inputs.source.as_numpy()
    out = np.zeros(tuple(inputs.output().shape.tolist()), dtype=np.float64)
    reduce, dim = NUMPY_OPS[inputs.op], inputs.dim
    info = {**NUMPY_ALGORITHM_INFO, "numpy_routine": f"np.{inputs.op}(axis, keepdims=True)"}
    return Kernel(call=lambda: reduce(source, axis=dim, keepdims=True, out=out), info=info)
