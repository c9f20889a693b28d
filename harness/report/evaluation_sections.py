"""A workload's evaluation sections: seconds per call (every value, with its reliability)
and rates against the numpy reference."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.analysis import entry_warnings
from harness.core.results import Entry
from harness.report.charts import Axis, Bars, bar_chart
from harness.report.grouping import (
    backend_order,
    by_case,
    case_values,
    entry_order,
    median_seconds,
    one_per_backend,
    short_case,
    varying_parameters,
)
from harness.report.labels import (
    case_label,
    entry_label,
    format_percent,
    format_rate,
    format_ratio,
    format_seconds,
    ordered_backends,
)
from harness.report.model import Section, Table
from harness.report.panels import Bar, Panel, panel_grid
from harness.report.trust import samples


def evaluation_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-evaluation",
        title="Evaluation time per call",
        intro="Steady-state seconds per call from pyperf, one panel per case on one scale: "
        "bars at the median, whiskers over the range of the worker processes' means; the "
        "dotted line is the c backend's median, plain C on one core (the ceiling).",
    )
    if not entries:
        return section.not_measured(
            "no entry of this workload finished ok with an evaluation; harness run times it"
        )
    cases = by_case(entries)
    varying = varying_parameters(entries)
    panels = [
        Panel(
            short_case(group[0].params, varying),
            [_bar(e) for e in sorted(group, key=entry_order) if e.evaluation is not None],
            ceiling=next((median_seconds(e) for e in group if e.backend == "c"), None),
        )
        for group in cases.values()
    ]
    section.chart = panel_grid(
        "Median seconds per call, one panel per case",
        panels,
        Axis("seconds per call", seconds=True),
        alt=f"bars of median seconds per call of each backend in {len(panels)} case panels: "
        + "; ".join(_panel_text(p) for p in panels),
    )
    section.tables.append(_matrix(cases, varying))
    rows = [_evaluation_row(entry) for entry in entries]
    unreliable = sum(1 for row in rows if row[-1] != "ok")
    if unreliable:
        section.warnings.append(
            f"{unreliable} of {len(rows)} entries are unreliable as measured; every entry's "
            "figures below say why and what to do"
        )
    section.details.append(
        Table(
            ["case", "backend", "median", "min", "max", "spread", "values", "vs plain loop", "reliability"],
            rows,
            caption="Every entry's figures: median, range, spread, values, and the plain timing "
            "loop's check (this median over that of a plain timeit loop of the same kernel; "
            "near 1.00 when both measured only the kernel)",
        )
    )
    return section


def _bar(entry: Entry) -> Bar:
    assert entry.evaluation is not None
    means = samples(entry)
    return Bar(
        entry_label(entry),
        entry.backend,
        entry.evaluation.seconds.median,
        min(means) if len(means) > 1 else None,
        max(means) if len(means) > 1 else None,
        hatch="//" if entry.threads == 1 else "",
    )


def _panel_text(panel: Panel) -> str:
    return f"{panel.title}: " + ", ".join(f"{b.label} {format_seconds(b.value)}" for b in panel.bars)


def _matrix(cases: dict[str, list[Entry]], varying: Sequence[str]) -> Table:
    """The chart's figures as text: one row per case, one column per backend."""
    columns = list(
        dict.fromkeys(entry_label(e) for e in sorted((e for g in cases.values() for e in g), key=backend_order))
    )
    rows = []
    for group in cases.values():
        by_label = {entry_label(e): e for e in group}
        fastest = min(group, key=median_seconds)
        ceiling = next((e for e in group if e.backend == "c"), None)
        rows.append(
            [
                short_case(group[0].params, varying),
                *(_matrix_cell(by_label.get(c), fastest, ceiling) for c in columns),
            ]
        )
    return Table(
        ["case", *columns],
        rows,
        caption="Median seconds per call; ▲ marks the fastest; a percentage is the speed as a share of c's.",
    )


