"""Inputs and the measure of error for the vectorisable exps (Numba's ``numba_exp``, Cython's ``cexp.pxd``).

Both are held to the same bounds against NumPy's exp; their tests draw from here.
"""

from __future__ import annotations

import math

import numpy as np

OVERFLOW_ABOVE = 709.782712893384  # numba_exp's thresholds, restated so numba need not be installed
UNDERFLOW_BELOW = -745.1332191019412


def units_in_last_place(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(actual - expected) / np.spacing(expected)


def whole_range() -> np.ndarray:
    """Uniform over every finite result, normals, tiny inputs, and where n changes."""
    rng = np.random.default_rng(0)
    return np.concatenate(
        [
            rng.uniform(UNDERFLOW_BELOW, OVERFLOW_ABOVE, 200_000),  # subnormal results included
            rng.standard_normal(200_000),
            rng.uniform(-1e-8, 1e-8, 10_000),
            np.arange(-1074, 1024) * math.log(2),  # where n changes: r near +-ln(2)/2
        ]
    )


def ieee_edges() -> np.ndarray:
    return np.array(
        [0.0, -0.0, math.inf, -math.inf, math.nan, OVERFLOW_ABOVE, np.nextafter(OVERFLOW_ABOVE, 800),
         710.0, 1e308, UNDERFLOW_BELOW, np.nextafter(UNDERFLOW_BELOW, -800), -746.0, -1e308, -708.4, -740.0]
    )


def sigmoid_inputs() -> np.ndarray:
    return np.concatenate([np.random.default_rng(1).standard_normal(100_000), [-800.0, 800.0, 0.0]])
