"""Shared pieces of the tensor workload tests: random strided tensors and running a backend."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from harness.core.backends import implementation_unavailable_reason
from harness.core.correctness import compare
from harness.core.workload import StepTimer, Workload
from workloads.lib.tensor_core import StridedTensor

SETTINGS = {"max_examples": 15, "deadline": None}

shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)


@st.composite
def strided_tensors(draw: st.DrawFn, shape: tuple[int, ...] | None = None) -> StridedTensor:
    """A tensor of ``shape`` (or a random one) whose storage order is a random permutation."""
    shape = draw(shapes) if shape is None else shape
    order = draw(st.permutations(range(len(shape))))
    seed = draw(st.integers(0, 2**16))
    stored_shape = tuple(shape[axis] for axis in order)
    values = np.random.default_rng(seed).standard_normal(stored_shape)
    inverse = tuple(int(axis) for axis in np.argsort(order))
    return StridedTensor.contiguous(values).permute(*inverse)


def skip_reason(workload: Workload, backend: str) -> str | None:
    return implementation_unavailable_reason(workload, backend)


def run(workload: Workload, backend: str, inputs: Any, params: dict | None = None) -> np.ndarray:
    """One call of ``backend`` on ``inputs``, fetched to a NumPy array."""
    kernel = workload.load(backend).prepare(inputs, params or {}, StepTimer())
    return np.asarray(kernel.fetch(kernel.call()))


def assert_matches_reference(workload: Workload, backend: str, inputs: Any) -> np.ndarray:
    """Run ``backend`` and the reference on ``inputs`` and compare them as the harness does."""
    reference = run(workload, workload.reference, inputs)
    result = run(workload, backend, inputs)
    check = compare(result, reference, workload.comparison_for(backend))
    assert check.passed, f"{backend}: {check.message}"
    return reference
