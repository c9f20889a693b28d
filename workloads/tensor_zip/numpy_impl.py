"""NumPy: the broadcasting ufunc for each op, writing into a preallocated output.

NumPy has one algorithm of its own, its ufunc loops, and runs it whatever the
``algorithm`` parameter names: the reference a user would otherwise pick.
"""

from __future__ import annotations

import numpy as np

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core.algorithm import NUMPY_ALGORITHM_INFO

from .inputs import ZipInputs

NUMPY_OPS: dict[str, np.ufunc] = {"add": np.add, "mul": np.multiply, "lt": np.less}


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    left, right = inputs.left.as_numpy(), inputs.right.as_numpy()
    out = np.zeros(tuple(inputs.output().shape.tolist()), dtype=np.float64)
    ufunc = NUMPY_OPS[inputs.op]
    return Kernel(call=lambda: ufunc(left, right, out=out), info=dict(NUMPY_ALGORITHM_INFO))
