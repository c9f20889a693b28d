"""Which algorithm a tensor case runs: ``naive`` or ``tuned``, the same on every backend.

A column of the speedup matrix must change only the backend. So every backend of a
tensor workload implements both algorithms, and the ``algorithm`` parameter picks one:

- ``naive``: MiniTorch's per-element loop. For every output element, ``to_index``,
  ``broadcast_index`` and ``index_to_position`` find the input positions (map, zip), or
  the reduced dimension is walked through ``index_to_position`` (reduce), or one output
  is a dot product of a row and a column (matmul). numba_parallel splits the outer loop
  over threads and runs the same loop body.
- ``tuned``: the same result with the index arithmetic hoisted out of the inner loop
  (once per row; none at all when input and output share a layout), tiles that walk
  memory in order (reduce), and a blocked, packed product (matmul). Serial backends run
  the same blocks as numba_parallel, one after another.

naive -> tuned is then its own comparison (same backend, two cases), and backend ->
backend compares one algorithm. NumPy has one algorithm of its own (its ufuncs and
BLAS) and runs it for both values, as the reference a user would otherwise pick.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ALGORITHMS: tuple[str, ...] = ("naive", "tuned")
# what numpy's kernels record in their info: one algorithm of its own, whatever the case names
NUMPY_ALGORITHM_INFO = {"algorithm": "numpy", "algorithm_parameter": "ignored"}
DEFAULT_ALGORITHM = "tuned"
DESCRIPTION = (
    "naive (MiniTorch's per-element index loop) or tuned (index arithmetic hoisted, "
    "blocked); every backend runs the one named (default tuned)"
)


def algorithm_of(params: Mapping[str, Any]) -> str:
    """The case's algorithm, or a ValueError naming the choices."""
    name = str(params.get("algorithm", DEFAULT_ALGORITHM))
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; choose from: {', '.join(ALGORITHMS)}")
    return name
