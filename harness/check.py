"""Correctness before timing: compare a backend's result with the reference result.

Results may be an array, a scalar, or a tuple/list/dict of them (a loss and its
gradient, say); they are compared part by part, and the check reports the largest
absolute and relative differences and how many elements were out of tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.results import Check
from harness.workload import Comparison


def flatten(result: Any, name: str = "result") -> dict[str, np.ndarray]:
    """Name every array in a (possibly nested) result: ``result[0]``, ``result['loss']``."""
    if isinstance(result, Mapping):
        parts: dict[str, np.ndarray] = {}
        for key in result:
            parts.update(flatten(result[key], f"{name}[{key!r}]"))
        return parts
    if isinstance(result, (tuple, list)) and result and not np.isscalar(result[0]):
        parts = {}
        for index, item in enumerate(result):
            parts.update(flatten(item, f"{name}[{index}]"))
        return parts
    return {name: np.asarray(result)}


def compare(result: Any, reference: Any, comparison: Comparison) -> Check:
    """Compare ``result`` with ``reference`` under ``comparison``; never raises on mismatch."""
    got, want = flatten(result), flatten(reference)
    spec = comparison.to_json()
    if got.keys() != want.keys():
        return Check(
            passed=False,
            comparison=spec,
            message=f"result has parts {sorted(got)}, reference has {sorted(want)}",
        )
    max_abs = max_rel = 0.0
    mismatches = size = 0
    messages = []
    for part, expected in want.items():
        actual = got[part]
        if actual.shape != expected.shape:
            messages.append(f"{part}: shape {actual.shape} != reference shape {expected.shape}")
            mismatches += max(actual.size, expected.size)
            continue
        size += expected.size
        if expected.size == 0:
            continue
        a = actual.astype(np.float64, copy=False)
        e = expected.astype(np.float64, copy=False)
        both_nan = np.isnan(a) & np.isnan(e)
        difference = np.where(both_nan, 0.0, np.abs(a - e))
        difference = np.where(np.isnan(difference), np.inf, difference)
        scale = np.abs(e)
        relative = np.divide(difference, scale, out=np.zeros_like(difference), where=scale > 0)
        relative = np.where((scale == 0) & (difference > 0), np.inf, relative)
        allowed = comparison.atol + comparison.rtol * scale
        bad = int(np.count_nonzero(difference > allowed))
        mismatches += bad
        max_abs = max(max_abs, float(difference.max()))
        max_rel = max(max_rel, float(relative.max()))
        if bad:
            messages.append(f"{part}: {bad} of {expected.size} elements differ")
    return Check(
        passed=mismatches == 0,
        comparison=spec,
        max_abs_diff=max_abs,
        max_rel_diff=max_rel,
        mismatches=mismatches,
        size=size,
        message="; ".join(messages),
    )
