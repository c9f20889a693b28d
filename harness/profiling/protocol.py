"""What the parent asks a profiling child (``ChildSpec``) and what the child answers per
kind of profile (``Findings``): both JSON files in the entry's scratch folder.

The parent (``harness.profiling.runner``) imports this module and nothing that loads a
profiler, so ``harness profile`` itself stays light; the child
(``harness.profiling.child``) reads the spec and writes one findings file per kind as soon
as that kind is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.core.json_fields import Fields
from harness.core.profiles import CallProfile, LineProfile, MemoryProfile, Params

KINDS = ("memory", "lines")
STATUSES = ("ok", "unavailable", "failed", "timeout")


@dataclass(frozen=True)
class ChildSpec:
    """One child's task: which kinds of profile to take, in order, and where each one's findings go.

    ``growth_seconds``, ``growth_max_calls``, ``line_seconds``: None takes the child's defaults.
    """

    kinds: list[str]
    workload: str
    backend: str
    params: Params
    outputs: dict[str, str]  # kind -> findings file
    growth_seconds: float | None = None
    growth_max_calls: int | None = None
    line_seconds: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kinds": list(self.kinds),
            "workload": self.workload,
            "backend": self.backend,
            "params": dict(self.params),
            "growth_seconds": self.growth_seconds,
            "growth_max_calls": self.growth_max_calls,
            "line_seconds": self.line_seconds,
            "outputs": dict(self.outputs),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "spec") -> ChildSpec:
        """A spec; one kind may be given alone, as ``kind`` and ``output``."""
        fields = Fields(data, where)
        if "kinds" in fields.data:
            kinds, outputs = fields.texts("kinds"), fields.mapping("outputs")
        else:
            kinds, outputs = [fields.text("kind")], {fields.text("kind"): fields.text("output")}
        for kind in kinds:
            if kind not in KINDS:
                raise fields.wrong("kinds", f"kinds of profile among {', '.join(KINDS)}", kinds)
            if not isinstance(outputs.get(kind), str):
                raise fields.wrong("outputs", f"an object naming a file for {kind}", outputs)
        return cls(
            kinds=list(kinds),
            workload=fields.text("workload"),
            backend=fields.text("backend"),
            params=dict(fields.mapping("params")),
            outputs={kind: str(outputs[kind]) for kind in kinds},
            growth_seconds=fields.optional_number("growth_seconds"),
            growth_max_calls=fields.optional_integer("growth_max_calls", minimum=1),
            line_seconds=fields.optional_number("line_seconds"),
        )


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
