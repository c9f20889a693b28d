"""Entry.profile as records: the documented JSON shape read and written back unchanged, errors
that name the field, and lenient reading of profiles that lack later fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.json_fields import FieldError
from harness.core.profiles import (
    Callee,
    CallProfile,
    DeviceMemory,
    LineProfile,
    MemoryGrowth,
    MemoryProfile,
    Profile,
    ProfiledLine,
)
from harness.core.results import load

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"width": 160, "height": 160, "maxiter": 100}

# The example of docs/results-format.md, section "profile", every field filled in, as the
# producer writes it (key order included); whole numbers where the producer writes ints.
DOCUMENTED = {
    "format_version": 1,
    "status": "ok",
    "reason": "",
    "memory": {
        "baseline_mib": 36.9,
        "construction_peak_mib": 132.1,
        "construction_steps_peak_mib": {"inputs": 0.6, "import": 63.8, "prepare": 64.0, "first_call": 132.1},
        "after_construction_mib": 132.1,
        "evaluation_peak_mib": 132.1,
        "growth": {
            "calls": [0, 5, 10, 15, 20, 25],
            "rss_mib": [169.0, 169.0, 169.0, 169.0, 169.0, 169.0],
            "slope_mib_per_1000_calls": 0.0,
            "intercept_mib": 169.0,
            "p_value": 1.0,
            "growth_mib": 0.0,
            "late_growth_mib": 0.0,
            "growing": False,
            "reason": "flat: ...",
            "seconds": 1.5,
            "warmup_calls": 174,
        },
        "device": {
            "total_mib": 81559.0,
            "used_mib": {"before_construction": 500.0, "after_construction": 740.0, "after_growth": 740.0},
            "construction_mib": 240.0,
            "growth_mib": 0.0,
        },
        "sample_interval_seconds": {"construction": 0.005, "evaluation": 0.001},
        "notes": ["peaks are RSS sampled every 5 ms by memory_profiler: ..."],
    },
    "calls_per_evaluation": {"python_calls": 1, "builtin_calls": 158409, "total": 158410},
    "calls": {
        "params": PARAMS,
        "per_evaluation": {"python_calls": 1, "builtin_calls": 158409, "total": 158410},
        "callee_params": PARAMS,
        "note": None,
        "profiled_calls": 158413,
        "top_callees": [
            {"function": "<built-in method builtins.abs>", "file": "~", "lineno": 0, "calls": 158406,
             "primitive_calls": 158406, "own_seconds": 0.017, "cumulative_seconds": 0.017},
        ],
    },
    "call_seconds": 0.036,
    "line_profiles": [
        {
            "function": "calculate_z_serial_purepython",
            "phase": "evaluation",
            "file": "workloads/mandelbrot/python_impl.py",
            "first_lineno": 10,
            "total_seconds": 0.199,
            "interpreted_equivalent": False,
            "lines": [
                {"lineno": 10, "source": "def calculate_z(q, maxiter):", "hits": 0, "seconds": 0.0,
                 "per_hit_seconds": None, "percent": 0.0},
                {"lineno": 14, "source": "            z[i] = z[i] * z[i] + q[i]", "hits": 158406,
                 "seconds": 0.0705, "per_hit_seconds": 4.45e-07, "percent": 35.4},
            ],
        }
    ],
    "line_profile_notes": ["profiled: one construction and 3 evaluation call(s) at params {...}; ..."],
    "line_profile_params": PARAMS,
    "line_profile_evaluation_calls": 3,
    "seconds": 5.3,
    "memory_params": PARAMS,
}


def test_the_documented_profile_reads_into_records_and_writes_back_unchanged() -> None:
    profile = Profile.from_json(DOCUMENTED)
    assert json.dumps(profile.to_json()) == json.dumps(DOCUMENTED)  # key order and int/float too
    assert profile.memory is not None and profile.memory.growth is not None and profile.calls is not None
    assert profile.memory.growth.warmup_calls == 174
    assert profile.memory.device == DeviceMemory(81559.0, {"before_construction": 500.0, "after_construction": 740.0,
                                                           "after_growth": 740.0}, 240.0, 0.0)
    assert profile.calls.top_callees[0] == Callee("<built-in method builtins.abs>", "~", 0, 158406, 158406,
                                                  0.017, 0.017)
    assert profile.line_profiles[0].lines[1] == ProfiledLine(14, "            z[i] = z[i] * z[i] + q[i]", 158406,
                                                             0.0705, 4.45e-07, 35.4)


def test_records_made_by_a_producer_read_back_equal() -> None:
    profile = Profile(
        memory=MemoryProfile(baseline_mib=30.0, growth=MemoryGrowth(calls=[0, 1], rss_mib=[30.0, 30.0])),
        calls=CallProfile(params={"n": 3}, per_evaluation={"total": 2}, note="no callee breakdown"),
        line_profiles=[
            LineProfile("f", "construction", "a.py", 1, 0.5, lines=[ProfiledLine(1, "x", 1, 0.5, 0.5, 100.0)])
        ],
        seconds=1.0,
        memory_params={"n": 3},
    )
    assert Profile.from_json(json.loads(json.dumps(profile.to_json()))) == profile


def test_a_profile_without_later_fields_reads_with_their_defaults() -> None:
    profile = Profile.from_json({"memory": {"growth": {"calls": [0, 1], "rss_mib": [1.0, 1.0]}, "notes": []}})
    assert profile.status == "ok" and profile.format_version == 1 and profile.line_profiles == []
    assert profile.memory is not None and profile.memory.baseline_mib is None
    assert profile.memory.growth == MemoryGrowth(calls=[0, 1], rss_mib=[1.0, 1.0])


def test_the_report_fixtures_profiles_load() -> None:
    profiled = [e.profile for e in load(ROOT / "tests/fixtures/report_run.json").entries if e.profile]
    assert len(profiled) == 2 and all(p.memory and p.memory.growth and p.line_profiles for p in profiled)


@pytest.mark.parametrize("path", sorted((ROOT / "results").glob("*/*.json")), ids=lambda p: p.name)
def test_committed_results_resave_their_profiles_unchanged(path: Path) -> None:
    stored = [entry.get("profile") for entry in json.loads(path.read_text())["entries"]]
    assert [e.to_json()["profile"] for e in load(path).entries] == stored


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["memory"].update(growth="up"), "profile.memory.growth must be an object or null; found str 'up'"),
        (lambda p: p["memory"]["growth"]["rss_mib"].pop(), "profile.memory.growth.rss_mib must be as long as calls"),
        (lambda p: p["memory"]["growth"]["calls"].__setitem__(1, 2.5),
         "profile.memory.growth.calls[1] must be a whole number of at least 0; found float 2.5"),
        (lambda p: p["line_profiles"][0]["lines"][1].pop("lineno"),
         "profile.line_profiles[0].lines[1].lineno must be present"),
        (lambda p: p["line_profiles"][0].update(total_seconds="slow"),
         "profile.line_profiles[0].total_seconds must be a finite number; found str 'slow'"),
        (lambda p: p["calls"]["top_callees"][0].update(calls=-1),
         "profile.calls.top_callees[0].calls must be a whole number of at least 0; found int -1"),
        (lambda p: p.update(line_profile_notes=[1]), "profile.line_profile_notes[0] must be a string; found int 1"),
    ],
)
def test_a_wrong_field_is_named(change, message) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(DOCUMENTED))
    change(data)
    with pytest.raises(FieldError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Profile.from_json(data)
