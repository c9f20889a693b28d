"""The report's view model: plain objects the templates render, all text unescaped.

Every string here may come from another machine's results file; the templates escape
them (autoescape), so nothing in the model is trusted markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Chart:
    """A figure as inline SVG markup (made by ``harness.report.charts``, which escapes every
    string in it), with text for readers who cannot see it."""

    title: str
    svg: str
    alt: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    code_column: int | None = None  # a column of source code, shown with its indentation
    unbroken: tuple[int, ...] = ()  # columns whose cells never wrap (a figure and its interval)

    def without_caption(self) -> Table:
        return Table(self.columns, self.rows, code_column=self.code_column, unbroken=self.unbroken)


@dataclass
class Section:
    """One heading of the report: a chart and/or tables, or why it has nothing."""

    anchor: str
    title: str
    intro: str = ""
    chart: Chart | None = None
    tables: list[Table] = field(default_factory=list)
    details: list[Table] = field(default_factory=list)  # shown folded: every figure, on request
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: str | None = None
    span: str = "full"  # "third": laid out three to a row (a narrow chart and folded tables)

    def not_measured(self, reason: str) -> Section:
        """Mark the section as empty, saying why and (in ``reason``) what would fill it."""
        self.missing = f"{NOT_MEASURED}: {reason}"
        return self


@dataclass
class WorkloadReport:
    name: str
    anchor: str
    cases: list[str]
    sections: list[Section]
    fixed: str = ""  # the parameters every case shares ("" when there is one case)

    @property
    def shown(self) -> list[Section]:
        return [s for s in self.sections if not s.missing]

    @property
    def not_measured(self) -> list[Section]:
        """The sections with nothing to show: listed once, each with how to measure it."""
        return [s for s in self.sections if s.missing]


@dataclass
class ReportPage:
    title: str
    subtitle: str
    summary: list[Section]
    overview: list[Section]
    workloads: list[WorkloadReport]
    history: list[Section]
    environment: list[Section]
    sources: list[str]
