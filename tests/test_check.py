import math

import numpy as np

from harness.core.correctness import compare, flatten
from harness.core.entry_parts import Check
from harness.core.workload import Comparison
from harness.run.summary import wrong_result_reason

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


LOOSE = Comparison.tolerance(rtol=1e-6, reason="summation order")


def test_any_value_where_the_reference_has_inf_is_caught():
    check = compare(np.array([1.0, 5.0]), np.array([1.0, np.inf]), LOOSE)
    assert not check.passed and check.mismatches == 1 and check.nonfinite_mismatches == 1
    assert "first at index (1,): 5.0, the reference inf" in check.message
    assert compare(np.array([np.inf, -np.inf, np.nan]), np.array([np.inf, -np.inf, np.nan]), EXACT).passed


def test_complex_results_are_compared_as_complex():
    check = compare(np.array([1 - 2j]), np.array([1 + 2j]), LOOSE)
    assert not check.passed and check.max_abs_diff == 4.0
    assert compare(np.array([1 + 2j]), np.array([1 + 2j]), EXACT).passed
    assert not compare(np.array([complex(np.inf, 1.0)]), np.array([complex(np.inf, -1.0)]), EXACT).passed


def test_results_must_be_of_the_reference_kind_and_precision():
    float32 = compare(np.ones(3, dtype=np.float32), np.ones(3), LOOSE)
    assert float32.failed_on == "dtype" and "float32, less precise than the reference's float64" in float32.message
    assert "precision='float32'" in float32.message
    lower = Comparison.tolerance(rtol=1e-6, reason="float32 on the device", precision="float32")
    assert compare(np.ones(3, dtype=np.float32), np.ones(3), lower).passed
    assert not compare(np.ones(3, dtype=np.float16), np.ones(3), lower).passed
    assert compare(np.ones(3), np.ones(3, dtype=np.float32), LOOSE).passed  # more precise is fine
    integers = compare(np.ones(3, dtype=np.int64), np.ones(3), LOOSE)
    assert integers.failed_on == "dtype"
    assert "int64 (integer), the reference float64 (floating point)" in integers.message
    assert compare(np.ones(3, dtype=np.int8), np.ones(3, dtype=np.uint64), EXACT).passed
    assert compare(np.ones(3, dtype=bool), np.ones(3, dtype=np.int64), EXACT).failed_on == "dtype"
    assert compare(np.ones(3), np.ones(3, dtype=complex), LOOSE).failed_on == "dtype"


def test_decimal_strings_are_refused_naming_the_dtype():
    check = compare(["1.0", "2.0"], np.array([1.0, 2.0]), LOOSE)
    assert check.failed_on == "dtype"
    assert check.message == "result has dtype <U3: results must be numeric arrays or scalars"
    nested = compare(("1.0", np.ones(2)), (1.0, np.ones(2)), LOOSE)
    assert nested.message == "result[0] has dtype <U3: results must be numeric arrays or scalars"


def test_large_integers_are_compared_exactly():
    assert not compare(2**60 + 1, 2**60, EXACT).passed


def test_a_none_result_says_how_to_fix_an_in_place_kernel():
    check = compare(None, np.zeros(3), EXACT)
    assert check.failed_on == "none"
    assert check.message == (
        "the kernel's call returned None: a kernel that fills a buffer in place needs "
        "Kernel(fetch=...) returning the buffer"
    )


def test_wrong_result_reasons_say_what_is_wrong():
    shape = compare(np.zeros(1000), np.zeros((10, 100)), EXACT)
    assert wrong_result_reason(shape) == "wrong shape: result has shape (1000,), the reference (10, 100)"
    assert wrong_result_reason(compare(["1"], np.ones(1), EXACT)).startswith("wrong dtype: result has dtype <U1")
    none = wrong_result_reason(compare(None, np.ones(1), EXACT))
    assert none.startswith("no result: the kernel's call returned None")
    parts = wrong_result_reason(compare({"a": 1.0}, {"b": 1.0}, EXACT))
    assert parts.startswith("wrong parts: the result has parts")
    values = wrong_result_reason(compare(np.array([1.0, 2.0]), np.array([1.0, np.inf]), EXACT))
    assert values.startswith("result differs from the reference: 1 of 2 elements out of tolerance (1 of them NaN")


def test_checks_written_before_failed_on_existed_still_load():
    old = {"passed": False, "comparison": {"kind": "exact"}, "mismatches": 2, "size": 5, "message": "x"}
    check = Check.from_json(old)
    assert check.failed_on == "" and check.nonfinite_mismatches == 0
    assert wrong_result_reason(check).startswith("result differs from the reference: 2 of 5 elements")
