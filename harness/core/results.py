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
import math
import os
import statistics
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.core.json_fields import MISSING as MISSING_FIELD
from harness.core.json_fields import FieldError, Fields
from harness.core.profiles import Profile

SCHEMA_VERSION = 1
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
    def from_json(cls, data: Any, where: str = "seconds", *, positive: bool = True) -> Stats:
        """Statistics of timings: every value finite, and above zero when ``positive``."""
        fields = Fields(data, where)
        values = fields.timings("values", positive=positive)
        if values:  # the summary is recomputed from them; one stored beside them must still be a timing
            for name in ("median", "mean", "stdev", "min", "max"):
                if name in fields.data:
                    fields.seconds(name, positive=False)
            return cls.of(values)
        return cls(
            median=fields.seconds("median", positive=positive),
            mean=fields.seconds("mean", positive=positive),
            stdev=fields.seconds("stdev", positive=False),
            min=fields.seconds("min", positive=positive),
            max=fields.seconds("max", positive=positive),
            values=[],
        )


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
    def from_json(cls, data: Any, where: str = "outside") -> OutsideCheck:
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
    def from_json(cls, data: Any, where: str = "check") -> Check:
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

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, data: Any, where: str = "failure") -> Failure:
        fields = Fields(data, where)
        return cls(
            phase=fields.text("phase"),
            step=fields.text("step", ""),
            error_type=fields.text("error_type", ""),
            message=fields.text("message", ""),
            output_tail=fields.text("output_tail", ""),
        )


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
    def from_json(cls, data: Any, where: str = "construction") -> Construction:
        fields = Fields(data, where)
        seconds = Stats.from_json(fields.get("seconds", MISSING_FIELD), fields.at("seconds"), positive=False)
        return cls(
            seconds=seconds,
            steps=fields.seconds_by_name("steps"),
            runs=fields.integer("runs", len(seconds.values)),
            jit_compile=_optional_stats(fields, "jit_compile", positive=False),
            cache_load=_optional_stats(fields, "cache_load", positive=False),
            cache_load_steps=fields.seconds_by_name("cache_load_steps"),
        )


@dataclass
class PlainLoop:
    """The same kernel timed by plain ``timeit`` loops, one per process, after a warm-up call.

    An outside view of the evaluation: pyperf's median over this median should be near 1;
    far from it, one of the two measured something other than the kernel (a missing
    warm-up, a compile, the harness's own overhead). A process is one sample, as it is
    for pyperf (a process's memory layout can set its speed), so ``seconds`` holds one
    value per process, the median of that process's values (``values``, per call).
    """

    seconds: Stats  # per call: each process's median
    loops: int
    values: list[list[float]] = field(default_factory=list)  # per process, per call
    timer: str = "perf_counter"

    @classmethod
    def pooled(cls, loops: Sequence[dict[str, Any]]) -> PlainLoop | None:
        """One PlainLoop from the plain loops of several processes (``plain_loop`` findings)."""
        values = [list(loop["seconds"]["values"]) for loop in loops]
        if not values:
            return None
        return cls(Stats.of(statistics.median(v) for v in values), int(loops[0]["loops"]), values)

    def to_json(self) -> dict[str, Any]:
        return {"seconds": self.seconds.to_json(), "loops": self.loops, "values": self.values, "timer": self.timer}

    @classmethod
    def from_json(cls, data: Any, where: str = "plain_loop") -> PlainLoop:
        fields = Fields(data, where)
        per_process = [Fields({"values": v}, f"{fields.at('values')}[{i}]").timings("values")
                       for i, v in enumerate(fields.optional_items("values"))]
        return cls(
            Stats.from_json(fields.get("seconds", MISSING_FIELD), fields.at("seconds")),
            fields.integer("loops", minimum=1),
            per_process,
            fields.text("timer", "perf_counter"),
        )


