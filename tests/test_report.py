"""Golden structure of the HTML report built from the committed synthetic fixture, its
escaping of hostile names, self-containment, and every missing-data path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import (
    GENERATED_AT,
    HISTORY_FIXTURE,
    RUN_FIXTURE,
    outline,
    svg_text,
)

from harness.cli.main import main
from harness.core.entry_parts import Check, OutsideCheck
from harness.core.profiles import LineProfile, MemoryGrowth, MemoryProfile, Profile, ProfiledLine
from harness.core.results import Entry, ResultsError, Run, save
from harness.core.timings import Construction, Evaluation, Stats
from harness.report.overview_sections import problems_section
from harness.report.render import build_report, report_path, write_report
from harness.report.sources import ReportError, ReportInput, collect_results

HOSTILE = "<script>alert(1)</script>"
# Python calls per evaluation are a table folded into the evaluation section when present
WORKLOAD_SECTIONS = (
    "evaluation",
    "scaling",
    "rates",
    "construction",
    "parallel",
    "memory",
    "memory-growth",
    "lines",
    "optimizer",
)
# the fixture's mandelbrot has every kind of data except an optimizer: golden layout
MANDELBROT_GOLDEN = {
    "evaluation": "chart",
    "scaling": "chart",
    "rates": "chart",
    "construction": "chart",
    "parallel": "chart",
    "memory": "chart",
    "memory-growth": "chart",
    "lines": "table",
    "optimizer": "missing",
}
SCALAR_GOLDEN = {
    "evaluation": "chart",
    "scaling": "missing",
    "rates": "missing",
    "construction": "chart",
    "parallel": "missing",
    "memory": "missing",
    "memory-growth": "missing",
    "lines": "missing",
    "optimizer": "table",
}


@pytest.fixture(scope="module")
def report_input() -> ReportInput:
    return collect_results([RUN_FIXTURE, HISTORY_FIXTURE])


@pytest.fixture(scope="module")
def html(report_input: ReportInput) -> str:
    return build_report(report_input, generated_at=GENERATED_AT)


def state(section: object) -> str:
    images, tables, missing = section.images, section.tables, section.missing  # type: ignore[attr-defined]
    if missing:
        return "missing"
    return "chart" if images else ("table" if tables else "empty")


def workload_anchor(html: str, name: str) -> str:
    anchors = {a for a in outline(html).sections if a.endswith("-evaluation")}
    slug = name.lower().replace("_", "-")
    return next(a.removesuffix("-evaluation") for a in anchors if a.endswith(f"-{slug}-evaluation"))


def test_top_level_sections_present(html: str) -> None:
    sections = outline(html).sections
    for anchor in (
        "summary",
        "overview-speedup",
        "overview-problems",
        "overview-reliability",
        "history",
        "environment",
        "method",
    ):
        assert anchor in sections, anchor
    assert next(iter(sections)) == "summary"  # the answer comes first


def test_every_workload_has_every_section(html: str) -> None:
    sections = outline(html).sections
    for name in ("mandelbrot", "tensor_matmul", "scalar_network"):
        prefix = workload_anchor(html, name)
        for suffix in WORKLOAD_SECTIONS:
            assert f"{prefix}-{suffix}" in sections, f"{name}: {suffix}"
        assert "Python calls per evaluation" in html


@pytest.mark.parametrize(
    ("workload", "golden"), [("mandelbrot", MANDELBROT_GOLDEN), ("scalar_network", SCALAR_GOLDEN)]
)
def test_golden_section_contents(html: str, workload: str, golden: dict[str, str]) -> None:
    sections = outline(html).sections
    prefix = workload_anchor(html, workload)
    assert {suffix: state(sections[f"{prefix}-{suffix}"]) for suffix in golden} == golden


def test_sections_with_nothing_to_show_are_one_list_per_workload(html: str) -> None:
    """A section with nothing to show is a line of its workload's folded "Not measured"
    list, never a block of its own."""
    for name in ("mandelbrot", "scalar_network"):
        prefix = workload_anchor(html, name)
        listed = html.split(f'id="{prefix}-not-measured"', 1)[1].split("</details>", 1)[0]
        missing = [a for a, s in outline(html).sections.items() if a.startswith(prefix) and s.missing]
        assert missing and all(f'id="{a}"' in listed for a in missing)
    assert html.count('class="missing"') <= 1


def test_at_most_one_chart_per_section_and_missing_says_not_measured(html: str) -> None:
    for section in outline(html).sections.values():
        assert len(section.images) <= 1, section.anchor
        assert section.title.strip(), section.anchor
        if section.missing:
            assert section.missing.startswith("not measured: "), section.anchor
            assert not section.images


def test_history_has_one_chart_and_names_the_workloads_without_a_trend(html: str) -> None:
    history = outline(html).sections["history"]
    assert len(history.images) == 1
    assert "mandelbrot" in svg_text(history.images[0])
    # the other workloads are in the newest run only: no trend to draw
    assert "Measured at one commit only, so no trend: " in html
    assert "scalar_network, tensor_matmul." in html


def test_charts_are_inline_svg_with_labelled_axes(html: str) -> None:
    images = [i for s in outline(html).sections.values() for i in s.images]
    assert len(images) >= 15
    scaling = svg_text(
        outline(html).sections[workload_anchor(html, "mandelbrot") + "-scaling"].images[0]
    )
    assert "work per call (points)" in scaling
    assert "median seconds per call (s)" in scaling
    assert "k=1.00" in scaling  # fitted exponent in the legend


def test_hostile_names_are_escaped_everywhere(html: str) -> None:
    assert HOSTILE not in html
    assert "<script" not in html.lower()
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in html  # a reason that tries to close the table
    for section in outline(html).sections.values():
        for image in section.images:
            assert "<script" not in svg_text(image).lower()


def test_self_contained_no_network_no_script(html: str) -> None:
    parsed = outline(html)
    assert "script" not in parsed.tags
    assert "link" not in parsed.tags
    for name, value in parsed.attributes:
        if name in ("src", "href", "xlink:href"):
            assert value.startswith(("data:", "#")), (name, value[:60])
    assert html.count("url(") == html.count("url(#")  # only references inside the page
    assert len(html.encode()) < 5 * 1024 * 1024


def test_problems_and_warnings_listed_with_reasons(html: str) -> None:
    assert "wrong_result" in html and "12 of 65536 values differ" in html
    assert "no CUDA device: CUDA driver library cannot be found" in html
    assert "Traceback: &lt;b&gt;segfault&lt;/b&gt; &amp; core dumped" in html
    assert outline(html).sections["overview-reliability"].warnings == 1
    assert "raise --budget" in html  # the warning says what to do


def test_break_even_and_optimizer_table_in_report(html: str) -> None:
    assert "after " in html and " calls</td>" in html
    assert "(reference)" in html
    assert "constant folding" in html and "fused kernels" in html
    assert "fuse &lt;elementwise&gt;" in html


def test_history_keeps_machines_apart(html: str) -> None:
    history = outline(html).sections["history"]
    chart = svg_text(history.images[0])
    assert "numba @ machine-a" in chart and "numba @ machine-b" in chart
    assert "Machines kept apart: machine-a, machine-b." in html


def test_report_is_deterministic(report_input: ReportInput, html: str) -> None:
    assert build_report(report_input, generated_at=GENERATED_AT) == html


def test_primary_is_first_argument_and_pyperf_files_skipped(report_input: ReportInput) -> None:
    assert report_input.primary_path == RUN_FIXTURE
    assert report_input.primary.metadata["machine"] == "machine-a"
    assert len(report_input.runs) == 6  # the fixture file and its copy in the history are two
    assert not any(".pyperf" in str(path) for path, _ in report_input.runs)


def test_directory_argument_reports_its_newest_run() -> None:
    found = collect_results([HISTORY_FIXTURE])
    assert found.primary.metadata["utc_time"] == "2026-03-03T10:00:00+00:00"


def test_missing_or_bad_results_raise_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="do not exist"):
        collect_results([tmp_path / "nothing.json"])
    with pytest.raises(ReportError, match="no harness results found"):
        collect_results([tmp_path])
    with pytest.raises(ReportError, match="no results given"):
        collect_results([])
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 99}')
    with pytest.raises(ResultsError, match="schema_version 99"):
        collect_results([bad])


def minimal_metadata() -> dict[str, object]:
    return {"utc_time": "2026-01-01T00:00:00+00:00", "machine": "m"}


def build(entries: list[Entry], metadata: dict[str, object] | None = None) -> str:
    run = Run(metadata=metadata if metadata is not None else minimal_metadata(), entries=entries)
    return build_report(ReportInput(run, Path("run.json"), [(Path("run.json"), run)]), GENERATED_AT)


def test_empty_run_says_not_measured() -> None:
    html = build([], metadata={})
    assert "not measured: the results hold no entries" in html
    assert "not measured: 1 commit found" in html
    assert "not recorded" in html  # metadata fields absent


def test_only_unavailable_entries() -> None:
    html = build(
        [
            Entry(
                workload="w",
                backend="cuda",
                params={},
                status="unavailable",
                reason="no CUDA device",
            )
        ]
    )
    sections = outline(html).sections
    assert sections["overview-speedup"].missing.startswith("not measured")
    assert "no CUDA device" in html
    assert all(not s.images for s in sections.values())


def test_entries_without_construction_rates_or_profiles() -> None:
    evaluation = Evaluation(
        Stats.of([0.01, 0.0101, 0.0102]), processes=1, values_per_process=3, warmups=1, loops=0
    )
    entries = [
        Entry(workload="w", backend="python", params={"n": 10}, evaluation=evaluation),
        Entry(
            workload="w",
            backend="numba",
            params={"n": 10},
            evaluation=evaluation,
            profile=Profile(
                memory=MemoryProfile(baseline_mib=10.0, growth=MemoryGrowth(calls=[], rss_mib=[])),
                line_profiles=[
                    LineProfile("f", "evaluation", "f.py", 3, 0.0, lines=[ProfiledLine(3, "", 0, 0.0, None, 0.0)])
                ],
            ),
            info={"optimizer_passes": [{"name": "only a name"}, "not a dict"]},
        ),
    ]
    html = build(entries)
    sections = outline(html).sections
    prefix = workload_anchor(html, "w")
    assert sections[f"{prefix}-construction"].missing.startswith("not measured")
    assert sections[f"{prefix}-rates"].missing.startswith("not measured")
    assert sections[f"{prefix}-memory"].images  # baseline alone is drawn
    assert "not measured" in html  # the missing peaks say so in the table
    assert sections[f"{prefix}-memory-growth"].missing.startswith("not measured")
    assert sections[f"{prefix}-lines"].tables == 1
    assert sections[f"{prefix}-optimizer"].tables == 1
    assert "only a name" in html
    assert "only 3 values" in html  # reliability warning: too few values
    assert "calibrated" in html  # loops=0 in the method table


def test_wrong_result_entry_is_not_timed_and_reported() -> None:
    check = Check(
        passed=False,
        comparison={"kind": "exact"},
        mismatches=2,
        size=10,
        max_abs_diff=1.0,
        message="",
    )
    construction = Construction(seconds=Stats.of([1.0]), steps={}, runs=1)
    html = build(
        [
            Entry(
                workload="w",
                backend="numba",
                params={},
                status="wrong_result",
                check=check,
                construction=construction,
            )
        ]
    )
    assert "2 of 10 values differ" in html


def test_structural_wrong_results_and_broken_workloads_are_reported() -> None:
    check = Check(passed=False, comparison={"kind": "exact"}, message="result has dtype <U3", failed_on="dtype")
    entry = Entry(workload="w", backend="python", params={}, status="wrong_result",
                  reason="wrong dtype: result has dtype <U3", check=check)
    broken = {"name": "broken_init", "error": "RuntimeError: this workload's __init__ is broken"}
    html = build([entry], metadata={**minimal_metadata(), "workload_load_failures": [broken]})
    assert "wrong dtype: result has dtype &lt;U3" in html
    assert "0 of 0 values differ" not in html
    assert "broken_init" in html
    assert "cannot be loaded: RuntimeError: this workload&#39;s __init__ is broken" in html


def test_write_report_to_folder_or_file(tmp_path: Path) -> None:
    assert report_path(tmp_path) == tmp_path / "index.html"
    assert report_path(tmp_path / "r.html") == tmp_path / "r.html"
    run = Run(metadata=minimal_metadata())
    written = write_report(
        ReportInput(run, Path("r.json"), [(Path("r.json"), run)]), tmp_path / "out"
    )
    assert written == tmp_path / "out" / "index.html"
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save(Run(metadata=minimal_metadata()), tmp_path / "run.json")
    assert main(["report", str(tmp_path / "run.json"), "--output", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").exists()
    assert "report:" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "missing.json"), "--output", str(tmp_path)]) == 2
    assert "do not exist" in capsys.readouterr().err


def test_cli_report_reads_saved_run(tmp_path: Path) -> None:
    run = Run(
        metadata=minimal_metadata(),
        entries=[Entry(workload="w", backend="python", params={}, status="failed", reason="boom")],
    )
    save(run, tmp_path / "results" / "m" / "run.json")
    assert main(["report", str(tmp_path / "results"), "--output", str(tmp_path / "r.html")]) == 0
    assert "boom" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_importing_harness_loads_no_report_libraries() -> None:
    code = (
        "import sys, harness, harness.core.analysis, harness.core.results, harness.cli.main, harness.report; "
        "heavy = [m for m in ('matplotlib', 'jinja2') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_run_with_report_writes_it_even_when_an_entry_fails(
    fixture_workloads: Path, tmp_path: Path
) -> None:
    output = tmp_path / "faulty.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--workload",
            "faulty",
            "--preset",
            "quick",
            "--budget",
            "0.3",
            "--timeout",
            "5",
            "--backend",
            "numpy",
            "--backend",
            "python",
            "--output",
            str(output),
            "--report",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    html = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "this backend always raises" in html
    assert f"report about: {output}" in html


def test_the_overview_names_the_outside_references_entries_reproduced():
    outside = OutsideCheck("sum of the escape counts", 22528.0, 22528.0, True, "the talk's pure_python.py 160 100")
    entries = [
        Entry(workload="mandelbrot", backend=b, params={"width": 160}, check=Check(True, {}, outside=[outside]))
        for b in ("numpy", "numba")
    ]
    section = problems_section(Run(metadata={}, entries=entries))
    assert section.notes == [
        "Every entry finished ok and matched the reference.",
        "mandelbrot: 2 entries reproduce the sum of the escape counts of an outside reference "
        "(the talk's pure_python.py 160 100).",
    ]


def test_every_chart_says_what_it_shows_in_words_no_two_alike(html: str) -> None:
    """Each chart's text alternative names its figures, so a reader who cannot see it, or
    searches the page, gets the numbers; none is a generic sentence repeated."""
    import re

    labels = re.findall(r'<svg role="img" aria-label="([^"]*)"', html)
    assert len(labels) >= 10
    assert len(set(labels)) == len(labels), [label for label in labels if labels.count(label) > 1]
    for label in labels:
        assert re.search(r"\d", label), label


def test_cases_on_one_graph_share_one_optimizer_table() -> None:
    """The scalar network's rungs with a gradient run one graph on every evaluator: their
    passes go into one table, a column naming each row's case; another graph has its own."""
    evaluation = Evaluation(Stats.of([0.01, 0.0101, 0.0102]), processes=1, values_per_process=3, warmups=1, loops=0)
    passes = [{"name": "common_subexpression_elimination", "seconds": 0.003, "applied": 32}]

    def entry(rung: str, evaluator: str, digest: str) -> Entry:
        return Entry(workload="w", backend="c", params={"hidden": 16, "rung": rung, "evaluator": evaluator},
                     evaluation=evaluation, info={"optimizer_passes": passes, "graph_digest": digest})

    html = build([entry("step", "tape", "g1"), entry("step", "lanes", "g1"), entry("gradient", "tape", "g1"),
                  entry("loss", "tape", "g2")])
    prefix = workload_anchor(html, "w")
    assert outline(html).sections[f"{prefix}-optimizer"].tables == 2
    assert "Passes in hidden=16: one graph, 3 cases" in html
    assert "<td>rung=step, evaluator=lanes</td>" in html
    assert "Passes in hidden=16, rung=loss, evaluator=tape" in html
