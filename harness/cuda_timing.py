"""``harness.cuda_timing``, where workloads written before the harness"s packages import from: the
same names as ``harness.core.cuda_timing``, with a DeprecationWarning naming the new module."""

import warnings

from harness.core.cuda_timing import (
    cuda_event_timer,
    device_info,
)

__all__ = ["cuda_event_timer", "device_info"]

warnings.warn(
    "harness.cuda_timing moved to harness.core.cuda_timing; import from there (the old name will go)",
    DeprecationWarning,
    stacklevel=2,
)
