"""Line profiles: parsing line_profiler's stats, discovery of targets, JSON round-trip."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from harness.core.profiles import LineProfile, Profile
from harness.core.results import Entry, Run, load, save
from harness.profiling.callees import top_callees
from harness.profiling.child import profile_phase
from harness.profiling.lines import (
    Target,
    function_lines,
    module_targets,
    patch_interpreted,
    source_block,
)

SOURCE = textwrap.dedent(
    '''\
    def summed(values):
        total = 0
        for value in values:
            total += helper(value)
        return total


    def helper(value):
        return value * 2
    '''
)


@pytest.fixture
def sample_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    (tmp_path / "profiled_sample.py").write_text(SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("profiled_sample", None)
    module = importlib.import_module("profiled_sample")
    yield module
    sys.modules.pop("profiled_sample", None)


def test_function_lines_parses_timings_with_source(sample_module: ModuleType) -> None:
    filename = sample_module.__file__
    timings = {(filename, 1, "summed"): [(2, 1, 10), (3, 6, 60), (4, 5, 120), (5, 1, 10)]}
    [profile] = function_lines(timings, 1e-6, "evaluation")
    assert profile.function == "summed"
    assert profile.total_seconds == pytest.approx(200e-6)
    assert [line.lineno for line in profile.lines] == [1, 2, 3, 4, 5]
    assert profile.lines[0].source == "def summed(values):"
    assert profile.lines[0].hits == 0 and profile.lines[0].per_hit_seconds is None
    update = profile.lines[3]
    assert update.source.strip() == "total += helper(value)"
    assert (update.hits, update.percent) == (5, pytest.approx(60.0))
    assert update.per_hit_seconds == pytest.approx(24e-6)
    assert sum(line.percent for line in profile.lines) == pytest.approx(100.0)


def test_functions_never_called_are_dropped() -> None:
    timings = {("nowhere.py", 1, "unused"): [(2, 0, 0)]}
    assert function_lines(timings, 1e-6, "construction") == []


def test_source_block_follows_indentation_for_cython_syntax(tmp_path: Path) -> None:
    pyx = tmp_path / "kernel.pyx"
    pyx.write_text(
        "cpdef double total(const double[::1] values):\n"
        "    cdef Py_ssize_t i\n"
        "    cdef double s = 0\n"
        "\n"
        "    for i in range(values.shape[0]):\n"
        "        s += values[i]\n"
        "    return s\n"
        "\n"
        "\n"
        "def after():\n"
        "    pass\n"
    )
    block = source_block(str(pyx), 1, 3)
    assert [n for n, _ in block] == [1, 2, 3, 4, 5, 6, 7]
    assert block[-1][1] == "    return s"


def test_real_line_profile_counts_hits_and_round_trips(sample_module: ModuleType, tmp_path: Path) -> None:
    targets = [Target("summed", sample_module.summed), Target("helper", sample_module.helper)]
    profiles, value = profile_phase("evaluation", targets, lambda: sample_module.summed(range(5)))
    assert value == 20
    by_name = {p.function: p for p in profiles}
    hits = {line.lineno: line.hits for line in by_name["summed"].lines}
    assert hits[4] == 5 and hits[2] == 1
    assert {line.lineno: line.hits for line in by_name["helper"].lines}[9] == 5
    # storage: JSON in the results file, read back unchanged
    entry = Entry("demo", "python", {"n": 5}, profile=Profile(line_profiles=profiles))
    path = tmp_path / "run.json"
    save(Run(metadata={}, entries=[entry]), path)
    assert "pickle" not in path.read_text()
    stored = load(path).entries[0].profile
    assert stored is not None
    assert stored.line_profiles == list(by_name.values())
    assert [LineProfile.from_json(p.to_json()) for p in profiles] == profiles
    assert json.loads(path.read_text())["entries"][0]["profile"]["line_profiles"][0]["lines"][0]["source"]


def test_module_targets_finds_own_functions_only(sample_module: ModuleType) -> None:
    sample_module.imported = json.dumps  # defined elsewhere: not a target
    targets = module_targets(sample_module)
    assert [t.name for t in targets.functions] == ["summed", "helper"]


def test_profile_functions_declaration_wins(sample_module: ModuleType) -> None:
    sample_module.PROFILE_FUNCTIONS = ["helper"]
    assert [t.name for t in module_targets(sample_module).functions] == ["helper"]


def test_jitted_functions_are_profiled_as_interpreted_equivalents(sample_module: ModuleType) -> None:
    numba = pytest.importorskip("numba")
    sample_module.helper = numba.njit(sample_module.helper)
    targets = module_targets(sample_module)
    helper = next(t for t in targets.functions if t.name == "helper")
    assert helper.interpreted_equivalent
    assert any("interpreted equivalent" in note for note in targets.notes)
    patch_interpreted(sample_module, targets)
    profiles, _ = profile_phase("evaluation", targets.functions, lambda: sample_module.summed(range(3)))
    [helper_profile] = [p for p in profiles if p.function == "helper"]
    assert helper_profile.interpreted_equivalent is True


def test_top_callees_counts_a_known_number_of_calls(sample_module: ModuleType) -> None:
    callees, total = top_callees(lambda: sample_module.summed(range(7)))
    counts = {c.function: c.calls for c in callees}
    assert counts["helper"] == 7
    assert counts["summed"] == 1
    assert total == 8


def double(value: int) -> int:
    return value * 2


def test_imported_jitted_helpers_run_interpreted_too(sample_module: ModuleType) -> None:
    numba = pytest.importorskip("numba")
    helper = numba.njit(double)  # jitted in another module and imported: not a target
    sample_module.helper = helper
    sample_module.summed = numba.njit(sample_module.summed)
    targets = module_targets(sample_module)
    assert [t.name for t in targets.functions] == ["summed"]
    patch_interpreted(sample_module, targets)
    assert sample_module.helper is helper.py_func  # no compile, no call into compiled code
    assert sample_module.summed(range(3)) == 6
    assert not helper.signatures
