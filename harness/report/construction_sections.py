"""Construction against evaluation: each backend's cold construction, its calls, and the
number of calls after which a compiled backend has paid for its compile (break-even)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from harness.core.analysis import break_even, case_size
from harness.core.results import Entry
from harness.report.charts import Axis, Series, line_chart
from harness.report.grouping import by_case, median_seconds, one_per_backend
from harness.report.labels import case_label, entry_label, format_seconds
from harness.report.model import Chart, Section, Table

REFERENCES = ("python", "numpy")
COST_POINTS = 60


def construction_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-construction",
        span="third",
        title="Construction against evaluation: break-even",
        intro="Total cost of n calls = cold construction (import, compile, first call; median "
        "of fresh processes) + n × seconds per call. A compiled backend beats python or numpy "
        "after n* = (C_b - C_ref) / (t_ref - t_b) calls, where its calls are faster.",
    )
    built = [e for e in entries if e.construction is not None]
    if not built:
        return section.not_measured("no entry recorded its construction (cold runs)")
    rows = []
    for group in by_case(entries).values():
        chosen = one_per_backend(group)
        rows += [_construction_row(entry, chosen) for entry in chosen.values()]
    section.details.append(
        Table(
            [
                "case",
                "backend",
                "construction (cold)",
                "JIT compile",
                "cache load",
                "per call",
                "beats python",
                "beats numpy",
            ],
            rows,
            caption="Every backend's construction phases and break-even ('not measured' where a "
            "phase was not recorded or the reference is missing)",
        )
    )
    largest = max(by_case(built).values(), key=lambda g: case_size(g[0]) or 0.0)
    section.chart = _cost_chart(list(one_per_backend(largest).values()))
    return section


def _construction_row(entry: Entry, chosen: dict[str, Entry]) -> list[str]:
    construction = entry.construction
    return [
        case_label(entry.params),
        entry_label(entry),
        _cold_text(entry),
        format_seconds(construction.jit_compile.median)
        if construction and construction.jit_compile
        else "-",
        format_seconds(construction.cache_load.median)
        if construction and construction.cache_load
        else "-",
        format_seconds(median_seconds(entry)),
        *(_break_even_text(entry, chosen.get(reference)) for reference in REFERENCES),
    ]


def _cold_text(entry: Entry) -> str:
    """The cold construction; for an entry that loaded another thread count's compile, whose it is."""
    if entry.construction is None:
        return "not measured"
    text = format_seconds(entry.construction.seconds.median)
    compiled_by = entry.info.get("compiled_by")
    if isinstance(compiled_by, str):
        text += f" (the compile at {compiled_by.split(':')[0]})"
    return text


def _break_even_text(entry: Entry, reference: Entry | None) -> str:
    if reference is None or reference.construction is None or entry.construction is None:
        return "not measured"
    if reference is entry:
        return "(reference)"
    return break_even(
        entry.construction.seconds.median,
        median_seconds(entry),
        reference.construction.seconds.median,
        median_seconds(reference),
    ).text


def _cost_chart(entries: list[Entry]) -> Chart:
    built = [e for e in entries if e.construction is not None]
    crossings = [
        break_even(
            e.construction.seconds.median, median_seconds(e), r.construction.seconds.median, median_seconds(r)
        )
        for e in built
        for r in built
        if r.backend in REFERENCES and r is not e and r.construction
        if e.construction
    ]
    furthest = max([c.calls or 1 for c in crossings if c.kind in ("after", "until")], default=1)
    top = max(1000.0, 10.0 ** math.ceil(math.log10(furthest * 10)))
    calls = [10 ** (i * math.log10(top) / (COST_POINTS - 1)) for i in range(COST_POINTS)]
    series = [
        Series(
            entry_label(e),
            e.backend,
            calls,
            [e.construction.seconds.median + n * median_seconds(e) for n in calls],
            marker="",
        )
        for e in built
        if e.construction
    ]
    return line_chart(
        "Total cost of n calls",
        series,
        Axis("calls n", log=True),
        Axis("construction + n × per call (s)", log=True, seconds=True),
        caption=f"Case {case_label(built[0].params)}. Where a line drops below python's or numpy's, "
        "its compile has paid off.",
        alt="total seconds of construction plus n calls against n: "
        + "; ".join(
            f"{entry_label(e)} builds in {format_seconds(e.construction.seconds.median)} and calls in "
            f"{format_seconds(median_seconds(e))}"
            for e in built
            if e.construction
        ),
        narrow=True,
    )

