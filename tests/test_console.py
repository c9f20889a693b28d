"""The console's summary at the end of a run: a heading per case, one line per entry."""

from __future__ import annotations

from harness.core.results import Entry, Run
from harness.core.timings import Evaluation, Stats
from harness.run.console import SUMMARY_WIDTH, summary_lines

CASE = {"width": 160, "height": 160, "maxiter": 100}


def timed(backend: str, median: float, threads: int | None = None, params: dict | None = None) -> Entry:
    evaluation = Evaluation(
        seconds=Stats.of([median, median, median]), processes=3, values_per_process=1, warmups=1, loops=1,
        rate={"value": 25600 / median, "unit": "points/s", "work": {"amount": 25600, "unit": "points"}},
    )
    return Entry("mandelbrot", backend, params or CASE, threads=threads, evaluation=evaluation)


def test_one_line_per_entry_under_a_heading_per_case_within_100_columns() -> None:
    long_case = {"op": "sigmoid", "layout": "contiguous", "elements": 65536, "algorithm": "naive", "x" * 80: 1}
    run = Run(metadata={}, entries=[
        timed("python", 0.0168),
        timed("numpy", 0.0017),
        timed("numba_parallel", 0.000236, threads=2),
        Entry("mandelbrot", "cuda", CASE, status="unavailable", reason="no CUDA device: the driver found none\nmore"),
        timed("python", 1.0, params=long_case),
    ])
    lines = [line.plain for line in summary_lines(run)]
    assert lines[:7] == [
        "Summary",
        "  backend            status        per call  spread vs python  vs numpy     build             rate",
        "mandelbrot width=160,height=160,maxiter=100",
        "  python             ok             16.8 ms    0.0%        1x    0.101x         -   1.52 Mpoints/s",
        "  numpy              ok              1.7 ms    0.0%     9.88x        1x         -   15.1 Mpoints/s",
        "  numba_parallel x2  ok              236 us    0.0%     71.2x      7.2x         -    108 Mpoints/s",
        "  cuda               unavailable  no CUDA device: the driver found none",
    ]
    assert lines[7].startswith("mandelbrot op=sigmoid,layout=contiguous") and lines[7].endswith("\u2026")
    assert len(lines) == 9  # one line per entry, no wrapping
    assert all(len(line) <= SUMMARY_WIDTH for line in lines)


def test_the_status_is_coloured_by_its_kind() -> None:
    run = Run(metadata={}, entries=[Entry("mandelbrot", "numba", CASE, status="wrong_result", reason="3 differ")])
    line = summary_lines(run)[-1]
    (span,) = line.spans
    assert span.style == "red" and line.plain[span.start:span.end] == "wrong_result"


def test_where_the_time_went_sums_the_steps_of_the_entries_measured() -> None:
    from harness.core.analysis import time_spent

    first = Entry("mandelbrot", "numba", CASE, info={
        "measured_in_seconds": 10.0,
        "step_seconds": {"check": 2.0, "construction": 3.0, "cache_load": 1.0, "evaluation": 3.5},
    })
    second = Entry("mandelbrot", "numpy", CASE, info={
        "measured_in_seconds": 5.0, "step_seconds": {"check": 1.0, "evaluation": 3.5},
    })
    unavailable = Entry("mandelbrot", "cuda", CASE, status="unavailable", reason="no device")
    spent = time_spent([first, second, unavailable], wall_seconds=20.0)
    assert spent.steps == {"check": 3.0, "construction": 3.0, "cache_load": 1.0, "evaluation": 7.0}
    assert spent.inside_entries_between_steps == 1.0 and spent.around_entries == 5.0
    assert spent.describe() == (
        "time: 20 s for 3 entries: checks 3 s (15%), cold construction 3 s (15%), cache loads 1 s (5%), "
        "evaluation 7 s (35%), in entries between steps 1 s (5%), around the entries 5 s (25%)"
    )
