"""tensor_reduce beyond conformance: every dim of random tensors, ragged tiles, CUDA 3-d views, algorithms."""

import numpy as np
import pytest
from algorithm_checks import assert_presets_name_algorithms, assert_records_its_algorithm
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, run, skip_reason, strided_tensors

from harness.core.workload import BackendUnavailable
from workloads.lib.tensor_core import StridedTensor, python_limit
from workloads.lib.tensor_core.algorithm import ALGORITHMS
from workloads.tensor_reduce import OPS, WORKLOAD
from workloads.tensor_reduce.inputs import ReduceInputs
from workloads.tensor_reduce.tiling import TILE

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


# Every backend at every quick case (both ops, both layouts, both algorithms) is checked
# against NumPy by the conformance tests (test_conformance.py); here, every dim of random
# tensors, ragged tiles and the CUDA kernels' 3-d views.


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_along_every_dim_of_random_tensors(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(strided_tensors(), st.sampled_from(OPS))
    @settings(**SETTINGS)
    def check(source, op):
        for dim in range(source.ndim):
            inputs = ReduceInputs(source=source, op=op, dim=dim, algorithm=algorithm)
            assert_matches_reference(WORKLOAD, backend, inputs)

    check()


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_tuned_tiles_cover_ragged_chunks_and_scattered_lines(backend, order):
    """More outputs than a tile (not a multiple of it), in several chunks; in some orders the
    tile's lines start side by side (one contiguous run per step), in others they do not."""
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    values = np.random.default_rng(7).standard_normal((3, TILE + 45, 5))
    source = StridedTensor.contiguous(values).permute(*order)
    for dim in range(3):
        for op in OPS:
            assert_matches_reference(WORKLOAD, backend, ReduceInputs(source, op, dim, "tuned"))


@pytest.mark.parametrize("count", [4, 7, 9, 13])
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_a_strided_tuned_sum_adds_each_outputs_values_in_order(backend, count):
    """Lines side by side (a transposed view) are added several steps a pass, with a
    remainder of single steps: each output's sum is still start + v0 + v1 + ... in order,
    bit for bit what a plain loop gives, whatever the count's remainder."""
    if backend == "numpy":
        pytest.skip("numpy's sum is pairwise, not in order")
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    rng = np.random.default_rng(count)  # magnitudes 1e-6 to 1e6: another order rounds differently
    values = rng.standard_normal((count, TILE + 3)) * 10.0 ** rng.uniform(-6, 6, (count, TILE + 3))
    source = StridedTensor.contiguous(values).permute(1, 0)  # (TILE + 3, count), reduced dim strided
    result = run(WORKLOAD, backend, ReduceInputs(source, "sum", 1, "tuned")).ravel()
    expected = np.empty(values.shape[1])
    for output in range(values.shape[1]):
        total = 0.0
        for k in range(count):
            total += float(values[k, output])
        expected[output] = total
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("backend", ["cython", "numba", "numba_parallel"])
def test_the_compiled_tuned_max_is_the_c_kernels_operator_even_on_nan(backend):
    """The tuned max takes MiniTorch's ``x if x > y else y`` in every compiled kernel, in
    the same lanes, so even a NaN among the values (which the workload's inputs never
    have, and where the order of a max matters) gives the c kernel's answer, bit for bit.
    Python's builtin max, which keeps the accumulator on a NaN, would not."""
    for name in ("c", backend):
        if reason := skip_reason(WORKLOAD, name):
            pytest.skip(reason)
    values = np.random.default_rng(3).standard_normal((TILE + 5, 9))
    values[[1, 40, 41, TILE + 2], [5, 8, 8, 3]] = np.nan
    contiguous = StridedTensor.contiguous(values)
    transposed = StridedTensor.contiguous(values.T.copy()).permute(1, 0)  # the same values, strided
    for source in (contiguous, transposed):
        for dim in range(2):
            inputs = ReduceInputs(source, "max", dim, "tuned")
            np.testing.assert_array_equal(run(WORKLOAD, backend, inputs), run(WORKLOAD, "c", inputs))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_cuda_reduces_along_every_dim_of_a_3d_view(dim, algorithm):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    values = np.random.default_rng(dim).standard_normal((2, 3, 40))
    source = StridedTensor.contiguous(values).permute(2, 0, 1)
    for op in OPS:
        inputs = ReduceInputs(source=source, op=op, dim=dim, algorithm=algorithm)
        assert_matches_reference(WORKLOAD, "cuda", inputs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_kernel_records_the_algorithm_it_runs(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)
    assert_records_its_algorithm(WORKLOAD, backend, {"op": "sum", "elements": 32, "algorithm": algorithm})


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_python_declines_cases_over_its_limit(algorithm):
    inputs = WORKLOAD.make_inputs({"op": "sum", "elements": 64, "algorithm": algorithm})
    with pytest.raises(BackendUnavailable, match="64 elements"):
        run(WORKLOAD, "python", inputs, {"python_limit": 32})


def test_unknown_algorithm_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="unknown algorithm 'blocked'; choose from: naive, tuned"):
        WORKLOAD.make_inputs({"op": "sum", "elements": 32, "algorithm": "blocked"})


def test_algorithm_defaults_to_tuned():
    assert WORKLOAD.make_inputs({"op": "sum", "elements": 32}).algorithm == "tuned"
    assert "algorithm" in WORKLOAD.parameters


def test_every_preset_case_names_its_algorithm_and_quick_and_default_measure_naive():
    def python_runs(case: dict) -> bool:
        return case["elements"] <= python_limit.PYTHON_MAX_ELEMENTS

    assert_presets_name_algorithms(WORKLOAD, python_runs)


@pytest.mark.parametrize("op", ["sum", "max"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_numba_and_numba_parallel_inline_the_same_body(algorithm, op):
    pytest.importorskip("numba")
    from numba_structure import assert_one_body_two_loops, top_level_parallel_regions

    from workloads.tensor_reduce import numba_impl, numba_parallel_impl
    from workloads.tensor_reduce.numba_bodies import operands_of

    inputs = WORKLOAD.make_inputs({"op": op, "elements": 32, "layout": "transposed"})
    serial, parallel = (module.kernels()[inputs.code][algorithm] for module in (numba_impl, numba_parallel_impl))
    assert_one_body_two_loops(serial, parallel)
    assert [cell.cell_contents for cell in serial.py_func.__closure__] == [inputs.code]  # the op, a constant
    assert top_level_parallel_regions(parallel, (operands_of(inputs, inputs.output()), 2)) == 1


def test_the_reduced_dim_is_kept_with_size_one():
    inputs = WORKLOAD.make_inputs({"op": "sum", "elements": 32, "dim": 0})
    assert inputs.output().shape.tolist() == [1, 8]


def test_dim_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        WORKLOAD.make_inputs({"op": "sum", "elements": 32, "dim": 2})
