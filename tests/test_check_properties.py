"""Properties of the correctness check: what must pass, and every way of being wrong that must not."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness.core.correctness import compare
from harness.core.workload import Comparison

EXACT = Comparison.exact("same operations")
LOOSE = Comparison.tolerance(rtol=1e-6, atol=1e-9, reason="reassociated sums")
EXAMPLES = settings(max_examples=40, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5)
any_floats = hnp.arrays(np.float64, shapes, elements=st.floats(allow_nan=True, allow_infinity=True))
any_complex = hnp.arrays(np.complex128, shapes, elements=st.complex_numbers(allow_nan=True, allow_infinity=True))
any_ints = hnp.arrays(np.int64, shapes)
finite_floats = hnp.arrays(np.float64, shapes, elements=st.floats(-1e6, 1e6))
finite_complex = hnp.arrays(
    np.complex128, shapes, elements=st.complex_numbers(max_magnitude=1e6, allow_nan=False, allow_infinity=False)
)
specials = st.sampled_from([np.nan, np.inf, -np.inf])


def with_one_special(array: np.ndarray, index: int, value: float) -> np.ndarray:
    changed = array.astype(np.float64).ravel()
    changed[index % changed.size] = value
    return changed.reshape(array.shape)


@EXAMPLES
@given(st.one_of(any_floats, any_complex, any_ints), st.sampled_from([EXACT, LOOSE]))
def test_any_array_compared_with_itself_passes(array, comparison):
    check = compare(array.copy(), array, comparison)
    assert check.passed, check.message
    assert check.mismatches == 0 and check.size == array.size


@EXAMPLES
@given(st.one_of(finite_floats, finite_complex), st.integers(min_value=0), st.sampled_from([EXACT, LOOSE]))
def test_one_element_changed_beyond_the_tolerance_fails_with_one_mismatch(array, index, comparison):
    changed = array.copy().ravel()
    position = index % changed.size
    changed[position] += 1.0 + 1e-5 * abs(changed[position])
    check = compare(changed.reshape(array.shape), array, comparison)
    assert not check.passed and check.failed_on == "values"
    assert check.mismatches == 1 and check.nonfinite_mismatches == 0


@EXAMPLES
@given(finite_floats, st.integers(min_value=0), specials)
def test_a_number_where_the_reference_has_nan_or_inf_fails(array, index, special):
    reference = with_one_special(array, index, special)
    check = compare(array, reference, LOOSE)
    assert not check.passed and check.mismatches == 1 and check.nonfinite_mismatches == 1
    assert "non-finite" in check.message


@EXAMPLES
@given(finite_floats, st.integers(min_value=0), specials)
def test_nan_or_inf_where_the_reference_has_a_number_fails(array, index, special):
    check = compare(with_one_special(array, index, special), array, LOOSE)
    assert not check.passed and check.nonfinite_mismatches == 1


@EXAMPLES
@given(finite_floats, st.integers(min_value=0), st.sampled_from([np.inf, -np.inf]))
def test_an_infinity_of_the_other_sign_fails(array, index, infinity):
    check = compare(with_one_special(array, index, -infinity), with_one_special(array, index, infinity), LOOSE)
    assert not check.passed and check.nonfinite_mismatches == 1


@EXAMPLES
@given(finite_complex, st.integers(min_value=0), st.floats(1.0, 100.0))
def test_a_changed_imaginary_part_fails(array, index, shift):
    changed = array.copy().ravel()
    position = index % changed.size
    changed[position] += 1j * (shift + 1e-5 * abs(changed[position]))
    check = compare(changed.reshape(array.shape), array, LOOSE)
    assert not check.passed and check.mismatches == 1


@EXAMPLES
@given(st.one_of(any_floats, any_complex))
def test_a_result_of_lower_precision_fails_whatever_its_values(array):
    with np.errstate(over="ignore"):  # values beyond float32's range become inf: still refused by dtype
        lower = array.astype(np.complex64 if array.dtype.kind == "c" else np.float32)
    check = compare(lower, array, LOOSE)
    assert not check.passed and check.failed_on == "dtype" and "less precise" in check.message


@EXAMPLES
@given(finite_floats)
def test_integer_results_for_a_float_reference_fail_and_integer_widths_do_not_matter(array):
    integers = np.round(array).astype(np.int64)
    assert compare(integers, integers.astype(np.float64), EXACT).failed_on == "dtype"
    assert compare(integers.astype(np.int32), integers, EXACT).passed


@EXAMPLES
@given(st.one_of(finite_floats, any_ints), st.sampled_from(["U", "S", "O"]))
def test_string_and_object_arrays_fail(array, kind):
    text = array.astype(str).astype(kind)
    check = compare(text, array, LOOSE)
    assert not check.passed and check.failed_on == "dtype"
    assert "results must be numeric arrays or scalars" in check.message


@EXAMPLES
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5)), st.randoms())
def test_a_permuted_shape_fails_naming_both_shapes(array, random):
    permuted = list(array.shape)
    random.shuffle(permuted)
    assume(tuple(permuted) != array.shape)
    check = compare(array.reshape(permuted), array, LOOSE)
    assert not check.passed and check.failed_on == "shape"
    assert str(tuple(permuted)) in check.message and str(array.shape) in check.message
