"""The vectorisable exp of numba_parallel's map against NumPy's exp: accuracy and IEEE edge cases."""

import math

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from workloads.tensor_core.numba_exp import (  # noqa: E402
    OVERFLOW_ABOVE,
    UNDERFLOW_BELOW,
    vectorisable_exp,
    vectorisable_sigmoid,
)


@numba.njit(fastmath={"contract"})
def exp_all(values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    for position in range(values.size):
        out[position] = vectorisable_exp(values[position])
    return out


@numba.njit
def sigmoid_all(values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    for position in range(values.size):
        out[position] = vectorisable_sigmoid(values[position])
    return out


def units_in_last_place(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(actual - expected) / np.spacing(expected)


def test_within_one_unit_in_the_last_place_of_numpy_over_the_whole_range():
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.uniform(UNDERFLOW_BELOW, OVERFLOW_ABOVE, 200_000),  # subnormal results included
            rng.standard_normal(200_000),
            rng.uniform(-1e-8, 1e-8, 10_000),
            np.arange(-1074, 1024) * math.log(2),  # where n changes: r near +-ln(2)/2
        ]
    )
    assert units_in_last_place(exp_all(values), np.exp(values)).max() <= 1.0


def test_ieee_edge_cases_match_numpy():
    values = np.array(
        [0.0, -0.0, math.inf, -math.inf, math.nan, OVERFLOW_ABOVE, np.nextafter(OVERFLOW_ABOVE, 800),
         710.0, 1e308, UNDERFLOW_BELOW, np.nextafter(UNDERFLOW_BELOW, -800), -746.0, -1e308, -708.4, -740.0]
    )
    with np.errstate(over="ignore"):
        expected = np.exp(values)
    np.testing.assert_array_max_ulp(exp_all(values), expected, maxulp=1)
    assert np.isnan(exp_all(np.array([math.nan, -math.nan]))).all()


def test_sigmoid_matches_the_scalar_formula():
    values = np.concatenate([np.random.default_rng(1).standard_normal(100_000), [-800.0, 800.0, 0.0]])
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-values))
    assert units_in_last_place(sigmoid_all(values), expected).max() <= 2.0
