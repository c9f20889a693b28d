"""``harness.cli.regress``: the options of ``check`` become one frozen ``CheckSettings``, and the
old spellings of the renamed time-outs still work, with a note."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.cli.instructions import build_parser as instructions_parser
from harness.cli.main import build_parser
from harness.cli.regress import check_settings
from harness.regress.ab_check import CheckSettings
from harness.regress.workers import STALL_TIMEOUT

FIXTURES = Path(__file__).parent / "fixtures" / "workloads"
SELECTION = ["--workload-dir", str(FIXTURES), "--workload", "toy", "--backend", "python"]


def settings_of(*arguments: str) -> CheckSettings:
    return check_settings(build_parser().parse_args(["check", *SELECTION, *arguments]))


def test_the_options_of_check_become_one_frozen_settings_object() -> None:
    settings = settings_of("--against", "main", "--rounds", "4", "--processes", "2", "--min-effect", "0.1")
    assert (settings.against, settings.baseline, settings.rounds, settings.processes) == ("main", None, 4, 2)
    assert settings.thresholds.min_effect == 0.1
    assert settings.stall_timeout == STALL_TIMEOUT
    assert settings.selection.workloads == ("toy",) and settings.selection.backends == ("python",)
    assert settings.counter_arguments[:2] == ("--preset", "quick")
    assert f"--workload-dir={FIXTURES.resolve()}" in settings.counter_arguments
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.timer = "wall"  # type: ignore[misc]


def test_the_old_spelling_of_the_stall_timeout_still_works_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert settings_of("--against", "main", "--stall-timeout", "30").stall_timeout == 30
    assert capsys.readouterr().err == ""
    assert settings_of("--against", "main", "--timeout", "30").stall_timeout == 30
    note = capsys.readouterr().err
    assert note.count("\n") == 1 and "--timeout is deprecated; use --stall-timeout" in note


def test_the_old_spelling_of_the_valgrind_timeout_still_works_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    parser = instructions_parser()
    assert parser.parse_args(["--output", "x.json"]).valgrind_timeout == 600
    assert parser.parse_args(["--output", "x.json", "--timeout", "20"]).valgrind_timeout == 20
    assert "--timeout is deprecated; use --valgrind-timeout" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--output", "x.json", "--timeout", "0"])
