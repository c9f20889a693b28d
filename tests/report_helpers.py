"""Shared helpers of the report tests: the committed fixture and an HTML outline parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
RUN_FIXTURE = FIXTURES / "report_run.json"
HISTORY_FIXTURE = FIXTURES / "report_history"
GENERATED_AT = "2026-03-04T00:00:00+00:00"


@dataclass
class SectionOutline:
    anchor: str
    title: str = ""
    images: list[str] = field(default_factory=list)  # each chart's inline SVG markup
    tables: int = 0
    missing: str = ""
    warnings: int = 0


class Outline(HTMLParser):
    """Sections (id, title, charts, tables, 'not measured' text) and every tag seen.

    A section with nothing to show is a line of its workload's "Not measured" list
    (an ``li`` with the section's id): it appears here with its ``missing`` text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, SectionOutline] = {}
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self._current: SectionOutline | None = None
        self._capture: str | None = None
        self._html = html
        self._lines = [0]
        for line in html.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))
        self._svg_start: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes += list(values.items())
        if tag == "section" and "block" in values.get("class", ""):
            self._current = self.sections.setdefault(values["id"], SectionOutline(values["id"]))
        elif tag == "li" and values.get("id"):
            self._current = self.sections.setdefault(values["id"], SectionOutline(values["id"]))
            self._capture = "listed"
        elif self._current is None:
            return
        elif tag == "svg" and self._svg_start is None:
            self._svg_start = self._offset()
        elif tag == "table":
            self._current.tables += 1
        elif tag in ("h2", "h3"):
            self._capture = "title"
        elif tag == "p" and values.get("class") in ("missing", "warning"):
            self._capture = values["class"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_start is not None and self._current is not None:
            end = self._html.index("</svg>", self._offset()) + len("</svg>")
            self._current.images.append(self._html[self._svg_start : end])
            self._svg_start = None
        if tag in ("section", "li"):
            self._current = None
            self._capture = None
        if tag in ("h2", "h3", "p"):
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._current is None or self._capture is None:
            return
        if self._capture == "title":
            self._current.title += data
        elif self._capture == "missing":
            self._current.missing += data
        elif self._capture == "listed":
            # "<strong>Title</strong>: reason" in the workload's list of what was not measured
            if not self._current.title:
                self._current.title = data
            else:
                self._current.missing = "not measured" + (self._current.missing + data).removeprefix("not measured")
        elif self._capture == "warning" and data.strip():
            self._current.warnings += 1


def outline(html: str) -> Outline:
    parser = Outline(html)
    parser.feed(html)
    return parser


def svg_text(svg: str) -> str:
    assert svg.startswith("<svg"), svg[:40]
    return svg
