"""Correctness before timing: compare a backend's result with the reference result.

Results may be an array, a scalar, or a tuple/list/dict of them (a loss and its
gradient, say); they are compared part by part. The structure comes first, and a result
that fails it is never compared value by value:

- no part may be None (an in-place kernel without a ``fetch`` returns None);
- the parts are the reference's parts, each of the reference's shape;
- every part is numeric (bool, integer, floating point or complex) and of the
  reference's kind: integers of any width match integers, bool matches bool only, and a
  float or complex result is refused when it has less precision than the reference
  (float32 for float64) unless the comparison names that precision
  (``Comparison.tolerance(..., precision="float32")``).

Then the values. NaN and +-inf are compared by position: NaN matches only NaN, +inf only
+inf, -inf only -inf (a tolerance is no help there, since ``inf - inf`` is NaN). Finite
values must lie within ``atol + rtol * |reference|``; complex values are compared as
complex numbers, ``|result - reference|``, never cast to float. The check reports the
largest absolute and relative differences, how many elements were out of tolerance, how
many non-finite values disagree, and where the first mismatch is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.entry_parts import Check
from harness.core.workload import Comparison

NONE_ADVICE = "a kernel that fills a buffer in place needs Kernel(fetch=...) returning the buffer"
NONE_RESULT = f"the kernel's call returned None: {NONE_ADVICE}"
KIND_NAMES = {"b": "bool", "i": "integer", "u": "integer", "f": "floating point", "c": "complex"}


class Parts(dict[str, np.ndarray]):
    """A result flattened into named arrays; ``flatten`` returns it unchanged."""


def flatten(result: object, name: str = "result") -> Parts:
    """Name every array in a (possibly nested) result: ``result[0]``, ``result['loss']``.

    A list or tuple of scalars is one array; any other list or tuple is a part per item.
    """
    if isinstance(result, Parts):
        return result
    parts = Parts()
    if isinstance(result, Mapping):
        for key in result:
            parts.update(flatten(result[key], f"{name}[{key!r}]"))
    elif isinstance(result, (tuple, list)) and not all(np.isscalar(item) for item in result):
        for index, item in enumerate(result):
            parts.update(flatten(item, f"{name}[{index}]"))
    else:
        parts[name] = np.asarray(result)
    return parts


@dataclass(frozen=True)
class Problem:
    """A structural reason to refuse a result: ``kind`` is none, parts, shape or dtype."""

    kind: str
    message: str


def compare(result: object, reference: object, comparison: Comparison) -> Check:
    """Compare ``result`` with ``reference`` under ``comparison``; never raises on mismatch."""
    got, want = flatten(result), flatten(reference)
    spec = comparison.to_json()
    problems = structure_problems(got, want, comparison)
    if problems:
        message = "; ".join(p.message for p in problems)
        return Check(passed=False, comparison=spec, message=message, failed_on=problems[0].kind)
    differences = [value_difference(part, got[part], want[part], comparison) for part in want]
    mismatches = sum(d.mismatches for d in differences)
    return Check(
        passed=mismatches == 0,
        comparison=spec,
        max_abs_diff=max((d.max_abs for d in differences), default=0.0),
        max_rel_diff=max((d.max_rel for d in differences), default=0.0),
        mismatches=mismatches,
        size=sum(d.size for d in differences),
        message="; ".join(d.message for d in differences if d.message),
        failed_on="" if mismatches == 0 else "values",
        nonfinite_mismatches=sum(d.nonfinite_mismatches for d in differences),
    )


# -- structure ----------------------------------------------------------------------------


def structure_problems(got: Parts, want: Parts, comparison: Comparison) -> list[Problem]:
    """Everything that makes the result incomparable with the reference, in words."""
    nones = [none_problem(part) for part, array in got.items() if is_none(array)]
    if nones:
        return nones
    if got.keys() != want.keys():
        return [Problem("parts", f"the result has parts {sorted(got)}, the reference has {sorted(want)}")]
    problems = (part_problem(part, got[part], want[part], comparison) for part in want)
    return [p for p in problems if p is not None]


def unusable_reference(parts: Parts) -> str | None:
    """Why a reference result could check nothing (a part is None or not numeric), or None."""
    for part, array in parts.items():
        if is_none(array):
            return none_problem(part).message
        if array.dtype.kind not in KIND_NAMES:
            return f"{part} has dtype {array.dtype}: results must be numeric arrays or scalars"
    return None


def is_none(array: np.ndarray) -> bool:
    return array.dtype.kind == "O" and array.ndim == 0 and array.item() is None


def none_problem(part: str) -> Problem:
    if part == "result":
        return Problem("none", NONE_RESULT)
    return Problem("none", f"{part} is None: {NONE_ADVICE}")


def part_problem(part: str, actual: np.ndarray, expected: np.ndarray, comparison: Comparison) -> Problem | None:
    """The first structural problem of one part: not numeric, another shape, kind or precision."""
    for array, owner in ((actual, part), (expected, f"the reference's {part}")):
        if array.dtype.kind not in KIND_NAMES:
            return Problem("dtype", f"{owner} has dtype {array.dtype}: results must be numeric arrays or scalars")
    if actual.shape != expected.shape:
        return Problem("shape", f"{part} has shape {actual.shape}, the reference {expected.shape}")
    if KIND_NAMES[actual.dtype.kind] != KIND_NAMES[expected.dtype.kind]:
        return Problem(
            "dtype",
            f"{part} has dtype {actual.dtype} ({KIND_NAMES[actual.dtype.kind]}), the reference "
            f"{expected.dtype} ({KIND_NAMES[expected.dtype.kind]}): a result must be of the reference's kind",
        )
    return precision_problem(part, actual.dtype, expected.dtype, comparison)


def precision_problem(
    part: str, actual: np.dtype[Any], expected: np.dtype[Any], comparison: Comparison
) -> Problem | None:
    """A float or complex result with fewer bits than the reference, unless the comparison allows them."""
    if actual.kind not in "fc" or np.finfo(actual).bits >= np.finfo(expected).bits:
        return None
    if comparison.precision and np.finfo(actual).bits >= np.finfo(np.dtype(comparison.precision)).bits:
        return None
    return Problem(
        "dtype",
        f"{part} has dtype {actual}, less precise than the reference's {expected}: a backend that "
        "computes in lower precision must say so in its workload's comparison, "
        f"Comparison.tolerance(..., precision={str(np.finfo(actual).dtype)!r}), with the tolerance that needs",
    )


# -- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartDifference:
    """How one part's values differ from the reference's."""

    size: int
    mismatches: int = 0
    nonfinite_mismatches: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    message: str = ""


def value_difference(part: str, actual: np.ndarray, expected: np.ndarray, comparison: Comparison) -> PartDifference:
    """Compare the values of one part whose structure already matches the reference's."""
    if expected.size == 0:
        return PartDifference(size=0)
    a, e = widened(actual), widened(expected)
    finite = np.isfinite(a) & np.isfinite(e)
    nonfinite_bad = ~finite & ~same_nonfinite(a, e, comparison)
    with np.errstate(all="ignore"):  # overflow to inf in a - e is a real, reported, difference
        difference = np.where(finite, np.abs(a - e), 0.0)
        scale = np.where(finite, np.abs(e), 0.0)
        finite_bad = difference > comparison.atol + comparison.rtol * scale
        if expected.dtype.kind in "biu" and comparison.is_exact:
            finite_bad = actual != expected  # integers beyond 2**53 are not exact in float64
        relative = np.divide(difference, scale, out=np.zeros_like(difference), where=scale > 0)
    relative = np.where((scale == 0) & (difference > 0), np.inf, relative)
    nonfinite = int(np.count_nonzero(nonfinite_bad))
    bad = finite_bad | nonfinite_bad
    return PartDifference(
        size=expected.size,
        mismatches=int(np.count_nonzero(bad)),
        nonfinite_mismatches=nonfinite,
        max_abs=np.inf if nonfinite else float(difference.max()),
        max_rel=np.inf if nonfinite else float(relative.max()),
        message=mismatch_message(part, actual, expected, finite_bad, nonfinite_bad),
    )


