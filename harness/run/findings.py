"""What the children of an entry tell the runner back, as JSON: the shapes the writers and
the readers share.

The construction child (``harness.run.construct``) writes one ``ConstructionFindings``
object; every pyperf evaluation worker (``harness.run.evaluate``) appends one
``WorkerLog`` line to the watch file. ``harness.run.summary`` reads both into an entry.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

from harness.core.json_fields import JSONOut

ConstructionStatus = Literal["ok", "failed", "unavailable"]


class StepFailure(TypedDict):
    """A construction step that raised: the step, the exception and the traceback's tail."""

    step: str
    error_type: str
    message: str
    traceback: str


class PlainLoopFindings(TypedDict):
    """One process's plain ``timeit`` loop: ``seconds`` is a ``Stats`` of seconds per call."""

    seconds: JSONOut
    loops: int
    timer: str


class WorkFindings(TypedDict):
    amount: float
    unit: str


class ConstructionFindings(TypedDict):
    """One construction's findings: ``status`` says which of the other keys are there.

    ok: ``steps`` (seconds per construction step, ``prepare.<name>`` for the backend's own
    sub-steps), ``fetch_seconds``, ``jit_compile_seconds`` (None: Numba did not compile),
    ``info``; the check run adds ``check`` (a ``Check``'s JSON) and ``work``, and when the
    check passed ``estimate_seconds``, ``plain_loop`` and ``calls_per_evaluation``; a
    later construction may add its ``plain_loop``. failed: ``reason`` and ``failure``.
    unavailable: ``reason``.
    """

    status: ConstructionStatus
    reason: NotRequired[str]
    failure: NotRequired[StepFailure]
    steps: NotRequired[dict[str, float]]
    fetch_seconds: NotRequired[float]
    jit_compile_seconds: NotRequired[float | None]
    info: NotRequired[JSONOut]
    check: NotRequired[JSONOut]
    work: NotRequired[WorkFindings]
    estimate_seconds: NotRequired[float]
    plain_loop: NotRequired[PlainLoopFindings]
    calls_per_evaluation: NotRequired[dict[str, int]]


@dataclass
class WorkerLog:
    """What one evaluation worker saw of Numba compiling, and its first call."""

    pid: int = field(default_factory=os.getpid)
    build_compiles: int = 0
    build_compile_seconds: float = 0.0
    first_call_seconds: float = 0.0
    first_call_compiles: int = 0
    first_call_compile_seconds: float = 0.0
    discarded_values: list[float] = field(default_factory=list)  # seconds of values that compiled
    compiled_values_kept: int = 0  # values that still compiled after RETAKES tries (harness.run.evaluate)

    def append_to(self, path: Path) -> None:
        with open(path, "a") as stream:
            stream.write(json.dumps(asdict(self)) + "\n")

    @classmethod
    def read_lines(cls, path: Path) -> list[WorkerLog]:
        """Every worker's line in ``path``, in the order they were written."""
        return [cls(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
