"""The tuned matmul's block sizes, the same on every CPU backend (no numba import here).

A task is a block of ``ROWS`` output rows of one batch; it walks the columns in panels of
``COLS`` and the inner dim in steps of ``DEPTH``, so the packed right-operand panel
(``DEPTH`` x ``COLS``, 128 KiB) and the accumulator tile (``ROWS`` x ``COLS``) are reused
from cache.
"""

ROWS = 128
DEPTH = 128
COLS = 128
TASK_ROWS = {"naive": 1, "tuned": ROWS}  # rows per (batch, row block) task of each algorithm
