"""CUDA kernels run under the simulator in tests (no GPU on the test machines)."""

import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
