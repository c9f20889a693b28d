"""The report's regression answers: a history of runs with one planted regression shows
harness compare's verdict on the commit that regressed and nowhere else, and the
summary judges the newest run against the previous comparable one the same way."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from report_helpers import GENERATED_AT, outline

from harness.core.entry_parts import Check
from harness.core.results import Entry, Run, save
from harness.core.timings import Evaluation, Stats
from harness.report.history_sections import history_sections
from harness.report.render import build_report
from harness.report.sources import collect_results
from harness.report.summary_sections import previous_comparable, summary_section

COMMITS = ("aaaa0001", "aaaa0002", "aaaa0003", "aaaa0004", "aaaa0005")
REGRESSED_AT = "aaaa0004"  # numba is 30% slower from this commit on
PROCESSES, VALUES = 10, 3
SECONDS = {"python": 0.2, "numpy": 0.004, "numba": 0.002}


def entry(rng: random.Random, backend: str, seconds: float) -> Entry:
    # every process its own level (a 2% spread between processes), values close to it
    values = [
        level * rng.gauss(1.0, 0.002)
        for level in (seconds * rng.gauss(1.0, 0.02) for _ in range(PROCESSES))
        for _ in range(VALUES)
    ]
    evaluation = Evaluation(Stats.of(values), processes=PROCESSES + 1, values_per_process=VALUES, warmups=1, loops=1)
    return Entry(
        workload="kernel", backend=backend, params={"n": 1000}, evaluation=evaluation, check=Check(True, {})
    )


def run_at(index: int, commit: str, machine: str = "lab") -> Run:
    rng = random.Random(f"{machine}-{commit}")
    slower = 1.3 if commit >= REGRESSED_AT else 1.0
    entries = [entry(rng, b, s * (slower if b == "numba" else 1.0)) for b, s in SECONDS.items()]
    metadata: dict[str, object] = {
        "utc_time": f"2026-05-0{index + 1}T09:00:00+00:00",
        "git": {"commit": commit * 5, "short_commit": commit, "dirty": False},
        "machine": machine,
        "cpu_model": "Synthetic CPU",
        "logical_cores": 2,
        "preset": "default",
    }
    return Run(metadata=metadata, entries=entries)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    for index, commit in enumerate(COMMITS):
        save(run_at(index, commit), folder / f"{index}_{commit}.json")
    return folder


def test_the_planted_regression_is_found_on_its_commit_and_nowhere_else(history: Path) -> None:
    (section,) = history_sections(collect_results([history]).runs)
    (changes,) = section.tables
    assert [row[:4] for row in changes.rows] == [["regressed", "kernel", "numba", "lab"]]
    assert changes.rows[0][4].startswith(f"aaaa0003 (2026-05-03) → {REGRESSED_AT} (2026-05-04)")
    ratio = float(changes.rows[0][5].split(" ")[0].removeprefix("×"))
    assert 1.2 < ratio < 1.4
    assert section.chart is not None
    assert "1 significant changes marked" in section.chart.alt


def test_the_chart_marks_the_regressed_commit(history: Path) -> None:
    html = build_report(collect_results([history]), GENERATED_AT)
    chart = outline(html).sections["history"].images[0]
    assert "regressed (harness compare)" in chart
    assert "improved (harness compare)" not in chart
    for commit in COMMITS:
        assert chart.count(f">{commit}<") == 1  # each commit once on the x axis


def test_the_summary_gives_the_verdict_against_the_previous_run(history: Path) -> None:
    found = collect_results([history])
    runs = dict((run.metadata["git"]["short_commit"], (path, run)) for path, run in found.runs)  # type: ignore[index]
    path, regressed = runs[REGRESSED_AT]
    before = [item for item in found.runs if item[1].metadata["utc_time"] <= regressed.metadata["utc_time"]]
    section = summary_section(regressed, previous_comparable(regressed, path, before))
    (row,) = section.tables[0].rows
    verdict = row[-1]
    assert verdict.startswith("numba regressed ×"), verdict
    assert 1.2 < float(verdict.split("×")[1].split(" ")[0]) < 1.4
    assert "aaaa0003" in section.notes[0]
    # the newest run, against the one before it, which was already slow: unchanged
    newest = summary_section(found.primary, previous_comparable(found.primary, found.primary_path, found.runs))
    assert newest.tables[0].rows[0][-1] == "unchanged (3)"


def test_a_run_on_another_machine_is_not_the_previous_run(history: Path, tmp_path: Path) -> None:
    other = run_at(9, "bbbb0001", machine="elsewhere")
    other.metadata["utc_time"] = "2026-06-01T00:00:00+00:00"
    save(other, tmp_path / "other.json")
    found = collect_results([tmp_path / "other.json", history])
    previous = previous_comparable(found.primary, found.primary_path, found.runs)
    assert previous.comparison is None and "no earlier run" in previous.reason
    assert summary_section(found.primary, previous).tables[0].rows[0][-1] == "no previous run"


def test_the_fastest_backend_carries_an_interval_and_ties_are_shown() -> None:
    rng = random.Random(7)
    entries = [entry(rng, "python", 0.2), entry(rng, "numba", 0.002), entry(rng, "numpy", 0.002)]
    run = Run(metadata={"machine": "lab", "utc_time": "2026-05-01T00:00:00+00:00"}, entries=entries)
    section = summary_section(run, previous_comparable(run, Path("run.json"), [(Path("run.json"), run)]))
    columns = section.tables[0].columns
    (row,) = section.tables[0].rows
    assert set(row[columns.index("fastest")].split(" ≈ ")) == {"numba", "numpy"}  # same speed: a tie
    over_python = row[columns.index("× python")]
    value, interval = over_python.split("\u00a0", 1)
    low, high = (float(v.replace(",", "")) for v in interval.strip("[]").split("–"))
    assert low < float(value.rstrip("×")) < high
    assert low > 90 and high < 110  # 0.2 s over 0.002 s


def test_a_missing_reference_says_why_it_is_missing() -> None:
    rng = random.Random(3)
    skipped = Entry(workload="kernel", backend="python", params={"n": 1000}, status="unavailable", reason="too big")
    run = Run(metadata={"machine": "lab"}, entries=[skipped, entry(rng, "numba", 0.002)])
    section = summary_section(run, previous_comparable(run, Path("run.json"), [(Path("run.json"), run)]))
    columns, (row,) = section.tables[0].columns, section.tables[0].rows
    assert row[columns.index("× python")] == "python unavailable"
    assert row[columns.index("× numpy")] == "no numpy entry"
    assert row[columns.index("vs previous run")] == "no previous run"


def test_the_c_backend_is_the_ceiling_each_backend_is_read_against() -> None:
    from harness.report.evaluation_sections import evaluation_section

    rng = random.Random(5)
    entries = [entry(rng, "python", 0.2), entry(rng, "c", 0.002), entry(rng, "numba", 0.0025)]
    run = Run(metadata={"machine": "lab"}, entries=entries)
    section = summary_section(run, previous_comparable(run, Path("run.json"), [(Path("run.json"), run)]))
    columns, (row,) = section.tables[0].columns, section.tables[0].rows
    assert row[columns.index("fastest")] == "c"
    assert row[columns.index("share of c's speed")] == "(itself)"
    matrix = evaluation_section("w", entries).tables[0]
    cells = dict(zip(matrix.columns, matrix.rows[0], strict=True))
    assert 75 <= int(cells["numba"].split("(")[1].rstrip("%)")) <= 85  # 2 ms of c over 2.5 ms of numba
    assert cells["c"].startswith("▲") and "%" not in cells["c"]
    slower_c = [entry(rng, "c", 0.004), entry(rng, "numba", 0.002)]
    run = Run(metadata={"machine": "lab"}, entries=slower_c)
    section = summary_section(run, previous_comparable(run, Path("run.json"), [(Path("run.json"), run)]))
    share = section.tables[0].rows[0][section.tables[0].columns.index("share of c's speed")]
    assert 180 <= int(share.split("%")[0]) <= 220, share  # numba twice as fast as plain C
    assert share.endswith("; c beaten on one core: numba " + share.split("%")[0] + "%"), share


def test_only_a_one_core_backend_well_past_c_says_c_is_no_ceiling() -> None:
    rng = random.Random(7)

    def share_of_c(*entries: Entry) -> str:
        run = Run(metadata={"machine": "lab"}, entries=list(entries))
        section = summary_section(run, previous_comparable(run, Path("run.json"), [(Path("run.json"), run)]))
        return section.tables[0].rows[0][section.tables[0].columns.index("share of c's speed")]

    two_threads = entry(rng, "numba_parallel", 0.001)
    two_threads.threads = 2
    one_thread = entry(rng, "numba_parallel", 0.0015)
    one_thread.threads = 1
    # two threads at twice c's speed: expected, c is one core's ceiling
    assert "beaten" not in share_of_c(entry(rng, "c", 0.002), two_threads)
    # one core 5% faster than c: within the margin, no finding
    assert "beaten" not in share_of_c(entry(rng, "c", 0.002), entry(rng, "cython", 0.0019))
    # one thread of numba_parallel 33% faster: named, beside the fastest backend's share
    named = share_of_c(entry(rng, "c", 0.002), two_threads, one_thread)
    assert re.search(r"\]; c beaten on one core: numba_parallel ×1 1[23]\d%$", named), named
