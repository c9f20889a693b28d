"""A workload's profile sections, from ``Entry.profile`` and the run's call counts: memory
per phase, memory growth over calls, the hottest lines, Python calls per evaluation and
the optimizer's passes."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.profiles import DeviceMemory, LineProfile, MemoryGrowth, MemoryProfile
from harness.core.results import Entry
from harness.report.charts import Axis, Bars, Series, bar_chart, line_chart, marker
from harness.report.grouping import label_among
from harness.report.labels import case_label, entry_label, format_mib, format_number, format_seconds
from harness.report.model import Section, Table

HOT_LINES = 5
PASS_COLUMNS = ("name", "seconds", "times_applied", "nodes_created", "nodes_removed")


def _memory(entry: Entry) -> MemoryProfile | None:
    return entry.profile.memory if entry.profile else None


def _phases(memory: MemoryProfile) -> tuple[float | None, float | None, float | None]:
    """Baseline, construction peak and evaluation peak, as the chart and the table show them."""
    return memory.baseline_mib, memory.construction_peak_mib, memory.evaluation_peak_mib


def memory_phase_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory",
        span="third",
        title="Memory per phase",
        intro="Resident memory of the process before anything ran (baseline) and at its peak "
        "during construction and during evaluation.",
    )
    profiled = [(e, m) for e in entries if (m := _memory(e)) is not None]
    if not profiled:
        return section.not_measured("no memory profile in these results; run the profiler on them")
    bars = [
        Bars(label_among(e, entries), e.backend, [None if v is None else float(v) for v in _phases(m)])
        for e, m in profiled
    ]
    section.chart = bar_chart(
        "Resident memory per phase",
        ["baseline", "construction peak", "evaluation peak"],
        bars,
        Axis("resident memory (MiB)"),
        alt="bars of memory per phase for each backend",
        narrow=True,
    )
    rows = [
        [
            case_label(e.params),
            entry_label(e),
            *(format_mib(value) for value in _phases(m)),
            _device_text(m.device),
        ]
        for e, m in profiled
    ]
    section.tables.append(
        Table(
            ["case", "backend", "baseline", "construction peak", "evaluation peak", "device"], rows
        )
    )
    section.notes += [
        f"{entry_label(e)}: {note}" for e, m in profiled for note in m.notes
    ]
    return section


def _device_text(device: DeviceMemory | None) -> str:
    if device is None:
        return "not measured"
    return ", ".join(f"{k}={format_number(v)}" for k, v in device.to_json().items())


def memory_growth_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory-growth",
        span="third",
        title="Memory growth over calls",
        intro="Resident memory sampled while the call repeats; a steady rise is a leak.",
    )
    grown = [(e, g) for e in entries if (g := _growth(e)) is not None]
    if not grown:
        return section.not_measured("no memory growth samples in these results")
    section.chart = line_chart(
        "Resident memory against calls",
        [
            Series(label_among(e, entries), e.backend, g.calls, g.rss_mib, marker=marker(i))
            for i, (e, g) in enumerate(grown)
        ],
        Axis("calls made", log=False),
        Axis("resident memory (MiB)", log=False),
        alt="resident memory against the number of calls for each backend",
        narrow=True,
    )
    rows = []
    for entry, growth in grown:
        slope = growth.slope_mib_per_1000_calls
        rows.append(
            [
                case_label(entry.params),
                entry_label(entry),
                format_number(slope) if slope is not None else "not measured",
                format_number(growth.growing),
            ]
        )
        if growth.growing:
            section.warnings.append(
                f"{entry.label}: memory grows by {format_number(slope)} MiB per 1000 calls; "
                "look for buffers allocated per call and never freed"
            )
    section.tables.append(Table(["case", "backend", "MiB per 1000 calls", "growing"], rows))
    return section


def _growth(entry: Entry) -> MemoryGrowth | None:
    """The entry's growth samples; None without any (the reader has checked their lengths)."""
    memory = _memory(entry)
    growth = memory.growth if memory else None
    return growth if growth is not None and growth.calls else None


# -- line profiles ------------------------------------------------------------------------


