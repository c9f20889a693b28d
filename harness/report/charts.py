"""matplotlib figures for the report, returned as inline SVG markup.

matplotlib is imported here only, and this module only when a report is built, so
``import harness`` stays light. Figures are made with ``matplotlib.figure.Figure``
(no pyplot, no GUI state) under the Agg/SVG canvases. Every chart takes plain data,
colours each backend the same way everywhere, labels its axes with units, switches to
log scales where values span a wide range, and puts its legend outside the axes so
that nothing overlaps.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # no display; figures are saved as SVG

import markupsafe
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.core.formatting import format_seconds
from harness.report.model import Chart

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Chosen from Paul Tol's colour-blind-safe schemes (muted, vibrant, medium-contrast, dark) so that every
# colour is at least 3:1 against the white page (WCAG's figure for graphics) and any two
# stay apart under simulated protanopia, deuteranopia and tritanopia (tests/test_charts.py
# holds both to it).
BACKEND_COLOURS = {
    "python": "#0077BB",  # blue
    "numpy": "#997700",  # ochre
    "c": "#222222",  # near black: the ceiling
    "cython": "#CC6677",  # rose
    "numba": "#332288",  # indigo
    "numba_parallel": "#882255",  # wine
    "cuda": "#666633",  # olive
}
OTHER_COLOURS = ("#555555", "#117733", "#AA4499", "#004488", "#CC3311", "#009988")  # each 3:1 or more
THREAD_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
WIDE_RANGE = 30.0  # max/min above which an axis goes logarithmic
STYLE: dict[RcKeyType, object] = {
    "svg.fonttype": "none",  # text stays text: smaller files, searchable
    "svg.hashsalt": "harness-report",  # stable ids, so the same results give the same file
    "text.parse_math": False,  # names from results may hold "$"
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def backend_colour(backend: str) -> str:
    """The backend's colour in every chart (a stable pick for backends not listed)."""
    if backend in BACKEND_COLOURS:
        return BACKEND_COLOURS[backend]
    return OTHER_COLOURS[sum(backend.encode()) % len(OTHER_COLOURS)]


@dataclass(frozen=True)
class Series:
    """One line: a label, its backend (for the colour), points, and optional spread."""

    label: str
    backend: str
    x: Sequence[float]
    y: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    linestyle: str = "-"
    marker: str = "o"


@dataclass(frozen=True)
class Bars:
    """One bar per group for a backend; None where it has no value."""

    label: str
    backend: str
    values: Sequence[float | None]
    hatch: str = ""


@dataclass(frozen=True)
class Box:
    label: str
    backend: str
    values: Sequence[float]


@dataclass(frozen=True)
class Axis:
    label: str
    log: bool | None = None  # None: decide from the values' range
    ticks: Sequence[float] = field(default_factory=tuple)
    tick_labels: Sequence[str] = field(default_factory=tuple)
    seconds: bool = False  # tick labels as "1 ms", "10 us"
    limits: tuple[float, float] | None = None  # a fixed range (an efficiency from 0 to 1)


def thread_style(index: int) -> str:
    return THREAD_STYLES[index % len(THREAD_STYLES)]


