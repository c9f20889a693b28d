"""A workload's evaluation sections: seconds per call (every value, with its reliability)
and rates against the numpy reference."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.analysis import entry_warnings
from harness.core.results import Entry
from harness.report.charts import Axis, Bars, Box, bar_chart, box_chart
from harness.report.grouping import by_case, label_among, one_per_backend
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


def evaluation_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-evaluation",
        title="Evaluation time per call",
        intro="Steady-state seconds per call from pyperf: every value of every worker process. "
        "Boxes show the quartiles and the median, whiskers 1.5 IQR, dots outliers.",
    )
    if not entries:
        return section.not_measured("no entry of this workload finished ok with an evaluation")
    section.chart = box_chart(
        "Seconds per call, all values",
        [
            Box(label_among(e, entries), e.backend, e.evaluation.seconds.values)
            for e in entries
            if e.evaluation
        ],
        Axis("seconds per call (s)", seconds=True),
        alt="box plot of evaluation seconds per call for each backend",
    )
    rows = [_evaluation_row(entry) for entry in entries]
    unreliable = sum(1 for row in rows if row[-1] != "ok")
    if unreliable:
        section.warnings.append(
            f"{unreliable} of {len(rows)} entries are unreliable as measured; the reliability "
            "column says why and what to do"
        )
    section.tables.append(
        Table(
            ["case", "backend", "median", "min", "max", "spread", "values", "vs plain loop", "reliability"],
            rows,
            caption="vs plain loop: this median over that of a plain timeit loop of the same kernel "
            "in one process after a warm-up call; near 1.00 when both measured only the kernel.",
        )
    )
    return section


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
        title="Rates against the numpy reference",
        intro="Work done per second (points/s, FLOP/s or B/s as the workload declares) divided "
        "by numpy's rate on the same case: above 1 is faster than numpy.",
    )
    rated = [e for e in entries if _rate(e) is not None]
    if not rated:
        return section.not_measured("this workload declares no work per call, so no rate")
    cases = by_case(rated)
    backends = ordered_backends(e.backend for e in rated)
    bars, rows = [], []
    for backend in backends:
        ratios: list[float | None] = []
        for group in cases.values():
            chosen = one_per_backend(group)
            entry, numpy = chosen.get(backend), chosen.get("numpy")
            ratio = _rate_ratio(entry, numpy)
            ratios.append(ratio)
            if entry is not None:
                rows.append(
                    [
                        case_label(entry.params),
                        entry_label(entry),
                        format_rate(entry.evaluation.rate if entry.evaluation else None),
                        format_ratio(ratio) if ratio is not None else "not measured (no numpy)",
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
            [case_label(group[0].params) for group in cases.values()],
            bars,
            Axis("rate / numpy rate (×)"),
            reference_line=1.0,
            alt="bars of each backend's rate divided by numpy's rate, per case",
        )
    case_order = [case_label(group[0].params) for group in cases.values()]
    rows.sort(key=lambda row: case_order.index(row[0]))
    section.tables.append(Table(["case", "backend", "rate", "relative to numpy"], rows))
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

