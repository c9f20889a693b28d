"""The untimed parts of a results entry: the correctness check and the outside references,
the failure and the warnings; each with ``to_json`` and a
``from_json`` that checks every field it reads (``FieldError`` names the one that is wrong)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, TypeVar

from harness.core.json_fields import Fields, JSONLike, JSONObject, JSONOut

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Part = TypeVar("Part")


@dataclass(frozen=True)
class OutsideCheck:
    """A result held against a figure from outside the project (``OutsideReference``)."""

    quantity: str
    expected: float
    observed: float
    passed: bool
    source: str
    rtol: float = 0.0

    def describe(self) -> str:
        verdict = "matches" if self.passed else "misses"
        return (
            f"{self.quantity} {_figure(self.observed)} {verdict} the outside reference "
            f"{_figure(self.expected)} ({self.source})"
        )

    def to_json(self) -> JSONOut:
        return plain(self)

    @classmethod
    def from_json(cls, data: object, where: str = "outside") -> OutsideCheck:
        fields = Fields(data, where)
        return cls(
            quantity=fields.text("quantity"),
            expected=fields.number("expected"),
            observed=fields.number("observed"),
            passed=fields.boolean("passed"),
            source=fields.text("source"),
            rtol=fields.number("rtol", 0.0),
        )


@dataclass
class Check:
    """Outcome of comparing a backend's result with the reference, before any timing.

    ``failed_on`` says what refused the result: ``none`` (the kernel returned None),
    ``parts``, ``shape`` or ``dtype`` (the structure; values were not compared and the
    counts stay 0), ``values``, or ``outside`` (it matched the reference backend's but
    missed a figure from outside the project); empty when the check passed (and in files
    written before the field existed). ``nonfinite_mismatches`` counts NaN and +-inf of
    the reference not matched at the same positions, and non-finite values where the
    reference is finite; they are among ``mismatches``. ``outside`` holds the
    comparisons with figures from outside the project for this case, if the workload
    declares any; ``passed`` is false when any of them missed.
    """

    passed: bool
    comparison: Mapping[str, JSONLike]
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    mismatches: int = 0
    size: int = 0
    message: str = ""
    failed_on: str = ""
    nonfinite_mismatches: int = 0
    outside: list[OutsideCheck] = field(default_factory=list)

    def to_json(self) -> JSONOut:
        data = plain(self)
        data["outside"] = [o.to_json() for o in self.outside]
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "check") -> Check:
        fields = Fields(data, where)
        return cls(
            passed=fields.boolean("passed"),
            comparison=fields.mapping("comparison", {}),
            max_abs_diff=fields.number("max_abs_diff", 0.0),
            max_rel_diff=fields.number("max_rel_diff", 0.0),
            mismatches=fields.integer("mismatches", 0),
            size=fields.integer("size", 0),
            message=fields.text("message", ""),
            failed_on=fields.text("failed_on", ""),
            nonfinite_mismatches=fields.integer("nonfinite_mismatches", 0),
            outside=[OutsideCheck.from_json(item.data, item.path) for item in fields.each_fields("outside")],
        )


@dataclass
class Failure:
    """Where and how an entry failed, beyond its one-line reason.

    ``phase`` is the runner's step (``construction (check)``, ``evaluation``); ``step``
    the construction step that raised (``inputs``, ``import``, ``prepare``, ``first call``,
    ``fetch``, ``check``), with the exception's type and message. A child that died
    without saying (a signal, a time-out) leaves ``step`` and ``error_type`` empty and
    its ``message`` is how it ended. ``output_tail`` is the traceback's tail, or the tail
    of what the child wrote.
    """

    phase: str
    step: str = ""
    error_type: str = ""
    message: str = ""
    output_tail: str = ""

    def to_json(self) -> JSONOut:
        return plain(self)

    @classmethod
    def from_json(cls, data: object, where: str = "failure") -> Failure:
        fields = Fields(data, where)
        return cls(
            phase=fields.text("phase"),
            step=fields.text("step", ""),
            error_type=fields.text("error_type", ""),
            message=fields.text("message", ""),
            output_tail=fields.text("output_tail", ""),
        )


@dataclass(frozen=True)
class EntryWarning:
    """Why a figure of this entry should not be taken as it is, found while measuring it.

    ``kind`` is a short fixed name (``compile_in_evaluation``, ``not_cacheable``,
    ``timing_disagreement``, ...); ``message`` says what was seen and what to do.
    """

    kind: str
    message: str

    def to_json(self) -> JSONOut:
        return {"kind": self.kind, "message": self.message}

    @classmethod
    def from_json(cls, data: object, where: str = "warning") -> EntryWarning:
        fields = Fields(data, where)
        return cls(fields.text("kind"), fields.text("message"))


def _figure(value: float) -> str:
    """A checked figure as people write it: 1,148,485 for whole numbers, else 6 digits."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def optional_part(read: Callable[[JSONObject, str], Part], data: JSONObject | None, where: str) -> Part | None:
    """``read(data, where)`` (a part's ``from_json``), or None for an absent or empty part."""
    return read(data, where) if data else None


def plain(obj: DataclassInstance) -> JSONOut:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


# What one process's sample of an entry is: the mean of its timed values (a run's pyperf
# processes), their minimum (an A/B check's sample processes), or instructions per call
# counted under callgrind (the deterministic mode).
SAMPLE_KINDS = ("mean", "minimum", "instructions")


@dataclass(frozen=True)
class InstructionCounts:
    """Instructions per call of one entry under callgrind: the totals of two runs making
    ``calls[0]`` and ``calls[1]`` calls after the same set-up, and their difference per call."""

    per_call: float
    calls: tuple[int, int]
    totals: tuple[int, int]
    tool: str

    def to_json(self) -> JSONOut:
        return {"per_call": self.per_call, "calls": list(self.calls), "totals": list(self.totals), "tool": self.tool}

    @classmethod
    def from_json(cls, data: object, where: str = "instructions") -> InstructionCounts:
        fields = Fields(data, where)
        per_call = fields.seconds("per_call")  # compare divides by it
        calls, totals = fields.numbers("calls"), fields.numbers("totals")
        for name, pair in (("calls", calls), ("totals", totals)):
            if len(pair) != 2 or any(value != int(value) or value < 0 for value in pair):
                raise fields.wrong(name, "two whole numbers", fields.data.get(name))
        return cls(
            per_call=per_call,
            calls=(int(calls[0]), int(calls[1])),
            totals=(int(totals[0]), int(totals[1])),
            tool=fields.text("tool", ""),
        )
