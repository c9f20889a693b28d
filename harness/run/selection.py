"""What a command runs: the selected workloads, backends, thread counts and parameters,
checked and planned into entries. Library code: errors are raised as ``UsageError``, which
the command line turns into a message and exit code 2."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.registry import LoadFailure, Selection, discover_workloads, select_discovered
from harness.core.results import WORKLOAD_LOAD_FAILURES, Run
from harness.core.workload import BACKENDS, Workload
from harness.run.entries import EntryPlan, plan_entries
from harness.run.settings import RunSettings
from harness.run.shards import Key


class UsageError(ValueError):
    """The command line asks for something that does not exist or cannot be done."""


DEFAULT_PRESET = "default"


def workload_selection(names: Sequence[str], preset: str, dirs: Sequence[str]) -> Selection:
    """The selected workloads that have the preset, and the selected packages that failed to load."""
    selection = select_discovered(discover_workloads(dirs), names)
    having = [w for w in selection.workloads if preset in w.presets]
    if selection.workloads and not having:
        presets = sorted({p for w in selection.workloads for p in w.presets})
        raise UsageError(f"no selected workload has preset {preset!r}; choose from: {', '.join(presets)}")
    return Selection(having, selection.failures)


def selected_backends(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in BACKENDS]
    if unknown:
        raise UsageError(f"unknown backend {', '.join(map(repr, unknown))}; choose from: {', '.join(BACKENDS)}")
    return list(dict.fromkeys(names))


def thread_counts(text: str | None, *, with_one: bool = False) -> list[int]:
    """numba_parallel's thread counts: ``text`` (``1,2``), else all cores (and 1, if asked:
    ``run`` measures one thread beside all cores, so parallel efficiency is always known)."""
    cores = os.cpu_count() or 1
    if text is None:
        return sorted({1, cores}) if with_one else [cores]
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--threads takes counts like 1,2; got {text!r}") from None
    bad = [c for c in counts if not 1 <= c <= cores]
    if bad or not counts:
        raise UsageError(f"thread counts must be between 1 and {cores} (this machine's cores); got {text!r}")
    return list(dict.fromkeys(counts))


def parameter_overrides(pairs: Sequence[str], workloads: Sequence[Workload]) -> dict[str, object]:
    """``--param NAME=VALUE`` pairs: each value read as JSON (``3``, ``0.5``, ``true``), else text."""
    overrides: dict[str, object] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--param takes NAME=VALUE; got {pair!r}")
        try:
            overrides[name] = json.loads(text)
        except json.JSONDecodeError:
            overrides[name] = text
        for workload in workloads:
            known = set(workload.parameters) | {k for case in workload.presets["quick"] for k in case}
            if name not in known:
                raise UsageError(
                    f"workload {workload.name!r} has no parameter {name!r}; "
                    f"choose from: {', '.join(sorted(known))}"
                )
    return overrides


@dataclass(frozen=True)
class Planned:
    """The entries a command will run, and the selected workload packages that failed to load."""

    plans: list[EntryPlan]
    load_failures: list[LoadFailure]


def plans_for(settings: RunSettings) -> Planned:
    """The entries ``settings`` select, each case's parameters checked before any entry runs."""
    selection = workload_selection(settings.workloads, settings.preset, settings.workload_dirs)
    plans = plan_entries(
        selection.workloads, settings.backends, settings.preset, settings.threads, dict(settings.params)
    )
    if not plans and not selection.failures:
        raise UsageError("the selection has no entries: no selected workload implements the selected backends")
    checked: set[tuple[str, str]] = set()
    for plan in plans:
        if (plan.workload.name, plan.key[2]) not in checked:
            plan.workload.check_params(plan.params)
            checked.add((plan.workload.name, plan.key[2]))
    return Planned(plans, selection.failures)


def restricted(planned: Planned, keys: set[Key]) -> Planned:
    """The plans whose keys are in ``keys``, in run order."""
    return Planned([plan for plan in planned.plans if plan.key in keys], planned.load_failures)


def narrowed_plans(original: Planned, settings: RunSettings) -> Planned:
    """The plans of ``settings``, refused if any is outside the stored selection's plans."""
    keys = {plan.key for plan in original.plans}
    planned = plans_for(settings)
    outside = [plan.label for plan in planned.plans if plan.key not in keys]
    if outside:
        listed = ", ".join(outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
        raise UsageError(
            f"--resume continues the run stored in the file and may only narrow it; these entries are not in "
            f"it: {listed}. Resume without those options, or start a new run with --output"
        )
    return planned


def record_load_failures(run: Run, failures: Sequence[LoadFailure]) -> None:
    """Keep the broken packages in the run's metadata (a resumed run gets this run's list)."""
    if failures:
        run.metadata[WORKLOAD_LOAD_FAILURES] = [failure.to_json() for failure in failures]
    else:
        run.metadata.pop(WORKLOAD_LOAD_FAILURES, None)


def record_workloads(run: Run, plans: Sequence[EntryPlan]) -> None:
    """What readers of the results need of each workload's declaration: its size parameters."""
    recorded = run.metadata.setdefault("workloads", {})
    for plan in plans:
        recorded[plan.workload.name] = {"size_parameters": list(plan.workload.size_parameters)}