@dataclass
class CompileReport:
    """What the evaluation processes saw of Numba compiling (``harness.run.compile_watch``).

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
    def from_json(cls, data: Any, where: str = "compiles") -> CompileReport:
        fields = Fields(data, where)
        return cls(
            processes=fields.integer("processes"),
            processes_compiling=fields.integer("processes_compiling", 0),
            compile_seconds=fields.seconds("compile_seconds", 0.0, positive=False),
            discarded_values=fields.integer("discarded_values", 0),
            compiled_values_kept=fields.integer("compiled_values_kept", 0),
            first_call_seconds=_optional_stats(fields, "first_call_seconds", positive=False),
        )


@dataclass
class Evaluation:
    """Steady-state seconds per call from pyperf, and how they were gathered.

    ``planned_seconds`` is what the plan was expected to take against ``budget_seconds``
    (a plan never drops the warm-up to fit, so it may be over); ``plain_loop`` is the
    cross-check of the median against plain loops in processes that run the code pyperf's
    workers run (for a JIT backend, processes that loaded it from Numba's cache);
    ``fresh_plain_loop``, for a JIT backend, the plain loop of the process that compiled
    it, since cached and freshly compiled code need not run at one speed; ``compiles``
    what the processes saw of Numba compiling.
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
    fresh_plain_loop: PlainLoop | None = None
    compiles: CompileReport | None = None

    @property
    def plain_loop_ratio(self) -> float | None:
        """This median over the plain loop's: 1.0 when both measured the same thing."""
        if self.plain_loop is None or self.plain_loop.seconds.median <= 0:
            return None
        return self.seconds.median / self.plain_loop.seconds.median

    def values_by_process(self) -> list[list[float]] | None:
        """The values in run order, one list per pyperf worker process (pyperf keeps a run's
        values together, ``values_per_process`` each); None where they do not divide into
        whole processes, so the grouping is unknown."""
        values, count = self.seconds.values, self.values_per_process
        if count < 1 or not values or len(values) % count:
            return None
        return [values[start:start + count] for start in range(0, len(values), count)]

    @property
    def process_medians(self) -> list[float]:
        """Each evaluation process's median; the overall median alone where the grouping is unknown."""
        groups = self.values_by_process()
        return [statistics.median(group) for group in groups] if groups else [self.seconds.median]

    @property
    def cache_speed_ratio(self) -> float | None:
        """The cached code's plain-loop median over the freshly compiled code's."""
        if self.plain_loop is None or self.fresh_plain_loop is None or self.fresh_plain_loop.seconds.median <= 0:
            return None
        return self.plain_loop.seconds.median / self.fresh_plain_loop.seconds.median

    def to_json(self) -> dict[str, Any]:
        data = _plain(self)
        data["seconds"] = self.seconds.to_json()
        data["plain_loop"] = self.plain_loop.to_json() if self.plain_loop else None
        data["fresh_plain_loop"] = self.fresh_plain_loop.to_json() if self.fresh_plain_loop else None
        data["compiles"] = self.compiles.to_json() if self.compiles else None
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "evaluation") -> Evaluation:
        """The evaluation, its timings finite and above zero (readers divide by them)."""
        fields = Fields(data, where)
        plain_loop, compiles = fields.optional_mapping("plain_loop"), fields.optional_mapping("compiles")
        fresh_plain_loop = fields.optional_mapping("fresh_plain_loop")
        return cls(
            seconds=Stats.from_json(fields.get("seconds", MISSING_FIELD), fields.at("seconds")),
            processes=fields.integer("processes"),
            values_per_process=fields.integer("values_per_process"),
            warmups=fields.integer("warmups"),
            loops=fields.integer("loops", minimum=1),
            timer=fields.text("timer", "perf_counter"),
            pyperf_file=fields.optional_text("pyperf_file"),
            rate=_rate(fields),
            planned_seconds=fields.optional_seconds("planned_seconds", positive=False),
            budget_seconds=fields.optional_seconds("budget_seconds"),
            plain_loop=PlainLoop.from_json(plain_loop, fields.at("plain_loop")) if plain_loop else None,
            fresh_plain_loop=(
                PlainLoop.from_json(fresh_plain_loop, fields.at("fresh_plain_loop")) if fresh_plain_loop else None
            ),
            compiles=CompileReport.from_json(compiles, fields.at("compiles")) if compiles else None,
        )


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
    def from_json(cls, data: Any, where: str = "warning") -> EntryWarning:
        fields = Fields(data, where)
        return cls(fields.text("kind"), fields.text("message"))


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
    profile: Profile | None = None
    warnings: list[EntryWarning] = field(default_factory=list)
    failure: Failure | None = None
    # The machine facts (MACHINE_FIELDS) of an entry merged from shards run on machines of
    # different kinds (`merge --allow-mixed-machines`); None: the run's metadata holds them.
    machine: dict[str, Any] | None = None
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
            "profile": self.profile.to_json() if self.profile else None,
            "warnings": [w.to_json() for w in self.warnings],
        }
        if self.failure is not None:  # only failed entries have the key, so other files read as before
            data["failure"] = self.failure.to_json()
        if self.machine is not None:  # only in runs merged from mixed machines
            data["machine"] = dict(self.machine)
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "entry") -> Entry:
        """An entry, every field the harness reads checked (``FieldError`` names the one that is wrong)."""
        fields = Fields(data, where)
        names = {f.name for f in dataclasses.fields(cls)}
        status = fields.text("status", "ok")
        if status not in STATUSES:
            raise fields.wrong("status", f"one of {', '.join(STATUSES)}", status)
        part = {name: fields.optional_mapping(name) for name in ("check", "construction", "evaluation")}
        return cls(
            workload=fields.text("workload"),
            backend=fields.text("backend"),
            params=fields.mapping("params", {}),
            threads=fields.optional_integer("threads", minimum=1),
            status=status,
            reason=fields.text("reason", ""),
            check=Check.from_json(part["check"], fields.at("check")) if part["check"] else None,
            construction=_part(Construction, part["construction"], fields.at("construction")),
            evaluation=_part(Evaluation, part["evaluation"], fields.at("evaluation")),
            calls_per_evaluation=_calls(fields),
            info=dict(fields.mapping("info", {})),
            profile=_part(Profile, fields.optional_mapping("profile"), fields.at("profile")),
            warnings=[EntryWarning.from_json(w.data, w.path) for w in fields.each_fields("warnings")],
            failure=_part(Failure, fields.optional_mapping("failure"), fields.at("failure")),
            machine=_entry_machine(fields),
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

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "metadata": dict(self.metadata),
            "entries": [e.to_json() for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: Any, source: str = "results") -> Run:
        """A run; ``ResultsError`` naming ``source``, the field and what is wrong with it."""
        if not isinstance(data, dict) or "schema_version" not in data:
            raise ResultsError(f"{source} is not a harness results file (no schema_version)")
        version = data["schema_version"]
        if version != SCHEMA_VERSION:
            raise ResultsError(
                f"{source} has schema_version {version!r}; this harness reads version "
                f"{SCHEMA_VERSION}. Re-run the benchmarks or use a harness of that version."
            )
        try:
            fields = Fields(data, "")
            metadata = checked_metadata(fields.fields("metadata", {}))
            entries = [Entry.from_json(e.data, e.path) for e in fields.each_fields("entries")]
        except FieldError as error:
            raise ResultsError(f"{source}: {error}") from None
        return cls(metadata=metadata, entries=entries)


def entry_key(
    workload: str, backend: str, params: dict[str, Any], threads: int | None
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


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically, readable as any new file is (umask applies)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, NEW_FILE_MODE)  # mkstemp makes 0600, a plain open() 0666 less the umask
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


def _optional_stats(fields: Fields, name: str, *, positive: bool = True) -> Stats | None:
    data = fields.optional_mapping(name)
    return Stats.from_json(data, fields.at(name), positive=positive) if data else None


def _extra(fields: Fields, known: set[str]) -> dict[str, Any]:
    """Fields this model does not name, kept as they are; instruction counts checked (compare divides)."""
    counts = fields.optional_fields("instructions")
    if counts is not None:
        counts.seconds("per_call")
    return {k: v for k, v in fields.data.items() if k not in known}


def _part(kind: Any, data: dict[str, Any] | None, where: str) -> Any:
    """``kind.from_json(data, where)``, or None for an absent or empty part."""
    return kind.from_json(data, where) if data else None


def _rate(fields: Fields) -> dict[str, Any] | None:
    rate = fields.optional_fields("rate")
    if rate is None:
        return None
    rate.seconds("value", positive=False)
    rate.text("unit")
    return rate.data


def machine_facts(entry: Entry, metadata: dict[str, Any]) -> dict[str, Any]:
    """The machine that measured ``entry``: its own facts, else its run's."""
    if entry.machine is not None:
        return {name: entry.machine.get(name) for name in MACHINE_FIELDS}
    return {name: metadata.get(name) for name in MACHINE_FIELDS}


def _entry_machine(fields: Fields) -> dict[str, Any] | None:
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


def _current_umask() -> int:
    mask = os.umask(0)  # the only way to read it; set back at once, at import
    os.umask(mask)
    return mask


NEW_FILE_MODE = 0o666 & ~_current_umask()


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}

