"""The tail every ``cuda`` implementation's ``prepare`` shares: a configured launch made a Kernel.

Imported only by ``cuda`` implementation modules, never by the harness core (it imports
numba.cuda).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import cuda

from harness.core.cuda_timing import cuda_event_timer, device_info
from harness.core.workload import Kernel


def _unchanged(host: Any) -> Any:
    return host


def launched_kernel(
    launch: Callable[..., Any],
    args: tuple[Any, ...],
    result: Any,
    info: dict[str, Any],
    to_result: Callable[[Any], Any] = _unchanged,
) -> Kernel:
    """A Kernel whose call is ``launch(*args)`` and a synchronize, timed with CUDA events.

    ``launch`` is a kernel configured with its grid (``kernel[blocks, threads]``);
    ``result`` is the device array it writes, which a call returns and ``fetch`` copies to
    the host and passes through ``to_result`` (a reshape, say). ``info`` follows the
    device's facts.
    """

    def call() -> Any:
        launch(*args)
        cuda.synchronize()
        return result

    return Kernel(
        call=call,
        fetch=lambda device_array: to_result(device_array.copy_to_host()),
        time_loops=cuda_event_timer(lambda: launch(*args)),
        info={**device_info(), **info},
    )
