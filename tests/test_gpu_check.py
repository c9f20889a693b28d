"""tools/gpu-check: its plan (commands, paths, the cuBLAS record) and a reduced dry run.

The real run needs an NVIDIA GPU; the dry run takes the same steps under the CUDA
simulator, here for one workload and without the test step (which runs these tests' own
CUDA selection).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from harness.core.results import Entry, Run, load, save
from harness.core.timings import Evaluation, Stats

TOOL = Path(__file__).resolve().parent.parent / "tools" / "gpu-check"


def load_tool() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("gpu_check", str(TOOL))
    spec = importlib.util.spec_from_loader("gpu_check", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up while being defined
    loader.exec_module(module)
    return module


gpu_check = load_tool()


def test_the_tool_is_executable() -> None:
    assert os.access(TOOL, os.X_OK)


def test_plan_commands(tmp_path: Path) -> None:
    plan = gpu_check.parse_plan(["--workload", "mandelbrot", "--workload", "matmul", "--results-dir", str(tmp_path)])
    assert not plan.dry_run and plan.run_tests
    tests = gpu_check.test_command(plan)
    assert tests[-3:] == ["tests/workloads", "-k", "cuda and (mandelbrot or matmul)"]
    quick = gpu_check.quick_command(plan)
    assert quick[quick.index("--backend") + 1] == "cuda" and quick[quick.index("--preset") + 1] == "quick"
    assert Path(quick[-1]).parent.parent == tmp_path and quick[-1].endswith("_gpu-check-quick.json")
    default = gpu_check.default_command(plan)
    assert [default[i + 1] for i, part in enumerate(default) if part == "--backend"] == ["cuda", "numba_parallel"]
    assert [default[i + 1] for i, part in enumerate(default) if part == "--workload"] == ["mandelbrot", "matmul"]
    assert default[default.index("--preset") + 1] == "default"


def test_environment_turns_the_simulator_off_on_a_gpu(tmp_path: Path) -> None:
    env = gpu_check.environment(gpu_check.parse_plan([]), tmp_path)
    assert env["NUMBA_ENABLE_CUDASIM"] == "0"
    assert env["PYTHONPATH"].split(os.pathsep)[:2] == [str(gpu_check.ROOT), str(tmp_path)]
    assert gpu_check.environment(gpu_check.parse_plan(["--dry-run"]), None)["NUMBA_ENABLE_CUDASIM"] == "1"


def test_the_cublas_reference_is_recorded_and_printed_beside_the_cuda_rate(tmp_path: Path) -> None:
    params = {"layout": "contiguous", "n": 512, "batch": 2, "algorithm": "tuned"}
    evaluation = Evaluation(
        seconds=Stats.of([0.01] * 6), processes=6, values_per_process=1, warmups=1, loops=1,
        rate={"value": 5e10, "unit": "FLOP/s", "work": {"amount": 5e8, "unit": "FLOP"}},
    )
    results = tmp_path / "run.json"
    save(Run(metadata={"preset": "default"}, entries=[Entry("matmul", "cuda", params, evaluation=evaluation)]), results)
    reference = {"cublas_matmul_gflops": {"512": 200.0, "1024": 400.0}, "dtype": "float64"}
    gpu_check.record_reference(results, reference)
    assert load(results).metadata["gpu_reference"] == reference
    lines = gpu_check.matmul_rate_lines(results, reference)
    assert lines[0] == (
        "cuda matmul n=512 contiguous tuned: 50 GFLOP/s; cuBLAS (CuPy) 200 GFLOP/s, cuda at 25.0% of it"
    )
    assert "n=1024: 400 GFLOP/s" in lines[-1]


def test_the_reference_step_says_why_it_is_skipped_in_a_dry_run(tmp_path: Path) -> None:
    step, reference = gpu_check.reference_step(gpu_check.parse_plan(["--dry-run"]), tmp_path / "none.json")
    assert (step.status, reference) == ("skipped", None)
    assert "dry run" in step.note


@pytest.mark.slow
def test_a_dry_run_of_one_workload(tmp_path: Path) -> None:
    out = tmp_path / "out"  # not made beforehand: the tool makes it
    command = [sys.executable, str(TOOL), "--dry-run", "--no-tests", "--workload", "mandelbrot",
               "--results-dir", str(tmp_path / "results")]
    done = subprocess.run(command, env={**os.environ, "OUT": str(out)}, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "default preset, cuda and numba_parallel: skipped: dry run: quick preset only" in done.stdout
    assert "cuBLAS reference: skipped: dry run" in done.stdout
    [copied] = out.glob("*_gpu-check-quick.json")
    entries = json.loads(copied.read_text())["entries"]
    assert [(e["workload"], e["backend"], e["status"]) for e in entries] == [("mandelbrot", "cuda", "ok")]
    assert entries[0]["info"]["simulated"] is True
    [written] = (tmp_path / "results").glob("*/*_gpu-check-quick.json")
    assert written.read_bytes() == copied.read_bytes()
