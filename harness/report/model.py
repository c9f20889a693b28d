"""The report's view model: plain objects the templates render, all text unescaped.

Every string here may come from another machine's results file; the templates escape
them (autoescape), so nothing in the model is trusted markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Chart:
    """A figure as a data URI (SVG), with text for readers who cannot see it."""

    title: str
    image: str
    alt: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    """One heading of the report: a chart and/or tables, or why it has nothing."""

    anchor: str
    title: str
    intro: str = ""
    chart: Chart | None = None
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: str | None = None

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


@dataclass
class ReportPage:
    title: str
    subtitle: str
    overview: list[Section]
    workloads: list[WorkloadReport]
    history: list[Section]
    environment: list[Section]
    sources: list[str]
