"""NumPy: ``np.matmul`` (OpenBLAS dgemm per batch), broadcasting the batch dim.

NumPy has one algorithm of its own (BLAS) and runs it whatever the ``algorithm``
parameter says; ``info`` records that.
"""

from __future__ import annotations

import numpy as np

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.algorithm import NUMPY_ALGORITHM_INFO

from .inputs import MatmulInputs


def prepare(inputs: MatmulInputs, params: dict, steps: StepTimer) -> Kernel:
    left, right = inputs.left.as_numpy(), inputs.right.as_numpy()
    out = np.zeros(tuple(inputs.output().shape.tolist()), dtype=np.float64)
    info = {**NUMPY_ALGORITHM_INFO, "numpy_routine": "np.matmul (BLAS dgemm per batch)"}
    return Kernel(call=lambda: np.matmul(left, right, out=out), info=info)
