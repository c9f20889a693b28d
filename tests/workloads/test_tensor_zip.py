"""tensor_zip beyond conformance: every op on CUDA, random broadcast pairs, algorithms, presets and limits."""

import numpy as np
import pytest
from algorithm_checks import (
    assert_numba_backends_share_the_chunk,
    assert_presets_name_algorithms,
    assert_records_its_algorithm,
    kernel_info,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, skip_reason, strided_tensors

from workloads.lib.tensor_core import BroadcastError, StridedTensor, python_limit
from workloads.lib.tensor_core.algorithm import ALGORITHMS
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


# Every backend at every quick case is checked against NumPy by the conformance tests
# (test_conformance.py); the random pairs below reach every op on the CPU backends.
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", OPS)
def test_cuda_matches_numpy_on_every_op(op, layout):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    inputs = WORKLOAD.make_inputs({"op": op, "layout": layout, "elements": 32, "algorithm": "tuned"})
    assert_matches_reference(WORKLOAD, "cuda", inputs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_on_random_broadcast_pairs(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(broadcast_pairs(), st.sampled_from(OPS))
    @settings(**SETTINGS)
    def check(pair, op):
        inputs = ZipInputs(left=pair[0], right=pair[1], op=op, algorithm=algorithm)
        assert_matches_reference(WORKLOAD, backend, inputs)

    check()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_same_shaped_operands_of_different_layouts(backend, algorithm):
    """One operand laid out like the output and one not: the tuned fast path must not be taken."""
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    values = np.arange(24.0).reshape(4, 6)
    left = StridedTensor.contiguous(values)
    right = StridedTensor.contiguous(values.T * 0.5).permute(1, 0)
    assert_matches_reference(WORKLOAD, backend, ZipInputs(left=left, right=right, op="lt", algorithm=algorithm))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_cuda_broadcasts_a_column_against_a_3d_tensor(algorithm):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    left = StridedTensor.contiguous(np.arange(24.0).reshape(2, 3, 4)).permute(0, 2, 1)
    right = StridedTensor.contiguous(np.linspace(-1, 1, 4).reshape(4, 1))
    inputs = ZipInputs(left=left, right=right, op="mul", algorithm=algorithm)
    assert_matches_reference(WORKLOAD, "cuda", inputs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_kernel_records_its_algorithm(backend, algorithm):
    assert_records_its_algorithm(WORKLOAD, backend, {"op": "add", "elements": 32, "algorithm": algorithm})


@pytest.mark.parametrize(
    ("layout", "algorithm", "kernel"),
    [("contiguous", "tuned", "aligned"), ("broadcast", "tuned", "indexed"), ("contiguous", "naive", "indexed")],
)
def test_cuda_takes_the_index_free_kernel_only_on_the_tuned_fast_path(layout, algorithm, kernel):
    params = {"op": "add", "layout": layout, "elements": 32, "algorithm": algorithm}
    assert kernel_info(WORKLOAD, "cuda", params)["kernel"] == kernel


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_numba_and_numba_parallel_compile_the_same_chunk_body(algorithm):
    assert_numba_backends_share_the_chunk(WORKLOAD, "zip", algorithm)


def test_every_preset_case_names_its_algorithm():
    assert_presets_name_algorithms(WORKLOAD, lambda case: case["elements"] <= python_limit.PYTHON_MAX_ELEMENTS)


def test_unknown_algorithm_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="unknown algorithm 'blocked'; choose from: naive, tuned"):
        WORKLOAD.make_inputs({"op": "add", "elements": 64, "algorithm": "blocked"})


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
