"""The one data model in the middle: a run, its metadata and its entries.

Producers (the runner, the profilers) fill these objects; consumers (the CLI tables, the
report, compare) read them. ``to_json``/``from_json`` are pure; ``save``/``load`` are thin
wrappers, and ``save`` is atomic (write a temporary file, fsync, rename), so a crash at
any point leaves either the previous file or the new one, never half of one.

Fields this version does not know are kept in ``extra`` and written back unchanged, so a
file touched by an older harness loses nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.entry_parts import SAMPLE_KINDS, Check, EntryWarning, Failure, InstructionCounts, Part, optional_part
from harness.core.files import write_json_atomic
from harness.core.json_fields import FieldError, Fields, JSONObject, JSONOut, JSONValue
from harness.core.profiles import Profile
from harness.core.timings import Construction, Evaluation

SCHEMA_VERSION = 2
# Version 1 lacks ``sample_kind`` (read from ``info.check_sample``'s wording) and keeps
# instruction counts as an unnamed extra field; it is read and written back as version 2.
READABLE_VERSIONS = (1, 2)
# What says which machine measured a run: compare never compares entries whose facts differ,
# and `merge` joins only shards whose facts are the same (one machine kind).
MACHINE_FIELDS = ("machine", "cpu_model", "logical_cores")
STATUSES = ("ok", "unavailable", "failed", "wrong_result", "timeout")
# Run metadata: the selected workload packages that could not be loaded (none of their entries ran).
WORKLOAD_LOAD_FAILURES = "workload_load_failures"
# The steps whose children's wall seconds an entry's ``info.step_seconds`` holds: the
# correctness check run, the other cold construction runs, the cache-load runs, pyperf.
STEP_KINDS = ("check", "construction", "cache_load", "evaluation")


class ResultsError(ValueError):
    """A results file is missing, corrupt or of an unknown schema version."""


@dataclass
class Entry:
    """One workload, backend, parameter set and thread count: its status and figures."""

    workload: str
    backend: str
    params: JSONObject
    threads: int | None = None
    status: str = "ok"
    reason: str = ""
    check: Check | None = None
    construction: Construction | None = None
    evaluation: Evaluation | None = None
    calls_per_evaluation: dict[str, int] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    profile: Profile | None = None
    warnings: list[EntryWarning] = field(default_factory=list)
    failure: Failure | None = None
    # The machine facts (MACHINE_FIELDS) of an entry merged from shards run on machines of
    # different kinds (`merge --allow-mixed-machines`); None: the run's metadata holds them.
    machine: JSONObject | None = None
    sample_kind: str = "mean"  # one of SAMPLE_KINDS
    instructions: InstructionCounts | None = None  # the deterministic mode's counts
    extra: JSONObject = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ResultsError(
                f"unknown entry status {self.status!r}; choose from: {', '.join(STATUSES)}"
            )
        if self.sample_kind not in SAMPLE_KINDS:
            raise ResultsError(
                f"unknown sample kind {self.sample_kind!r}; choose from: {', '.join(SAMPLE_KINDS)}"
            )

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        """Identity of an entry across runs: what --resume and compare match on."""
        return entry_key(self.workload, self.backend, self.params, self.threads)

    @property
    def label(self) -> str:
        params = ",".join(f"{k}={v}" for k, v in self.params.items())
        threads = f" threads={self.threads}" if self.threads is not None else ""
        return f"{self.workload}[{params}] {self.backend}{threads}"

    def to_json(self) -> JSONOut:
        data: JSONOut = {
            "workload": self.workload,
            "backend": self.backend,
            "params": dict(self.params),
            "threads": self.threads,
            "status": self.status,
            "reason": self.reason,
            "check": self.check.to_json() if self.check else None,
            "construction": self.construction.to_json() if self.construction else None,
            "evaluation": self.evaluation.to_json() if self.evaluation else None,
            "calls_per_evaluation": self.calls_per_evaluation,
            "info": dict(self.info),
            "profile": self.profile.to_json() if self.profile else None,
            "warnings": [w.to_json() for w in self.warnings],
            "sample_kind": self.sample_kind,
        }
        if self.instructions is not None:
            data["instructions"] = self.instructions.to_json()
        if self.failure is not None:  # only failed entries have the key, so other files read as before
            data["failure"] = self.failure.to_json()
        if self.machine is not None:  # only in runs merged from mixed machines
            data["machine"] = dict(self.machine)
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "entry", version: int = SCHEMA_VERSION) -> Entry:
        """An entry of a file of schema ``version``, every field the harness reads checked
        (``FieldError`` names the one that is wrong)."""
        fields = Fields(data, where)

        def part(read: Callable[[JSONObject, str], Part], name: str) -> Part | None:
            return optional_part(read, fields.optional_mapping(name), fields.at(name))

        instructions = part(InstructionCounts.from_json, "instructions")
        names = {f.name for f in dataclasses.fields(cls)}
        status = fields.text("status", "ok")
        if status not in STATUSES:
            raise fields.wrong("status", f"one of {', '.join(STATUSES)}", status)
        return cls(
            workload=fields.text("workload"),
            backend=fields.text("backend"),
            params=fields.mapping("params"),  # part of the entry's key: never assumed empty
            threads=fields.optional_integer("threads", minimum=1),
            status=status,
            reason=fields.text("reason", ""),
            check=part(Check.from_json, "check"),
            construction=part(Construction.from_json, "construction"),
            evaluation=part(Evaluation.from_json, "evaluation"),
            calls_per_evaluation=_calls(fields),
            info=dict(fields.mapping("info", {})),
            profile=part(Profile.from_json, "profile"),
            warnings=[EntryWarning.from_json(w.data, w.path) for w in fields.each_fields("warnings")],
            failure=part(Failure.from_json, "failure"),
            machine=_entry_machine(fields),
            sample_kind=_sample_kind(fields, instructions, version),
            instructions=instructions,
            extra=_extra(fields, names),
        )


@dataclass
class Run:
    """A whole run: metadata about where and how, and the entries in the order run."""

    metadata: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def add(self, entry: Entry) -> None:
        """Add an entry, replacing an earlier one with the same key (a re-run)."""
        self.entries = [e for e in self.entries if e.key != entry.key] + [entry]

    def find(self, key: tuple[str, str, str, int | None]) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)

    def to_json(self) -> JSONOut:
        return {
            "schema_version": self.schema_version,
            "metadata": dict(self.metadata),
            "entries": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: object, source: str = "results") -> Run:
        """A run; ``ResultsError`` naming ``source``, the field and what is wrong with it."""
        if not isinstance(data, dict) or "schema_version" not in data:
            raise ResultsError(f"{source} is not a harness results file (no schema_version)")
        version = data["schema_version"]
        if isinstance(version, bool) or version not in READABLE_VERSIONS:
            readable = " and ".join(str(v) for v in READABLE_VERSIONS)
            raise ResultsError(
                f"{source} has schema_version {version!r}; this harness reads versions {readable}. "
                "Re-run the benchmarks or use a harness of that version."
            )
        try:
            fields = Fields(data, "")
            metadata = checked_metadata(fields.fields("metadata", {}))
            entries = [Entry.from_json(e.data, e.path, version) for e in fields.each_fields("entries")]
        except FieldError as error:
            raise ResultsError(f"{source}: {error}") from None
        return cls(metadata=metadata, entries=entries)


def entry_key(
    workload: str, backend: str, params: Mapping[str, JSONValue], threads: int | None
) -> tuple[str, str, str, int | None]:
    return (workload, backend, json.dumps(params, sort_keys=True), threads)


def checked_metadata(fields: Fields) -> dict[str, Any]:
    """The run's metadata, with the fields readers use checked for their types."""
    for name in ("utc_time", "machine", "preset", "cpu_model", "command", "python", "gpu"):
        fields.optional_text(name)
    fields.optional_integer("logical_cores", minimum=1)
    for name in ("packages", "workloads"):
        fields.optional_mapping(name)
    git = fields.optional_fields("git")
    if git is not None:
        git.optional_text("commit")
        git.optional_text("short_commit")
    workloads = fields.optional_fields("workloads")
    if workloads is not None:
        for name in workloads.data:
            workloads.fields(name).texts("size_parameters", [])
    if "interrupted" in fields.data:
        fields.boolean("interrupted")
    return dict(fields.data)


