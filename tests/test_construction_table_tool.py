"""tools/construction-table on two committed runs: construction per case and backend, and
the optimizer's passes, before and after."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "results" / "vm" / "20261121T115336Z_b18958b5.json"
AFTER = ROOT / "results" / "vm" / "20261201T065536Z_a2f09eb0.json"


def table(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "construction-table"), *args],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, check=False,
    )


def test_each_backends_construction_and_each_pass_before_and_after() -> None:
    done = table(str(BEFORE), str(AFTER))
    assert done.returncode == 0, done.stderr
    rows = {tuple(cell.strip() for cell in line.strip("|").split("|")) for line in done.stdout.splitlines()}
    # numba's generated step: 10.6 s of cold construction in the older run, its compile the largest step
    assert ("rung=step, evaluator=codegen", "numba", "10.6 s", "8.65 s",
            "prepare.compile 10.4 s", "prepare.compile 8.46 s") in rows
    # a backend the older run did not have
    assert ("rung=step, evaluator=codegen", "c", "-", "51.9 ms", "-", "prepare.optimise 25 ms") in rows
    assert ("multiply_add_fusion", "1.29 ms", "1.29 ms", "511 / 511", "1022 / 1022") in rows


def test_a_workload_without_entries_is_an_error_naming_it() -> None:
    done = table(str(BEFORE), str(AFTER), "--workload", "nonexistent")
    assert done.returncode != 0
    assert "no constructed entry of 'nonexistent'" in done.stderr
