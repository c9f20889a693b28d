"""What the parent asks a profiling child (``harness.run.spec.ProfilingSpec``, the spec every
child of an entry reads) and what the child answers per kind of profile (``Findings``): both
JSON files in the entry's scratch folder.

The parent (``harness.profiling.runner``) imports this module and nothing that loads a
profiler, so ``harness profile`` itself stays light; the child
(``harness.profiling.child``) reads the spec and writes one findings file per kind as soon
as that kind is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.core.json_fields import FieldError, Fields
from harness.core.profiles import CallProfile, LineProfile, MemoryProfile, Params
from harness.run.spec import ProfilingSpec

KINDS = ("memory", "lines")
STATUSES = ("ok", "unavailable", "failed", "timeout")


def checked_kinds(spec: ProfilingSpec) -> ProfilingSpec:
    """``spec``, refused (``FieldError`` naming the field) when it asks for a kind of profile
    that does not exist or for none."""
    unknown = [kind for kind in spec.kinds if kind not in KINDS]
    if unknown or not spec.kinds:
        raise FieldError(f"spec.kinds must be kinds of profile among {', '.join(KINDS)}; found {spec.kinds}")
    return spec


@dataclass(frozen=True)
class Findings:
    """What one kind of profile found; a kind's fields are empty in the other kind's findings.

    ``status``: "ok", "unavailable" (the backend, with ``reason``), or, recorded by the parent
    for a child that wrote nothing, "failed" or "timeout".
    """

    status: str
    reason: str = ""
    # the memory kind
    memory: MemoryProfile | None = None
    call_seconds: float | None = None  # one steady call
    calls: CallProfile | None = None
    line_params: Params | None = None  # where the line profile should run (a quick case when slow)
    line_params_note: str | None = None  # why, when they are not the entry's
    # the lines kind
    line_profiles: list[LineProfile] = field(default_factory=list)
    line_profile_notes: list[str] = field(default_factory=list)
    line_profile_evaluation_calls: int = 0

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "timeout")

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "reason": self.reason,
            "memory": self.memory.to_json() if self.memory else None,
            "call_seconds": self.call_seconds,
            "calls": self.calls.to_json() if self.calls else None,
            "line_params": None if self.line_params is None else dict(self.line_params),
            "line_params_note": self.line_params_note,
            "line_profiles": [profile.to_json() for profile in self.line_profiles],
            "line_profile_notes": list(self.line_profile_notes),
            "line_profile_evaluation_calls": self.line_profile_evaluation_calls,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "findings") -> Findings:
        fields = Fields(data, where)
        status = fields.text("status")
        if status not in STATUSES:
            raise fields.wrong("status", f"one of {', '.join(STATUSES)}", status)
        memory, calls, line_params = (fields.optional_fields(name) for name in ("memory", "calls", "line_params"))
        return cls(
            status=status,
            reason=fields.text("reason", ""),
            memory=MemoryProfile.from_json(memory.data, memory.path) if memory else None,
            call_seconds=fields.optional_number("call_seconds"),
            calls=CallProfile.from_json(calls.data, calls.path) if calls else None,
            line_params=dict(line_params.data) if line_params else None,
            line_params_note=fields.optional_text("line_params_note"),
            line_profiles=[LineProfile.from_json(p.data, p.path) for p in fields.each_fields("line_profiles")],
            line_profile_notes=list(fields.texts("line_profile_notes", [])),
            line_profile_evaluation_calls=fields.integer("line_profile_evaluation_calls", 0),
        )
