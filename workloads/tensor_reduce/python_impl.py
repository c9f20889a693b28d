"""Pure Python on flat lists: both algorithms, as every other backend runs them.

- naive: MiniTorch's reduce loop, one output ordinal at a time: ``to_index``, then the
  reduced dim walked through ``index_to_position``, ``fn`` applied per element.
- tuned: the loop structure of the compiled tuned kernels (``numba_bodies``): chunks of
  outputs, tiles of ``TILE`` outputs whose first input positions are found once, then the
  reduced dim walked with a constant stride, one output at a time when it is contiguous
  and a whole tile per step when it is strided; the op's branch sits outside the inner
  loops. One accumulator per output (no interleaved partial sums: they buy instruction
  parallelism a compiled loop has and an interpreter does not).
"""

from __future__ import annotations

from harness.core.workload import Kernel, StepTimer
from workloads.lib.tensor_core import python_limit
from workloads.lib.tensor_core.indexing import index_to_position, to_index
from workloads.lib.tensor_core.operators import REDUCE_FUNCTIONS, BinaryFunction
from workloads.lib.tensor_core.partition import chunk_bounds, chunk_count

from .inputs import ReduceInputs
from .tiling import CHUNKS_PER_THREAD, TILE

Tensor = tuple[list[float], list[int], list[int]]  # storage, shape, strides


def naive_reduce(
    fn: BinaryFunction,
    start: float,
    out: list[float],
    out_shape: list[int],
    out_strides: list[int],
    source: Tensor,
    dim: int,
) -> None:
    """out[o] = fn(... fn(start, a[o, 0]), ..., a[o, n-1]) along ``dim``."""
    storage, shape, strides = source
    out_index = [0] * len(out_shape)
    for ordinal in range(len(out)):
        to_index(ordinal, out_shape, out_index)
        accumulator = start
        for k in range(shape[dim]):
            out_index[dim] = k
            accumulator = fn(accumulator, storage[index_to_position(out_index, strides)])
        out_index[dim] = 0
        out[index_to_position(out_index, out_strides)] = accumulator


def tuned_reduce(is_sum: bool, start: float, out: list[float], out_shape: list[int], source: Tensor, dim: int) -> None:
    """The same fold, tile by tile within chunks; ``out`` is contiguous (ordinal == position)."""
    _, shape, strides = source
    out_index = [0] * len(out_shape)
    chunks = chunk_count(len(out), CHUNKS_PER_THREAD, 1)
    for chunk in range(chunks):
        first_output, end = chunk_bounds(chunk, chunks, len(out))
        for tile_start in range(first_output, end, TILE):
            firsts = []
            for ordinal in range(tile_start, min(tile_start + TILE, end)):
                to_index(ordinal, out_shape, out_index)
                firsts.append(index_to_position(out_index, strides))
            values = fold_tile(is_sum, start, source[0], firsts, strides[dim], shape[dim])
            out[tile_start : tile_start + len(values)] = values


def fold_tile(
    is_sum: bool, start: float, storage: list[float], firsts: list[int], step: int, count: int
) -> list[float]:
    """The fold of ``count`` values from each of ``firsts`` with ``step``: line by line when
    the reduced dim is contiguous, else the whole tile one step at a time."""
    if step == 1:
        return [fold_line(is_sum, start, storage[first : first + count]) for first in firsts]
    accumulators = [start] * len(firsts)
    for k in range(count):
        offset = k * step
        if is_sum:
            for t, first in enumerate(firsts):
                accumulators[t] += storage[first + offset]
        else:
            for t, first in enumerate(firsts):
                value = storage[first + offset]
                if value > accumulators[t]:
                    accumulators[t] = value
    return accumulators


def fold_line(is_sum: bool, start: float, line: list[float]) -> float:
    """start folded with every value of ``line`` in order: a sum, or the largest."""
    accumulator = start
    if is_sum:
        for value in line:
            accumulator += value
    else:
        for value in line:
            if value > accumulator:
                accumulator = value
    return accumulator


def prepare(inputs: ReduceInputs, params: dict, steps: StepTimer) -> Kernel:
    python_limit.check(
        inputs.source.size, params, limit=python_limit.PYTHON_MAX_ELEMENTS, what="elements"
    )
    output = inputs.output()
    with steps("to_lists"):
        source = inputs.source.as_lists()
        out, out_shape, out_strides = output.as_lists()
    start, dim = inputs.start, inputs.dim
    if inputs.algorithm == "naive":
        fn = REDUCE_FUNCTIONS[inputs.op]

        def call() -> list[float]:
            naive_reduce(fn, start, out, out_shape, out_strides, source, dim)
            return out
    else:
        is_sum = inputs.op == "sum"

        def call() -> list[float]:
            tuned_reduce(is_sum, start, out, out_shape, source, dim)
            return out

    return Kernel(call=call, fetch=output.reshape_values, info={"algorithm": inputs.algorithm})
