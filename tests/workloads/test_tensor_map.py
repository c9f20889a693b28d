"""tensor_map beyond conformance: every op on CUDA, random strided shapes, algorithms, presets and limits."""

import pytest
from algorithm_checks import (
    assert_numba_backends_share_the_chunk,
    assert_presets_name_algorithms,
    assert_records_its_algorithm,
    kernel_info,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, assert_matches_reference, run, skip_reason, strided_tensors

from harness.core.workload import BackendUnavailable
from harness.run.construct import construct
from workloads.lib.tensor_core import python_limit
from workloads.lib.tensor_core.algorithm import ALGORITHMS
from workloads.tensor_map import OPS, WORKLOAD
from workloads.tensor_map.inputs import LAYOUTS, MapInputs

CPU_BACKENDS = [b for b in WORKLOAD.backends if b != "cuda"]


# Every backend at every quick case is checked against NumPy by the conformance tests
# (test_conformance.py); the random shapes below reach every op on the CPU backends.
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", OPS)
def test_cuda_matches_numpy_on_every_op(op, layout):
    if reason := skip_reason(WORKLOAD, "cuda"):
        pytest.skip(reason)
    inputs = WORKLOAD.make_inputs({"op": op, "layout": layout, "elements": 32, "algorithm": "tuned"})
    assert_matches_reference(WORKLOAD, "cuda", inputs)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_backend_matches_numpy_on_random_strided_shapes(backend, algorithm):
    if reason := skip_reason(WORKLOAD, backend):
        pytest.skip(reason)

    @given(strided_tensors(), st.sampled_from(OPS))
    @settings(**SETTINGS)
    def check(source, op):
        assert_matches_reference(WORKLOAD, backend, MapInputs(source=source, op=op, algorithm=algorithm))

    check()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_kernel_records_its_algorithm(backend, algorithm):
    assert_records_its_algorithm(WORKLOAD, backend, {"op": "neg", "elements": 32, "algorithm": algorithm})


@pytest.mark.parametrize(
    ("layout", "algorithm", "kernel"),
    [("contiguous", "tuned", "aligned"), ("transposed", "tuned", "indexed"), ("contiguous", "naive", "indexed")],
)
def test_cuda_takes_the_index_free_kernel_only_on_the_tuned_fast_path(layout, algorithm, kernel):
    params = {"op": "neg", "layout": layout, "elements": 32, "algorithm": algorithm}
    assert kernel_info(WORKLOAD, "cuda", params)["kernel"] == kernel


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_numba_and_numba_parallel_compile_the_same_chunk_body(algorithm):
    assert_numba_backends_share_the_chunk(WORKLOAD, "map", algorithm)


def test_every_preset_case_names_its_algorithm():
    assert_presets_name_algorithms(WORKLOAD, lambda case: case["elements"] <= python_limit.PYTHON_MAX_ELEMENTS)


def test_unknown_algorithm_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="unknown algorithm 'blocked'; choose from: naive, tuned"):
        WORKLOAD.make_inputs({"op": "neg", "elements": 64, "algorithm": "blocked"})


def test_the_transposed_layout_is_a_strided_view():
    inputs = WORKLOAD.make_inputs({"op": "neg", "layout": "transposed", "elements": 8})
    assert inputs.source.shape.tolist() == [2, 4]
    assert inputs.source.strides.tolist() == [1, 2]


def test_work_counts_bytes_read_and_written():
    params = {"op": "exp", "elements": 1024}
    work = WORKLOAD.work(params, WORKLOAD.make_inputs(params))
    assert (work.amount, work.unit) == (2 * 1024 * 8, "B")


def test_python_declines_cases_over_its_limit():
    inputs = WORKLOAD.make_inputs({"op": "neg", "elements": 64})
    with pytest.raises(BackendUnavailable, match="python_limit=64"):
        run(WORKLOAD, "python", inputs, {"python_limit": 32})


def test_unknown_op_and_layout_are_rejected():
    with pytest.raises(ValueError, match="choose from: neg, exp, relu, sigmoid"):
        WORKLOAD.make_inputs({"op": "tanh", "elements": 64})
    with pytest.raises(ValueError, match="choose from: contiguous, transposed"):
        WORKLOAD.make_inputs({"op": "neg", "elements": 64, "layout": "diagonal"})


def test_the_harness_records_a_declined_case_as_unavailable(tmp_path):
    """prepare raising BackendUnavailable becomes an 'unavailable' entry, not a crash."""
    spec = {
        "workload": "tensor_map",
        "backend": "python",
        "params": {"op": "neg", "elements": 64, "python_limit": 32},
        "check": True,
        "reference_file": str(tmp_path / "ref.npz"),
    }
    findings = construct(spec)
    assert findings["status"] == "unavailable"
    assert "python_limit=64" in findings["reason"]
