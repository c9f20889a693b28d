"""Sections about a whole run or many: the overview, the history, the environment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.core.analysis import case_size, entry_warnings, fastest_entry, speedup
from harness.core.entry_parts import Check
from harness.core.results import WORKLOAD_LOAD_FAILURES, Entry, Run, machine_facts
from harness.core.workload import BACKENDS
from harness.report.charts import Axis, Bars, Series, bar_chart, line_chart, marker, thread_style
from harness.report.labels import (
    case_key,
    case_label,
    entry_label,
    format_number,
    format_ratio,
    format_seconds,
    ordered_backends,
)
from harness.report.model import Section, Table

MAX_TICK_LABELS = 12
TIMED = ("ok",)


def _timed(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.status in TIMED and e.evaluation is not None]


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
    if not _timed(run.entries):
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
        for e in _timed(run.entries)
        if (warnings := entry_warnings(e))
    ]
    if rows:
        section.tables.append(Table(["workload", "case", "backend", "warning"], rows))
        section.warnings.append(
            f"{len(rows)} of {len(_timed(run.entries))} timed entries are unreliable as measured."
        )
    else:
        section.notes.append("Every timed entry has low spread and enough values.")
    return section


# -- history ------------------------------------------------------------------------------


def history_sections(runs: Sequence[tuple[Path, Run]]) -> list[Section]:
    """One trend chart per workload over the runs found, each machine its own lines."""
    if len(runs) < 2:
        return [
            Section(anchor="history", title="History").not_measured(
                f"{len(runs)} run found; trends need results of several commits or machines "
                "in results/ (or more RESULTS arguments)"
            )
        ]
    workloads = sorted({e.workload for _, run in runs for e in _timed(run.entries)})
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
        for entry in _timed(run.entries):
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
            for e in _timed(run.entries)
            if e.workload == workload
        }
        for key, size in seen.items():
            count, _ = counts.get(key, (0, 0.0))
            counts[key] = (count + 1, size)
    return max(counts, key=lambda key: counts[key])


def _series_order(item: tuple[tuple[str, str, int | None], Any]) -> tuple[str, int, int]:
    (machine, backend, threads), _ = item
    rank = BACKENDS.index(backend) if backend in BACKENDS else len(BACKENDS)
    return (machine, rank, threads or 0)


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


# -- environment --------------------------------------------------------------------------

METADATA_FIELDS = (
    ("utc_time", "measured at (UTC)"),
    ("machine", "machine"),
    ("cpu_model", "CPU"),
    ("logical_cores", "logical cores"),
    ("platform", "platform"),
    ("python", "Python"),
    ("python_implementation", "implementation"),
    ("numba_threading_layer", "Numba threading layer"),
    ("numba_threads", "Numba threads"),
    ("gpu", "GPU"),
    ("preset", "preset"),
    ("command", "command"),
)


def environment_section(run: Run, runs: Sequence[tuple[Path, Run]]) -> Section:
    section = Section(
        anchor="environment",
        title="Machine and environment",
        intro="Where and with what software the run this report is about was made.",
    )
    metadata = run.metadata
    git = metadata.get("git") or {}
    rows = [
        [
            "git commit",
            f"{git.get('commit') or 'not recorded'}" + (" (dirty)" if git.get("dirty") else ""),
        ]
    ]
    rows += [[label, _value(metadata.get(key))] for key, label in METADATA_FIELDS]
    section.tables.append(Table(["", "value"], rows))
    packages = metadata.get("packages") or {}
    if packages:
        section.tables.append(
            Table(["package", "version"], [[k, _value(v)] for k, v in packages.items()])
        )
    machines: dict[str, list[Run]] = defaultdict(list)
    for _, other in runs:
        machines[str(other.metadata.get("machine", "unknown machine"))].append(other)
    section.tables.append(
        Table(
            ["machine", "CPU", "cores", "runs found"],
            [
                [
                    m,
                    _value(r[-1].metadata.get("cpu_model")),
                    _value(r[-1].metadata.get("logical_cores")),
                    str(len(r)),
                ]
                for m, r in machines.items()
            ],
            caption="Every machine with results in this report.",
        )
    )
    merged = merged_sources_table(metadata)
    if merged is not None:
        section.tables.append(merged)
    return section


def merged_sources_table(metadata: dict[str, Any]) -> Table | None:
    """For a run merged from shards (``harness merge``): each shard's file and machine."""
    merged = metadata.get("merged")
    if not isinstance(merged, dict) or not isinstance(merged.get("from"), list):
        return None
    rows = [
        [_value(source.get(name)) for name in ("shard", "file", "machine", "cpu_model", "logical_cores", "entries")]
        for source in merged["from"]
        if isinstance(source, dict)
    ]
    missing = ", ".join(str(k) for k in merged.get("missing_shards") or []) or "none"
    mixed = ""
    if merged.get("mixed_machines"):
        mixed = " Shards ran on machines of different kinds: each entry keeps its own."
    return Table(
        ["shard", "file", "machine", "CPU", "cores", "entries"],
        rows,
        caption=f"Merged from {len(rows)} of {merged.get('shards', '?')} shards (missing: {missing}).{mixed}",
    )


def _value(value: Any) -> str:
    if value is None or value == "":
        return "not recorded"
    return format_number(value)


def method_section(run: Run) -> Section:
    section = Section(
        anchor="method",
        title="How each number was measured",
        intro="Construction: cold runs in fresh processes (import, compile, first call), then "
        "as many runs with Numba's cache warm (cache load). Evaluation: pyperf worker processes, "
        "each making one untimed call of its own, then pyperf's warmups and values, each value "
        "the mean of a number of loops; a value during which Numba compiled is discarded and "
        "taken again. Every median is held against plain timeit loops of the same kernel. "
        "Every result was compared with the reference backend's, and with any figure from "
        "outside the project the workload declares for the case, before it was timed.",
    )
    rows = [_method_row(e) for e in run.entries if e.status == "ok"]
    if not rows:
        return section.not_measured("no entry finished ok")
    section.tables.append(
        Table(
            [
                "workload",
                "case",
                "backend",
                "construction runs",
                "processes",
                "values per process",
                "values",
                "warmups",
                "loops",
                "timer",
                "check",
                "pyperf file",
            ],
            rows,
        )
    )
    return section


def _method_row(entry: Entry) -> list[str]:
    evaluation, construction, check = entry.evaluation, entry.construction, entry.check
    timing = (
        [
            str(evaluation.processes),
            str(evaluation.values_per_process),
            str(len(evaluation.seconds.values)),
            str(evaluation.warmups),
            str(evaluation.loops) if evaluation.loops else "calibrated",
            evaluation.timer,
        ]
        if evaluation
        else ["not measured"] * 6
    )
    return [
        entry.workload,
        case_label(entry.params),
        entry_label(entry),
        str(construction.runs) if construction else "not measured",
        *timing,
        _check_cell(check) if check else "not checked",
        (evaluation.pyperf_file or "-") if evaluation else "-",
    ]


def _check_cell(check: Check) -> str:
    if not check.passed:
        return "failed"
    kind = str(check.comparison.get("kind", "checked"))
    return f"{kind}; outside reference matched" if check.outside else kind
