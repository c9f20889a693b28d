"""The overview of a run: the speedup matrix, the entries that did not run or were wrong,
and the measurement warnings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from harness.core.analysis import case_size, entry_warnings, fastest_entry, speedup
from harness.core.results import WORKLOAD_LOAD_FAILURES, Entry, Run
from harness.report.charts import Axis, Bars, bar_chart
from harness.report.grouping import timed_entries
from harness.report.labels import (
    case_key,
    case_label,
    entry_label,
    format_ratio,
    format_seconds,
    ordered_backends,
)
from harness.report.model import Section, Table


def _cases(run: Run) -> dict[tuple[str, str], list[Entry]]:
    cases: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in run.entries:
        cases[(entry.workload, case_key(entry.params))].append(entry)
    return dict(sorted(cases.items(), key=lambda item: (item[0][0], _size(item[1]))))


def _size(entries: Sequence[Entry]) -> float:
    return max((case_size(e) or 0.0 for e in entries), default=0.0)


def _columns(entries: Sequence[Entry]) -> list[str]:
    """One column per backend and thread count (numba_parallel at 1 thread beside numba)."""
    variants = sorted(
        {(e.backend, e.threads) for e in entries},
        key=lambda v: (ordered_backends(e.backend for e in entries).index(v[0]), v[1] or 0),
    )
    return [entry_label(Entry(workload="", backend=b, params={}, threads=t)) for b, t in variants]


def _chosen(entries: Sequence[Entry]) -> dict[str, Entry]:
    """Per column (backend and thread count), the entry a reader compares: ok first."""
    chosen: dict[str, Entry] = {}
    for entry in entries:
        column, current = entry_label(entry), chosen.get(entry_label(entry))
        if current is None or (entry.status == "ok") > (current.status == "ok"):
            chosen[column] = entry
    return chosen


# -- overview -----------------------------------------------------------------------------


def speedup_section(run: Run) -> Section:
    section = Section(
        anchor="overview-speedup",
        title="Speedup matrix",
        intro="Per workload and case: how many times faster per call each backend is than "
        "python / than numpy (median seconds per call; numba_parallel at each thread count, so "
        "its one-thread column compares with numba on the same algorithm).",
    )
    cases = _cases(run)
    if not timed_entries(run.entries):
        return section.not_measured("no entry finished ok, so there is nothing to compare")
    columns = _columns(run.entries)
    rows, groups = [], []
    bars: dict[str, list[float | None]] = {c: [] for c in columns}
    for (workload, _), entries in cases.items():
        chosen = _chosen(entries)
        groups.append(f"{workload} | {case_label(entries[0].params)}")
        cells = [_speedup_cell(run, chosen.get(c)) for c in columns]
        for column in columns:
            entry = chosen.get(column)
            ok = entry is not None and entry.status == "ok"
            bars[column].append(speedup(run, entry, "python") if entry and ok else None)
        rows.append([workload, case_label(entries[0].params), *cells, _best(chosen)])
    section.tables.append(
        Table(
            ["workload", "case", *columns, "best backend"],
            rows,
            caption="Each cell: speedup over python / over numpy; '-' where that baseline "
            "is missing; otherwise the entry's status.",
        )
    )
    plotted = [
        Bars(c, c.split(" ")[0], values, hatch="//" if c.endswith(" ×1") else "")
        for c, values in bars.items()
        if any(values)
    ]
    if plotted:
        section.chart = bar_chart(
            "Speedup over python per call",
            groups,
            plotted,
            Axis("speedup over python (×)"),
            reference_line=1.0,
            alt="bars of each backend's speedup over python per workload and case",
        )
    else:
        section.notes.append("not measured: no python entry finished ok to compare with")
    return section


def _speedup_cell(run: Run, entry: Entry | None) -> str:
    if entry is None:
        return "not run"
    if entry.status != "ok":
        return entry.status
    over_python, over_numpy = speedup(run, entry, "python"), speedup(run, entry, "numpy")
    return f"{format_ratio(over_python)} / {format_ratio(over_numpy)}"


def _best(chosen: dict[str, Entry]) -> str:
    best = fastest_entry(list(chosen.values()))
    if best is None or best.evaluation is None:
        return "not measured"
    return f"{entry_label(best)} ({format_seconds(best.evaluation.seconds.median)})"


def problems_section(run: Run) -> Section:
    section = Section(
        anchor="overview-problems",
        title="Entries that did not run, failed or were wrong",
        intro="Wrong results are never timed; unavailable backends say why.",
    )
    rows = [
        [e.workload, case_label(e.params), entry_label(e), e.status, _reason(e)]
        for e in run.entries
        if e.status != "ok"
    ] + _load_failure_rows(run)
    if rows:
        section.tables.append(Table(["workload", "case", "backend", "status", "reason"], rows))
    unchecked = [e for e in run.entries if e.status == "ok" and e.check is None]
    if not rows and not unchecked:
        section.notes.append("Every entry finished ok and matched the reference.")
    elif unchecked:
        section.notes.append(
            f"{len(unchecked)} of the {len(run.entries)} entries hold no correctness check in these results "
            "(profiled only: harness profile does not check); harness run checks every entry before timing it."
        )
    section.notes += outside_reference_notes(run)
    return section


def outside_reference_notes(run: Run) -> list[str]:
    """Which ok entries were also held against a figure from outside the project, and its source."""
    matched: dict[tuple[str, str, str], int] = defaultdict(int)
    for entry in run.entries:
        if entry.status == "ok" and entry.check is not None:
            for outside in entry.check.outside:
                matched[(entry.workload, outside.quantity, outside.source)] += 1
    return [
        f"{workload}: {count} entries reproduce the {quantity} of an outside reference ({source})."
        for (workload, quantity, source), count in sorted(matched.items())
    ]


def _load_failure_rows(run: Run) -> list[list[str]]:
    """Workload packages that could not be loaded: none of their entries ran."""
    return [
        [str(failure.get("name", "?")), "-", "-", "failed", f"cannot be loaded: {failure.get('error', '')}"]
        for failure in run.metadata.get(WORKLOAD_LOAD_FAILURES, [])
    ]


def _reason(entry: Entry) -> str:
    parts = [entry.reason]
    if entry.check is not None and not entry.check.passed and entry.check.failed_on in ("", "values"):
        parts.append(
            f"{entry.check.mismatches} of {entry.check.size} values differ; max abs diff "
            f"{entry.check.max_abs_diff:.3g}, max rel diff {entry.check.max_rel_diff:.3g}"
        )
        parts.append(entry.check.message)
    return "; ".join(p for p in parts if p) or "no reason recorded"


def reliability_section(run: Run) -> Section:
    section = Section(
        anchor="overview-reliability",
        title="Measurement warnings",
        intro="Figures whose noise, sample size, compiles or disagreement with a plain timing loop "
        "make them unreliable, and what to do.",
    )
    rows = [
        [e.workload, case_label(e.params), entry_label(e), "; ".join(warnings)]
        for e in timed_entries(run.entries)
        if (warnings := entry_warnings(e))
    ]
    if rows:
        section.tables.append(Table(["workload", "case", "backend", "warning"], rows))
        section.warnings.append(
            f"{len(rows)} of {len(timed_entries(run.entries))} timed entries are unreliable as measured."
        )
    else:
        section.notes.append("Every timed entry has low spread and enough values.")
    return section

