"""An entry's profile (``Entry.profile``): memory, Python calls and line profiles.

``harness profile`` produces these records in its children (``harness.profiling``); the
report and the console read them. The JSON shape is documented in
``docs/results-format.md``, section "profile": ``to_json`` writes exactly that shape, in
that key order, and ``from_json(x.to_json())`` gives ``x`` back, so a results file
re-saves unchanged. Figures keep the type they were written with (a whole number stays
one) for the same reason.

Readers are lenient where the harness has been: a profile written before a field existed
(or by the report's fixtures) reads with that field at its default, None for a figure.
What is there is checked, and ``FieldError`` names the field that is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from harness.core.json_fields import MISSING, Fields, JSONObject, JSONOut, is_number

PROFILE_FORMAT_VERSION = 1
Params = JSONObject


def _number(fields: Fields, name: str) -> float:
    """A finite number, as written."""
    value = fields.get(name, MISSING)
    if not is_number(value) or not math.isfinite(value):
        raise fields.wrong(name, "a finite number", value)
    return value


def _figures_by_name(fields: Fields, name: str) -> dict[str, float] | None:
    """An object of name -> finite number, or None where it is missing or null."""
    part = fields.optional_fields(name)
    return None if part is None else {key: _number(part, key) for key in part.data}


def _whole_numbers(fields: Fields, name: str) -> list[int]:
    values = fields.numbers(name)
    for index, value in enumerate(values):
        if not isinstance(value, int) or value < 0:
            raise fields.wrong(f"{name}[{index}]", "a whole number of at least 0", value)
    return [int(value) for value in values]


def _optional_params(fields: Fields, name: str) -> Params | None:
    value = fields.optional_mapping(name)
    return None if value is None else dict(value)


@dataclass(frozen=True)
class MemoryGrowth:
    """Resident memory read between evaluation calls, the line fitted through it and the verdict."""

    calls: list[int]  # evaluation calls made when each sample was read
    rss_mib: list[float]  # absolute RSS at those points
    slope_mib_per_1000_calls: float | None = None  # None: too few calls to fit
    intercept_mib: float | None = None
    p_value: float | None = None
    growth_mib: float | None = None  # the fitted line's rise over the sampled calls
    late_growth_mib: float | None = None  # the same over the second half of the calls
    growing: bool = False
    reason: str = ""
    seconds: float | None = None  # wall time of the sampled calls
    warmup_calls: int | None = None  # calls made before sampling started

    def to_json(self) -> JSONOut:
        return {
            "calls": list(self.calls),
            "rss_mib": list(self.rss_mib),
            "slope_mib_per_1000_calls": self.slope_mib_per_1000_calls,
            "intercept_mib": self.intercept_mib,
            "p_value": self.p_value,
            "growth_mib": self.growth_mib,
            "late_growth_mib": self.late_growth_mib,
            "growing": self.growing,
            "reason": self.reason,
            "seconds": self.seconds,
            "warmup_calls": self.warmup_calls,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "growth") -> MemoryGrowth:
        fields = Fields(data, where)
        calls, rss = _whole_numbers(fields, "calls"), fields.numbers("rss_mib")
        if len(calls) != len(rss):
            raise fields.wrong("rss_mib", "as long as calls", rss)
        return cls(
            calls=calls,
            rss_mib=rss,
            slope_mib_per_1000_calls=fields.optional_number("slope_mib_per_1000_calls"),
            intercept_mib=fields.optional_number("intercept_mib"),
            p_value=fields.optional_number("p_value"),
            growth_mib=fields.optional_number("growth_mib"),
            late_growth_mib=fields.optional_number("late_growth_mib"),
            growing=fields.boolean("growing", False),
            reason=fields.text("reason", ""),
            seconds=fields.optional_number("seconds"),
            warmup_calls=fields.optional_integer("warmup_calls"),
        )


@dataclass(frozen=True)
class DeviceMemory:
    """Device memory (numba-cuda's context, device-wide) before and after construction and growth."""

    total_mib: float
    used_mib: dict[str, float]  # at "before_construction", "after_construction", "after_growth"
    construction_mib: float
    growth_mib: float

    def to_json(self) -> JSONOut:
        return {
            "total_mib": self.total_mib,
            "used_mib": dict(self.used_mib),
            "construction_mib": self.construction_mib,
            "growth_mib": self.growth_mib,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "device") -> DeviceMemory:
        fields = Fields(data, where)
        return cls(
            total_mib=_number(fields, "total_mib"),
            used_mib=_figures_by_name(fields, "used_mib") or {},
            construction_mib=_number(fields, "construction_mib"),
            growth_mib=_number(fields, "growth_mib"),
        )


@dataclass(frozen=True)
class MemoryProfile:
    """Resident memory (MiB) of construction and evaluation; figures but the baseline are above it."""

    baseline_mib: float | None = None  # RSS before construction (absolute)
    construction_peak_mib: float | None = None
    construction_steps_peak_mib: dict[str, float] | None = None  # inputs, import, prepare, first_call
    after_construction_mib: float | None = None
    evaluation_peak_mib: float | None = None
    growth: MemoryGrowth | None = None
    device: DeviceMemory | None = None  # cuda on a real GPU only
    sample_interval_seconds: dict[str, float] | None = None  # construction, evaluation
    notes: list[str] = field(default_factory=list)  # what memory_profiler cannot see here

    def to_json(self) -> JSONOut:
        return {
            "baseline_mib": self.baseline_mib,
            "construction_peak_mib": self.construction_peak_mib,
            "construction_steps_peak_mib": self.construction_steps_peak_mib,
            "after_construction_mib": self.after_construction_mib,
            "evaluation_peak_mib": self.evaluation_peak_mib,
            "growth": self.growth.to_json() if self.growth else None,
            "device": self.device.to_json() if self.device else None,
            "sample_interval_seconds": self.sample_interval_seconds,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "memory") -> MemoryProfile:
        fields = Fields(data, where)
        growth, device = fields.optional_fields("growth"), fields.optional_fields("device")
        return cls(
            baseline_mib=fields.optional_number("baseline_mib"),
            construction_peak_mib=fields.optional_number("construction_peak_mib"),
            construction_steps_peak_mib=_figures_by_name(fields, "construction_steps_peak_mib"),
            after_construction_mib=fields.optional_number("after_construction_mib"),
            evaluation_peak_mib=fields.optional_number("evaluation_peak_mib"),
            growth=MemoryGrowth.from_json(growth.data, growth.path) if growth else None,
            device=DeviceMemory.from_json(device.data, device.path) if device else None,
            sample_interval_seconds=_figures_by_name(fields, "sample_interval_seconds"),
            notes=list(fields.texts("notes", [])),
        )


@dataclass(frozen=True)
class Callee:
    """One function an evaluation called, as cProfile counted it."""

    function: str
    file: str
    lineno: int
    calls: int
    primitive_calls: int
    own_seconds: float
    cumulative_seconds: float

    def to_json(self) -> JSONOut:
        return {
            "function": self.function,
            "file": self.file,
            "lineno": self.lineno,
            "calls": self.calls,
            "primitive_calls": self.primitive_calls,
            "own_seconds": self.own_seconds,
            "cumulative_seconds": self.cumulative_seconds,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "callee") -> Callee:
        fields = Fields(data, where)
        return cls(
            function=fields.text("function"),
            file=fields.text("file"),
            lineno=fields.integer("lineno"),
            calls=fields.integer("calls"),
            primitive_calls=fields.integer("primitive_calls"),
            own_seconds=_number(fields, "own_seconds"),
            cumulative_seconds=_number(fields, "cumulative_seconds"),
        )


@dataclass(frozen=True)
class CallProfile:
    """Python calls per evaluation at ``params``, and the top callees at ``callee_params``."""

    params: Params
    per_evaluation: dict[str, int]  # python_calls, builtin_calls, total
    callee_params: Params | None = None  # None: no callee breakdown (``note`` says why)
    note: str | None = None
    profiled_calls: int | None = None  # every call cProfile saw in one evaluation
    top_callees: list[Callee] = field(default_factory=list)

    def to_json(self) -> JSONOut:
        return {
            "params": dict(self.params),
            "per_evaluation": dict(self.per_evaluation),
            "callee_params": None if self.callee_params is None else dict(self.callee_params),
            "note": self.note,
            "profiled_calls": self.profiled_calls,
            "top_callees": [callee.to_json() for callee in self.top_callees],
        }

    @classmethod
    def from_json(cls, data: object, where: str = "calls") -> CallProfile:
        fields = Fields(data, where)
        return cls(
            params=dict(fields.mapping("params")),
            per_evaluation=call_counts(fields.fields("per_evaluation")),
            callee_params=_optional_params(fields, "callee_params"),
            note=fields.optional_text("note"),
            profiled_calls=fields.optional_integer("profiled_calls"),
            top_callees=[Callee.from_json(c.data, c.path) for c in fields.each_fields("top_callees")],
        )


def call_counts(fields: Fields) -> dict[str, int]:
    """Calls per evaluation by kind (python_calls, builtin_calls, total), each a whole number."""
    return {name: fields.integer(name) for name in fields.data}


@dataclass(frozen=True)
class ProfiledLine:
    """One source line of a line profile; hits and seconds are totals over the profiled calls."""

    lineno: int
    source: str
    hits: int
    seconds: float
    per_hit_seconds: float | None  # None where the line was never hit
    percent: float  # of the function's total_seconds

    def to_json(self) -> JSONOut:
        return {
            "lineno": self.lineno,
            "source": self.source,
            "hits": self.hits,
            "seconds": self.seconds,
            "per_hit_seconds": self.per_hit_seconds,
            "percent": self.percent,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "line") -> ProfiledLine:
        fields = Fields(data, where)
        return cls(
            lineno=fields.integer("lineno"),
            source=fields.text("source"),
            hits=fields.integer("hits"),
            seconds=_number(fields, "seconds"),
            per_hit_seconds=fields.optional_number("per_hit_seconds"),
            percent=_number(fields, "percent"),
        )


@dataclass(frozen=True)
class LineProfile:
    """One function's line profile in one phase, with every line of its source."""

    function: str
    phase: str  # "construction" | "evaluation"
    file: str  # relative to the project, else absolute
    first_lineno: int
    total_seconds: float
    interpreted_equivalent: bool = False  # a jitted function's py_func, run by CPython
    lines: list[ProfiledLine] = field(default_factory=list)

    def to_json(self) -> JSONOut:
        return {
            "function": self.function,
            "phase": self.phase,
            "file": self.file,
            "first_lineno": self.first_lineno,
            "total_seconds": self.total_seconds,
            "interpreted_equivalent": self.interpreted_equivalent,
            "lines": [line.to_json() for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: object, where: str = "line_profile") -> LineProfile:
        fields = Fields(data, where)
        return cls(
            function=fields.text("function"),
            phase=fields.text("phase"),
            file=fields.text("file"),
            first_lineno=fields.integer("first_lineno"),
            total_seconds=_number(fields, "total_seconds"),
            interpreted_equivalent=fields.boolean("interpreted_equivalent", False),
            lines=[ProfiledLine.from_json(line.data, line.path) for line in fields.each_fields("lines")],
        )


@dataclass(frozen=True)
class Profile:
    """Everything ``harness profile`` found for one entry (docs/results-format.md, "profile")."""

    format_version: int = PROFILE_FORMAT_VERSION
    status: str = "ok"  # "ok" | "partial" (one part failed) | "failed" (both)
    reason: str = ""  # what failed, with the tail of its output
    memory: MemoryProfile | None = None
    calls_per_evaluation: dict[str, int] | None = None  # the same as calls.per_evaluation
    calls: CallProfile | None = None
    call_seconds: float | None = None  # one steady call, timed in the memory part
    line_profiles: list[LineProfile] = field(default_factory=list)
    line_profile_notes: list[str] = field(default_factory=list)
    line_profile_params: Params | None = None
    line_profile_evaluation_calls: int = 0
    seconds: float | None = None  # wall time spent profiling the entry
    memory_params: Params | None = None  # where memory and calls were measured

    def to_json(self) -> JSONOut:
        return {
            "format_version": self.format_version,
            "status": self.status,
            "reason": self.reason,
            "memory": self.memory.to_json() if self.memory else None,
            "calls_per_evaluation": None if self.calls_per_evaluation is None else dict(self.calls_per_evaluation),
            "calls": self.calls.to_json() if self.calls else None,
            "call_seconds": self.call_seconds,
            "line_profiles": [line_profile.to_json() for line_profile in self.line_profiles],
            "line_profile_notes": list(self.line_profile_notes),
            "line_profile_params": None if self.line_profile_params is None else dict(self.line_profile_params),
            "line_profile_evaluation_calls": self.line_profile_evaluation_calls,
            "seconds": self.seconds,
            "memory_params": None if self.memory_params is None else dict(self.memory_params),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "profile") -> Profile:
        fields = Fields(data, where)
        memory, calls = fields.optional_fields("memory"), fields.optional_fields("calls")
        counts = fields.optional_fields("calls_per_evaluation")
        return cls(
            format_version=fields.integer("format_version", PROFILE_FORMAT_VERSION),
            status=fields.text("status", "ok"),
            reason=fields.text("reason", ""),
            memory=MemoryProfile.from_json(memory.data, memory.path) if memory else None,
            calls_per_evaluation=call_counts(counts) if counts else None,
            calls=CallProfile.from_json(calls.data, calls.path) if calls else None,
            call_seconds=fields.optional_number("call_seconds"),
            line_profiles=[LineProfile.from_json(p.data, p.path) for p in fields.each_fields("line_profiles")],
            line_profile_notes=list(fields.texts("line_profile_notes", [])),
            line_profile_params=_optional_params(fields, "line_profile_params"),
            line_profile_evaluation_calls=fields.integer("line_profile_evaluation_calls", 0),
            seconds=fields.optional_number("seconds"),
            memory_params=_optional_params(fields, "memory_params"),
        )
