"""tensor_zip: every op x backend x layout against NumPy, and random broadcast pairs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, skip_reason, strided_tensors

from workloads.tensor_core import BroadcastError, StridedTensor
from workloads.tensor_zip import OPS, WORKLOAD
from workloads.tensor_zip.inputs import LAYOUTS, ZipInputs

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


@st.composite
def broadcast_pairs(draw: st.DrawFn) -> tuple[StridedTensor, StridedTensor]:
    """Two strided tensors whose shapes broadcast: sizes set to 1, leading dims dropped."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    operands = []
    for _ in range(2):
        ones = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
        drop = draw(st.integers(0, len(shape) - 1))
        own = tuple(1 if one else size for one, size in zip(ones, shape, strict=True))[drop:]
        operands.append(draw(strided_tensors(own)))
    return operands[0], operands[1]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_backend_matches_numpy(backend, op, layout):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    inputs = WORKLOAD.make_inputs({"op": op, "layout": layout, "elements": 32})
    assert_matches_reference(WORKLOAD, backend, inputs)


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_on_random_broadcast_pairs(backend):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(broadcast_pairs(), st.sampled_from(OPS))
    @settings(**SETTINGS)
    def check(pair, op):
        assert_matches_reference(WORKLOAD, backend, ZipInputs(left=pair[0], right=pair[1], op=op))

    check()


def test_cuda_broadcasts_a_column_against_a_3d_tensor():
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    left = StridedTensor.contiguous(np.arange(24.0).reshape(2, 3, 4)).permute(0, 2, 1)
    right = StridedTensor.contiguous(np.linspace(-1, 1, 4).reshape(4, 1))
    assert_matches_reference(WORKLOAD, "cuda", ZipInputs(left=left, right=right, op="mul"))


def test_broadcast_layout_reads_one_row_for_every_row():
    inputs = WORKLOAD.make_inputs({"op": "add", "layout": "broadcast", "elements": 32})
    assert inputs.right.shape.tolist() == [1, 8]
    assert inputs.output().shape.tolist() == [4, 8]


def test_incompatible_shapes_raise_a_broadcast_error():
    left = StridedTensor.contiguous(np.zeros((2, 3)))
    right = StridedTensor.contiguous(np.zeros((4, 3)))
    with pytest.raises(BroadcastError, match=r"\(2, 3\) and \(4, 3\)"):
        ZipInputs(left=left, right=right, op="add").output()


def test_work_counts_each_operand_once():
    params = {"op": "add", "layout": "broadcast", "elements": 32}
    work = WORKLOAD.work(params, WORKLOAD.make_inputs(params))
    assert (work.amount, work.unit) == ((32 + 8 + 32) * 8, "B")
