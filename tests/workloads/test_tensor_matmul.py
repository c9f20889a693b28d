"""matmul beyond conformance: random broadcast batches, ragged panels and tiles, algorithms and limits."""

import numpy as np
import pytest
from algorithm_checks import assert_presets_name_algorithms, assert_records_its_algorithm
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, run, skip_reason

from harness.core.correctness import compare
from harness.core.workload import BackendUnavailable
from workloads.lib.tensor_core import StridedTensor, python_limit
from workloads.lib.tensor_core.algorithm import ALGORITHMS
from workloads.matmul import WORKLOAD
from workloads.matmul.blocking import COLS, DEPTH, ROWS
from workloads.matmul.inputs import MatmulInputs, make_pair

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


# Every backend at every quick case (both layouts, both algorithms) is checked against
# NumPy by the conformance tests (test_conformance.py); here, random broadcast batches,
# ragged panels and the CUDA kernels' ragged tiles.


@st.composite
def operand_pairs(draw: st.DrawFn, algorithm: str) -> MatmulInputs:
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
    return MatmulInputs(left=operands[0], right=operands[1], algorithm=algorithm)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_on_random_broadcast_batches(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(operand_pairs(algorithm))
    @settings(**SETTINGS)
    def check(inputs):
        assert_matches_reference(WORKLOAD, backend, inputs)

    check()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_blocked_loops_cover_ragged_panels(backend, algorithm):
    """Sizes just past the tuned blocks: a second row block of odd height, an odd last k
    step, a second column panel; the left batch broadcast over the right's."""
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    rng = np.random.default_rng(3)
    left = rng.standard_normal((1, ROWS + 3, DEPTH + 1))
    inputs = make_pair(left, rng.standard_normal((2, DEPTH + 1, COLS + 1)), algorithm)
    params = {"python_limit": inputs.multiply_adds}  # a second or two in CPython
    reference = run(WORKLOAD, "numpy", inputs)
    result = run(WORKLOAD, backend, inputs, params)
    check = compare(result, reference, WORKLOAD.comparison_for(backend))
    assert check.passed, f"{backend}: {check.message}"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_cuda_broadcasts_the_left_batch_over_ragged_tiles(algorithm):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    rng = np.random.default_rng(4)
    inputs = make_pair(rng.standard_normal((1, 17, 5)), rng.standard_normal((2, 5, 18)), algorithm)
    assert_matches_reference(WORKLOAD, "cuda", inputs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_kernel_records_the_algorithm_it_runs(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    assert_records_its_algorithm(WORKLOAD, backend, {"n": 4, "algorithm": algorithm})


def test_unknown_algorithm_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="unknown algorithm 'blas'; choose from: naive, tuned"):
        WORKLOAD.make_inputs({"n": 4, "algorithm": "blas"})


def test_algorithm_defaults_to_tuned():
    assert WORKLOAD.make_inputs({"n": 4}).algorithm == "tuned"
    assert "algorithm" in WORKLOAD.parameters


def test_every_preset_case_names_its_algorithm_and_quick_and_default_measure_naive():
    def python_runs(case: dict) -> bool:
        return case["n"] ** 3 * case["batch"] <= python_limit.PYTHON_MAX_MULTIPLY_ADDS

    assert_presets_name_algorithms(WORKLOAD, python_runs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_numba_and_numba_parallel_inline_the_same_body(algorithm):
    pytest.importorskip("numba")
    from numba_structure import assert_one_body_two_loops, top_level_parallel_regions

    from workloads.matmul import numba_impl, numba_parallel_impl
    from workloads.matmul.numba_bodies import operands_of, task_count

    serial, parallel = numba_impl.kernels()[algorithm], numba_parallel_impl.kernels()[algorithm]
    assert_one_body_two_loops(serial, parallel)
    inputs = WORKLOAD.make_inputs({"n": 4, "algorithm": algorithm})
    output = inputs.output()
    regions = top_level_parallel_regions(parallel, (operands_of(inputs, output), task_count(inputs, output)))
    assert regions == 1


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


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_python_declines_cases_over_its_limit(algorithm):
    inputs = WORKLOAD.make_inputs({"n": 8, "batch": 2, "algorithm": algorithm})
    with pytest.raises(BackendUnavailable, match="multiply-adds"):
        run(WORKLOAD, "python", inputs, {"python_limit": 100})
