"""The tuned reduce's tile and chunk sizes, the same on every CPU backend (no numba import here)."""

CHUNKS_PER_THREAD = 4  # chunks of outputs per thread: numba_parallel's prange, and the serial backends' loop
TILE = 256  # outputs walked together along a strided reduced dim
