"""Trends over many runs: one chart per workload, each machine its own lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from harness.core.analysis import case_size
from harness.core.results import Entry, Run, machine_facts
from harness.report.charts import Axis, Series, line_chart, marker, thread_style
from harness.report.grouping import backend_rank, timed_entries
from harness.report.labels import case_key, case_label, entry_label, format_seconds
from harness.report.model import Section, Table

MAX_TICK_LABELS = 12


def history_sections(runs: Sequence[tuple[Path, Run]]) -> list[Section]:
    """One trend chart per workload over the runs found, each machine its own lines."""
    if len(runs) < 2:
        return [
            Section(anchor="history", title="History").not_measured(
                f"{len(runs)} run found; trends need results of several commits or machines "
                "in results/ (or more RESULTS arguments)"
            )
        ]
    workloads = sorted({e.workload for _, run in runs for e in timed_entries(run.entries)})
    sections = [_history_section(index, name, runs) for index, name in enumerate(workloads)]
    return sections or [
        Section(anchor="history", title="History").not_measured("no run has a timed entry")
    ]


def _history_section(index: int, workload: str, runs: Sequence[tuple[Path, Run]]) -> Section:
    section = Section(
        anchor=f"history-{index}",
        title=f"History: {workload}",
        intro="Median seconds per call for each run in time order (bars: min to max of its "
        "values). Each machine has its own lines; lines never join two machines.",
    )
    chosen_case = _history_case(workload, runs)
    points: dict[tuple[str, str, int | None], list[tuple[int, Entry]]] = defaultdict(list)
    for position, (_, run) in enumerate(runs):
        for entry in timed_entries(run.entries):
            if entry.workload == workload and case_key(entry.params) == chosen_case:
                machine = str(machine_facts(entry, run.metadata)["machine"] or "unknown machine")
                points[(machine, entry.backend, entry.threads)].append((position, entry))
    runs_with_case = {position for found in points.values() for position, _ in found}
    first_entry = next(entry for found in points.values() for _, entry in found)
    if len(runs_with_case) < 2:
        return section.not_measured(
            f"{workload} ({case_label(first_entry.params)}) is in one run only; trends need "
            "the same case in runs of several commits or machines"
        )
    machines = sorted({m for m, _, _ in points})
    series, rows = [], []
    for (machine, _backend, _threads), found in sorted(points.items(), key=_series_order):
        series.append(_trend_series(machine, machines.index(machine), found))
        rows.append(_trend_row(machine, found))
    section.intro += f" Case: {case_label(first_entry.params)}."
    ticks = list(range(len(runs)))
    step = max(1, -(-len(runs) // MAX_TICK_LABELS))
    section.chart = line_chart(
        f"{workload}: seconds per call over runs",
        series,
        Axis(
            "run (commit, oldest first)",
            log=False,
            ticks=ticks[::step],
            tick_labels=[_run_label(run) for _, run in runs][::step],
        ),
        Axis("median seconds per call (s)", seconds=True),
        alt=f"trend of median seconds per call over runs for {workload}",
    )
    section.tables.append(
        Table(["machine", "backend", "runs", "first median", "last median", "change"], rows)
    )
    if len(machines) > 1:
        section.notes.append(f"Machines kept apart: {', '.join(machines)}.")
    return section


def _history_case(workload: str, runs: Sequence[tuple[Path, Run]]) -> str:
    """The case of ``workload`` present in the most runs (ties: the largest)."""
    counts: dict[str, tuple[int, float]] = {}
    for _, run in runs:
        seen = {
            case_key(e.params): case_size(e) or 0.0
            for e in timed_entries(run.entries)
            if e.workload == workload
        }
        for key, size in seen.items():
            count, _ = counts.get(key, (0, 0.0))
            counts[key] = (count + 1, size)
    return max(counts, key=lambda key: counts[key])


def _series_order(item: tuple[tuple[str, str, int | None], list[tuple[int, Entry]]]) -> tuple[str, int, int]:
    (machine, backend, threads), _ = item
    return (machine, backend_rank(backend), threads or 0)


def _trend_series(machine: str, machine_index: int, found: list[tuple[int, Entry]]) -> Series:
    entry = found[0][1]
    stats = [e.evaluation.seconds for _, e in found if e.evaluation]
    return Series(
        f"{entry_label(entry)} @ {machine}",
        entry.backend,
        [p for p, _ in found],
        [s.median for s in stats],
        low=[s.min for s in stats],
        high=[s.max for s in stats],
        linestyle=thread_style(machine_index),
        marker=marker(machine_index),
    )


def _trend_row(machine: str, found: list[tuple[int, Entry]]) -> list[str]:
    first, last = found[0][1].evaluation, found[-1][1].evaluation
    assert first is not None and last is not None
    change = last.seconds.median / first.seconds.median - 1
    return [
        machine,
        entry_label(found[0][1]),
        str(len(found)),
        format_seconds(first.seconds.median),
        format_seconds(last.seconds.median),
        f"{change:+.1%}",
    ]


def _run_label(run: Run) -> str:
    git = run.metadata.get("git") or {}
    commit = str(git.get("short_commit") or "?")[:8] + ("+dirty" if git.get("dirty") else "")
    return f"{commit}\n{str(run.metadata.get('utc_time', ''))[:10]}"

