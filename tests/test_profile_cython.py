"""The traced Cython build: a separate build whose lines the line profiler sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.profiling.trace_build import plan_trace_build

MODULE = "workloads.mandelbrot.cython_impl"


def test_trace_build_is_separate_from_the_timed_build(tmp_path: Path) -> None:
    plan = plan_trace_build(MODULE, root=tmp_path)
    assert plan.source.suffix == ".pyx"
    assert plan.folder.parent == tmp_path
    assert plan.extension_path.is_relative_to(tmp_path)


def test_traced_cython_build_produces_line_data(tmp_path: Path) -> None:
    spec = {
        "kind": "lines",
        "workload": "mandelbrot",
        "backend": "cython",
        "params": {"width": 20, "height": 20, "maxiter": 20},
        "output": str(tmp_path / "lines.json"),
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, "-m", "harness.profiling.child", str(spec_path)],
        capture_output=True, text=True, timeout=240, env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    findings = json.loads((tmp_path / "lines.json").read_text())
    evaluation = [p for p in findings["line_profiles"] if p["phase"] == "evaluation"]
    if not evaluation:
        pytest.fail(f"no Cython line data: {findings['line_profile_notes']}")
    [kernel] = [p for p in evaluation if p["function"] == "calculate_z"]
    assert kernel["file"].endswith("cython_impl.pyx")
    assert not kernel["interpreted_equivalent"]
    hit_lines = [line for line in kernel["lines"] if line["hits"] > 0]
    assert len(hit_lines) > 5
    assert any("z_real * z_real" in line["source"] for line in hit_lines)
