"""The Cython port of the vectorisable exp (``cexp.pxd``) against NumPy's exp: the bounds the Numba one meets.

``cexp.pxd`` has no Python entry point of its own, so it is run where the workload runs
it: the Cython map's tuned algorithm on a one-dimensional contiguous tensor, whose
input and output share a layout, so every element goes through the polynomial.
"""

import math

import numpy as np
import pytest
from exp_cases import ieee_edges, sigmoid_inputs, units_in_last_place, whole_range

cython_map = pytest.importorskip("workloads.tensor_map.cython_impl", reason="Cython extension not built")

from workloads.lib.tensor_core import StridedTensor  # noqa: E402
from workloads.lib.tensor_core.operators import UNARY_CODES  # noqa: E402


def tuned_map(op: str, values: np.ndarray) -> np.ndarray:
    """The Cython tuned map of ``op`` over ``values``: the same-layout fast path throughout."""
    source = StridedTensor.contiguous(values)
    out = StridedTensor.zeros(values.shape)
    cython_map.tuned_map(
        UNARY_CODES[op], out.storage, out.shape, out.strides, source.storage, source.shape, source.strides, 4
    )
    return out.storage


def test_the_fast_path_runs_the_polynomial_not_libm():
    """The polynomial is not correctly rounded, libm's exp nearly always is: they must differ somewhere."""
    values = np.random.default_rng(2).standard_normal(10_000)
    libm = np.array([math.exp(value) for value in values])
    assert (tuned_map("exp", values) != libm).sum() > 10


def test_within_one_unit_in_the_last_place_of_numpy_over_the_whole_range():
    values = whole_range()
    assert units_in_last_place(tuned_map("exp", values), np.exp(values)).max() <= 1.0


def test_ieee_edge_cases_match_numpy():
    values = ieee_edges()
    with np.errstate(over="ignore"):
        expected = np.exp(values)
    np.testing.assert_array_max_ulp(tuned_map("exp", values), expected, maxulp=1)
    assert np.isnan(tuned_map("exp", np.array([math.nan, -math.nan]))).all()


def test_sigmoid_matches_the_scalar_formula():
    values = sigmoid_inputs()
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-values))
    assert units_in_last_place(tuned_map("sigmoid", values), expected).max() <= 2.0
