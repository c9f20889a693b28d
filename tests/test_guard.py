"""Child processes under a guard, stop signals, and the settings a run stores (no workloads run)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from harness.core.results import ResultsError
from harness.run.child import ChildOutcome, run_command
from harness.run.interrupts import Interrupted, exit_code_of, stop_signals_interrupt
from harness.run.settings import RunSettings

ESCAPEE = """
import os, subprocess, sys
sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open(sys.argv[1], "w").write(str(sleeper.pid))
"""


def test_out_of_memory_says_so_with_the_limit() -> None:
    outcome = ChildOutcome(None, "last words", memory_limit_bytes=2**29)
    assert outcome.out_of_memory and not outcome.timed_out and not outcome.ok
    assert outcome.describe() == "out of memory (limit 0.5 GiB): last words"


def test_an_unknown_signal_is_described_by_its_number() -> None:
    assert ChildOutcome(-99, "").describe() == "died with signal 99"


def test_processes_a_child_leaves_behind_are_killed_when_it_exits(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    outcome = run_command(
        [sys.executable, "-c", ESCAPEE, str(pid_file)], env=dict(os.environ), timeout=120, log_path=tmp_path / "log"
    )
    assert outcome.ok and outcome.leftovers_killed == 1
    sleeper = int(pid_file.read_text())
    assert not psutil.pid_exists(sleeper) or psutil.Process(sleeper).status() == psutil.STATUS_ZOMBIE


def test_a_command_that_cannot_start_is_a_failure_that_says_why(tmp_path: Path) -> None:
    outcome = run_command([str(tmp_path / "missing")], env=dict(os.environ), timeout=60, log_path=tmp_path / "log")
    assert outcome.returncode == 127
    assert "could not start the child" in outcome.describe() and "missing" in outcome.describe()


def test_stop_signals_raise_once_and_the_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_interrupt():
        with pytest.raises(Interrupted) as raised:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(60)  # the handler raises before this ends
        os.kill(os.getpid(), signal.SIGHUP)  # a second signal while stopping is ignored
    assert exit_code_of(raised.value) == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == before
    assert exit_code_of(KeyboardInterrupt()) == 130


def test_settings_survive_a_round_trip_and_a_bad_field_is_named() -> None:
    settings = RunSettings(preset="quick", workloads=("toy",), threads=(1, 2), params={"n": 3}, budget=0.5)
    assert RunSettings.from_json(settings.to_json(), "r.json") == settings
    broken = {**settings.to_json(), "timeout": float("nan")}
    with pytest.raises(ResultsError, match=r"r.json: metadata.settings.timeout must be a finite positive number"):
        RunSettings.from_json(broken, "r.json")