def widened(array: np.ndarray) -> np.ndarray:
    """The array as complex128 (complex) or float64 (everything else), for differences."""
    return array.astype(np.complex128 if array.dtype.kind == "c" else np.float64)


def same_nonfinite(a: np.ndarray, e: np.ndarray, comparison: Comparison) -> np.ndarray:
    """Where NaN meets NaN and an infinity meets the same infinity (complex: part by part)."""
    if a.dtype.kind == "c":
        both: np.ndarray = same_components(a.real, e.real, comparison) & same_components(a.imag, e.imag, comparison)
        return both
    return same_components(a, e, comparison)


def same_components(a: np.ndarray, e: np.ndarray, comparison: Comparison) -> np.ndarray:
    with np.errstate(all="ignore"):
        close = np.isfinite(a) & np.isfinite(e) & (np.abs(a - e) <= comparison.atol + comparison.rtol * np.abs(e))
    same: np.ndarray = (np.isnan(a) & np.isnan(e)) | (a == e) | close
    return same


def mismatch_message(
    part: str, actual: np.ndarray, expected: np.ndarray, finite_bad: np.ndarray, nonfinite_bad: np.ndarray
) -> str:
    """Counts of each kind of mismatch in one part, and where the first of each is."""
    messages = []
    nonfinite = int(np.count_nonzero(nonfinite_bad))
    if nonfinite:
        messages.append(
            f"{part}: {nonfinite} non-finite value(s) disagree (NaN matches only NaN, +inf only +inf, "
            f"-inf only -inf); first {first_mismatch(actual, expected, nonfinite_bad)}"
        )
    finite = int(np.count_nonzero(finite_bad))
    if finite:
        first = first_mismatch(actual, expected, finite_bad)
        messages.append(f"{part}: {finite} of {expected.size} elements out of tolerance; first {first}")
    return "; ".join(messages)


def first_mismatch(actual: np.ndarray, expected: np.ndarray, bad: np.ndarray) -> str:
    """Where the first mismatch is and both values there, as the arrays hold them."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f"at index {index}" if index else "value"
    return f"{where}: {actual[index].item()!r}, the reference {expected[index].item()!r}"