def _matrix_cell(entry: Entry | None, fastest: Entry, ceiling: Entry | None) -> str:
    if entry is None or entry.evaluation is None:
        return "-"
    text = format_seconds(entry.evaluation.seconds.median)
    if ceiling is not None and entry is not ceiling:
        text += f" ({median_seconds(ceiling) / median_seconds(entry):.0%})"
    return f"▲ {text}" if entry is fastest else text


def _evaluation_row(entry: Entry) -> list[str]:
    assert entry.evaluation is not None
    seconds = entry.evaluation.seconds
    return [
        case_label(entry.params),
        entry_label(entry),
        format_seconds(seconds.median),
        format_seconds(seconds.min),
        format_seconds(seconds.max),
        format_percent(seconds.relative_spread),
        str(len(seconds.values)),
        _plain_loop_cell(entry),
        "; ".join(entry_warnings(entry)) or "ok",
    ]


def _plain_loop_cell(entry: Entry) -> str:
    ratio = entry.evaluation.plain_loop_ratio if entry.evaluation else None
    return "not measured" if ratio is None else f"{ratio:.2f}"



# -- rates --------------------------------------------------------------------------------


def rate_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-rates",
        span="third",
        title="Rates against the numpy reference",
        intro="Work done per second (points/s, FLOP/s or B/s as the workload declares) divided "
        "by numpy's rate on the same case: above 1 is faster than numpy.",
    )
    rated = [e for e in entries if _rate(e) is not None]
    if not rated:
        return section.not_measured("this workload declares no work per call, so no rate")
    cases = by_case(rated)
    varying = varying_parameters(rated)
    backends = ordered_backends(e.backend for e in rated)
    bars, rows = [], []
    for backend in backends:
        ratios: list[float | None] = []
        for group in cases.values():
            chosen = one_per_backend(group)
            entry, numpy = chosen.get(backend), chosen.get("numpy")
            ratio = _rate_ratio(entry, numpy)
            of_c = _rate_ratio(entry, chosen.get("c"))
            ratios.append(ratio)
            if entry is not None:
                rows.append(
                    [
                        case_label(entry.params),
                        entry_label(entry),
                        format_rate(entry.evaluation.rate if entry.evaluation else None),
                        format_ratio(ratio) if ratio is not None else "not measured (no numpy)",
                        f"{of_c:.0%}" if of_c is not None else "not measured (no c)",
                    ]
                )
        bars.append(Bars(backend, backend, ratios))
    if not any(r is not None for bar in bars for r in bar.values):
        section.notes.append(
            "not measured: no numpy entry to compare with; the table gives absolute rates"
        )
    else:
        section.chart = bar_chart(
            "Rate relative to numpy",
            [case_values(group[0].params, varying) for group in cases.values()],
            bars,
            Axis("rate / numpy rate (×)"),
            reference_line=1.0,
            alt="each backend's rate over numpy's per case: "
            + "; ".join(
                f"{bar.label} " + ", ".join("-" if v is None else f"{v:.3g}" for v in bar.values) for bar in bars
            ),
            caption=f"Cases by their {', '.join(varying)}." if varying else "",
            narrow=True,
        )
    case_order = [case_label(group[0].params) for group in cases.values()]
    rows.sort(key=lambda row: case_order.index(row[0]))
    section.details.append(
        Table(
            ["case", "backend", "rate", "relative to numpy", "share of c's rate"],
            rows,
            caption="Every backend's rate per case",
        )
    )
    return section


def _rate(entry: Entry) -> float | None:
    rate = entry.evaluation.rate if entry.evaluation else None
    value = rate.get("value") if isinstance(rate, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _rate_ratio(entry: Entry | None, numpy: Entry | None) -> float | None:
    if entry is None or numpy is None:
        return None
    mine, reference = _rate(entry), _rate(numpy)
    return mine / reference if mine is not None and reference is not None else None

