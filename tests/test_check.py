import math

import numpy as np

from harness.check import compare, flatten
from harness.workload import Comparison

EXACT = Comparison.exact("integers")


def test_equal_arrays_pass_exactly():
    check = compare(np.arange(10), np.arange(10), EXACT)
    assert check.passed and check.mismatches == 0 and check.size == 10


def test_a_deliberately_wrong_result_is_caught_with_the_size_of_the_difference():
    wrong = np.arange(10)
    wrong[3] += 2
    check = compare(wrong, np.arange(10), EXACT)
    assert not check.passed
    assert check.mismatches == 1
    assert check.max_abs_diff == 2.0
    assert math.isclose(check.max_rel_diff, 2 / 3)


def test_tolerance_accepts_small_differences_only():
    loose = Comparison.tolerance(rtol=1e-6, reason="summation order")
    assert compare(np.array([1.0 + 1e-9]), np.array([1.0]), loose).passed
    assert not compare(np.array([1.0 + 1e-3]), np.array([1.0]), loose).passed


def test_shape_mismatch_fails_with_a_message():
    check = compare(np.zeros(3), np.zeros(4), EXACT)
    assert not check.passed and "shape" in check.message


def test_nan_matches_nan_but_not_a_number():
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), EXACT).passed
    check = compare(np.array([np.nan]), np.array([1.0]), EXACT)
    assert not check.passed and math.isinf(check.max_abs_diff)


def test_structured_results_are_compared_part_by_part():
    reference = {"loss": 1.0, "grad": np.ones(3)}
    assert sorted(flatten(reference)) == ["result['grad']", "result['loss']"]
    check = compare({"loss": 1.0, "grad": np.array([1.0, 1.0, 0.0])}, reference, EXACT)
    assert not check.passed and "result['grad']" in check.message
    missing = compare({"loss": 1.0}, reference, EXACT)
    assert not missing.passed and "parts" in missing.message


def test_lists_of_numbers_are_one_array():
    assert list(flatten([1, 2, 3])) == ["result"]
    assert compare([1, 2, 3], np.array([1, 2, 3]), EXACT).passed
