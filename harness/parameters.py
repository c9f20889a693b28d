"""``harness.parameters``, where workloads written before the harness"s packages import from: the
same names as ``harness.core.parameters``, with a DeprecationWarning naming the new module."""

import warnings

from harness.core.parameters import (
    ParameterError,
    ParameterType,
)

__all__ = ["ParameterError", "ParameterType"]

warnings.warn(
    "harness.parameters moved to harness.core.parameters; import from there (the old name will go)",
    DeprecationWarning,
    stacklevel=2,
)
