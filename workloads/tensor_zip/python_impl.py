"""Pure Python: zip's naive and tuned algorithms on flat Python lists.

The same chunks and loops as the compiled backends, run by CPython: naive is MiniTorch's
zip loop (``to_index``, ``broadcast_index`` for each operand, ``index_to_position`` for
every element); tuned skips indexing when both operands are laid out like the output,
and otherwise finds each row's three start positions once and walks the last dimension
with constant strides. The compiled backends give unit-stride rows a loop of their own,
for their vectorisers; CPython has none, so here every row takes the strided loop.
"""

from __future__ import annotations

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import python_limit
from workloads.lib.tensor_core.elementwise import CHUNKS_PER_THREAD, chunk_count, chunk_start, last_step, row_count
from workloads.lib.tensor_core.indexing import broadcast_index, index_to_position, same_layout, to_index
from workloads.lib.tensor_core.operators import BINARY_FUNCTIONS, BinaryFunction

from .inputs import ZipInputs

Tensor = tuple[list[float], list[int], list[int]]  # storage, shape, strides


def naive_zip(fn: BinaryFunction, out: Tensor, left: Tensor, right: Tensor, chunks_wanted: int) -> None:
    """out[o] = fn(left[i], right[j]) for every output index, i and j found by broadcasting."""
    chunks = chunk_count(len(out[0]), chunks_wanted)
    for chunk in range(chunks):
        naive_chunk(chunk, chunks, fn, out, left, right)


def naive_chunk(chunk: int, chunks: int, fn: BinaryFunction, out: Tensor, left: Tensor, right: Tensor) -> None:
    """MiniTorch's zip loop over one chunk of output ordinals."""
    out_storage, out_shape, out_strides = out
    left_storage, left_shape, left_strides = left
    right_storage, right_shape, right_strides = right
    out_index = [0] * len(out_shape)
    left_index = [0] * len(left_shape)
    right_index = [0] * len(right_shape)
    size = len(out_storage)
    for ordinal in range(chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        x = left_storage[index_to_position(left_index, left_strides)]
        y = right_storage[index_to_position(right_index, right_strides)]
        out_storage[index_to_position(out_index, out_strides)] = fn(x, y)


def tuned_zip(fn: BinaryFunction, out: Tensor, left: Tensor, right: Tensor, chunks_wanted: int) -> None:
    """The same result with no indexing on the same-layout fast path, else once per row."""
    aligned = same_layout(out[1], out[2], left[1], left[2]) and same_layout(out[1], out[2], right[1], right[2])
    chunks = chunk_count(len(out[0]) if aligned else row_count(out[1]), chunks_wanted)
    for chunk in range(chunks):
        if aligned:
            unit_stride_part(chunk, chunks, fn, out[0], left[0], right[0])
        else:
            row_run(chunk, chunks, fn, out, left, right)


def unit_stride_part(
    chunk: int, chunks: int, fn: BinaryFunction, out: list[float], left: list[float], right: list[float]
) -> None:
    """One chunk of the fast path: position == ordinal, no index arithmetic."""
    for position in range(chunk_start(chunk, chunks, len(out)), chunk_start(chunk + 1, chunks, len(out))):
        out[position] = fn(left[position], right[position])


def row_run(chunk: int, chunks: int, fn: BinaryFunction, out: Tensor, left: Tensor, right: Tensor) -> None:
    """One chunk of rows: start positions once a row, then the last dimension with constant strides."""
    out_storage, out_shape, out_strides = out
    left_storage, left_shape, left_strides = left
    right_storage, right_shape, right_strides = right
    out_index = [0] * len(out_shape)
    left_index = [0] * len(left_shape)
    right_index = [0] * len(right_shape)
    last, out_step = out_shape[-1], out_strides[-1]
    left_step, right_step = last_step(left_shape, left_strides), last_step(right_shape, right_strides)
    rows = row_count(out_shape)
    for row in range(chunk_start(chunk, chunks, rows), chunk_start(chunk + 1, chunks, rows)):
        to_index(row * last, out_shape, out_index)
        broadcast_index(out_index, out_shape, left_shape, left_index)
        broadcast_index(out_index, out_shape, right_shape, right_index)
        out_start = index_to_position(out_index, out_strides)
        left_start = index_to_position(left_index, left_strides)
        right_start = index_to_position(right_index, right_strides)
        for column in range(last):
            x = left_storage[left_start + column * left_step]
            y = right_storage[right_start + column * right_step]
            out_storage[out_start + column * out_step] = fn(x, y)


def prepare(inputs: ZipInputs, params: dict, steps: StepTimer) -> Kernel:
    output = inputs.output()
    python_limit.check(output.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements")
    with steps("to_lists"):
        left, right = inputs.left.as_lists(), inputs.right.as_lists()
        out = output.as_lists()
    fn = BINARY_FUNCTIONS[inputs.op]
    kernel = {"naive": naive_zip, "tuned": tuned_zip}[inputs.algorithm]

    def call() -> list[float]:
        kernel(fn, out, left, right, CHUNKS_PER_THREAD)
        return out[0]

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
