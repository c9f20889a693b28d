"""The entries a run measures, and how hard: one ``EntryPlan`` per workload, case, backend
and thread count, a ``Measurement`` per preset, and the environment each entry's child
processes get (run-private build caches, the workload path, the thread count).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core import c_build, cython_build
from harness.core.json_fields import JSONObject
from harness.core.registry import WORKLOAD_PATH_VARIABLE
from harness.core.results import Entry, entry_key
from harness.core.workload import Workload


@dataclass(frozen=True)
class Measurement:
    """How hard to measure: cold construction runs, evaluation budget, per-entry time-out,
    and the resident memory (bytes) one step's processes may use together (None: no limit)."""

    construction_runs: int
    evaluation_budget: float
    timeout: float
    memory_limit: int | None = None


# One cold construction per entry below ``full``: the check run is it, and its warm cache
# serves the evaluation's workers. ``full`` takes three, for the spread of compile times.
PRESET_MEASUREMENT = {
    "quick": Measurement(construction_runs=1, evaluation_budget=1.0, timeout=180.0),
    "default": Measurement(construction_runs=1, evaluation_budget=8.0, timeout=600.0),
    "full": Measurement(construction_runs=3, evaluation_budget=8.0, timeout=600.0),
}


def measurement_for(preset: str) -> Measurement:
    return PRESET_MEASUREMENT.get(preset, PRESET_MEASUREMENT["default"])


@dataclass(frozen=True)
class EntryPlan:
    """One entry to run: a workload, a backend, one parameter set and a thread count."""

    workload: Workload
    backend: str
    params: JSONObject
    threads: int | None = None

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return entry_key(self.workload.name, self.backend, self.params, self.threads)

    def entry(self, **fields: Any) -> Entry:  # Any: each of Entry's keyword arguments
        return Entry(
            workload=self.workload.name,
            backend=self.backend,
            params=dict(self.params),
            threads=self.threads,
            **fields,
        )

    @property
    def label(self) -> str:
        return self.entry().label


def plan_entries(
    workloads: Sequence[Workload],
    backends: Sequence[str],
    preset: str,
    thread_counts: Sequence[int],
    overrides: Mapping[str, object] | None = None,
) -> list[EntryPlan]:
    """Every (workload, case, backend, threads) the selection asks for, in run order."""
    plans = []
    for workload in workloads:
        cases = [{**case, **(overrides or {})} for case in workload.cases(preset)]
        unique = list({json.dumps(c, sort_keys=True): c for c in cases}.values())  # overrides can merge cases
        for params in unique:
            for backend in workload.backends:
                if backends and backend not in backends:
                    continue
                if backend == "numba_parallel":
                    plans += [EntryPlan(workload, backend, params, t) for t in thread_counts]
                else:
                    plans.append(EntryPlan(workload, backend, params))
    return plans


def child_environment(plan: EntryPlan, cache_dir: Path, workload_dirs: Sequence[Path]) -> dict[str, str]:
    """A child's environment: run-private build caches, the workload path, the thread count.

    Python's fault handler is on, so a child that segfaults writes its Python stack to its
    log, and the entry's failure shows where it died.
    """
    env = entry_environment(plan.threads, cache_dir, workload_dirs)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return env


def entry_environment(
    threads: int | None,
    cache_dir: Path,
    workload_dirs: Sequence[Path],
    base: dict[str, str] | None = None,
) -> dict[str, str]:
    """``base`` (default: this process's environment) with an entry's cache, workload path and threads.

    Every build a backend makes on first use goes into ``cache_dir``: Numba's, the c
    backend's libraries and a user's compiled ``.pyx`` (a folder each), so an entry's cold
    construction includes its compile, as it does for a JIT, and no build made by another
    entry or an earlier run is loaded in its place.
    """
    env = dict(os.environ if base is None else base)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env[c_build.CACHE_VARIABLE] = str(cache_dir / "c")
    env[cython_build.CACHE_VARIABLE] = str(cache_dir / "cython")
    env["PYTHONUNBUFFERED"] = "1"
    paths = [str(d) for d in workload_dirs]
    if env.get(WORKLOAD_PATH_VARIABLE):
        paths.append(env[WORKLOAD_PATH_VARIABLE])
    if paths:
        env[WORKLOAD_PATH_VARIABLE] = os.pathsep.join(paths)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    return env
