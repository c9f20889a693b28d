"""What a child process of an entry is told: one typed spec, written as a JSON file.

Every child of an entry reads a spec naming the entry (its workload, backend and
parameters): the construction child (``python -m harness.run.construct SPEC``), pyperf's
evaluation workers (``harness.run.evaluate``) and the profiling child
(``harness.profiling.child``). ``ChildSpec`` holds what all of them need; each kind of
child adds its own fields in a small subclass. ``from_json`` reads field by field and a
wrong field raises ``FieldError`` naming it, so a spec written by hand, or by another
version of the harness, fails at once and says which field is wrong.

The thread count and the workload directories are not in the spec: they reach a child
through its environment (``harness.run.entries.child_environment``), since Numba reads
NUMBA_NUM_THREADS when it is imported and the registry reads the workload path variable.

The A/B check's worker and the instructions driver (``harness.regress``) run by path in
another git tree, which may hold an older harness, so they keep to plain dicts with these
field names; ``harness.run.construct.construct`` accepts such a dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from harness.core.json_fields import FieldError, Fields, JSONObject, JSONOut


@dataclass(frozen=True)
class ChildSpec:
    """The entry a child works on: a workload, one of its backends, one case's parameters."""

    workload: str
    backend: str
    params: JSONObject

    def to_json(self) -> JSONOut:
        return {"workload": self.workload, "backend": self.backend, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: object) -> Self:
        fields = Fields(data, "spec")
        return cls(fields.text("workload"), fields.text("backend"), fields.mapping("params"))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json()))

    @classmethod
    def read(cls, path: Path) -> Self:
        """The spec in ``path``; ``FieldError`` naming the file and field when it is malformed."""
        try:
            return cls.from_json(json.loads(path.read_text()))
        except (FieldError, json.JSONDecodeError) as error:
            raise FieldError(f"{path}: {error}") from None


@dataclass(frozen=True)
class ConstructionSpec(ChildSpec):
    """One construction (``harness.run.construct``), with the correctness check when ``check``.

    ``reference_file``: where the reference backend's result is cached (needed by the check).
    ``plain_loop_call_seconds``: a later construction's estimate of one call, to time a plain
    loop after it (None: none). ``output``: the findings file (None: returned, not written).
    """

    check: bool = False
    reference_file: Path | None = None
    plain_loop_call_seconds: float | None = None
    output: Path | None = None

    def to_json(self) -> JSONOut:
        return {
            **super().to_json(),
            "check": self.check,
            "reference_file": _text_or_none(self.reference_file),
            "plain_loop_call_seconds": self.plain_loop_call_seconds,
            "output": _text_or_none(self.output),
        }

    @classmethod
    def from_json(cls, data: object) -> Self:
        entry, fields = ChildSpec.from_json(data), Fields(data, "spec")
        check = fields.boolean("check", False)
        reference_file = _optional_path(fields, "reference_file")
        if check and reference_file is None:
            raise FieldError("spec.reference_file must be a string when spec.check is true; found nothing")
        return cls(
            entry.workload,
            entry.backend,
            entry.params,
            check=check,
            reference_file=reference_file,
            plain_loop_call_seconds=fields.optional_seconds("plain_loop_call_seconds", positive=False),
            output=_optional_path(fields, "output"),
        )


@dataclass(frozen=True)
class EvaluationSpec(ChildSpec):
    """pyperf's workers (``harness.run.evaluate``); each appends what it saw of Numba compiling
    to ``watch_file`` (None: nowhere)."""

    watch_file: Path | None = None

    def to_json(self) -> JSONOut:
        return {**super().to_json(), "watch_file": _text_or_none(self.watch_file)}

    @classmethod
    def from_json(cls, data: object) -> Self:
        entry, fields = ChildSpec.from_json(data), Fields(data, "spec")
        return cls(entry.workload, entry.backend, entry.params, watch_file=_optional_path(fields, "watch_file"))


@dataclass(frozen=True)
class ProfilingSpec(ChildSpec):
    """The profiling child (``harness.profiling.child``): the kinds of profile to take, in
    order, each written to its own file in ``outputs``. The budgets left None take the
    profiler's defaults.

    In JSON, ``kinds`` and ``outputs`` (kind -> file), or a single ``kind`` and ``output``.
    """

    outputs: dict[str, Path] = field(default_factory=dict)  # in the order the kinds are taken
    growth_seconds: float | None = None
    growth_max_calls: int | None = None
    line_seconds: float | None = None

    @property
    def kinds(self) -> list[str]:
        return list(self.outputs)

    def to_json(self) -> JSONOut:
        return {
            **super().to_json(),
            "kinds": self.kinds,
            "outputs": {kind: str(path) for kind, path in self.outputs.items()},
            "growth_seconds": self.growth_seconds,
            "growth_max_calls": self.growth_max_calls,
            "line_seconds": self.line_seconds,
        }

    @classmethod
    def from_json(cls, data: object) -> Self:
        entry, fields = ChildSpec.from_json(data), Fields(data, "spec")
        return cls(
            entry.workload,
            entry.backend,
            entry.params,
            outputs=_profile_outputs(fields),
            growth_seconds=fields.optional_seconds("growth_seconds"),
            growth_max_calls=fields.optional_integer("growth_max_calls", minimum=1),
            line_seconds=fields.optional_seconds("line_seconds"),
        )


def _profile_outputs(fields: Fields) -> dict[str, Path]:
    if fields.get("kinds", None) is None:
        return {fields.text("kind"): Path(fields.text("output"))}
    files = fields.fields("outputs")
    return {kind: Path(files.text(kind)) for kind in fields.texts("kinds")}


def _optional_path(fields: Fields, name: str) -> Path | None:
    text = fields.optional_text(name)
    return None if text is None else Path(text)


def _text_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)
