"""tools/parallel_efficiency.py on mandelbrot's quick case: one row a case; bad input refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "parallel_efficiency.py"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": "2"}
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )


def test_one_row_per_case_with_both_times_and_the_efficiency() -> None:
    done = run_tool("mandelbrot", "--preset", "quick", "--rounds", "2")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| width=")]
    assert len(rows) == 1  # quick has one mandelbrot case
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[0] == "width=160, height=160, maxiter=100"
    assert re.fullmatch(r"\d+\.\d{3} ms", cells[1]) and re.fullmatch(r"\d+\.\d{3} ms", cells[2])
    assert re.fullmatch(r"\d+%", cells[3]) and re.fullmatch(r"\d+%-\d+%", cells[4])
    assert "threading layer:" in done.stdout


def test_a_thread_count_outside_the_pool_or_an_unknown_workload_is_refused() -> None:
    done = run_tool("mandelbrot", "--preset", "quick", "--threads", "3")
    assert done.returncode == 2
    assert "--threads must be 2 to 2 (NUMBA_NUM_THREADS)" in done.stderr
    done = run_tool("mandelbrott")
    assert done.returncode == 2
    assert "unknown workload 'mandelbrott'; choose from mandelbrot, matmul," in done.stderr
