"""The fault suite: one case per way a run can go wrong, and what the harness then does.

Every case that starts the harness asserts the documented exit code, that every entry
finished before the fault is still in the results file, and that no process of the run
is left: each run carries a unique ``HARNESS_FAULT_MARK`` in its environment, which every
process it starts inherits (processes that left for a session of their own included),
and the process table is searched for it. docs/faults.md lists the same kinds.

Timing: nothing here asserts a duration. Waits poll for a condition with generous
limits, since the machine running the suite may be busy.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from harness.cli.main import main
from harness.core.results import load

FIXTURES = Path(__file__).parent / "fixtures"
FAULT_WORKLOADS = FIXTURES / "fault_workloads"
FIXTURE_WORKLOADS = FIXTURES / "workloads"
NO_NUMBA = FIXTURES / "no_numba"
MARK = "HARNESS_FAULT_MARK"
# Python leaves SIGINT ignored when its parent ignored it (a background job does); the
# harness then respects that, so the suite starts it with Python's own SIGINT handler.
LAUNCH = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('harness', run_name='__main__', alter_sys=True)"
)
HANG = ["--workload", "hazards", "--preset", "quick", "--budget", "0.1", "--timeout", "300",
        "--backend", "numpy", "--backend", "cython", "--param", "mode=hang"]


# -- helpers ------------------------------------------------------------------------------


def environment(marker: str, *dirs: Path, **extra: str) -> dict[str, str]:
    paths = os.pathsep.join(str(d) for d in (dirs or (FAULT_WORKLOADS,)))
    return {**os.environ, "HARNESS_WORKLOAD_PATH": paths, MARK: marker, "COLUMNS": "200", **extra}


def default_hangup() -> None:
    """SIGHUP back to its default in the child: a suite started under ``nohup`` ignores it,
    and the harness keeps a SIGHUP it was started ignoring ignored (by design), so the
    child would never see the one the stop-signal test sends."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=default_hangup,
    )


def run_harness(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def wait_for(condition: Callable[[], bool], what: str, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def marked(marker: str) -> list[psutil.Process]:
    """Every process (zombies aside) whose environment carries ``marker``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and process.environ().get(MARK) == marker:
                found.append(process)
        except psutil.Error:
            continue
    return found


def assert_nothing_left(marker: str, within: float = 60.0) -> None:
    """No process of the run is left once ``within`` seconds have passed (polled)."""
    deadline = time.monotonic() + within
    while (left := marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    described = []
    for process in left:
        try:
            described.append(f"{process.pid}: {' '.join(process.cmdline())[:200]}")
        except psutil.Error:
            continue
    assert not described, "left running: " + "; ".join(described)


def statuses(path: Path) -> dict[str, str]:
    return {e["backend"]: e["status"] for e in json.loads(path.read_text())["entries"]}


def saved(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_inside_the_hang(output: Path, marker: str) -> None:
    """Until the numpy entry is saved and the hanging entry's child runs."""
    wait_for(lambda: bool(saved(output).get("entries")), "the finished numpy entry")
    wait_for(
        lambda: any("harness.run.construct" in " ".join(p.cmdline()) for p in marked(marker)),
        "the hanging entry's construction child",
    )


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def fault_workloads(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(FAULT_WORKLOADS))
    return FAULT_WORKLOADS


@pytest.fixture
def keep_sigterm() -> Iterator[None]:
    """``check`` installs a SIGTERM handler of its own; put pytest's back."""
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


# -- failures that held before: exceptions, segfaults, hangs ----------------------------------


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, str]:
    """One run of the ``faulty`` workload: numpy fine, python raises, numba segfaults, cython hangs."""
    output = tmp_path_factory.mktemp("faulty") / "faulty.json"
    marker = uuid.uuid4().hex
    done = run_harness(
        ["run", "--workload", "faulty", "--preset", "quick", "--budget", "0.1", "--timeout", "8",
         "--output", str(output)],
        environment(marker, FIXTURE_WORKLOADS),
    )
    return done, output, marker


@pytest.mark.slow
def test_an_exception_fails_only_its_entry(faulty_run: Any) -> None:
    done, output, marker = faulty_run
    assert done.returncode == 1, done.stdout + done.stderr
    entries = {e["backend"]: e for e in json.loads(output.read_text())["entries"]}
    assert entries["numpy"]["status"] == "ok"
    assert entries["python"]["status"] == "failed"
    assert "this backend always raises" in entries["python"]["reason"]
    assert_nothing_left(marker)


@pytest.mark.slow
def test_a_segfault_fails_only_its_entry(faulty_run: Any) -> None:
    done, output, marker = faulty_run
    assert done.returncode == 1
    entries = {e["backend"]: e for e in json.loads(output.read_text())["entries"]}
    assert entries["numba"]["status"] == "failed" and "SIGSEGV" in entries["numba"]["reason"]
    assert entries["numpy"]["status"] == "ok"
    assert_nothing_left(marker)


@pytest.mark.slow
def test_a_hang_is_killed_at_the_time_out(faulty_run: Any) -> None:
    done, output, marker = faulty_run
    assert done.returncode == 1
    entries = {e["backend"]: e for e in json.loads(output.read_text())["entries"]}
    assert entries["cython"]["status"] == "timeout"
    assert "after the entry's 8 s" in entries["cython"]["reason"]
    assert entries["numpy"]["status"] == "ok"
    assert_nothing_left(marker)


SAVER = """
import sys
from pathlib import Path
from harness.core.results import Entry, Run, save
run = Run(metadata={"machine": "m"}, entries=[Entry("w", "numpy", {"n": i}) for i in range(3000)])
Path(sys.argv[2]).write_text("saving")
while True:
    run.metadata["round"] = run.metadata.get("round", 0) + 1
    save(run, Path(sys.argv[1]))
"""


@pytest.mark.slow
def test_kill_9_during_a_save_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    path, started = tmp_path / "r.json", tmp_path / "started"
    for attempt in range(4):
        started.unlink(missing_ok=True)
        saver = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(started)])
        wait_for(lambda: started.exists() and path.exists(), "the saver's first save")
        time.sleep(random.uniform(0.0, 0.3))
        saver.kill()
        saver.wait()
        run = load(path)  # raises if the file were cut short
        assert len(run.entries) == 3000, attempt


