"""ProfileRunner: which kinds share a child, and what a crashed child leaves (fake children)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.core.profiles import MemoryProfile
from harness.core.registry import discover
from harness.profiling.runner import ProfileRunner, ProfileSettings
from harness.run.child import ChildOutcome
from harness.run.entries import EntryPlan

MEMORY = {"status": "ok", "memory": {"notes": []}, "calls": None, "line_params": {"width": 8}}
LINES = {"status": "ok", "line_profiles": [], "line_profile_notes": [], "line_profile_evaluation_calls": 2}


class FakeChildren:
    """Writes the findings of each kind a spec asks for, up to a planted crash."""

    def __init__(self, crash_before: set[tuple[str, ...]] = frozenset()) -> None:
        self.crash_before = crash_before  # (kinds of the child, kind it crashes before)
        self.specs: list[dict[str, Any]] = []

    def __call__(self, module: str, args: list[str], **_: Any) -> ChildOutcome:
        spec = json.loads(Path(args[0]).read_text())
        self.specs.append(spec)
        for kind in spec["kinds"]:
            if (*spec["kinds"], kind) in self.crash_before:
                return ChildOutcome(-11, "Segmentation fault")
            findings = MEMORY if kind == "memory" else LINES
            Path(spec["outputs"][kind]).write_text(json.dumps(findings))
        return ChildOutcome(0, "")


def runner(tmp_path: Path, children: FakeChildren) -> ProfileRunner:
    settings = ProfileSettings(timeout=5.0, growth_seconds=0.2, growth_max_calls=50, line_seconds=0.1)
    return ProfileRunner(settings=settings, scratch=tmp_path, launch=children)


@pytest.fixture(scope="module")
def mandelbrot() -> Any:
    return discover()["mandelbrot"]


def plan(workload: Any, backend: str) -> EntryPlan:
    return EntryPlan(workload, backend, {"width": 16, "height": 16, "maxiter": 10})


def test_memory_and_lines_share_one_child(tmp_path: Path, mandelbrot: Any) -> None:
    children = FakeChildren()
    reason, profile = runner(tmp_path, children).profile(plan(mandelbrot, "python"))
    assert reason == "" and profile is not None and profile.status == "ok"
    assert [spec["kinds"] for spec in children.specs] == [["memory", "lines"]]
    spec = children.specs[0]
    assert (spec["growth_max_calls"], spec["line_seconds"]) == (50, 0.1)


def test_cython_lines_get_their_own_child(tmp_path: Path, mandelbrot: Any) -> None:
    children = FakeChildren()
    runner(tmp_path, children).profile(plan(mandelbrot, "cython"))
    assert [spec["kinds"] for spec in children.specs] == [["memory"], ["lines"]]
    assert children.specs[1]["params"] == {"width": 8}  # picked by the memory child


def test_a_crash_in_lines_keeps_the_memory_findings(tmp_path: Path, mandelbrot: Any) -> None:
    children = FakeChildren(crash_before={("memory", "lines", "lines")})
    _, profile = runner(tmp_path, children).profile(plan(mandelbrot, "python"))
    assert profile is not None
    assert profile.status == "partial" and profile.memory == MemoryProfile(notes=[])
    assert profile.reason.startswith("lines profile: died with signal SIGSEGV")
    assert len(children.specs) == 1


def test_lines_never_reached_get_a_child_of_their_own(tmp_path: Path, mandelbrot: Any) -> None:
    children = FakeChildren(crash_before={("memory", "lines", "memory")})
    _, profile = runner(tmp_path, children).profile(plan(mandelbrot, "python"))
    assert [spec["kinds"] for spec in children.specs] == [["memory", "lines"], ["lines"]]
    assert profile is not None and profile.status == "partial"
    assert profile.memory is None and profile.line_profile_evaluation_calls == 2
    assert profile.reason.startswith("memory profile: died with signal SIGSEGV")
