"""matmul: every backend x layout against NumPy, batch broadcasting and strided operands."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, run, skip_reason

from harness.workload import BackendUnavailable
from workloads.matmul import WORKLOAD
from workloads.matmul.inputs import LAYOUTS, MatmulInputs, make_pair
from workloads.tensor_core import StridedTensor

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_backend_matches_numpy(backend, layout):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    assert_matches_reference(WORKLOAD, backend, WORKLOAD.make_inputs({"n": 20, "layout": layout}))


@st.composite
def operand_pairs(draw: st.DrawFn) -> MatmulInputs:
    """Random (b, n, m) x (b', m, p) with b or b' possibly 1, each maybe stored transposed."""
    batch, n, m, p = (draw(st.integers(1, 4)) for _ in range(4))
    left_batch, right_batch = draw(st.sampled_from([(batch, batch), (1, batch), (batch, 1)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    operands = []
    for shape in ((left_batch, n, m), (right_batch, m, p)):
        if draw(st.booleans()):
            stored = rng.standard_normal((shape[0], shape[2], shape[1]))
            operands.append(StridedTensor.contiguous(stored).permute(0, 2, 1))
        else:
            operands.append(StridedTensor.contiguous(rng.standard_normal(shape)))
    return MatmulInputs(left=operands[0], right=operands[1])


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_on_random_broadcast_batches(backend):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(operand_pairs())
    @settings(**SETTINGS)
    def check(inputs):
        assert_matches_reference(WORKLOAD, backend, inputs)

    check()


@pytest.mark.parametrize("backend", [b for b in CPU_BACKENDS if b != "python"])
def test_blocked_loops_cover_ragged_panels(backend):
    """Sizes that are not multiples of the numba_parallel blocks (64 rows, 64 deep, 256 wide)."""
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    rng = np.random.default_rng(3)
    inputs = make_pair(rng.standard_normal((1, 33, 129)), rng.standard_normal((2, 129, 257)))
    assert_matches_reference(WORKLOAD, backend, inputs)


def test_cuda_broadcasts_the_left_batch_over_ragged_tiles():
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    rng = np.random.default_rng(4)
    inputs = make_pair(rng.standard_normal((1, 17, 5)), rng.standard_normal((2, 5, 18)))
    assert_matches_reference(WORKLOAD, "cuda", inputs)


def test_batch_broadcast_matches_numpy_semantics():
    inputs = WORKLOAD.make_inputs({"n": 4, "batch": 3, "layout": "broadcast"})
    expected = np.matmul(inputs.left.as_numpy(), inputs.right.as_numpy()[0])
    np.testing.assert_allclose(run(WORKLOAD, "python", inputs), expected, rtol=1e-12)


def test_work_is_two_flops_per_multiply_add():
    params = {"n": 8, "batch": 3}
    work = WORKLOAD.work(params, WORKLOAD.make_inputs(params))
    assert (work.amount, work.unit) == (2 * 8**3 * 3, "FLOP")


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError, match="inner sizes differ"):
        make_pair(np.zeros((1, 2, 3)), np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match="batches do not broadcast"):
        make_pair(np.zeros((2, 2, 3)), np.zeros((3, 3, 2)))


def test_python_declines_cases_over_its_limit():
    inputs = WORKLOAD.make_inputs({"n": 8, "batch": 2})
    with pytest.raises(BackendUnavailable, match="multiply-adds"):
        run(WORKLOAD, "python", inputs, {"python_limit": 100})
