"""``harness.workload``, where workloads written before the harness"s packages import from: the
same names as ``harness.core.workload``, with a DeprecationWarning naming the new module."""

import warnings

from harness.core.workload import (
    BACKENDS,
    BackendUnavailable,
    Comparison,
    ImplementationError,
    InvalidParameter,
    Kernel,
    OutsideReference,
    Params,
    StepTimer,
    Work,
    Workload,
    WorkloadError,
)

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "Comparison",
    "ImplementationError",
    "InvalidParameter",
    "Kernel",
    "OutsideReference",
    "Params",
    "StepTimer",
    "Work",
    "Workload",
    "WorkloadError",
]

warnings.warn(
    "harness.workload moved to harness.core.workload; import from there (the old name will go)",
    DeprecationWarning,
    stacklevel=2,
)
