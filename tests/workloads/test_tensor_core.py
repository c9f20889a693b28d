"""The strided tensor core: index arithmetic against NumPy, broadcasting rules and errors."""

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_strategies import SETTINGS, run, shapes, skip_reason, strided_tensors

from workloads.lib.tensor_core import (
    BroadcastError,
    StridedTensor,
    broadcast_index,
    contiguous_strides,
    index_to_position,
    matrix_shape,
    operators,
    python_limit,
    shape_broadcast,
    to_index,
)
from workloads.tensor_map import WORKLOAD as MAP
from workloads.tensor_map.inputs import MapInputs


@given(shapes, st.data())
def test_to_index_and_position_invert_each_other(shape, data):
    ordinal = data.draw(st.integers(0, int(np.prod(shape)) - 1))
    index = [0] * len(shape)
    to_index(ordinal, shape, index)
    assert tuple(index) == tuple(int(i) for i in np.unravel_index(ordinal, shape))
    assert index_to_position(index, contiguous_strides(shape)) == ordinal


@given(shapes, st.data())
@settings(**SETTINGS)
def test_numbas_unsigned_to_index_is_minitorchs(shape, data):
    """The Numba kernels' ``to_index`` (unsigned division) gives the plain one's index."""
    from workloads.lib.tensor_core import numba_helpers

    ordinal = data.draw(st.integers(0, int(np.prod(shape)) - 1))
    expected, index = [0] * len(shape), np.full(len(shape), -1, np.int64)
    to_index(ordinal, shape, expected)
    numba_helpers.to_index(ordinal, np.array(shape, np.int64), index)
    assert index.tolist() == expected


@given(st.integers(0, 2**63 - 1), st.integers(1, 2**63 - 1))
@settings(**SETTINGS)
def test_numbas_one_instruction_divmod_is_pythons(dividend, divisor):
    """``unsigned_divmod`` compiled (one ``div`` on x86-64, beyond 32 bits too) and interpreted is ``divmod``."""
    from numba import njit

    from workloads.lib.tensor_core.numba_indexing import unsigned_divmod

    compiled = njit(lambda a, b: unsigned_divmod(a, b))
    assert compiled(dividend, divisor) == unsigned_divmod(dividend, divisor) == divmod(dividend, divisor)
    assert compiled(divisor, 1) == (divisor, 0)


def test_numbas_stack_index_buffers_are_apart_and_sized():
    """Two ``index_buffer`` calls in one kernel are two arrays of the asked length; a loop
    around one reuses it; interpreted, it is an ``np.empty`` of int64."""
    from numba import njit

    from workloads.lib.tensor_core.numba_indexing import index_buffer

    @njit
    def fill(first_count, second_count, rounds):
        total = 0
        for round_number in range(rounds):
            first, second = index_buffer(first_count), index_buffer(second_count)
            for i in range(first_count):
                first[i] = round_number * 100 + i
            for i in range(second_count):
                second[i] = -(round_number * 100 + i)
            total += first.sum() + second.sum()
        return len(first), len(second), first.copy(), second.copy(), total

    first_length, second_length, first, second, total = fill(3, 32, 5)
    assert (first_length, second_length) == (3, 32)
    assert first.tolist() == [400, 401, 402] and second.tolist() == [-(400 + i) for i in range(32)]
    assert total == sum(sum(r * 100 + i for i in range(3)) - sum(r * 100 + i for i in range(32)) for r in range(5))
    buffer = index_buffer(4)
    assert buffer.dtype == np.int64 and buffer.shape == (4,)


@given(strided_tensors())
@settings(**SETTINGS)
def test_positions_of_a_view_read_numpys_view(tensor):
    view = tensor.as_numpy()
    index = [0] * tensor.ndim
    for ordinal in range(tensor.size):
        to_index(ordinal, tensor.shape.tolist(), index)
        position = index_to_position(index, tensor.strides.tolist())
        assert tensor.storage[position] == view[tuple(index)]


@given(shapes, shapes)
def test_shape_broadcast_follows_numpy(shape_a, shape_b):
    try:
        expected = np.broadcast_shapes(shape_a, shape_b)
    except ValueError:
        with pytest.raises(BroadcastError):
            shape_broadcast(shape_a, shape_b)
    else:
        assert shape_broadcast(shape_a, shape_b) == expected


def test_broadcast_error_names_both_shapes():
    with pytest.raises(BroadcastError, match=r"\(2, 3\) and \(4, 3\).*sizes 2 and 4"):
        shape_broadcast((2, 3), (4, 3))


