"""The command line: errors and exit codes, fault isolation, resume and Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli.main import build_parser, main
from harness.cli.options import selected_entries
from harness.core.registry import discover
from harness.core.results import Run
from harness.run.entries import plan_entries
from harness.run.selection import thread_counts
from harness.run.session import exit_code

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.slow
SIGINT_LAUNCH = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('harness', run_name='__main__', alter_sys=True)"
)


def run_harness(*args: str, timeout: float = 240, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": str(columns)},
    )


def statuses(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text())
    return {e["backend"]: e["status"] for e in data["entries"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--workload", "mandelbrat"], "unknown workload 'mandelbrat'; choose from: "),
        (["run", "--backend", "numbaa"], "unknown backend 'numbaa'; choose from: python, numpy, c, cython"),
        (["run", "--preset", "huge"], "no selected workload has preset 'huge'; choose from: "),
        (["run", "--threads", "0"], "thread counts must be between 1 and"),
        (["run", "--threads", "two"], "--threads takes counts like 1,2"),
        (["run", "--param", "size"], "--param takes NAME=VALUE"),
        (["run", "--workload", "mandelbrot", "--param", "depth=3"], "has no parameter 'depth'; choose from: "),
        (["run", "--workload", "mandelbrot", "--param", "width=-5"], "width takes an integer from 2 to 8,000"),
        (["run", "--workload", "mandelbrot", "--param", "maxiter=0"], "maxiter takes an integer from 1 to 1,000,000"),
        (["run", "--workload", "mandelbrot", "--param", "width=abc"], "from 2 to 8,000; got 'abc'"),
        (["run", "--workload", "tensor_map", "--param", "elements=1000"], "elements takes one of 2, 4, 8,"),
        (["run", "--workload", "matmul", "--param", "algorithm=fast"], "algorithm takes one of 'naive', 'tuned'"),
        (["run", "--workload", "scalar_network", "--param", "rung=epoch"], "rung takes one of 'loss', 'gradient'"),
    ],
)
def test_bad_usage_exits_2_naming_the_valid_choices(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_argparse_errors_exit_2():
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--no-such-option"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("args", [["list", "--workload", "mandelbrot"], ["run", "--work", "mandelbrot"],
                                  ["merge", "a.json", "--out", "m.json"]])
def test_options_are_taken_only_by_their_whole_names(args, capsys):
    """An abbreviation is refused, not read as another option (list has --workload-dir, no --workload)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "unrecognized arguments" in error or "required: --output" in error  # --out is not --output


def test_an_existing_output_is_never_overwritten(tmp_path, capsys):
    output = tmp_path / "r.json"
    output.write_text("precious")
    assert main(["run", "--workload", "mandelbrot", "--output", str(output)]) == 2
    assert "exists" in capsys.readouterr().err
    assert output.read_text() == "precious"


def test_list_shows_availability_and_reasons(fixture_workloads):
    done = run_harness("list")
    assert done.returncode == 0
    assert "mandelbrot" in done.stdout and "toy" in done.stdout
    assert "no implementation" in done.stdout  # toy has no cuda


def test_run_checks_before_timing_and_isolates_failures(fixture_workloads, tmp_path):
    output = tmp_path / "toy.json"
    done = run_harness("run", "--workload", "toy", "--preset", "quick", "--budget", "0.3",
                       "--output", str(output))
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(output.read_text())
    by_backend = {e["backend"]: e for e in data["entries"]}
    assert by_backend["python"]["status"] == "ok"
    assert by_backend["python"]["evaluation"]["seconds"]["values"]
    assert by_backend["python"]["construction"]["steps"]["first_call"] > 0
    assert set(by_backend["python"]["info"]["step_seconds"]) == {"check", "evaluation"}  # quick: one cold run
    assert by_backend["numpy"]["status"] == "ok"
    wrong = by_backend["numba"]
    assert wrong["status"] == "wrong_result"
    assert wrong["evaluation"] is None and wrong["construction"] is None
    assert wrong["check"]["max_abs_diff"] == 1.0
    assert by_backend["cython"]["status"] == "ok"  # a user's .pyx, compiled on first use
    assert data["metadata"]["preset"] == "quick"
    assert "Summary" in done.stdout


