"""Profiles entries in child processes, isolated like the timing steps.

The memory part (normal build) measures memory, counts calls and picks the parameters
for the line profile; the line part line-profiles at those parameters. Both run in one
child, memory first, except for Cython, whose line profile needs a child of its own (the
traced build must be loaded before the timed one is imported). A child that crashes or
hangs becomes a note in the profile and the findings written before are kept; a part it
never reached runs in a child of its own.
The result is the ``Entry.profile`` record (``harness.core.profiles.Profile``), documented in
``docs/results-format.md``, section "profile".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.core.backends import implementation_unavailable_reason, simulated_cuda
from harness.core.profiles import Params, Profile
from harness.profiling.protocol import KINDS, Findings, checked_kinds
from harness.run.child import ChildOutcome, run_python_module
from harness.run.entries import EntryPlan, child_environment
from harness.run.spec import ProfilingSpec


@dataclass(frozen=True)
class ProfileSettings:
    """Per-child time-outs, the growth-sampling budget and the line-profiling budget.

    Growth sampling ends after ``growth_seconds`` or ``growth_max_calls`` calls,
    whichever comes first; evaluation calls are line-profiled for ``line_seconds``.
    ``memory_limit``: resident bytes a child and its processes may use (None: no limit).
    """

    timeout: float = 120.0
    growth_seconds: float = 1.5
    growth_max_calls: int = 100_000
    line_seconds: float = 0.6
    memory_limit: int | None = None


PRESET_PROFILE_SETTINGS = {
    "quick": ProfileSettings(timeout=60.0, growth_seconds=0.5, growth_max_calls=20_000, line_seconds=0.3),
    "default": ProfileSettings(timeout=180.0, growth_seconds=2.0, growth_max_calls=100_000, line_seconds=0.6),
}


def settings_for(preset: str) -> ProfileSettings:
    return PRESET_PROFILE_SETTINGS.get(preset, PRESET_PROFILE_SETTINGS["default"])


@dataclass
class ProfileRunner:
    """Profiles one EntryPlan at a time, using child processes in ``scratch``."""

    settings: ProfileSettings
    scratch: Path
    workload_dirs: Sequence[Path] = ()
    clock: Callable[[], float] = time.monotonic
    launch: Callable[..., ChildOutcome] = run_python_module  # a parameter, so tests can fake children
    _counter: int = field(default=0, init=False)

    def profile(self, plan: EntryPlan) -> tuple[str, Profile | None]:
        """The plan's availability reason ('' when available) and its profile."""
        reason = implementation_unavailable_reason(plan.workload, plan.backend)
        if reason:
            return reason, None
        self._counter += 1
        folder = self.scratch / f"profile-{self._counter:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        started = self.clock()
        memory_params, note = memory_params_for(plan)
        findings = self.take(plan, folder, child_kinds(plan.backend), memory_params)
        memory, lines = findings["memory"], findings["lines"]
        if memory.status == "unavailable":
            return memory.reason, None
        if note and memory.memory:
            memory = replace(memory, memory=replace(memory.memory, notes=[note, *memory.memory.notes]))
        line_params = memory_params if memory.line_params is None else memory.line_params
        profile = assemble_profile(memory, lines, line_params, self.clock() - started)
        return "", replace(profile, memory_params=memory_params)

    def take(
        self, plan: EntryPlan, folder: Path, groups: list[list[str]], memory_params: Params
    ) -> dict[str, Findings]:
        """Findings of every kind, one child per group of kinds.

        Kinds a child never reached (an earlier kind in it crashed or hung) get a child
        of their own, so one failure does not cost the other kind's findings.
        """
        findings: dict[str, Findings] = {}
        queue = [list(kinds) for kinds in groups]
        while queue:
            kinds = queue.pop(0)
            memory = findings.get("memory")
            if memory is not None and memory.status == "unavailable":
                break
            line_params = memory.line_params if memory is not None else None
            params = memory_params if kinds[0] == "memory" or line_params is None else line_params
            found = self.child(plan, folder, kinds, params)
            findings.update(found)
            unreached = [kind for kind in kinds if kind not in found]
            if unreached:
                queue.insert(0, unreached)
        for kind in KINDS:
            findings.setdefault(kind, Findings(status="not run"))
        return findings

    def child(
        self, plan: EntryPlan, folder: Path, kinds: list[str], params: Params
    ) -> dict[str, Findings]:
        """Run one profiling child for ``kinds``: the findings of each kind it wrote; the
        first kind it did not write gets findings of status "failed" or "timeout", with the reason."""
        name = "+".join(kinds)
        outputs = {kind: folder / f"{kind}.json" for kind in kinds}
        for output in outputs.values():
            output.unlink(missing_ok=True)
        spec = ProfilingSpec(
            plan.workload.name,
            plan.backend,
            params,
            outputs=outputs,
            growth_seconds=self.settings.growth_seconds,
            growth_max_calls=self.settings.growth_max_calls,
            line_seconds=self.settings.line_seconds,
        )
        spec_path = folder / f"spec-{name}.json"
        checked_kinds(spec).write(spec_path)
        timeout = self.settings.timeout * len(kinds)
        outcome = self.launch(
            "harness.profiling.child",
            [str(spec_path)],
            env=child_environment(plan, folder / "numba-cache", self.workload_dirs),
            timeout=timeout,
            log_path=folder / f"{name}.log",
            memory_limit=self.settings.memory_limit,
        )
        found: dict[str, Findings] = {}
        for kind in kinds:
            if outputs[kind].exists():
                found[kind] = Findings.from_json(json.loads(outputs[kind].read_text()), str(outputs[kind]))
                continue
            if any(earlier.status == "unavailable" for earlier in found.values()):
                break  # the child stopped there, as it should
            status = "timeout" if outcome.timed_out else "failed"
            limit = f" after {timeout:.0f} s" if outcome.timed_out else ""  # out of memory: in describe()
            found[kind] = Findings(status=status, reason=f"{kind} profile{limit}: {outcome.describe()}")
            break
        return found


