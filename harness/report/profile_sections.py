"""A workload's profile sections, from ``Entry.profile`` and the run's call counts: memory
per phase, memory growth over calls, the hottest lines, Python calls per evaluation and
the optimizer's passes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.core.results import Entry
from harness.report.charts import Axis, Bars, Series, bar_chart, line_chart, marker
from harness.report.grouping import label_among
from harness.report.labels import case_label, entry_label, format_mib, format_number, format_seconds
from harness.report.model import Section, Table

HOT_LINES = 5
PASS_COLUMNS = ("name", "seconds", "times_applied", "nodes_created", "nodes_removed")


def _memory(entry: Entry) -> dict[str, Any] | None:
    memory = entry.profile.get("memory") if isinstance(entry.profile, dict) else None
    return memory if isinstance(memory, dict) else None


def memory_phase_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory",
        title="Memory per phase",
        intro="Resident memory of the process before anything ran (baseline) and at its peak "
        "during construction and during evaluation.",
    )
    profiled = [(e, m) for e in entries if (m := _memory(e)) is not None]
    if not profiled:
        return section.not_measured("no memory profile in these results; run the profiler on them")
    phases = ("baseline_mib", "construction_peak_mib", "evaluation_peak_mib")
    bars = [
        Bars(
            label_among(e, entries),
            e.backend,
            [float(m[p]) if isinstance(m.get(p), int | float) else None for p in phases],
        )
        for e, m in profiled
    ]
    section.chart = bar_chart(
        "Resident memory per phase",
        ["baseline", "construction peak", "evaluation peak"],
        bars,
        Axis("resident memory (MiB)"),
        alt="bars of memory per phase for each backend",
    )
    rows = [
        [
            case_label(e.params),
            entry_label(e),
            *(format_mib(m.get(p)) for p in phases),
            _device_text(m.get("device")),
        ]
        for e, m in profiled
    ]
    section.tables.append(
        Table(
            ["case", "backend", "baseline", "construction peak", "evaluation peak", "device"], rows
        )
    )
    section.notes += [
        f"{entry_label(e)}: {note}" for e, m in profiled for note in m.get("notes") or []
    ]
    return section


def _device_text(device: Any) -> str:
    if not isinstance(device, dict) or not device:
        return "not measured"
    return ", ".join(f"{k}={format_number(v)}" for k, v in device.items())


def memory_growth_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory-growth",
        title="Memory growth over calls",
        intro="Resident memory sampled while the call repeats; a steady rise is a leak.",
    )
    grown = [(e, g) for e in entries if (g := _growth(e)) is not None]
    if not grown:
        return section.not_measured("no memory growth samples in these results")
    section.chart = line_chart(
        "Resident memory against calls",
        [
            Series(label_among(e, entries), e.backend, g["calls"], g["rss_mib"], marker=marker(i))
            for i, (e, g) in enumerate(grown)
        ],
        Axis("calls made", log=False),
        Axis("resident memory (MiB)", log=False),
        alt="resident memory against the number of calls for each backend",
    )
    rows = []
    for entry, growth in grown:
        slope = growth.get("slope_mib_per_1000_calls")
        rows.append(
            [
                case_label(entry.params),
                entry_label(entry),
                format_number(slope) if slope is not None else "not measured",
                format_number(growth.get("growing")),
            ]
        )
        if growth.get("growing"):
            section.warnings.append(
                f"{entry.label}: memory grows by {format_number(slope)} MiB per 1000 calls; "
                "look for buffers allocated per call and never freed"
            )
    section.tables.append(Table(["case", "backend", "MiB per 1000 calls", "growing"], rows))
    return section


def _growth(entry: Entry) -> dict[str, Any] | None:
    memory = _memory(entry)
    growth = memory.get("growth") if memory else None
    if not isinstance(growth, dict):
        return None
    calls, rss = growth.get("calls") or [], growth.get("rss_mib") or []
    return growth if calls and len(calls) == len(rss) else None


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
        profile = entry.profile if isinstance(entry.profile, dict) else {}
        for line_profile in profile.get("line_profiles") or []:
            section.tables.append(_hot_lines_table(entry, line_profile))
        section.notes += [
            f"{entry_label(entry)}: {n}" for n in profile.get("line_profile_notes") or []
        ]
    if not section.tables:
        return section.not_measured("no line profiles in these results; run the line profiler")
    return section


def _hot_lines_table(entry: Entry, line_profile: dict[str, Any]) -> Table:
    lines = sorted(
        line_profile.get("lines") or [], key=lambda line: -float(line.get("seconds") or 0)
    )
    rows = [
        [
            format_number(line.get("lineno")),
            str(line.get("source", "")).strip(),
            format_number(line.get("hits")),
            format_seconds(line.get("seconds")),
            format_seconds(line.get("per_hit_seconds")),
            _percent(line.get("percent")),
        ]
        for line in lines[:HOT_LINES]
    ]
    interpreted = " (interpreted equivalent)" if line_profile.get("interpreted_equivalent") else ""
    caption = (
        f"{entry_label(entry)} | {case_label(entry.params)} | {line_profile.get('phase', '?')}: "
        f"{line_profile.get('function', '?')} in {line_profile.get('file', '?')}"
        f"{interpreted}, {format_seconds(line_profile.get('total_seconds'))} in total"
    )
    return Table(["line", "source", "hits", "seconds", "per hit", "% of function"], rows, caption)


def _percent(value: Any) -> str:
    return f"{float(value):.1f}%" if isinstance(value, int | float) else "-"


# -- calls and optimizer passes -----------------------------------------------------------


def calls_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-calls",
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
    section.tables.append(Table(["case", "backend", *(n.replace("_", " ") for n in names)], rows))
    return section


def optimizer_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-optimizer",
        title="Optimizer passes",
        intro="Passes the workload's optimizer ran before evaluation, as it reports them.",
    )
    for entry in entries:
        passes = entry.info.get("optimizer_passes")
        if isinstance(passes, list) and passes:
            section.tables.append(_passes_table(entry, [p for p in passes if isinstance(p, dict)]))
    if not section.tables:
        return section.not_measured("no entry of this workload reports optimizer passes")
    return section


def _passes_table(entry: Entry, passes: list[dict[str, Any]]) -> Table:
    extra = [k for k in dict.fromkeys(k for p in passes for k in p) if k not in PASS_COLUMNS]
    columns = [*PASS_COLUMNS, *extra]
    rows = [
        [
            format_seconds(p.get(c))
            if c == "seconds" and isinstance(p.get(c), int | float)
            else format_number(p.get(c))
            for c in columns
        ]
        for p in passes
    ]
    caption = f"{entry_label(entry)} | {case_label(entry.params)}"
    return Table([c.replace("_", " ") for c in columns], rows, caption)
