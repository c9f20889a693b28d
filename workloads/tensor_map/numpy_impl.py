"""NumPy: the ufunc for each op, writing into a preallocated contiguous output.

NumPy has one algorithm of its own, its ufunc loops, and runs it whatever the
``algorithm`` parameter names: the reference a user would otherwise pick.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.algorithm import NUMPY_ALGORITHM_INFO

from .inputs import MapInputs


def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), in place in ``out``, the same arithmetic as the scalar version."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)



NUMPY_OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "neg": lambda x, out: np.negative(x, out=out),
    "exp": lambda x, out: np.exp(x, out=out),
    "relu": lambda x, out: np.maximum(x, 0.0, out=out),
    "sigmoid": _sigmoid,
}


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    source = inputs.source.as_numpy()
    out = np.zeros(source.shape, dtype=np.float64)
    apply = NUMPY_OPS[inputs.op]
    return Kernel(call=lambda: apply(source, out), info=dict(NUMPY_ALGORITHM_INFO))