def child_kinds(backend: str) -> list[list[str]]:
    """The kinds each child takes: both in one, except a Cython line profile (traced build)."""
    if backend == "cython":
        return [["memory"], ["lines"]]
    return [["memory", "lines"]]


def memory_params_for(plan: EntryPlan) -> tuple[Params, str | None]:
    """The entry's params; the closest quick case for CUDA under the simulator (hours otherwise)."""
    if plan.backend != "cuda" or not simulated_cuda():
        return plan.params, None
    quick = plan.workload.quick_case_for(plan.params)
    if quick == plan.params:
        return plan.params, None
    return quick, (
        f"measured at the quick case {quick}: under the CUDA simulator kernels run as Python "
        "threads, so memory at the entry's size would take minutes and say nothing about a GPU"
    )


def assemble_profile(memory: Findings, lines: Findings, line_params: Params, seconds: float) -> Profile:
    """The two children's findings as one ``Entry.profile``."""
    failures = [f.reason for f in (memory, lines) if f.failed]
    line_notes = list(lines.line_profile_notes)
    if memory.line_params_note:
        line_notes.insert(0, memory.line_params_note)
    if lines.failed or lines.status == "unavailable":
        line_notes.append(f"no line profiles: {lines.reason}")
    return Profile(
        status=("failed" if len(failures) == 2 else "partial") if failures else "ok",
        reason="; ".join(failures),
        memory=memory.memory,
        calls_per_evaluation=memory.calls.per_evaluation if memory.calls else None,
        calls=memory.calls,
        call_seconds=memory.call_seconds,
        line_profiles=list(lines.line_profiles),
        line_profile_notes=line_notes,
        line_profile_params=line_params,
        line_profile_evaluation_calls=lines.line_profile_evaluation_calls,
        seconds=seconds,
    )
