"""A workload's profile sections, from ``Entry.profile`` and the run's call counts: the
hot lines, the top callees, Python calls per evaluation and the optimizer's passes
(memory is ``harness.report.memory_sections``)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.profiles import LineProfile
from harness.core.results import Entry
from harness.report.grouping import grouped_notes
from harness.report.labels import case_key, case_label, entry_label, format_number, format_seconds
from harness.report.model import Section, Table

PASS_COLUMNS = ("name", "seconds", "times_applied", "nodes_created", "nodes_removed")


# -- line profiles ------------------------------------------------------------------------


def hot_lines_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-lines",
        title="Hot lines",
        intro="Each profiled function's source (line_profiler), hottest function first: every "
        "line with its share of the function's time as a bar, its hits and seconds. Compiled "
        "backends are profiled through their interpreted equivalent where marked.",
    )
    listings = sorted(
        ((e, lp) for e in entries if e.profile is not None for lp in e.profile.line_profiles),
        key=lambda item: -item[1].total_seconds,
    )
    for index, (entry, line_profile) in enumerate(listings):
        table = _listing(entry, line_profile)
        (section.tables if index == 0 else section.details).append(table)
    section.notes += grouped_notes(
        [(e, n) for e in entries if e.profile is not None for n in e.profile.line_profile_notes]
    )
    if not listings:
        return section.not_measured(
            "no line profiles in these results; harness profile --workload NAME runs line_profiler"
        )
    return section


HEAT_WIDTH = 20  # characters of a full bar


def heat_bar(percent: float) -> str:
    """A line's share of its function's time as a bar of block characters (text: it can be found and copied)."""
    eighths = round(max(0.0, min(percent, 100.0)) / 100 * HEAT_WIDTH * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])


def _listing(entry: Entry, line_profile: LineProfile) -> Table:
    rows = [
        [
            format_number(line.lineno),
            f"{heat_bar(line.percent)} {line.percent:.1f}%" if line.hits else "",
            format_number(line.hits) if line.hits else "",
            format_seconds(line.seconds) if line.hits else "",
            line.source.rstrip(),
        ]
        for line in sorted(line_profile.lines, key=lambda line: line.lineno)
    ]
    interpreted = " (interpreted equivalent)" if line_profile.interpreted_equivalent else ""
    caption = (
        f"{line_profile.function} ({line_profile.phase}, {format_seconds(line_profile.total_seconds)} in "
        f"{line_profile.file}{interpreted}): {entry_label(entry)}, {case_label(entry.params)}"
    )
    return Table(["line", "share of time", "hits", "seconds", "source"], rows, caption, code_column=4)


CALLEES = 5


def callees_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-callees",
        title="Top callees",
        intro=f"The {CALLEES} functions with the most time of their own during one evaluation "
        "(cProfile), per entry, with their calls and cumulative time.",
    )
    rows = []
    for entry in entries:
        calls = entry.profile.calls if entry.profile else None
        if calls is None or not calls.top_callees:
            continue
        top = sorted(calls.top_callees, key=lambda c: -c.own_seconds)[:CALLEES]
        rows += [
            [
                entry_label(entry),
                case_label(entry.params),
                callee.function,
                f"{callee.file}:{callee.lineno}",
                format_number(callee.calls),
                format_seconds(callee.own_seconds),
                format_seconds(callee.cumulative_seconds),
            ]
            for callee in top
        ]
    if not rows:
        return section.not_measured(
            "no call profile with callees in these results; harness profile --workload NAME runs cProfile"
        )
    section.tables.append(
        Table(["backend", "case", "function", "where", "calls", "own time", "cumulative"], rows)
    )
    return section


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
        intro="Passes the workload's optimizer ran before evaluation, as it reports them: a "
        "table per graph (cases on one graph digest share it), a row per case, backend and pass.",
    )
    by_graph: dict[str, list[tuple[Entry, dict[str, object]]]] = {}
    for entry in entries:
        passes = entry.info.get("optimizer_passes")
        if isinstance(passes, list):
            digest = entry.info.get("graph_digest")
            key = f"graph {digest}" if isinstance(digest, str) else f"case {case_key(entry.params)}"
            found = by_graph.setdefault(key, [])
            found += [(entry, p) for p in passes if isinstance(p, dict)]
    for passes in by_graph.values():
        if passes:
            section.details.append(_passes_table(passes))
    if not section.details:
        return section.not_measured("no entry of this workload reports optimizer passes")
    return section


def _passes_table(passes: list[tuple[Entry, dict[str, object]]]) -> Table:
    """One graph's passes; where several cases share the graph, the parameters they share
    name the table and a first column names each row's case by the others."""
    cases = list({case_key(entry.params): entry.params for entry, _ in passes}.values())
    shared = {name: value for name, value in cases[0].items() if all(name in c and c[name] == value for c in cases)}
    keys = list(dict.fromkeys(k for _, p in passes for k in p))
    candidates = (*PASS_COLUMNS, *(k for k in keys if k not in PASS_COLUMNS))
    columns = [c for c in candidates if any(p.get(c) is not None for _, p in passes)]
    cells = [[entry_label(entry), *(_pass_cell(c, p.get(c)) for c in columns)] for entry, p in passes]
    headers = ["backend", *(c.replace("_", " ") for c in columns)]
    if len(cases) == 1:
        return Table(headers, cells, f"Passes in {case_label(cases[0])}")
    own = [case_label({k: v for k, v in entry.params.items() if k not in shared}) for entry, _ in passes]
    title = f"Passes in {case_label(shared)}: one graph, {len(cases)} cases"
    return Table(["case", *headers], [[case, *row] for case, row in zip(own, cells, strict=True)], title)


def _pass_cell(column: str, value: object) -> str:
    if column == "seconds" and isinstance(value, int | float):
        return format_seconds(value)
    return format_number(value)