def save(run: Run, path: Path) -> None:
    """Write ``run`` to ``path`` atomically."""
    write_json_atomic(path, run.to_json())


def load(path: Path) -> Run:
    """Read a results file, with an error that names the file, the field and what is wrong."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ResultsError(f"cannot read results file {path}: {error.strerror}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(
            f"{path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "is it a results file?"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path} is not valid JSON ({error}); is it truncated?") from error
    except RecursionError:
        raise ResultsError(f"{path} nests its JSON too deeply to be a results file") from None
    return Run.from_json(data, source=str(path))


def _extra(fields: Fields, known: set[str]) -> JSONObject:
    """Fields this model does not name, kept as they are."""
    return {k: v for k, v in fields.data.items() if k not in known}


def _sample_kind(fields: Fields, instructions: InstructionCounts | None, version: int) -> str:
    """The entry's ``sample_kind``; in a version 1 file, what its other fields imply: counts
    mean instructions, ``info.check_sample`` ("minimum of 20 values ...") an A/B check's minimum."""
    if version >= 2:
        kind = fields.text("sample_kind", "mean")
        if kind not in SAMPLE_KINDS:
            raise fields.wrong("sample_kind", f"one of {', '.join(SAMPLE_KINDS)}", kind)
        return kind
    if instructions is not None:
        return "instructions"
    info = fields.data.get("info")
    described = info.get("check_sample", "") if isinstance(info, dict) else ""
    return "minimum" if isinstance(described, str) and described.startswith("minimum") else "mean"


def machine_facts(entry: Entry, metadata: dict[str, Any]) -> dict[str, Any]:
    """The machine that measured ``entry``: its own facts, else its run's."""
    if entry.machine is not None:
        return {name: entry.machine.get(name) for name in MACHINE_FIELDS}
    return {name: metadata.get(name) for name in MACHINE_FIELDS}


def _entry_machine(fields: Fields) -> JSONObject | None:
    machine = fields.optional_fields("machine")
    if machine is None:
        return None
    machine.text("machine")
    machine.optional_text("cpu_model")
    machine.optional_integer("logical_cores", minimum=1)
    return dict(machine.data)


def _calls(fields: Fields) -> dict[str, int] | None:
    calls = fields.optional_fields("calls_per_evaluation")
    if calls is None:
        return None
    return {name: calls.integer(name) for name in calls.data}


