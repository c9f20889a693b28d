"""A small scalar autodiff graph library: build, differentiate, optimise, then evaluate.

Pure Python and cheap to import; evaluators that compile (Cython, Numba, CUDA) live in the
workload's backend modules and are imported only when that backend runs.
"""

from .autodiff import gradient
from .graph import Graph, Scalar
from .optimize import PassStats, format_pass_table, optimise
from .tape import Tape, to_tape

__all__ = [
    "Graph",
    "PassStats",
    "Scalar",
    "Tape",
    "format_pass_table",
    "gradient",
    "optimise",
    "to_tape",
]
