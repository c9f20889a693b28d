"""The naive matmul's step, written once in plain Python and wrapped per backend (MiniTorch style).

``dot`` is one output of MiniTorch's ``matrix_multiply``: a left row times a right column,
k innermost, both read through strides. numba's naive body wraps it with
``njit(inline="always")``, the CUDA naive kernel with ``cuda.jit(device=True)``.
"""

from __future__ import annotations

import numpy as np

# The positions as unsigned integers: Numba wraps a negative signed index around the
# array's end, a compare and a select on every load of the k loop; positions here are
# never negative, and an unsigned one has no such check.
unsigned = np.uint64


def dot(
    left: np.ndarray,
    left_start: int,
    left_step: int,
    right: np.ndarray,
    right_start: int,
    right_step: int,
    count: int,
) -> float:
    """sum over k < count of left[left_start + k * left_step] * right[right_start + k * right_step], in order."""
    total = 0.0
    for k in range(count):
        total += left[unsigned(left_start + k * left_step)] * right[unsigned(right_start + k * right_step)]
    return total