@given(shapes, st.data())
def test_broadcast_index_reads_what_numpy_broadcasts(big_shape, data):
    small = data.draw(st.lists(st.booleans(), min_size=len(big_shape), max_size=len(big_shape)))
    drop = data.draw(st.integers(0, len(big_shape) - 1))
    shape = tuple(1 if ones else size for ones, size in zip(small, big_shape, strict=True))[drop:]
    values = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    expanded = np.broadcast_to(values, big_shape)
    big_index, index = [0] * len(big_shape), [0] * len(shape)
    for ordinal in range(int(np.prod(big_shape))):
        to_index(ordinal, big_shape, big_index)
        broadcast_index(big_index, big_shape, shape, index)
        assert values[tuple(index)] == expanded[tuple(big_index)]


def test_matrix_shape_is_near_square_and_needs_a_power_of_two():
    assert matrix_shape(1 << 22) == (2048, 2048)
    assert matrix_shape(1 << 11) == (32, 64)
    with pytest.raises(ValueError, match="power of two"):
        matrix_shape(1000)


def test_permute_is_numpys_transpose():
    values = np.arange(24.0).reshape(2, 3, 4)
    tensor = StridedTensor.contiguous(values).permute(2, 0, 1)
    np.testing.assert_array_equal(tensor.as_numpy(), values.transpose(2, 0, 1))


def test_op_codes_match_the_dispatch_order():
    """Compiled dispatchers branch on codes in the functions' declaration order."""
    assert list(operators.UNARY_CODES) == ["neg", "exp", "relu", "sigmoid"]
    assert list(operators.BINARY_CODES) == ["add", "mul", "lt"]
    assert (operators.SUM, operators.MAX) == (0, 1)
    apply_unary = operators.make_unary_dispatch(lambda f: f)
    apply_binary = operators.make_binary_dispatch(lambda f: f)
    apply_reduce = operators.make_reduce_dispatch(lambda f: f)
    for name, code in operators.UNARY_CODES.items():
        assert apply_unary(code, -0.5) == operators.UNARY_FUNCTIONS[name](-0.5)
    for name, code in operators.BINARY_CODES.items():
        assert apply_binary(code, 2.0, 3.0) == operators.BINARY_FUNCTIONS[name](2.0, 3.0)
    for name, code in operators.REDUCE_CODES.items():
        assert apply_reduce(code, 2.0, 3.0) == operators.REDUCE_FUNCTIONS[name](2.0, 3.0)


def test_unknown_op_names_the_choices():
    with pytest.raises(ValueError, match="unknown unary op 'tanh'; choose from: neg, exp"):
        operators.check_name("unary", "tanh", operators.UNARY_CODES)


@pytest.mark.parametrize("name", ["tensor_map", "tensor_zip", "tensor_reduce", "matmul"])
def test_default_preset_reaches_the_issue_sizes_and_gives_python_a_case(name):
    workload = importlib.import_module(f"workloads.{name}").WORKLOAD
    cases = workload.cases("default")
    if name == "matmul":
        assert max(case["n"] for case in cases) == 512
        work = [case["n"] ** 3 * case["batch"] for case in cases]
        limit = python_limit.PYTHON_MAX_MULTIPLY_ADDS
    else:
        work = [case["elements"] for case in cases]
        assert max(work) == 1 << 22
        limit = python_limit.PYTHON_MAX_ELEMENTS
    assert min(work) <= limit, "the python backend would have nothing to run"
    assert {case["layout"] for case in cases} == set(
        importlib.import_module(f"workloads.{name}.inputs").LAYOUTS
    )


def test_compile_for_skips_an_interpreted_function():
    """Under the line profiler a dispatcher is swapped for its py_func: nothing to compile."""
    from workloads.lib.tensor_core.numba_helpers import compile_for

    compile_for(lambda x: x, (1.0,))  # must not raise


@pytest.mark.parametrize("backend", ["c", "cython", "numba", "numba_parallel"])
@pytest.mark.parametrize("algorithm", ["naive", "tuned"])
def test_compiled_kernels_refuse_more_dims_than_their_index_buffers(backend, algorithm):
    """The c, Cython and Numba kernels keep their indices in arrays of 32 on the stack: a
    tensor of 33 dims is a ValueError that says so, never a write past the array."""
    if reason := skip_reason(MAP, backend):
        pytest.skip(reason)
    source = StridedTensor.contiguous(np.ones((2,) + (1,) * 32)).permute(*range(32, -1, -1))
    with pytest.raises(ValueError, match="at most 32 dims, not 33"):
        run(MAP, backend, MapInputs(source, "neg", algorithm))
