"""``run --shard K/N``: a deterministic part of a selection, balanced by expected time.

N machines of one kind each run one shard of the same selection; ``harness merge`` joins
their results files into one run. For the N parts to finish at about the same time, each
entry gets an expected number of seconds and the entries are dealt out by greedy longest
processing time (LPT): longest first (ties by the entry's key), each to the least-loaded
shard (ties to the lowest index). LPT's longest shard is within 4/3 - 1/(3N) of the best
possible (Graham, "Bounds on multiprocessing timing anomalies", 1969).

Expected seconds come from the newest comparable results file in ``results/<machine>/``
(an entry's ``info.measured_in_seconds``: what the runner measured its check, cold
constructions, cache loads and evaluation to take), otherwise from the plan: the
evaluation budget plus a construction estimate per backend kind for each cold run
(``PLAN_CONSTRUCTION_SECONDS``).

The assignment depends only on the selection, the shard count, the machine name and the
results files committed in the tree: files are chosen by the time recorded in them, never
by a file's modification time or the host, so every shard job of one kind at one commit
(CI jobs on fresh checkouts of one tree) computes the same assignment and the N shards
together hold each entry of the selection exactly once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.json_fields import FieldError, Fields
from harness.core.results import ResultsError, Run, entry_key, load

Key = tuple[str, str, str, int | None]
PLAN = "plan"  # expected seconds taken from the plan, not from a results file
# Seconds one cold construction run is expected to take, per backend: an interpreter and
# its imports for the interpreted and ahead-of-time compiled backends; Numba's compile on
# top for the JIT ones (which also get as many cache-load runs, counted in the figure).
PLAN_CONSTRUCTION_SECONDS = {
    "python": 0.5,
    "numpy": 0.5,
    "cython": 0.5,
    "numba": 4.0,
    "numba_parallel": 4.0,
    "cuda": 4.0,
}
UNKNOWN_BACKEND_CONSTRUCTION_SECONDS = 4.0


class ShardError(ValueError):
    """A shard that cannot be: a bad ``K/N``, or a shard record that does not hold together."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ShardError(f"--shard {self}: N must be at least 1 (the form is K/N, 1 <= K <= N)")
        if not 1 <= self.index <= self.count:
            raise ShardError(f"--shard {self}: K must be 1 to {self.count}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/3"`` as a Shard; ``ShardError`` naming the valid form for anything else."""
        match = re.fullmatch(r"\s*(-?\d+)\s*/\s*(-?\d+)\s*", text)
        if not match:
            raise ShardError(f"--shard {text}: takes K/N, e.g. 2/3 (shard K of N, 1 <= K <= N)")
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Assignment:
    """One shard's part of a selection, and what it was balanced with."""

    shard: Shard
    selection: list[Key]  # the whole selection's keys, in run order
    assigned: list[Key]  # this shard's keys, in run order
    balanced_from: str  # a results file's path, or "plan"
    expected_seconds: float  # this shard's expected total

    def to_json(self) -> dict[str, object]:
        """``metadata.shard`` of the shard's results file."""
        return {
            "index": self.shard.index,
            "count": self.shard.count,
            "selection": [key_to_json(key) for key in self.selection],
            "assigned": [key_to_json(key) for key in self.assigned],
            "balanced_from": self.balanced_from,
            "expected_seconds": round(self.expected_seconds, 3),
        }


def key_to_json(key: Key) -> dict[str, object]:
    workload, backend, params, threads = key
    return {"workload": workload, "backend": backend, "params": json.loads(params), "threads": threads}


def key_from_json(fields: Fields) -> Key:
    return entry_key(
        fields.text("workload"),
        fields.text("backend"),
        fields.mapping("params", {}),
        fields.optional_integer("threads", minimum=1),
    )


def key_text(key: Key) -> str:
    """A key as text: a total order for ties (``None`` threads do not sort beside numbers)."""
    return json.dumps(list(key))


def read_shard_record(data: object, source: str) -> tuple[Shard, list[Key], list[Key]]:
    """``metadata.shard`` of a results file: the shard, the whole selection and its own part."""
    try:
        fields = Fields(data, "metadata.shard")
        shard = Shard(fields.integer("index", minimum=1), fields.integer("count", minimum=1))
        selection = [key_from_json(item) for item in fields.each_fields("selection")]
        assigned = [key_from_json(item) for item in fields.each_fields("assigned")]
    except (FieldError, ShardError) as error:
        raise ResultsError(f"{source}: {error}") from None
    return shard, selection, assigned


# -- balance ------------------------------------------------------------------------------


def balance(expected: Mapping[Key, float], count: int) -> list[list[Key]]:
    """The keys dealt into ``count`` shards by greedy LPT (see the module docstring).

    Each list is in the order the keys were dealt; every key is in exactly one list, and
    shards beyond the number of keys are empty.
    """
    loads = [0.0] * count
    shards: list[list[Key]] = [[] for _ in range(count)]
    for key in sorted(expected, key=lambda k: (-expected[k], key_text(k))):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        shards[lightest].append(key)
        loads[lightest] += expected[key]
    return shards


def plan_seconds(backend: str, budget: float, construction_runs: int) -> float:
    """An entry's expected seconds without a measurement: its budget and its cold constructions."""
    construction = PLAN_CONSTRUCTION_SECONDS.get(backend, UNKNOWN_BACKEND_CONSTRUCTION_SECONDS)
    return budget + construction_runs * construction


def measured_seconds(run: Run | None) -> dict[Key, float]:
    """What each entry of ``run`` took to measure, where the runner recorded it."""
    found: dict[Key, float] = {}
    for entry in run.entries if run else ():
        seconds = entry.info.get("measured_in_seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and math.isfinite(seconds):
            found[entry.key] = max(float(seconds), 0.0)
    return found


def expected_seconds(
    selection: Sequence[Key], measured: Mapping[Key, float], budget: float, construction_runs: int
) -> dict[Key, float]:
    """Each key's measured seconds, or the plan's figure for keys without a measurement."""
    return {
        key: measured[key] if key in measured else plan_seconds(key[1], budget, construction_runs)
        for key in selection
    }


def assign(
    shard: Shard,
    selection: Sequence[Key],
    expected: Mapping[Key, float],
    balanced_from: str,
) -> Assignment:
    """Shard ``shard``'s part of ``selection`` (kept in run order)."""
    parts = balance({key: expected[key] for key in selection}, shard.count)
    mine = set(parts[shard.index - 1])
    assigned = [key for key in selection if key in mine]
    total = sum(expected[key] for key in assigned)
    return Assignment(shard, list(selection), assigned, balanced_from, total)


# -- where expected times come from ------------------------------------------------------


def newest_comparable(folder: Path, preset: str, selection: Sequence[Key]) -> tuple[Path, Run] | None:
    """The newest results file in ``folder`` (one machine's) measured at ``preset`` that
    holds an entry of ``selection``; shard files are left out (they hold part of a run,
    and a shard of this very run may be writing one). Newest by the time recorded in the
    file, then by name: never by modification time, which a fresh checkout resets.
    """
    wanted = set(selection)
    candidates: list[tuple[str, str, Path, Run]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            run = load(path)
        except ResultsError:
            continue  # an unreadable file balances nothing; `report` names it
        if "shard" in run.metadata or run.metadata.get("preset") != preset:
            continue
        if any(entry.key in wanted for entry in run.entries):
            candidates.append((str(run.metadata.get("utc_time", "")), path.name, path, run))
    if not candidates:
        return None
    _, _, path, run = max(candidates, key=lambda c: (c[0], c[1]))
    return path, run


def balance_source(
    balance_from: str | None, results_folder: Path, preset: str, selection: Sequence[Key]
) -> tuple[str, Run | None]:
    """Where expected times come from: ``--balance-from FILE``, ``none`` (the plan), or by
    default the newest comparable file in ``results_folder``; its name and its run."""
    if balance_from == "none":
        return PLAN, None
    if balance_from is not None:
        return balance_from, load(Path(balance_from))
    found = newest_comparable(results_folder, preset, selection)
    if found is None:
        return PLAN, None
    path, run = found
    return str(path), run
