"""Shared helpers of the report tests: the committed fixture and an HTML outline parser."""

from __future__ import annotations

import base64
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
    images: list[str] = field(default_factory=list)
    tables: int = 0
    missing: str = ""
    warnings: int = 0


class Outline(HTMLParser):
    """Sections (id, title, images, tables, 'not measured' text) and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, SectionOutline] = {}
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self._current: SectionOutline | None = None
        self._capture: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes += list(values.items())
        if tag == "section" and "block" in values.get("class", ""):
            self._current = self.sections.setdefault(values["id"], SectionOutline(values["id"]))
        elif self._current is None:
            return
        elif tag == "img":
            self._current.images.append(values.get("src", ""))
        elif tag == "table":
            self._current.tables += 1
        elif tag == "h3":
            self._capture = "title"
        elif tag == "p" and values.get("class") in ("missing", "warning"):
            self._capture = values["class"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None
        if tag in ("h3", "p"):
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._current is None or self._capture is None:
            return
        if self._capture == "title":
            self._current.title += data
        elif self._capture == "missing":
            self._current.missing += data
        elif self._capture == "warning" and data.strip():
            self._current.warnings += 1


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def svg_text(data_uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert data_uri.startswith(prefix), data_uri[:40]
    return base64.b64decode(data_uri[len(prefix) :]).decode("utf-8")
