"""The timed parts of a results entry: summary statistics, the construction phase, the
evaluation phase, the plain-loop cross-check and what Numba compiled while they ran."""


from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.entry_parts import plain
from harness.core.json_fields import MISSING as MISSING_FIELD
from harness.core.json_fields import Fields, JSONOut


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

    def to_json(self) -> JSONOut:
        return {
            "median": self.median,
            "mean": self.mean,
            "stdev": self.stdev,
            "min": self.min,
            "max": self.max,
            "values": list(self.values),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "seconds", *, positive: bool = True) -> Stats:
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

    def to_json(self) -> JSONOut:
        return {
            "seconds": self.seconds.to_json(),
            "steps": dict(self.steps),
            "runs": self.runs,
            "jit_compile": self.jit_compile.to_json() if self.jit_compile else None,
            "cache_load": self.cache_load.to_json() if self.cache_load else None,
            "cache_load_steps": dict(self.cache_load_steps),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "construction") -> Construction:
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

    def to_json(self) -> JSONOut:
        return {"seconds": self.seconds.to_json(), "loops": self.loops, "values": self.values, "timer": self.timer}

    @classmethod
    def from_json(cls, data: object, where: str = "plain_loop") -> PlainLoop:
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

    def to_json(self) -> JSONOut:
        data = plain(self)
        data["first_call_seconds"] = self.first_call_seconds.to_json() if self.first_call_seconds else None
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "compiles") -> CompileReport:
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

    def to_json(self) -> JSONOut:
        data = plain(self)
        data["seconds"] = self.seconds.to_json()
        data["plain_loop"] = self.plain_loop.to_json() if self.plain_loop else None
        data["fresh_plain_loop"] = self.fresh_plain_loop.to_json() if self.fresh_plain_loop else None
        data["compiles"] = self.compiles.to_json() if self.compiles else None
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "evaluation") -> Evaluation:
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


def _optional_stats(fields: Fields, name: str, *, positive: bool = True) -> Stats | None:
    data = fields.optional_mapping(name)
    return Stats.from_json(data, fields.at(name), positive=positive) if data else None


def _rate(fields: Fields) -> dict[str, Any] | None:
    rate = fields.optional_fields("rate")
    if rate is None:
        return None
    rate.seconds("value", positive=False)
    rate.text("unit")
    return rate.data