def test_backends_that_agree_but_miss_an_outside_reference_are_wrong(fixture_workloads, tmp_path):
    output = tmp_path / "shifted.json"
    done = run_harness("run", "--workload", "shifted", "--preset", "quick", "--output", str(output))
    assert done.returncode == 1, done.stdout + done.stderr
    entries = json.loads(output.read_text())["entries"]
    assert {e["backend"]: e["status"] for e in entries} == {"python": "wrong_result", "numpy": "wrong_result"}
    for entry in entries:
        assert entry["reason"].startswith("sum of squares 338,350 misses the outside reference 328,350")
        assert entry["evaluation"] is None
    assert data_workloads(output) == {"shifted": {"size_parameters": []}}


def data_workloads(path: Path) -> dict:
    return json.loads(path.read_text())["metadata"]["workloads"]


def test_raising_crashing_and_hanging_backends_are_recorded(fixture_workloads, tmp_path):
    output = tmp_path / "faulty.json"
    started = time.monotonic()
    done = run_harness("run", "--workload", "faulty", "--preset", "quick", "--budget", "0.3",
                       "--timeout", "8", "--output", str(output))
    assert done.returncode == 1
    assert time.monotonic() - started < 120
    data = json.loads(output.read_text())
    by_backend = {e["backend"]: e for e in data["entries"]}
    assert by_backend["numpy"]["status"] == "ok"
    assert by_backend["python"]["status"] == "failed"
    raised = "construction (check): first call raised RuntimeError: this backend always raises"
    assert by_backend["python"]["reason"] == raised
    assert raised in done.stdout
    assert "in explode" in by_backend["python"]["failure"]["output_tail"]
    assert by_backend["numba"]["status"] == "failed"
    assert by_backend["numba"]["reason"].startswith("construction (check): died with signal SIGSEGV")
    assert "crashing_impl.py" in by_backend["numba"]["failure"]["output_tail"]  # the fault handler's stack
    assert by_backend["cython"]["status"] == "timeout"


def test_resume_keeps_finished_entries_and_reruns_failed_ones(fixture_workloads, tmp_path):
    output = tmp_path / "faulty.json"
    first = run_harness("run", "--workload", "faulty", "--preset", "quick", "--budget", "0.3",
                        "--timeout", "5", "--backend", "numpy", "--backend", "python", "--output", str(output))
    assert first.returncode == 1
    before = json.loads(output.read_text())
    kept = next(e for e in before["entries"] if e["backend"] == "numpy")
    again = run_harness("run", "--workload", "faulty", "--preset", "quick", "--budget", "0.3",
                        "--timeout", "5", "--backend", "numpy", "--backend", "python", "--resume", str(output))
    assert again.returncode == 1
    assert "kept from resumed run" in again.stdout
    after = json.loads(output.read_text())
    assert next(e for e in after["entries"] if e["backend"] == "numpy") == kept
    assert len(after["entries"]) == 2
    assert len(after["metadata"]["resumed"]) == 1


def test_resume_refuses_another_preset(fixture_workloads, tmp_path, capsys):
    output = tmp_path / "r.json"
    output.write_text(json.dumps({"schema_version": 1, "metadata": {"preset": "quick"}, "entries": []}))
    assert main(["run", "--workload", "toy", "--preset", "default", "--resume", str(output)]) == 2
    assert "resume it with --preset quick" in capsys.readouterr().err