def marker(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


def is_wide(values: Sequence[float]) -> bool:
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    return bool(positive) and max(positive) / min(positive) > WIDE_RANGE


@contextmanager
def new_figure(width: float, height: float) -> Iterator[Figure]:
    with matplotlib.rc_context(STYLE):
        yield Figure(figsize=(width, height), layout="constrained")


UNSAFE_SVG = re.compile(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def inline_svg(figure: Figure, alt: str, tight: bool = True) -> str:
    """The figure as SVG markup to inline in the page, so its text is text the browser can
    find and measure. matplotlib escapes every string it writes; the check below refuses
    anything that could run, and ids get a prefix of the figure's hash so that two inline
    figures never share one."""
    buffer = io.BytesIO()
    # A narrow chart keeps its size (constrained layout fits its text inside); a wide one
    # grows to hold a legend beside it.
    figure.savefig(buffer, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    text = buffer.getvalue().decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.DOTALL)
    if UNSAFE_SVG.search(text):
        raise ValueError("a chart's SVG holds markup that could run; refusing to inline it")
    prefix = "c" + hashlib.sha256(text.encode()).hexdigest()[:10] + "-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = text.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    label = str(markupsafe.escape(alt))
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def scale_axis(axes: Axes, which: str, axis: Axis, values: Sequence[float]) -> None:
    log = axis.log if axis.log is not None else is_wide(values)
    if log and any(v > 0 for v in values):
        (axes.set_xscale if which == "x" else axes.set_yscale)("log")
    (axes.set_xlabel if which == "x" else axes.set_ylabel)(axis.label)
    target = axes.xaxis if which == "x" else axes.yaxis
    if axis.seconds:
        target.set_major_formatter(ticker.FuncFormatter(lambda v, _: format_seconds(v)))
    elif log:
        target.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        target.set_major_formatter(ticker.ScalarFormatter(useOffset=False))  # no "+3.892e1" above the axis
    if log:
        target.set_minor_formatter(ticker.NullFormatter())
    if axis.limits is not None:
        (axes.set_xlim if which == "x" else axes.set_ylim)(*axis.limits)
    if axis.ticks:
        (axes.set_xticks if which == "x" else axes.set_yticks)(
            list(axis.ticks), labels=list(axis.tick_labels) or None
        )


NARROW = (3.85, 3.0)  # inches: a third of the page's width, text at its natural size


def _legend(axes: Axes, narrow: bool) -> None:
    handles, labels = axes.get_legend_handles_labels()
    figure = axes.get_figure()
    if handles and narrow and isinstance(figure, Figure):
        figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    elif handles:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def _finish(figure: Figure, axes: Axes, title: str, alt: str, caption: str, narrow: bool = False) -> Chart:
    axes.set_title(title, loc="left", fontsize=9 if narrow else 10)
    _legend(axes, narrow)
    return Chart(title=title, svg=inline_svg(figure, alt, tight=not narrow), alt=alt, caption=caption)


def line_chart(
    title: str,
    series: Sequence[Series],
    x: Axis,
    y: Axis,
    caption: str = "",
    alt: str = "",
    narrow: bool = False,
    size: tuple[float, float] = (9.0, 4.0),
) -> Chart:
    """Lines with markers, an error band/bars where ``low``/``high`` are given."""
    with new_figure(*(NARROW if narrow else size)) as figure:
        axes = figure.add_subplot()
        for line in series:
            colour = backend_colour(line.backend)
            axes.plot(
                line.x,
                line.y,
                linestyle=line.linestyle,
                marker=line.marker,
                markersize=4,
                color=colour,
                label=line.label,
            )
            if line.low is not None and line.high is not None:
                below = [max(v - lo, 0.0) for v, lo in zip(line.y, line.low, strict=True)]
                above = [max(hi - v, 0.0) for v, hi in zip(line.y, line.high, strict=True)]
                axes.errorbar(
                    line.x,
                    line.y,
                    yerr=[below, above],
                    fmt="none",
                    ecolor=colour,
                    elinewidth=1,
                    capsize=3,
                )
        scale_axis(axes, "x", x, [v for s in series for v in s.x])
        scale_axis(axes, "y", y, [v for s in series for v in [*s.y, *(s.low or []), *(s.high or [])]])
        return _finish(figure, axes, title, alt or title, caption, narrow)


def bar_chart(
    title: str,
    groups: Sequence[str],
    bars: Sequence[Bars],
    y: Axis,
    caption: str = "",
    alt: str = "",
    reference_line: float | None = None,
    narrow: bool = False,
) -> Chart:
    """Grouped bars: one group per case or phase, one bar per backend in each."""
    width = 0.8 / max(len(bars), 1)
    wide = (min(8.5, max(7.0, 2.5 + 0.35 * len(groups) * max(len(bars), 1))), 3.6)
    with new_figure(*(NARROW if narrow else wide)) as figure:
        axes = figure.add_subplot()
        for index, bar in enumerate(bars):
            positions = [g + (index - (len(bars) - 1) / 2) * width for g in range(len(groups))]
            kept = [(p, v) for p, v in zip(positions, bar.values, strict=True) if v is not None]
            axes.bar(
                [p for p, _ in kept],
                [v for _, v in kept],
                width=width * 0.95,
                color=backend_colour(bar.backend),
                hatch=bar.hatch,
                label=bar.label,
            )
        if reference_line is not None:
            axes.axhline(reference_line, color="black", linewidth=0.8, linestyle="--")
        values = [v for bar in bars for v in bar.values if v is not None]
        scale_axis(axes, "y", y, [*values, *([reference_line] if reference_line else [])])
        if narrow:
            axes.set_xticks(range(len(groups)), labels=list(groups), fontsize=8)
        else:
            axes.set_xticks(range(len(groups)), labels=list(groups), rotation=20, ha="right")
        axes.grid(axis="x", visible=False)
        return _finish(figure, axes, title, alt or title, caption, narrow)


def box_chart(title: str, boxes: Sequence[Box], y: Axis, caption: str = "", alt: str = "") -> Chart:
    """A box per entry from all its values (median, quartiles, whiskers, outliers)."""
    with new_figure(max(7.0, 2.5 + 0.55 * len(boxes)), 4.2) as figure:
        axes = figure.add_subplot()
        drawn = axes.boxplot(
            [list(b.values) for b in boxes],
            positions=range(len(boxes)),
            widths=0.6,
            patch_artist=True,
            manage_ticks=False,
        )
        for patch, box in zip(drawn["boxes"], boxes, strict=True):
            patch.set_facecolor(backend_colour(box.backend))
            patch.set_alpha(0.8)
        for median in drawn["medians"]:
            median.set_color("black")
        scale_axis(axes, "y", y, [v for b in boxes for v in b.values])
        axes.set_xticks(range(len(boxes)), labels=[b.label for b in boxes], rotation=30, ha="right")
        axes.grid(axis="x", visible=False)
        return _finish(figure, axes, title, alt or title, caption)
