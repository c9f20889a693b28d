"""tensor_reduce: sum and max x backend x layout against NumPy, along every dim."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, skip_reason, strided_tensors

from workloads.tensor_core import StridedTensor
from workloads.tensor_reduce import OPS, WORKLOAD
from workloads.tensor_reduce.inputs import LAYOUTS, ReduceInputs

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_backend_matches_numpy(backend, op, layout, dim):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    params = {"op": op, "layout": layout, "elements": 32, "dim": dim}
    assert_matches_reference(WORKLOAD, backend, WORKLOAD.make_inputs(params))


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_along_every_dim_of_random_tensors(backend):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(strided_tensors(), st.sampled_from(OPS), st.data())
    @settings(**SETTINGS)
    def check(source, op, data):
        for dim in range(source.ndim):
            inputs = ReduceInputs(source=source, op=op, dim=dim)
            assert_matches_reference(WORKLOAD, backend, inputs)

    check()


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_cuda_reduces_along_every_dim_of_a_3d_view(dim):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    values = np.random.default_rng(dim).standard_normal((2, 3, 2))
    source = StridedTensor.contiguous(values).permute(2, 0, 1)
    for op in OPS:
        assert_matches_reference(WORKLOAD, "cuda", ReduceInputs(source=source, op=op, dim=dim))


def test_the_reduced_dim_is_kept_with_size_one():
    inputs = WORKLOAD.make_inputs({"op": "sum", "elements": 32, "dim": 0})
    assert inputs.output().shape.tolist() == [1, 8]


def test_dim_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        WORKLOAD.make_inputs({"op": "sum", "elements": 32, "dim": 2})