@pytest.mark.slow
def test_hostile_names_stay_inside_the_results_folder_and_are_escaped(tmp_path: Path, marker: str) -> None:
    from harness.core.registry import discover

    (name,) = [name for name in discover([FAULT_WORKLOADS]) if name.startswith("../")]
    output = tmp_path / "runs" / "r.json"
    done = run_harness(
        ["run", "--workload", name, "--preset", "quick", "--budget", "0.1", "--output", str(output),
         "--report", str(tmp_path / "report")],
        environment(marker),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(statuses(output).values()) == {"ok"}
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to(tmp_path.resolve()) for p in written)
    pyperf = list((tmp_path / "runs" / "r.pyperf").iterdir())  # one file per entry, in that folder
    assert len(pyperf) == 2 and all(p.is_file() and "<" not in p.name and p.name[0] != "." for p in pyperf)
    html = (tmp_path / "report" / "index.html").read_text()
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert_nothing_left(marker)


@pytest.mark.slow
def test_without_numba_each_numba_backend_is_unavailable_with_the_reason(tmp_path: Path, marker: str) -> None:
    output = tmp_path / "r.json"
    env = environment(marker, PYTHONPATH=os.pathsep.join([str(NO_NUMBA), os.environ.get("PYTHONPATH", "")]))
    done = run_harness(
        ["run", "--workload", "hazards", "--preset", "quick", "--backend", "numba", "--backend", "numba_parallel",
         "--threads", "1", "--output", str(output)],
        env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries = json.loads(output.read_text())["entries"]
    assert {e["backend"]: e["status"] for e in entries} == {"numba": "unavailable", "numba_parallel": "unavailable"}
    assert all(e["reason"] == "numba is not installed: pip install numba" for e in entries)
    assert_nothing_left(marker)


# -- orphans: stop signals, kill -9, escaped processes ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda n: n.name)
def test_a_stop_signal_kills_the_children_marks_the_run_and_exits_128_plus_it(
    tmp_path: Path, marker: str, number: signal.Signals
) -> None:
    output = tmp_path / "r.json"
    process = start([*["run", *HANG], "--output", str(output)], environment(marker))
    wait_inside_the_hang(output, marker)
    process.send_signal(number)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 128 + number, stdout
    data = json.loads(output.read_text())
    assert statuses(output) == {"numpy": "ok"}
    assert data["entries"][0]["params"] == {"mode": "hang", "n": 3}
    assert data["metadata"]["interrupted"] is True
    assert f"continue with --resume {output}" in " ".join(stdout.split())
    assert not (tmp_path / ".r.json.lock").exists()
    assert_nothing_left(marker)


@pytest.mark.slow
def test_children_of_a_harness_killed_with_sigkill_exit_and_its_lock_goes(tmp_path: Path, marker: str) -> None:
    output = tmp_path / "r.json"
    process = start([*["run", *HANG], "--output", str(output)], environment(marker))
    wait_inside_the_hang(output, marker)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert_nothing_left(marker)  # the guards saw their pipes close and killed the hanging child
    assert statuses(output) == {"numpy": "ok"}
    again = run_harness(["run", "--resume", str(output), "--backend", "numpy"], environment(marker))
    assert again.returncode == 0, again.stdout + again.stderr  # the dead writer's lock file did not block
    assert "kept from resumed run" in again.stdout
    assert_nothing_left(marker)


@pytest.mark.slow
def test_processes_that_escape_into_a_new_session_die_with_their_step(tmp_path: Path, marker: str) -> None:
    output = tmp_path / "r.json"
    done = run_harness(
        ["run", "--workload", "hazards", "--preset", "escapes", "--budget", "0.1", "--timeout", "10",
         "--backend", "cython", "--output", str(output)],
        environment(marker),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    entries = {e["params"]["mode"]: e for e in json.loads(output.read_text())["entries"]}
    assert entries["escape"]["status"] == "timeout"  # its step hung after starting the escapee
    assert entries["escape_and_return"]["status"] == "ok"  # its escapees outlived their steps
    assert_nothing_left(marker)


# -- two writers -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_writer_exits_2_naming_the_first(
    tmp_path: Path, marker: str, fault_workloads: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "r.json"
    process = start([*["run", *HANG], "--output", str(output)], environment(marker))
    wait_inside_the_hang(output, marker)
    before = output.read_text()
    selection = ["--workload", "hazards", "--preset", "quick"]
    for args in (["run", "--resume", str(output)], ["run", *selection, "--output", str(output)],
                 ["profile", *selection, "--into", str(output)]):
        assert main(args) == 2, args
        error = capsys.readouterr().err
        assert f"is being written by process {process.pid}" in error, error
        assert "--resume" not in error
    assert output.read_text() == before
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM
    assert statuses(output) == {"numpy": "ok"}
    assert_nothing_left(marker)


def test_the_lock_names_its_holder_and_is_removed_when_released(tmp_path: Path) -> None:
    from harness.run.locking import ResultsLock, ResultsLocked, lock_path

    results = tmp_path / "r.json"
    lock_path(results).write_text("left by a writer that was killed")  # never blocks: nobody holds it
    first = ResultsLock(results, "first writer")
    with first, pytest.raises(ResultsLocked, match=f"process {os.getpid()} \\(first writer\\)"):
        ResultsLock(results, "second writer").__enter__()
    assert not lock_path(results).exists()
    with ResultsLock(results, "third writer"):
        assert json.loads(lock_path(results).read_text())["command"] == "third writer"


# -- resume ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_resume_alone_continues_the_stored_selection(tmp_path: Path, marker: str) -> None:
    output = tmp_path / "r.json"
    selection = ["--workload", "hazards", "--preset", "quick", "--budget", "0.1",
                 "--backend", "python", "--backend", "numpy"]
    first = run_harness(["run", *selection, "--output", str(output)], environment(marker))
    assert first.returncode == 0, first.stdout + first.stderr
    data = json.loads(output.read_text())
    kept = next(e for e in data["entries"] if e["backend"] == "numpy")
    data["entries"] = [kept]  # as if interrupted during the python entry
    data["metadata"]["interrupted"] = True
    output.write_text(json.dumps(data))
    again = run_harness(["run", "--resume", str(output)], environment(marker))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "numpy: ok (kept from resumed run)" in again.stdout
    after = json.loads(output.read_text())
    assert sorted(e["backend"] for e in after["entries"]) == ["numpy", "python"]
    assert next(e for e in after["entries"] if e["backend"] == "numpy") == kept
    assert "interrupted" not in after["metadata"] and len(after["metadata"]["resumed"]) == 1
    assert_nothing_left(marker)


@pytest.fixture
def stored_run(tmp_path: Path) -> Path:
    """A results file of hazards at quick, python and numpy, whose numpy entry is finished."""
    settings = {
        "preset": "quick", "workloads": ["hazards"], "backends": ["python", "numpy"], "threads": [1],
        "params": {}, "workload_dirs": [str(FAULT_WORKLOADS)], "budget": 0.1, "timeout": 60.0,
        "memory_limit_gib": 1.0, "construction_runs": 1,
    }
    numpy = {"workload": "hazards", "backend": "numpy", "params": {"mode": "ok", "n": 3}, "status": "unavailable",
             "reason": "finished: kept on resume"}
    path = tmp_path / "stored.json"
    path.write_text(json.dumps({"schema_version": 1, "metadata": {"preset": "quick", "settings": settings},
                                "entries": [numpy]}))
    return path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--backend", "cython"], "these entries are not in it: hazards[mode=ok,n=3] cython"),
        (["--param", "n=4"], "these entries are not in it: hazards[mode=ok,n=4] python"),
        (["--workload", "mandelbrot"], "these entries are not in it: mandelbrot["),
        (["--preset", "default"], "resume it with --preset quick"),
    ],
)
def test_resume_refuses_to_widen_the_stored_selection(
    stored_run: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stored_run.read_text()
    assert main(["run", "--resume", str(stored_run), *options]) == 2
    assert message in capsys.readouterr().err
    assert stored_run.read_text() == before


def test_resume_may_narrow_the_stored_selection(stored_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--resume", str(stored_run), "--backend", "numpy"]) == 0
    assert "numpy: unavailable (kept from resumed run)" in capsys.readouterr().out
    assert [e.backend for e in load(stored_run).entries] == ["numpy"]


# -- memory ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_backend_that_exhausts_memory_fails_naming_the_limit(tmp_path: Path, marker: str) -> None:
    output = tmp_path / "r.json"
    done = run_harness(
        ["run", "--workload", "hazards", "--preset", "quick", "--timeout", "120", "--memory-limit", "0.5",
         "--backend", "cython", "--param", "mode=grow", "--output", str(output)],
        environment(marker),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (entry,) = json.loads(output.read_text())["entries"]
    assert entry["status"] == "failed"
    assert entry["reason"].startswith("construction (check): out of memory (limit 0.5 GiB)"), entry["reason"]
    assert json.loads(output.read_text())["metadata"]["settings"]["memory_limit_gib"] == 0.5
    assert_nothing_left(marker)


# -- bad results files -------------------------------------------------------------------------


GOOD_ENTRY = {
    "workload": "hazards", "backend": "numpy", "params": {"mode": "ok", "n": 3}, "threads": None, "status": "ok",
    "evaluation": {"seconds": {"values": [1e-6, 1.1e-6]}, "processes": 1, "values_per_process": 2, "warmups": 1,
                   "loops": 8},
}


def with_entry(**changes: Any) -> dict[str, Any]:
    return {"schema_version": 1, "metadata": {"machine": "m", "utc_time": "2026-01-01T00:00:00+00:00"},
            "entries": [{**GOOD_ENTRY, **changes}]}


def timing(value: Any) -> dict[str, Any]:
    return with_entry(evaluation={**GOOD_ENTRY["evaluation"], "seconds": {"values": [1e-6, value]}})


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "not UTF-8": (b'{"schema_version": 1, "metadata": {"machine": "\xff\xfe"}}', "is not UTF-8 text (byte 0xff"),
    "NaN timing": (json.dumps(timing(float("nan"))).encode(),
                   "entries[0].evaluation.seconds.values[1] must be a finite number above 0; found float nan"),
    "string timing": (json.dumps(timing("fast")).encode(),
                      "entries[0].evaluation.seconds.values[1] must be a finite number above 0; found str 'fast'"),
    "negative timing": (json.dumps(timing(-1.0)).encode(), "entries[0].evaluation.seconds.values[1] must be"),
    "string median beside good values": (
        json.dumps(with_entry(evaluation={**GOOD_ENTRY["evaluation"],
                                          "seconds": {"values": [1e-6, 2e-6], "median": "fast"}})).encode(),
        "entries[0].evaluation.seconds.median must be a finite number of at least 0; found str 'fast'"),
    "metadata a list": (json.dumps({"schema_version": 1, "metadata": [1], "entries": []}).encode(),
                        "metadata must be an object; found list [1]"),
    "check a string": (json.dumps(with_entry(check="passed")).encode(),
                       "entries[0].check must be an object or null; found str 'passed'"),
    "entries an object": (json.dumps({"schema_version": 1, "metadata": {}, "entries": {"a": 1}}).encode(),
                          "entries must be a list"),
    "unknown status": (json.dumps(with_entry(status="great")).encode(), "entries[0].status must be one of ok,"),
    "profile growth a string": (json.dumps(with_entry(profile={"memory": {"growth": "up"}})).encode(),
                                "entries[0].profile.memory.growth must be an object or null; found str 'up'"),
    "zero instructions": (json.dumps(with_entry(instructions={"per_call": 0})).encode(),
                          "entries[0].instructions.per_call must be a finite number above 0; found int 0"),
}


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_text(json.dumps(with_entry()))
    return path


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", ["report", "compare", "resume", "check"])
def test_a_bad_results_file_is_exit_2_naming_the_file_and_the_field(
    tmp_path: Path, good_file: Path, kind: str, command: str, capsys: pytest.CaptureFixture[str],
    keep_sigterm: None,
) -> None:
    content, message = BAD_FILES[kind]
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    args = {
        "report": ["report", str(bad), "--output", str(tmp_path / "out")],
        "compare": ["compare", str(good_file), str(bad)],
        "resume": ["run", "--resume", str(bad)],
        "check": ["check", "--baseline", str(bad)],
    }[command]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert str(bad) in error and message in error, error
    assert "Traceback" not in error


@pytest.mark.slow
def test_a_folder_with_one_bad_file_skips_it_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    shutil.copy(FIXTURES / "report_run.json", folder / "good.json")
    (folder / "bad.json").write_text(json.dumps(timing("fast")))
    assert main(["report", str(folder), "--output", str(tmp_path / "report")]) == 0
    assert f"warning: skipped {folder / 'bad.json'}: entries[0].evaluation.seconds.values[1]" in capsys.readouterr().err
    assert main(["compare", str(folder), str(folder)]) == 0
    assert f"warning: base: skipped {folder / 'bad.json'}" in capsys.readouterr().err


# -- parameters and numeric options -------------------------------------------------------------


@pytest.mark.parametrize(
    ("workload", "param", "message"),
    [
        ("hazards", "n=-5", "parameter n takes an integer from 1 to 1,000; got -5"),
        ("hazards", "n=0", "parameter n takes an integer from 1 to 1,000; got 0"),
        ("hazards", "n=abc", "parameter n takes an integer from 1 to 1,000; got 'abc'"),
        ("hazards", "n=1000000000", "parameter n takes an integer from 1 to 1,000; got 1000000000"),
        ("hazards", "n=2.5", "parameter n takes an integer from 1 to 1,000; got 2.5"),
        ("hazards", "mode=bogus", "parameter mode takes one of 'ok', 'hang'"),
        ("mandelbrot", "width=abc", "parameter width takes an integer from 2 to 8,000; got 'abc'"),
        ("mandelbrot", "maxiter=NaN", "parameter maxiter takes an integer from 1 to 1,000,000; got nan"),
    ],
)
def test_a_parameter_value_its_workload_refuses_is_a_usage_error(
    tmp_path: Path, fault_workloads: Path, workload: str, param: str, message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "r.json"
    assert main(["run", "--workload", workload, "--preset", "quick", "--param", param, "--output", str(output)]) == 2
    assert message in capsys.readouterr().err
    assert not output.exists()


def test_a_preset_value_outside_its_declared_range_fails_before_any_entry(
    tmp_path: Path, fault_workloads: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "r.json"
    assert main(["run", "--workload", "hazards", "--preset", "broken", "--output", str(output)]) == 2
    assert "parameter n takes an integer from 1 to 1,000; got 0" in capsys.readouterr().err
    assert not output.exists()


def test_numpy_integers_in_presets_become_plain_ints(fault_workloads: Path) -> None:
    from harness.core.registry import discover
    from harness.run.entries import plan_entries

    hazards = discover()["hazards"]
    assert type(hazards.presets["quick"][0]["n"]).__module__ == "numpy"  # as declared
    (plan,) = plan_entries([hazards], ["numpy"], "quick", [1])
    assert plan.params == {"mode": "ok", "n": 3} and type(plan.params["n"]) is int
    json.dumps(plan.params)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--budget", "nan"], ["run", "--budget", "inf"], ["run", "--budget", "0"],
        ["run", "--timeout", "0"], ["run", "--timeout", "-5"], ["run", "--timeout", "nan"],
        ["run", "--memory-limit", "0"], ["run", "--memory-limit", "-1"],
        ["profile", "--growth-seconds", "-1"], ["profile", "--timeout", "inf"],
        ["check", "--baseline", "x", "--rounds", "0"], ["check", "--baseline", "x", "--timeout", "nan"],
        ["compare", "a", "b", "--min-effect", "nan"],
    ],
)
def test_a_non_finite_or_non_positive_number_is_a_usage_error(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert "must be a" in capsys.readouterr().err


def test_every_default_is_shown_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "seconds one entry may take, its processes together, before it is killed and recorded as timeout "
        "(default: 180 s at quick, 600 s otherwise)"
    ) in text
    assert "evaluation seconds per entry (default: 1 s at quick, 8 s otherwise)" in text
    assert "(default: 80% of the memory available when the run starts, now" in text
    assert "(default: default)" in text


# -- files, names, reasons ---------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_results_files_are_as_readable_as_the_umask_allows(tmp_path: Path, umask: int, mode: int) -> None:
    path = tmp_path / "r.json"
    code = (f"import os, sys; os.umask({umask}); from harness.core.results import Run, save; "
            "from pathlib import Path; save(Run(metadata={}), Path(sys.argv[1]))")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert path.stat().st_mode & 0o777 == mode


def test_names_that_go_into_paths_are_made_safe() -> None:
    from harness.core.names import path_component

    assert path_component("mandelbrot-numba-t2-0123456789") == "mandelbrot-numba-t2-0123456789"
    unsafe = path_component("../../<x>/y")
    assert "/" not in unsafe and not unsafe.startswith(".") and unsafe.startswith("_..__x__y-")
    assert path_component("a/b") != path_component("a_b")  # replaced characters never merge two names
    assert path_component("..") != "" and "/" not in path_component("\x00/")


def test_the_cuda_reason_names_the_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from harness.core import backends

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "numba_cuda" else real(name))
    assert backends._cuda_unavailable_reason() == "the numba-cuda package is not installed: pip install numba-cuda"


def test_the_cuda_reason_names_the_missing_driver_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes
    import ctypes.util

    from harness.core import backends

    def no_library(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ctypes, "CDLL", no_library)
    assert "the CUDA driver library (libcuda.so.1) cannot be loaded" in (backends._cuda_driver_problem() or "")


def test_the_cuda_reason_says_when_the_driver_finds_no_device(monkeypatch: pytest.MonkeyPatch) -> None:
    from numba import cuda

    from harness.core import backends

    def no_device() -> None:
        raise RuntimeError("CUDA_ERROR_NO_DEVICE")

    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "0")
    monkeypatch.setattr(backends, "_cuda_driver_problem", lambda: None)
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.setattr(cuda, "current_context", no_device)
    reason = backends._cuda_unavailable_reason()
    assert reason == "no CUDA device: the CUDA driver loads but reports CUDA_ERROR_NO_DEVICE"
