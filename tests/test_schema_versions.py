"""The results committed under results/ (schema versions 1 and 2) still load, report and
compare; a version 1 file written back as version 2 loses nothing, and a version 2 file
is written back as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.core.results import SCHEMA_VERSION, load, save

COMMITTED = sorted((Path(__file__).resolve().parent.parent / "results").rglob("*.json"))
COMMITTED = [path for path in COMMITTED if ".pyperf" not in path.parts[-2]]
VERSION_1 = [path for path in COMMITTED if json.loads(path.read_text())["schema_version"] == 1]
VERSION_2 = [path for path in COMMITTED if json.loads(path.read_text())["schema_version"] == 2]


def test_runs_of_both_versions_are_committed() -> None:
    assert len(VERSION_1) >= 2 and VERSION_2
    assert len(VERSION_1) + len(VERSION_2) == len(COMMITTED)


@pytest.mark.parametrize("path", VERSION_2, ids=[path.name for path in VERSION_2])
def test_a_version_2_file_is_written_back_as_it_was(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    save(load(path), copy)
    assert json.loads(copy.read_text()) == json.loads(path.read_text())


@pytest.mark.parametrize("path", VERSION_1, ids=[path.name for path in VERSION_1])
def test_a_version_1_file_written_back_as_version_2_keeps_every_field(path: Path, tmp_path: Path) -> None:
    original = json.loads(path.read_text())
    copy = tmp_path / path.name
    run = load(path)
    assert run.entries and all(entry.sample_kind == "mean" for entry in run.entries)
    save(run, copy)
    written = json.loads(copy.read_text())
    assert written["schema_version"] == SCHEMA_VERSION == 2
    assert written["metadata"] == original["metadata"]
    for before, after in zip(original["entries"], written["entries"], strict=True):
        assert after.pop("sample_kind") == "mean"
        assert kept(before, after), f"{before['workload']} {before['backend']}"


def kept(before: object, after: object) -> bool:
    """Every value of ``before`` is in ``after`` as it was; ``after`` may add fields an older
    harness did not write, each empty (null, 0, false, "" or [])."""
    if isinstance(before, dict) and isinstance(after, dict):
        added = [after[name] for name in after.keys() - before.keys()]
        return all(kept(value, after.get(name)) for name, value in before.items()) and not any(added)
    return before == after


def cpu_of(path: Path) -> object:
    return json.loads(path.read_text())["metadata"].get("cpu_model")


def test_the_committed_runs_report_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = COMMITTED[0]
    # the newest run on the oldest run's CPU: runs since 2026-12-03 name the CPU's family,
    # model and stepping, which the older ones' bare model name does not
    newer = [path for path in COMMITTED if cpu_of(path) == cpu_of(older)][-1]
    assert newer != older
    assert main(["report", *map(str, COMMITTED), "--output", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 0
    capsys.readouterr()
    assert main(["compare", str(older), str(newer)]) in (0, 1)  # 1: a regression found between them
    table = capsys.readouterr().out
    assert "mandelbrot" in table and ("unchanged" in table or "regressed" in table or "improved" in table)


def test_a_run_naming_its_cpu_family_is_not_compared_with_one_that_does_not() -> None:
    named = [path for path in COMMITTED if "family" in str(cpu_of(path))]
    bare = [path for path in COMMITTED if cpu_of(path) == "AMD EPYC"]
    assert named and bare
    assert main(["compare", str(bare[-1]), str(named[-1])]) == 2