def test_ctrl_c_stops_cleanly_and_keeps_finished_entries(fixture_workloads, tmp_path):
    output = tmp_path / "interrupted.json"
    # with Python's own SIGINT handler: a shell's background job starts it ignoring SIGINT
    process = subprocess.Popen(
        [sys.executable, "-c", SIGINT_LAUNCH, "run", "--workload", "faulty", "--preset", "quick",
         "--budget", "0.3", "--timeout", "100", "--backend", "numpy", "--backend", "cython",
         "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the numpy entry is saved
        if output.exists() and json.loads(output.read_text() or "{}").get("entries"):
            break
        time.sleep(0.2)
    time.sleep(1.0)  # now inside the hanging cython entry
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130, stdout
    data = json.loads(output.read_text())
    assert statuses(output) == {"numpy": "ok"}
    assert data["metadata"]["interrupted"] is True
    assert "--resume" in stdout


def test_overrides_that_merge_cases_plan_each_entry_once(fixture_workloads):

    toy = discover()["toy"]
    plans = plan_entries([toy], ["python"], "full", [2], {"n": 7})
    assert [plan.params for plan in plans] == [{"n": 7}]


def test_run_measures_one_thread_beside_all_cores_by_default():

    cores = os.cpu_count() or 1
    assert thread_counts(None, with_one=True) == sorted({1, cores})
    assert thread_counts(None) == [cores]  # profile and check: all cores
    assert thread_counts("1", with_one=True) == [1]  # an explicit choice is kept
PLANTED_REASONS = {
    "finite_for_inf": "1 of them NaN or inf not matched by position",
    "imaginary_part": "first at index (0,): (1-2j), the reference (1+2j)",
    "float32": "wrong dtype: result has dtype float32, less precise than the reference's float64",
    "int64": "wrong dtype: result has dtype int64 (integer), the reference float64 (floating point)",
    "decimal_strings": "wrong dtype: result has dtype <U3: results must be numeric arrays or scalars",
    "none": "no result: the kernel's call returned None: a kernel that fills a buffer in place needs Kernel(fetch=",
}


def test_planted_wrong_results_are_all_refused_with_their_cause(tmp_path):
    output = tmp_path / "planted.json"
    done = run_harness("run", "--workload-dir", str(FIXTURES / "workloads"), "--workload", "planted_wrong",
                       "--preset", "quick", "--backend", "python", "--budget", "0.3", "--output", str(output))
    assert done.returncode == 1, done.stdout + done.stderr
    entries = {e["params"]["plant"]: e for e in json.loads(output.read_text())["entries"]}
    assert set(entries) == set(PLANTED_REASONS)
    for plant, reason in PLANTED_REASONS.items():
        assert entries[plant]["status"] == "wrong_result", plant
        assert reason in entries[plant]["reason"], (plant, entries[plant]["reason"])
        assert entries[plant]["evaluation"] is None


def user_faults_run(output: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return run_harness("run", "--workload-dir", str(FIXTURES / "broken_workloads"), "--workload", "user_faults",
                       "--workload", "broken_init", "--preset", "quick", "--backend", "python", "--backend",
                       "cython", "--backend", "numba", "--budget", "0.3", *more)


def test_a_users_broken_workload_fails_loudly_and_resume_retries_it(tmp_path):
    output = tmp_path / "faults.json"
    first = user_faults_run(output, "--output", str(output))
    assert first.returncode == 1, first.stdout + first.stderr
    data = json.loads(output.read_text())
    by_backend = {e["backend"]: e for e in data["entries"]}
    assert {e["status"] for e in data["entries"]} == {"failed"}
    assert by_backend["python"]["reason"] == "construction (check): prepare raised ValueError: width must be >= 2"
    assert "prepare raised ValueError: width must be >= 2" in first.stdout
    assert "No module named 'no_such_module_xyz'" in by_backend["numba"]["reason"]
    assert "did you mean 'user_faults.cython_impl'?" in by_backend["cython"]["reason"]
    [broken] = data["metadata"]["workload_load_failures"]
    assert broken["name"] == "broken_init"
    assert broken["error"] == "RuntimeError: this workload's __init__ is broken"
    assert "broken_init" in first.stdout and "RuntimeError: this workload's __init__ is broken" in first.stdout
    again = user_faults_run(output, "--resume", str(output))
    assert again.returncode == 1
    assert "kept from resumed run" not in again.stdout
    assert "prepare raised ValueError" in again.stdout
    assert len(json.loads(output.read_text())["metadata"]["resumed"]) == 1


def test_list_shows_broken_packages_and_paths_as_failed():
    done = run_harness("list", "--workload-dir", str(FIXTURES / "broken_workloads"), columns=400)
    assert done.returncode == 1
    assert "cannot be loaded: RuntimeError: this workload's __init__ is broken" in done.stdout
    assert "did you mean 'user_faults.cython_impl'?" in done.stdout
    assert "mandelbrot" in done.stdout


def test_without_workload_names_broken_packages_are_reported_and_the_rest_planned(monkeypatch):
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(FIXTURES / "broken_workloads"))
    planned = selected_entries(build_parser().parse_args(["run", "--preset", "quick", "--backend", "python"]))
    assert [failure.name for failure in planned.load_failures] == ["broken_init"]
    assert {"mandelbrot", "user_faults"} <= {plan.workload.name for plan in planned.plans}
    assert exit_code(Run(metadata={"workload_load_failures": [{"name": "broken_init"}]})) == 1
    assert exit_code(Run(metadata={})) == 0
