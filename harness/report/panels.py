"""Small multiples: one small panel per case (or per workload), on one shared scale, in a
grid no wider than the page, so that no chart is shrunk and its text stays readable.

Each panel is a horizontal bar per backend, the bar at the median and a whisker over
the range of the process samples, on a log axis when values span a wide range.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from matplotlib.artist import Artist
from matplotlib.axes import Axes

from harness.report.charts import MARKERS, THREAD_STYLES, Axis, backend_colour, inline_svg, new_figure, scale_axis
from harness.report.grouping import backend_rank
from harness.report.model import Chart

T = TypeVar("T")
PAGE_INCHES = 10.4  # the page's content width (about 1,000 px) in matplotlib inches at 72 pt
COLUMNS = 4


@dataclass(frozen=True)
class Bar:
    label: str
    backend: str
    value: float
    low: float | None = None
    high: float | None = None
    hatch: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    bars: Sequence[Bar]
    ceiling: float | None = None  # the c backend's median: drawn as a line across the panel


def _filled(slots: Iterable[Axes], panels: Sequence[T]) -> Iterator[tuple[int, Axes, T]]:
    """Each panel with its slot of the grid; the slots left over are hidden."""
    for index, axes in enumerate(slots):
        if index < len(panels):
            yield index, axes, panels[index]
        else:
            axes.set_visible(False)


def panel_grid(
    title: str, panels: Sequence[Panel], axis: Axis, alt: str, caption: str = "", reference: float | None = None
) -> Chart:
    """One panel per entry of ``panels``, up to four to a row, on one scale. Every panel
    has a row for every backend any panel has (empty where its case has none), so the
    rows line up across a grid row and only its first panel needs the labels."""
    columns = min(COLUMNS, max(len(panels), 1))
    rows = math.ceil(len(panels) / columns)
    backends = {b.label: b.backend for p in panels for b in p.bars}
    labels = sorted(backends, key=lambda label: (backend_rank(backends[label]), label))
    width = PAGE_INCHES if columns > 1 else PAGE_INCHES * 0.55
    titles = [textwrap.fill(p.title, 30 if columns > 3 else 44) for p in panels]
    title_lines = max((t.count("\n") + 1 for t in titles), default=1)
    height = 0.55 + rows * (0.3 + 0.15 * title_lines + 0.15 * len(labels))
    values = [v for p in panels for b in p.bars for v in (b.value, b.low, b.high) if v is not None and v > 0]
    positions = {label: len(labels) - 1 - index for index, label in enumerate(labels)}
    with new_figure(width, height) as figure:
        grid = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
        for index, axes, panel in _filled(grid.flat, panels):
            for bar in panel.bars:
                position = positions[bar.label]
                axes.barh(position, bar.value, color=backend_colour(bar.backend), hatch=bar.hatch, height=0.7)
                if bar.low is not None and bar.high is not None:
                    axes.errorbar(
                        bar.value,
                        position,
                        xerr=[[max(bar.value - bar.low, 0.0)], [max(bar.high - bar.value, 0.0)]],
                        fmt="none",
                        ecolor="black",
                        elinewidth=0.8,
                        capsize=2,
                    )
            axes.set_yticks(list(positions.values()), labels=list(positions))
            axes.set_title(titles[index], loc="left", fontsize=9)
            axes.grid(axis="y", visible=False)
            if reference is not None:
                axes.axvline(reference, color="black", linewidth=0.8, linestyle="--")
            if panel.ceiling is not None:
                axes.axvline(panel.ceiling, color=backend_colour("c"), linewidth=1.0, linestyle=":")
            scale_axis(axes, "x", axis, values)
            axes.xaxis.set_tick_params(labelbottom=True)  # sharex hides them above an empty slot
            if index < len(panels) - columns:
                axes.set_xlabel("")
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
        return Chart(title=title, svg=inline_svg(figure, alt), alt=alt, caption=caption)


@dataclass(frozen=True)
class Mark:
    """A point where ``harness compare`` found a significant change."""

    x: int
    y: float
    status: str  # "regressed" or "improved"


@dataclass(frozen=True)
class Line:
    label: str
    backend: str
    x: Sequence[int]
    y: Sequence[float]
    style: int = 0  # the machine's line style
    threads: int = 0
    marks: Sequence[Mark] = ()


@dataclass(frozen=True)
class LinePanel:
    title: str
    lines: Sequence[Line]


MARK_STYLE = {"regressed": ("^", "#CC3311"), "improved": ("v", "#117733")}


def line_grid(title: str, panels: Sequence[LinePanel], ticks: Sequence[str], axis: Axis, alt: str) -> Chart:
    """One panel per workload over the same x positions (commits), one legend below."""
    columns = min(3, max(len(panels), 1))
    rows = math.ceil(len(panels) / columns)
    with new_figure(PAGE_INCHES, 0.9 + rows * 2.1) as figure:
        grid = figure.subplots(rows, columns, squeeze=False)
        seen: dict[str, Artist] = {}
        for index, axes, panel in _filled(grid.flat, panels):
            for line in panel.lines:
                (drawn,) = axes.plot(
                    line.x,
                    line.y,
                    linestyle=THREAD_STYLES[line.style % len(THREAD_STYLES)],
                    marker=MARKERS[line.threads % len(MARKERS)],
                    markersize=4,
                    color=backend_colour(line.backend),
                )
                seen.setdefault(line.label, drawn)
                for mark in line.marks:
                    shape, colour = MARK_STYLE[mark.status]
                    found = axes.plot(
                        [mark.x], [mark.y], linestyle="none", marker=shape, markersize=10,
                        markerfacecolor="none", markeredgecolor=colour, markeredgewidth=1.6,
                    )
                    seen.setdefault(f"{mark.status} (harness compare)", found[0])
            axes.set_title(panel.title, loc="left", fontsize=9)
            axes.set_xticks(range(len(ticks)), labels=list(ticks), fontsize=8)
            axes.set_xlim(-0.4, len(ticks) - 0.6)
            scale_axis(axes, "y", axis, [v for line in panel.lines for v in line.y])
            if index % columns:
                axes.set_ylabel("")
        figure.legend(
            list(seen.values()), list(seen), loc="outside lower center", ncol=4, fontsize=8, frameon=False
        )
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
        return Chart(title=title, svg=inline_svg(figure, alt), alt=alt)
