"""The one data model in the middle: a run, its metadata and its entries.

Producers (the runner, the profilers) fill these objects; consumers (the CLI tables, the
report, compare) read them. ``to_json``/``from_json`` are pure; ``save``/``load`` are thin
wrappers, and ``save`` is atomic (write a temporary file, fsync, rename), so a crash at
any point leaves either the previous file or the new one, never half of one.

Fields this version does not know are kept in ``extra`` and written back unchanged, so a
file touched by an older harness loses nothing.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
STATUSES = ("ok", "unavailable", "failed", "wrong_result", "timeout")
# Run metadata: the selected workload packages that could not be loaded (none of their entries ran).
WORKLOAD_LOAD_FAILURES = "workload_load_failures"


class ResultsError(ValueError):
    """A results file is missing, corrupt or of an unknown schema version."""


@dataclass(frozen=True)
class Stats:
    """Summary of a sample of seconds (or any positive quantity), with every value kept."""

    median: float
    mean: float
    stdev: float
    min: float
    max: float
    values: list[float]

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        sample = [float(v) for v in values]
        if not sample:
            raise ValueError("Stats of an empty sample")
        stdev = statistics.stdev(sample) if len(sample) > 1 else 0.0
        return cls(
            median=statistics.median(sample),
            mean=statistics.fmean(sample),
            stdev=stdev,
            min=min(sample),
            max=max(sample),
            values=sample,
        )

    @property
    def relative_spread(self) -> float:
        """Standard deviation over the mean: the measurement's noise, as a fraction."""
        return self.stdev / self.mean if self.mean else math.inf

    def to_json(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "mean": self.mean,
            "stdev": self.stdev,
            "min": self.min,
            "max": self.max,
            "values": list(self.values),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stats:
        return cls.of(data["values"]) if data.get("values") else cls(**_known(cls, data))


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

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutsideCheck:
        return cls(**_known(cls, data))


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
    comparison: dict[str, Any]
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    mismatches: int = 0
    size: int = 0
    message: str = ""
    failed_on: str = ""
    nonfinite_mismatches: int = 0
    outside: list[OutsideCheck] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data["outside"] = [o.to_json() for o in self.outside]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        known = _known(cls, data)
        known["outside"] = [OutsideCheck.from_json(o) for o in data.get("outside") or []]
        return cls(**known)


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

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Failure:
        return cls(**_known(cls, data))


@dataclass
class Construction:
    """Cold construction in fresh processes: total seconds, named steps, JIT compile time.

    ``steps`` maps each named step to its median seconds over the cold runs; the steps
    add up to ``seconds``. ``jit_compile`` is measured from Numba's compile events and is
    contained in ``prepare``/``first_call``, not added to them. ``cache_load`` is the
    same construction in a process that finds Numba's on-disk cache warm.
    """

    seconds: Stats
    steps: dict[str, float]
    runs: int
    jit_compile: Stats | None = None
    cache_load: Stats | None = None
    cache_load_steps: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds.to_json(),
            "steps": dict(self.steps),
            "runs": self.runs,
            "jit_compile": self.jit_compile.to_json() if self.jit_compile else None,
            "cache_load": self.cache_load.to_json() if self.cache_load else None,
            "cache_load_steps": dict(self.cache_load_steps),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Construction:
        return cls(
            seconds=Stats.from_json(data["seconds"]),
            steps=dict(data.get("steps", {})),
            runs=int(data.get("runs", len(data["seconds"].get("values", [])))),
            jit_compile=_optional_stats(data.get("jit_compile")),
            cache_load=_optional_stats(data.get("cache_load")),
            cache_load_steps=dict(data.get("cache_load_steps", {})),
        )


@dataclass
class PlainLoop:
    """The same kernel timed by a plain ``timeit`` loop in one process, after a warm-up call.

    An outside view of the evaluation: pyperf's median over this median should be near 1;
    far from it, one of the two measured something other than the kernel (a missing
    warm-up, a compile, the harness's own overhead).
    """

    seconds: Stats  # per call, one value per repeat
    loops: int
    timer: str = "perf_counter"

    def to_json(self) -> dict[str, Any]:
        return {"seconds": self.seconds.to_json(), "loops": self.loops, "timer": self.timer}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlainLoop:
        return cls(Stats.from_json(data["seconds"]), int(data["loops"]), str(data.get("timer", "perf_counter")))


@dataclass
class CompileReport:
    """What the evaluation processes saw of Numba compiling (``harness.compile_watch``).

    ``processes_compiling``: workers that compiled while building the kernel or in their
    first call (the disk cache did not hold it); ``discarded_values``: timed values during
    which Numba compiled, thrown away and taken again; ``compiled_values_kept``: values
    that still compiled after the retakes, so the figure includes compilation.
    """

    processes: int
    processes_compiling: int = 0
    compile_seconds: float = 0.0  # median per compiling process
    discarded_values: int = 0
    compiled_values_kept: int = 0
    first_call_seconds: Stats | None = None  # each worker's untimed first call

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data["first_call_seconds"] = self.first_call_seconds.to_json() if self.first_call_seconds else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompileReport:
        known = _known(cls, data)
        known["first_call_seconds"] = _optional_stats(data.get("first_call_seconds"))
        return cls(**known)


@dataclass
class Evaluation:
    """Steady-state seconds per call from pyperf, and how they were gathered.

    ``planned_seconds`` is what the plan was expected to take against ``budget_seconds``
    (a plan never drops the warm-up to fit, so it may be over); ``plain_loop`` is the
    cross-check of the median against a plain loop; ``compiles`` what the processes saw
    of Numba compiling.
    """

    seconds: Stats
    processes: int
    values_per_process: int
    warmups: int
    loops: int
    timer: str = "perf_counter"
    pyperf_file: str | None = None  # relative to the results file's folder
    rate: dict[str, Any] | None = None
    planned_seconds: float | None = None
    budget_seconds: float | None = None
    plain_loop: PlainLoop | None = None
    compiles: CompileReport | None = None

    @property
    def plain_loop_ratio(self) -> float | None:
        """This median over the plain loop's: 1.0 when both measured the same thing."""
        if self.plain_loop is None or self.plain_loop.seconds.median <= 0:
            return None
        return self.seconds.median / self.plain_loop.seconds.median

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data["seconds"] = self.seconds.to_json()
        data["plain_loop"] = self.plain_loop.to_json() if self.plain_loop else None
        data["compiles"] = self.compiles.to_json() if self.compiles else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evaluation:
        known = _known(cls, data)
        known["seconds"] = Stats.from_json(data["seconds"])
        known["plain_loop"] = PlainLoop.from_json(data["plain_loop"]) if data.get("plain_loop") else None
        known["compiles"] = CompileReport.from_json(data["compiles"]) if data.get("compiles") else None
        return cls(**known)


@dataclass(frozen=True)
class EntryWarning:
    """Why a figure of this entry should not be taken as it is, found while measuring it.

    ``kind`` is a short fixed name (``compile_in_evaluation``, ``not_cacheable``,
    ``timing_disagreement``, ...); ``message`` says what was seen and what to do.
    """

    kind: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntryWarning:
        return cls(str(data["kind"]), str(data["message"]))


@dataclass
class Entry:
    """One workload, backend, parameter set and thread count: its status and figures."""

    workload: str
    backend: str
    params: dict[str, Any]
    threads: int | None = None
    status: str = "ok"
    reason: str = ""
    check: Check | None = None
    construction: Construction | None = None
    evaluation: Evaluation | None = None
    calls_per_evaluation: dict[str, int] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None
    warnings: list[EntryWarning] = field(default_factory=list)
    failure: Failure | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ResultsError(
                f"unknown entry status {self.status!r}; choose from: {', '.join(STATUSES)}"
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

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
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
            "profile": self.profile,
            "warnings": [w.to_json() for w in self.warnings],
        }
        if self.failure is not None:  # only failed entries have the key, so other files read as before
            data["failure"] = self.failure.to_json()
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        names = {f.name for f in fields(cls)}
        return cls(
            workload=data["workload"],
            backend=data["backend"],
            params=dict(data.get("params", {})),
            threads=data.get("threads"),
            status=data.get("status", "ok"),
            reason=data.get("reason", ""),
            check=Check.from_json(data["check"]) if data.get("check") else None,
            construction=(
                Construction.from_json(data["construction"]) if data.get("construction") else None
            ),
            evaluation=(
                Evaluation.from_json(data["evaluation"]) if data.get("evaluation") else None
            ),
            calls_per_evaluation=data.get("calls_per_evaluation"),
            info=dict(data.get("info", {})),
            profile=data.get("profile"),
            warnings=[EntryWarning.from_json(w) for w in data.get("warnings") or []],
            failure=Failure.from_json(data["failure"]) if data.get("failure") else None,
            extra={k: v for k, v in data.items() if k not in names},
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

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "metadata": dict(self.metadata),
            "entries": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: Any, source: str = "results") -> Run:
        if not isinstance(data, dict) or "schema_version" not in data:
            raise ResultsError(f"{source} is not a harness results file (no schema_version)")
        version = data["schema_version"]
        if version != SCHEMA_VERSION:
            raise ResultsError(
                f"{source} has schema_version {version!r}; this harness reads version "
                f"{SCHEMA_VERSION}. Re-run the benchmarks or use a harness of that version."
            )
        try:
            entries = [Entry.from_json(e) for e in data.get("entries", [])]
        except (KeyError, TypeError) as error:
            raise ResultsError(f"{source} has a malformed entry: {error!r}") from error
        return cls(metadata=dict(data.get("metadata", {})), entries=entries)


def entry_key(
    workload: str, backend: str, params: dict[str, Any], threads: int | None
) -> tuple[str, str, str, int | None]:
    return (workload, backend, json.dumps(params, sort_keys=True), threads)


def save(run: Run, path: Path) -> None:
    """Write ``run`` to ``path`` atomically."""
    write_json_atomic(path, run.to_json())


def load(path: Path) -> Run:
    """Read a results file, with an error that names the file and what is wrong."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise ResultsError(f"cannot read results file {path}: {error.strerror}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path} is not valid JSON ({error}); is it truncated?") from error
    return Run.from_json(data, source=str(path))


def write_json_atomic(path: Path, data: Any) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as stream:
            json.dump(data, stream, indent=1, allow_nan=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _figure(value: float) -> str:
    """A checked figure as people write it: 1,148,485 for whole numbers, else 6 digits."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def _optional_stats(data: dict[str, Any] | None) -> Stats | None:
    return Stats.from_json(data) if data else None


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}

