"""A benchmarking and profiling harness for numerical Python hot loops.

Importing ``harness`` is cheap: it loads neither numba, numba.cuda, Cython nor
matplotlib. See ``harness.core.workload`` for the protocol a workload implements.
"""

__version__ = "0.1.0"
