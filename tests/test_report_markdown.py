"""The Markdown summary of a run: golden output from a small hand-made run, and escaping."""

from __future__ import annotations

from pathlib import Path

from harness.cli.main import main
from harness.core.entry_parts import EntryWarning
from harness.core.results import WORKLOAD_LOAD_FAILURES, Entry, Run, save
from harness.core.timings import Evaluation, Stats
from harness.report.markdown import cell, inline, render_markdown

GOLDEN = Path(__file__).parent / "fixtures" / "markdown_summary.md"
NO_DEVICE = "no CUDA device: the driver found none"


def timed(workload: str, backend: str, params: dict, seconds: list[float], threads: int | None = None) -> Entry:
    evaluation = Evaluation(seconds=Stats.of(seconds), processes=len(seconds), values_per_process=1, warmups=1, loops=1)
    return Entry(workload=workload, backend=backend, params=params, threads=threads, evaluation=evaluation)


def small_run() -> Run:
    """Two workloads, two mandelbrot sizes: every status, a warning, hostile text, a load failure."""
    small, large = {"width": 10, "maxiter": 5}, {"width": 100, "maxiter": 5}
    matmul = {"n": 8}
    noisy = timed("matmul", "numpy", matmul, [1e-5, 2e-5, 1e-5, 1e-5, 1e-5, 1e-5])
    noisy.warnings.append(EntryWarning("timing_disagreement", "median 1.4x the plain loop's"))
    entries = [
        timed("mandelbrot", "python", large, [2.0] * 6),
        timed("mandelbrot", "numpy", large, [0.2] * 6),
        timed("mandelbrot", "numba", large, [0.02] * 6),
        timed("mandelbrot", "numba_parallel", large, [0.021] * 6, threads=1),
        timed("mandelbrot", "numba_parallel", large, [0.011] * 6, threads=2),
        Entry("mandelbrot", "cuda", large, status="unavailable", reason=NO_DEVICE),
        timed("mandelbrot", "python", small, [0.02] * 6),
        timed("mandelbrot", "numpy", small, [0.004] * 6),
        Entry("mandelbrot", "cython", small, status="failed", reason="prepare raised ValueError: a | b\nsecond line"),
        Entry("mandelbrot", "cuda", small, status="unavailable", reason=NO_DEVICE),
        timed("matmul", "python", matmul, [1e-3] * 6),
        noisy,
        Entry("matmul", "cython", matmul, status="wrong_result", reason="3 of 64 values differ"),
        Entry("matmul", "cuda", matmul, status="unavailable", reason=NO_DEVICE),
        Entry("matmul", "numba", matmul, status="unavailable", reason="numba is not installed"),
    ]
    metadata = {
        "machine": "ci-<runner>",
        "preset": "quick",
        "utc_time": "2026-12-01T10:00:00+00:00",
        "git": {"short_commit": "abc1234"},
        "workloads": {"mandelbrot": {"size_parameters": ["width"]}},
        WORKLOAD_LOAD_FAILURES: [{"name": "broken", "error": "ImportError: no module named x"}],
    }
    return Run(metadata=metadata, entries=entries)


def test_summary_matches_the_golden_file() -> None:
    assert render_markdown(small_run()) == GOLDEN.read_text(encoding="utf-8")


def test_cells_escape_pipes_newlines_and_html() -> None:
    assert cell("a | b\nc") == "a \\| b<br>c"
    assert cell("<script>") == "&lt;script&gt;"
    assert cell("") == " "
    assert inline("one\ntwo <b>") == "one two &lt;b&gt;"


def test_every_table_row_has_as_many_cells_as_the_header() -> None:
    rows = [line for line in render_markdown(small_run()).splitlines() if line.startswith("|")]
    widths = {line.replace("\\|", "").count("|") for line in rows}
    assert widths == {9}


def test_a_run_with_nothing_timed_still_renders() -> None:
    run = Run(metadata={}, entries=[Entry("mandelbrot", "cuda", {"width": 1}, status="unavailable", reason="x")])
    text = render_markdown(run)
    assert "0 ok" not in text and "1 entries: 1 unavailable." in text
    assert "- cuda (1 entry: mandelbrot): x" in text


def test_a_partial_merge_a_lone_shard_and_an_interrupted_run_say_what_they_leave_out() -> None:
    entries = [timed("mandelbrot", "python", {"width": 1}, [1.0])]
    partial = {"merged": {"shards": 3, "from": [{}, {}], "missing_shards": [2], "interrupted_shards": [3]}}
    text = render_markdown(Run(metadata=partial, entries=entries))
    assert ("**Incomplete run:** merged from 2 of 3 shards; the entries of missing shard(s) 2 were not run; "
            "shard(s) 3 were interrupted before all their entries ran.") in text
    complete = {"merged": {"shards": 3, "from": [{}, {}, {}], "missing_shards": [], "interrupted_shards": []}}
    assert "Incomplete" not in render_markdown(Run(metadata=complete, entries=entries))
    lone = render_markdown(Run(metadata={"shard": {"index": 2, "count": 3}}, entries=entries))
    assert "**Incomplete run:** shard 2 of 3: part of the selection only." in lone
    stopped = render_markdown(Run(metadata={"interrupted": True}, entries=entries))
    assert "interrupted before all its entries ran (continue it with run --resume FILE)" in stopped


def test_report_command_writes_the_summary(tmp_path: Path) -> None:
    results = tmp_path / "run.json"
    save(small_run(), results)
    summary = tmp_path / "out" / "summary.md"
    assert main(["report", str(results), "--output", str(tmp_path / "report"), "--markdown", str(summary)]) == 0
    assert summary.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
