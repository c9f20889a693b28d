"""CUDA helpers shared by every ``cuda`` implementation: event timing and device facts.

Imported only by ``cuda`` implementation modules, never by the harness core.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from numba import cuda


def simulated() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "") == "1"


def cuda_event_timer(launch: Callable[[], object]) -> Callable[[int], float]:
    """Time ``loops`` launches with CUDA events, after a synchronize; seconds in total.

    The simulator's events do not measure anything, so there the launches are timed
    with ``time.perf_counter`` (the figures are meaningless either way, but positive).
    """

    def simulated_time_loops(loops: int) -> float:
        started = time.perf_counter()
        for _ in range(loops):
            launch()
        cuda.synchronize()
        return time.perf_counter() - started

    def time_loops(loops: int) -> float:
        cuda.synchronize()
        start, end = cuda.event(), cuda.event()
        start.record()
        for _ in range(loops):
            launch()
        end.record()
        end.synchronize()
        return float(start.elapsed_time(end)) / 1000.0

    return simulated_time_loops if simulated() else time_loops


def device_info() -> dict[str, Any]:
    if simulated():
        return {"device": "CUDA simulator", "simulated": True}
    device = cuda.get_current_device()
    _, total = cuda.current_context().get_memory_info()
    name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
    return {
        "device": name,
        "compute_capability": list(device.compute_capability),
        "device_memory_total_bytes": int(total),
        "simulated": False,
    }
