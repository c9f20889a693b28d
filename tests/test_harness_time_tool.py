"""tools/harness-time on a finished run: its breakdown row, from the entries' step seconds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "report_run.json"


def test_the_row_sums_each_step_over_the_entries(tmp_path: Path) -> None:
    data = json.loads(FIXTURE.read_text())
    timed = [e for e in data["entries"] if e.get("evaluation")][:3]
    for entry in timed:
        entry["info"] = {
            "measured_in_seconds": 10.0,
            "step_seconds": {"check": 2.0, "cache_load": 1.0, "evaluation": 6.5},
        }
    source = tmp_path / "run.json"
    source.write_text(json.dumps(data))
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "harness-time"), "--from", str(source)],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, check=False,
    )
    assert done.returncode == 0, done.stderr
    header, rule, row = done.stdout.strip().splitlines()
    assert header.startswith("| command | entries | wall time |") and rule.startswith("|---|")
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:3] == ["`run.json`", str(len(data["entries"])), "30 s (in entries)"]
    assert cells[3] == (
        "checks 6 s (20%), cache loads 3 s (10%), evaluation 20 s (65%), in entries between steps 2 s (5%)"
    )
    processes = sum(e["evaluation"]["processes"] for e in data["entries"] if e.get("evaluation"))
    assert cells[4] == str(processes)
    assert cells[5].endswith("%")
