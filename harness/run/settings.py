"""What a run was asked to do, stored in its results file so ``--resume FILE`` can continue it.

``RunSettings`` is built once per command at the edge (``harness.cli.main``) and saved as
``metadata.settings``: the selection (preset, workloads, backends, threads, parameter
overrides, workload directories) and how hard to measure (budget, time-out, memory
limit, cold construction runs). A resumed run takes them from the file; options given
with ``--resume`` may only narrow the selection (checked by the CLI against the
entries both selections plan).

A shard of a run (``run --shard K/N``) stores its shard and where its expected times
came from (``shard``, ``balance_from``) beside the rest; a resumed shard keeps them, and
runs the part recorded in ``metadata.shard``, never a part computed again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.core.results import ResultsError
from harness.run.shards import Shard, ShardError

GIB = 2**30
MEMORY_FRACTION = 0.8  # of the memory available when a run starts: the default per-step limit


@dataclass(frozen=True)
class RunSettings:
    """The selection and measurement options of a run (``metadata.settings``)."""

    preset: str
    workloads: tuple[str, ...]
    backends: tuple[str, ...] = ()  # empty: every backend
    threads: tuple[int, ...] = ()
    params: Mapping[str, object] = field(default_factory=dict)
    workload_dirs: tuple[str, ...] = ()
    budget: float = 8.0
    timeout: float = 600.0
    memory_limit_gib: float = 1.0
    construction_runs: int = 3
    shard: Shard | None = None  # None: the whole selection
    balance_from: str | None = None  # --balance-from as given: a results file, "none", or None (newest)

    @property
    def memory_limit_bytes(self) -> int:
        return int(self.memory_limit_gib * GIB)

    def to_json(self) -> dict[str, object]:
        return {
            "preset": self.preset,
            "workloads": list(self.workloads),
            "backends": list(self.backends),
            "threads": list(self.threads),
            "params": dict(self.params),
            "workload_dirs": list(self.workload_dirs),
            "budget": self.budget,
            "timeout": self.timeout,
            "memory_limit_gib": self.memory_limit_gib,
            "construction_runs": self.construction_runs,
            **self.shard_json(),
        }

    def shard_json(self) -> dict[str, object]:
        """The shard's part of the JSON: nothing for a whole run, so its settings read as before."""
        if self.shard is None:
            return {}
        return {"shard": str(self.shard), "balance_from": self.balance_from}

    def without_shard(self) -> dict[str, object]:
        """The settings every shard of one run shares: all but the shard and the memory limit
        (a default taken from each machine's available memory; it changes no figure of an ok entry)."""
        data = self.to_json()
        for name in ("shard", "balance_from", "memory_limit_gib"):
            data.pop(name, None)
        return data

    @classmethod
    def from_json(cls, data: object, source: str) -> RunSettings:
        """Settings read back from a results file; ``ResultsError`` naming the field if malformed."""
        where = f"{source}: metadata.settings"
        if not isinstance(data, dict):
            raise ResultsError(f"{where} must be an object; found {type(data).__name__}")
        return cls(
            preset=_text(data, "preset", where),
            workloads=tuple(_texts(data, "workloads", where)),
            backends=tuple(_texts(data, "backends", where)),
            threads=tuple(_whole_numbers(data, "threads", where)),
            params=_object(data, "params", where),
            workload_dirs=tuple(_texts(data, "workload_dirs", where)),
            budget=_positive(data, "budget", where),
            timeout=_positive(data, "timeout", where),
            memory_limit_gib=_positive(data, "memory_limit_gib", where),
            construction_runs=int(_positive(data, "construction_runs", where)),
            shard=_shard(data, where),
            balance_from=_optional_text(data, "balance_from", where),
        )


def default_memory_limit_gib() -> float:
    """``MEMORY_FRACTION`` of the memory available now (free plus reclaimable), in GiB.

    Only one step of one entry runs at a time, so one child tree may use most of what is
    free; the rest is left to the harness and to whatever else the machine runs, so a
    runaway backend is stopped by its guard before the kernel's OOM killer picks a victim.
    """
    import psutil  # only a run without --memory-limit needs it; every CLI command imports this module

    return math.floor(MEMORY_FRACTION * psutil.virtual_memory().available / GIB * 10) / 10 or 0.1


def _missing(where: str, name: str, expected: str, value: object) -> ResultsError:
    return ResultsError(f"{where}.{name} must be {expected}; found {value!r}")


def _text(data: Mapping[str, object], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise _missing(where, name, "a string", value)
    return value


def _optional_text(data: Mapping[str, object], name: str, where: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise _missing(where, name, "a string or null", value)
    return value


def _shard(data: Mapping[str, object], where: str) -> Shard | None:
    text = _optional_text(data, "shard", where)
    try:
        return None if text is None else Shard.parse(text)
    except ShardError as error:
        raise ResultsError(f"{where}.shard: {error}") from None


def _texts(data: Mapping[str, object], name: str, where: str) -> Sequence[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _missing(where, name, "a list of strings", value)
    return value


def _whole_numbers(data: Mapping[str, object], name: str, where: str) -> Sequence[int]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise _missing(where, name, "a list of positive integers", value)
    return value


def _object(data: Mapping[str, object], name: str, where: str) -> dict[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise _missing(where, name, "an object", value)
    return dict(value)


def _positive(data: Mapping[str, object], name: str, where: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise _missing(where, name, "a finite positive number", value)
    return float(value)