def hot_lines_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-lines",
        title="Hottest lines",
        intro=f"The {HOT_LINES} lines with the most time in each profiled function "
        "(line_profiler). Compiled backends are profiled through their interpreted "
        "equivalent where marked.",
    )
    for entry in entries:
        if entry.profile is None:
            continue
        section.tables += [_hot_lines_table(entry, line_profile) for line_profile in entry.profile.line_profiles]
        section.notes += [f"{entry_label(entry)}: {n}" for n in entry.profile.line_profile_notes]
    if not section.tables:
        return section.not_measured("no line profiles in these results; run the line profiler")
    return section


def _hot_lines_table(entry: Entry, line_profile: LineProfile) -> Table:
    lines = sorted(line_profile.lines, key=lambda line: -line.seconds)
    rows = [
        [
            format_number(line.lineno),
            line.source.strip(),
            format_number(line.hits),
            format_seconds(line.seconds),
            format_seconds(line.per_hit_seconds),
            f"{line.percent:.1f}%",
        ]
        for line in lines[:HOT_LINES]
    ]
    interpreted = " (interpreted equivalent)" if line_profile.interpreted_equivalent else ""
    caption = (
        f"{entry_label(entry)} | {case_label(entry.params)} | {line_profile.phase}: "
        f"{line_profile.function} in {line_profile.file}"
        f"{interpreted}, {format_seconds(line_profile.total_seconds)} in total"
    )
    return Table(["line", "source", "hits", "seconds", "per hit", "% of function"], rows, caption)


# -- calls and optimizer passes -----------------------------------------------------------


def calls_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-calls",
        span="third",
        title="Python calls per evaluation",
        intro="Function calls the interpreter makes during one call (sys.setprofile): "
        "compiled backends should make almost none.",
    )
    counted = [e for e in entries if e.calls_per_evaluation]
    if not counted:
        return section.not_measured("no call counts in these results")
    names = list(dict.fromkeys(k for e in counted for k in e.calls_per_evaluation or {}))
    rows = [
        [
            case_label(e.params),
            entry_label(e),
            *(format_number((e.calls_per_evaluation or {}).get(n)) for n in names),
        ]
        for e in counted
    ]
    section.details.append(
        Table(
            ["case", "backend", *(n.replace("_", " ") for n in names)],
            rows,
            caption=f"Python calls per evaluation of {len(rows)} entries (most: "
            f"{_most_calls(counted, names)})",
        )
    )
    return section


def _most_calls(entries: Sequence[Entry], names: Sequence[str]) -> str:
    def total(entry: Entry) -> int:
        counts = entry.calls_per_evaluation or {}
        return sum(v for n in names if isinstance(v := counts.get(n), int))

    most = max(entries, key=total)
    return f"{entry_label(most)}, {format_number(total(most))} in {case_label(most.params)}"


def optimizer_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-optimizer",
        span="third",
        title="Optimizer passes",
        intro="Passes the workload's optimizer ran before evaluation, as it reports them: one "
        "table per case (each rung of the scalar network's ladder is a case), a row per "
        "backend and pass; columns no pass reports are left out.",
    )
    by_case: dict[str, list[tuple[Entry, dict[str, object]]]] = {}
    for entry in entries:
        passes = entry.info.get("optimizer_passes")
        if isinstance(passes, list):
            found = by_case.setdefault(case_label(entry.params), [])
            found += [(entry, p) for p in passes if isinstance(p, dict)]
    for case, passes in by_case.items():
        if passes:
            section.details.append(_passes_table(case, passes))
    if not section.details:
        return section.not_measured("no entry of this workload reports optimizer passes")
    return section


def _passes_table(case: str, passes: list[tuple[Entry, dict[str, object]]]) -> Table:
    keys = list(dict.fromkeys(k for _, p in passes for k in p))
    candidates = (*PASS_COLUMNS, *(k for k in keys if k not in PASS_COLUMNS))
    columns = [c for c in candidates if any(p.get(c) is not None for _, p in passes)]
    rows = [[entry_label(entry), *(_pass_cell(c, p.get(c)) for c in columns)] for entry, p in passes]
    return Table(["backend", *(c.replace("_", " ") for c in columns)], rows, f"Passes in {case}")


def _pass_cell(column: str, value: object) -> str:
    if column == "seconds" and isinstance(value, int | float):
        return format_seconds(value)
    return format_number(value)
