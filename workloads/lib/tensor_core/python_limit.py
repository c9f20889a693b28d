"""How large a case the pure-Python backend agrees to run.

MiniTorch's per-element loop costs a few microseconds per element in CPython, so 2^22 elements would
take tens of seconds per call and minutes per benchmark. Above the limit the python
backend reports itself unavailable for that case, with the reason, instead of running.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.core.workload import BackendUnavailable

PYTHON_MAX_ELEMENTS = 1 << 18
PYTHON_MAX_MULTIPLY_ADDS = 1 << 21


def check(work_items: int, params: Mapping[str, Any], *, limit: int, what: str) -> None:
    """Raise BackendUnavailable when ``work_items`` exceeds ``params`` override or ``limit``."""
    allowed = int(params.get("python_limit", limit))
    if work_items > allowed:
        raise BackendUnavailable(
            f"pure-Python loop skipped: {work_items} {what} exceeds the python backend's "
            f"limit of {allowed} (a few microseconds each); pass python_limit={work_items} "
            "in the case params to run it anyway"
        )
