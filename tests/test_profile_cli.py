"""End to end: ``harness profile`` on a test-local workload with a planted leak."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.cli.profile import profile_cells
from harness.core.profiles import Profile
from harness.core.results import Entry, Run, load, save

# The profile's keys in the order docs/results-format.md ("profile") shows and the producer writes.
DOCUMENTED_KEYS = [
    "format_version", "status", "reason", "memory", "calls_per_evaluation", "calls", "call_seconds",
    "line_profiles", "line_profile_notes", "line_profile_params", "line_profile_evaluation_calls", "seconds",
    "memory_params",
]
INIT = textwrap.dedent(
    '''\
    from harness.core.workload import Comparison, Workload


    def make_inputs(params):
        return {"values": list(range(params["n"])), "work": params["work"]}


    CASE = {"n": 40, "work": 3000}
    WORKLOAD = Workload(
        name="leakdemo",
        description="a clean and a leaking implementation of the same loop",
        presets={"quick": [CASE], "default": [CASE], "full": [CASE]},
        make_inputs=make_inputs,
        implementations={"numpy": "leakdemo.clean", "python": "leakdemo.leaky"},
        comparison=Comparison.exact(),
    )
    '''
)

CLEAN = textwrap.dedent(
    '''\
    from harness.core.workload import Kernel


    def twice(value):
        return value * 2


    def scale(values, work):
        sum(range(work))
        out = []
        for value in values:
            out.append(twice(value))
        return out


    def prepare(inputs, params, steps):
        return Kernel(call=lambda: scale(inputs["values"], inputs["work"]))
    '''
)

LEAKY = textwrap.dedent(
    '''\
    from harness.core.workload import Kernel

    KEPT = []


    def scale_and_keep(values, work):
        sum(range(work))
        result = [float(value) for value in range(2000)]  # about 64 KiB, touched
        KEPT.append(result)  # the leak: every result is kept
        return result


    def prepare(inputs, params, steps):
        return Kernel(call=lambda: scale_and_keep(inputs["values"], inputs["work"]))
    '''
)


@pytest.fixture(scope="module")
def workload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workloads")
    package = root / "leakdemo"
    package.mkdir()
    for name, text in (("__init__.py", INIT), ("clean.py", CLEAN), ("leaky.py", LEAKY)):
        (package / name).write_text(text)
    return root


def profile(workload_dir: Path, *args: str) -> int:
    return main(
        ["profile", "--workload-dir", str(workload_dir), "--workload", "leakdemo", "--preset", "quick",
         "--growth-seconds", "0.6", *args]
    )


@pytest.fixture(scope="module")
def profiled(workload_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    path = tmp_path_factory.mktemp("results") / "profiled.json"
    assert profile(workload_dir, "--output", str(path)) == 0
    return load(path)


def entry_for(run: Run, backend: str) -> Entry:
    return next(e for e in run.entries if e.backend == backend)


def test_planted_leak_is_flagged(profiled: Run) -> None:
    leaky = entry_for(profiled, "python").profile
    assert leaky is not None
    assert leaky.memory is not None and leaky.memory.growth is not None
    growth = leaky.memory.growth
    assert growth.growing is True
    assert growth.slope_mib_per_1000_calls is not None and growth.slope_mib_per_1000_calls > 10  # ~64 KiB kept per call


def test_a_profile_only_file_reports_its_profiles_and_claims_no_check(profiled: Run, tmp_path: Path) -> None:
    """harness profile --output holds profiles and no timings: the report shows the profiles
    (the planted leak as growing) and does not say its entries matched the reference."""
    import html
    import re

    path = tmp_path / "profiled.json"
    save(profiled, path)
    assert main(["report", str(path), "--output", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "index.html").read_text()
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert "matched the reference" not in text
    assert "hold no correctness check in these results (profiled only" in text
    memory = text[text.index("Memory per step"):text.index("Memory growth over calls")]
    assert "Peak above the baseline (MiB)" in memory and "first call" in memory and "evaluation" in memory
    growth = text[text.index("Memory growth over calls"):text.index("Hot lines")]
    assert "python (n=40, work=3000): memory grows" in growth  # the planted leak, flagged
    assert "numpy (n=40, work=3000): memory grows" not in growth
    hot = text[text.index("Hot lines"):text.index("Top callees")]
    assert "not measured" not in hot and "share of time" in hot
    assert hot.index("scale_and_keep (evaluation") < hot.index("scale (evaluation")  # the hottest function first
    assert "    KEPT.append(result)" in html.unescape(page)  # its source keeps its indentation
    callees = text[text.index("Top callees"):text.index("Python calls per evaluation")]
    assert "<listcomp>" in callees and "twice" in callees


def test_clean_implementation_is_not_flagged(profiled: Run) -> None:
    clean = entry_for(profiled, "numpy").profile
    assert clean is not None
    assert clean.memory is not None and clean.memory.growth is not None
    assert clean.memory.growth.growing is False


def test_calls_per_evaluation_is_the_known_count(profiled: Run) -> None:
    entry = entry_for(profiled, "numpy")
    assert entry.profile is not None
    # scale + 40 twice (Python); sum and 40 appends (built-in; range is a type, not counted)
    assert entry.profile.calls_per_evaluation == {"python_calls": 41, "builtin_calls": 41, "total": 82}
    assert entry.profile.calls is not None
    callees = {c.function: c.calls for c in entry.profile.calls.top_callees}
    assert callees["twice"] == 40
    assert entry.calls_per_evaluation == entry.profile.calls_per_evaluation


def test_profile_has_the_documented_shape(profiled: Run) -> None:
    profile = entry_for(profiled, "numpy").profile
    assert profile is not None
    stored = profile.to_json()
    assert list(stored) == DOCUMENTED_KEYS
    assert Profile.from_json(stored) == profile
    memory = stored["memory"]
    assert isinstance(memory, dict)
    for key in ("baseline_mib", "construction_peak_mib", "evaluation_peak_mib", "device", "notes"):
        assert key in memory
    assert set(memory["growth"]) >= {"calls", "rss_mib", "slope_mib_per_1000_calls", "growing"}
    assert len(memory["growth"]["calls"]) == len(memory["growth"]["rss_mib"])
    phases = {(p.function, p.phase) for p in profile.line_profiles}
    assert {("make_inputs", "construction"), ("prepare", "construction"), ("scale", "evaluation"),
            ("twice", "evaluation")} <= phases
    scale = next(p for p in profile.line_profiles if p.function == "scale")
    assert any(line.source.strip() == "out.append(twice(value))" for line in scale.lines)
    assert profile.seconds is not None and profile.seconds > 0
    assert entry_for(profiled, "numpy").reason.startswith("profiled only")


def test_into_adds_profiles_to_an_existing_run(workload_dir: Path, tmp_path: Path) -> None:
    timed = Entry("leakdemo", "numpy", {"n": 40, "work": 3000}, info={"kept": True})
    path = tmp_path / "timed.json"
    save(Run(metadata={"preset": "quick"}, entries=[timed]), path)
    assert profile(workload_dir, "--backend", "numpy", "--into", str(path)) == 0
    run = load(path)
    [entry] = run.entries
    assert entry.info == {"kept": True} and entry.reason == ""
    assert entry.profile is not None and entry.profile.status == "ok"
    assert run.metadata["profiling"][0]["seconds"] > 0


def test_into_refuses_another_preset(workload_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "timed.json"
    save(Run(metadata={"preset": "default"}), path)
    assert profile(workload_dir, "--into", str(path)) == 2
    assert "--preset default" in capsys.readouterr().err


def test_the_summary_gives_the_whole_profiles_seconds_under_its_own_name() -> None:
    entry = Entry("mandelbrot", "numba", {"width": 8}, profile=Profile(seconds=6.5))
    assert profile_cells(entry)[-1] == "6.5 s"  # the column "profiling took", beside the hottest line
