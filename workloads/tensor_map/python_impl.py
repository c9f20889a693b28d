"""Pure Python: map's naive and tuned algorithms on flat Python lists.

The same chunks and loops as the compiled backends, run by CPython: naive is MiniTorch's
map loop (``to_index``, ``broadcast_index``, ``index_to_position`` for every element);
tuned skips indexing when input and output are laid out alike, and otherwise finds each
row's start positions once and walks the last dimension with constant strides.
"""

from __future__ import annotations

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import python_limit
from workloads.lib.tensor_core.elementwise import CHUNKS_PER_THREAD, chunk_count, chunk_start, last_step, row_count
from workloads.lib.tensor_core.indexing import broadcast_index, index_to_position, same_layout, to_index
from workloads.lib.tensor_core.operators import UNARY_FUNCTIONS, UnaryFunction

from .inputs import MapInputs

Tensor = tuple[list[float], list[int], list[int]]  # storage, shape, strides


def naive_map(fn: UnaryFunction, out: Tensor, source: Tensor, chunks_wanted: int) -> None:
    """out[o] = fn(in[j]) for every output index, j found by broadcasting, chunk by chunk."""
    chunks = chunk_count(len(out[0]), chunks_wanted)
    for chunk in range(chunks):
        naive_chunk(chunk, chunks, fn, out, source)


def naive_chunk(chunk: int, chunks: int, fn: UnaryFunction, out: Tensor, source: Tensor) -> None:
    """MiniTorch's map loop over one chunk of output ordinals."""
    (out_storage, out_shape, out_strides), (in_storage, in_shape, in_strides) = out, source
    out_index = [0] * len(out_shape)
    in_index = [0] * len(in_shape)
    size = len(out_storage)
    for ordinal in range(chunk_start(chunk, chunks, size), chunk_start(chunk + 1, chunks, size)):
        to_index(ordinal, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        position = index_to_position(out_index, out_strides)
        out_storage[position] = fn(in_storage[index_to_position(in_index, in_strides)])


def tuned_map(fn: UnaryFunction, out: Tensor, source: Tensor, chunks_wanted: int) -> None:
    """The same result with no indexing on the same-layout fast path, else once per row."""
    aligned = same_layout(out[1], out[2], source[1], source[2])
    chunks = chunk_count(len(out[0]) if aligned else row_count(out[1]), chunks_wanted)
    for chunk in range(chunks):
        if aligned:
            unit_stride_part(chunk, chunks, fn, out[0], source[0])
        else:
            row_run(chunk, chunks, fn, out, source)


def unit_stride_part(chunk: int, chunks: int, fn: UnaryFunction, out: list[float], source: list[float]) -> None:
    """One chunk of the fast path: position == ordinal, no index arithmetic."""
    for position in range(chunk_start(chunk, chunks, len(out)), chunk_start(chunk + 1, chunks, len(out))):
        out[position] = fn(source[position])


def row_run(chunk: int, chunks: int, fn: UnaryFunction, out: Tensor, source: Tensor) -> None:
    """One chunk of rows: start positions once a row, then the last dimension with constant strides."""
    (out_storage, out_shape, out_strides), (in_storage, in_shape, in_strides) = out, source
    out_index = [0] * len(out_shape)
    in_index = [0] * len(in_shape)
    last, out_step, in_step = out_shape[-1], out_strides[-1], last_step(in_shape, in_strides)
    rows = row_count(out_shape)
    for row in range(chunk_start(chunk, chunks, rows), chunk_start(chunk + 1, chunks, rows)):
        to_index(row * last, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        out_start = index_to_position(out_index, out_strides)
        in_start = index_to_position(in_index, in_strides)
        for column in range(last):
            out_storage[out_start + column * out_step] = fn(in_storage[in_start + column * in_step])


def prepare(inputs: MapInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.source.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements"
    )
    with steps("to_lists"):
        source = inputs.source.as_lists()
        output = inputs.output()
        out = output.as_lists()
    fn = UNARY_FUNCTIONS[inputs.op]
    kernel = {"naive": naive_map, "tuned": tuned_map}[inputs.algorithm]

    def call() -> list[float]:
        kernel(fn, out, source, CHUNKS_PER_THREAD)
        return out[0]

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
