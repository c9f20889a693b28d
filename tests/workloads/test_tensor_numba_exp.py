"""The vectorisable exp of the numba backends' tuned map against NumPy's exp: accuracy and IEEE edge cases."""

import math

import numpy as np
import pytest
from exp_cases import OVERFLOW_ABOVE, UNDERFLOW_BELOW, ieee_edges, sigmoid_inputs, units_in_last_place, whole_range

numba = pytest.importorskip("numba")

from workloads.lib.tensor_core import numba_exp  # noqa: E402
from workloads.lib.tensor_core.numba_exp import vectorisable_exp, vectorisable_sigmoid  # noqa: E402


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


def test_the_shared_cases_use_numba_exps_thresholds():
    assert (OVERFLOW_ABOVE, UNDERFLOW_BELOW) == (numba_exp.OVERFLOW_ABOVE, numba_exp.UNDERFLOW_BELOW)


def test_within_one_unit_in_the_last_place_of_numpy_over_the_whole_range():
    values = whole_range()
    assert units_in_last_place(exp_all(values), np.exp(values)).max() <= 1.0


def test_ieee_edge_cases_match_numpy():
    values = ieee_edges()
    with np.errstate(over="ignore"):
        expected = np.exp(values)
    np.testing.assert_array_max_ulp(exp_all(values), expected, maxulp=1)
    assert np.isnan(exp_all(np.array([math.nan, -math.nan]))).all()


def test_sigmoid_matches_the_scalar_formula():
    values = sigmoid_inputs()
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-values))
    assert units_in_last_place(sigmoid_all(values), expected).max() <= 2.0
