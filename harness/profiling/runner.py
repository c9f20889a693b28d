"""Profiles entries: a memory child, then a line child, each isolated like the timing steps.

The memory child (normal build) measures memory, counts calls and picks the parameters
for the line profile; the line child line-profiles at those parameters. A child that
crashes or hangs becomes a note in the profile and the other child's findings are kept.
The result is the ``Entry.profile`` dict documented in ``docs/results-format.md, section "profile"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends import implementation_unavailable_reason, simulated_cuda
from harness.child import run_python_module
from harness.runner import EntryPlan, child_environment

PROFILE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class ProfileSettings:
    """Per-child time-outs and the growth-sampling budget."""

    timeout: float = 120.0
    growth_seconds: float = 1.5


PRESET_PROFILE_SETTINGS = {
    "quick": ProfileSettings(timeout=60.0, growth_seconds=1.0),
    "default": ProfileSettings(timeout=180.0, growth_seconds=2.0),
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
    _counter: int = field(default=0, init=False)

    def profile(self, plan: EntryPlan) -> tuple[str, dict[str, Any] | None]:
        """The plan's availability reason ('' when available) and its profile."""
        reason = implementation_unavailable_reason(plan.workload, plan.backend)
        if reason:
            return reason, None
        self._counter += 1
        folder = self.scratch / f"profile-{self._counter:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        started = self.clock()
        memory_params, note = memory_params_for(plan)
        memory = self.child(plan, folder, "memory", memory_params)
        if memory.get("status") == "unavailable":
            return memory["reason"], None
        if note and memory.get("memory"):
            memory["memory"]["notes"].insert(0, note)
        line_params = memory.get("line_params", memory_params)
        lines = self.child(plan, folder, "lines", line_params)
        profile = assemble_profile(memory, lines, line_params, self.clock() - started)
        return "", {**profile, "memory_params": memory_params}

    def child(self, plan: EntryPlan, folder: Path, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one profiling child; its findings, or ``{"status": "failed", "reason": ...}``."""
        output = folder / f"{kind}.json"
        spec = {
            "kind": kind,
            "workload": plan.workload.name,
            "backend": plan.backend,
            "params": params,
            "growth_seconds": self.settings.growth_seconds,
            "output": str(output),
        }
        spec_path = folder / f"spec-{kind}.json"
        spec_path.write_text(json.dumps(spec))
        outcome = run_python_module(
            "harness.profiling.child",
            [str(spec_path)],
            env=child_environment(plan, folder / "numba-cache", self.workload_dirs),
            timeout=self.settings.timeout,
            log_path=folder / f"{kind}.log",
        )
        if not outcome.ok or not output.exists():
            status = "timeout" if outcome.timed_out else "failed"
            limit = f" after {self.settings.timeout:.0f} s" if outcome.timed_out else ""
            return {"status": status, "reason": f"{kind} profile{limit}: {outcome.describe()}"}
        findings: dict[str, Any] = json.loads(output.read_text())
        return findings


def memory_params_for(plan: EntryPlan) -> tuple[dict[str, Any], str | None]:
    """The entry's params; the quick case for CUDA under the simulator (hours otherwise)."""
    if plan.backend != "cuda" or not simulated_cuda():
        return plan.params, None
    quick = {**plan.params, **plan.workload.cases("quick")[0]}
    if quick == plan.params:
        return plan.params, None
    return quick, (
        f"measured at the quick case {quick}: under the CUDA simulator kernels run as Python "
        "threads, so memory at the entry's size would take minutes and say nothing about a GPU"
    )


def assemble_profile(
    memory: dict[str, Any], lines: dict[str, Any], line_params: dict[str, Any], seconds: float
) -> dict[str, Any]:
    """The two children's findings as one ``Entry.profile`` dict."""
    failures = [f["reason"] for f in (memory, lines) if f.get("status") in ("failed", "timeout")]
    line_notes = list(lines.get("line_profile_notes", []))
    if memory.get("line_params_note"):
        line_notes.insert(0, memory["line_params_note"])
    if lines.get("status") in ("failed", "timeout", "unavailable"):
        line_notes.append(f"no line profiles: {lines.get('reason', '')}")
    calls = memory.get("calls")
    return {
        "format_version": PROFILE_FORMAT_VERSION,
        "status": ("failed" if len(failures) == 2 else "partial") if failures else "ok",
        "reason": "; ".join(failures),
        "memory": memory.get("memory"),
        "calls_per_evaluation": calls["per_evaluation"] if calls else None,
        "calls": calls,
        "call_seconds": memory.get("call_seconds"),
        "line_profiles": lines.get("line_profiles", []),
        "line_profile_notes": line_notes,
        "line_profile_params": line_params,
        "line_profile_evaluation_calls": lines.get("line_profile_evaluation_calls", 0),
        "seconds": seconds,
    }
