"""How the report names cases and entries and formats their figures (plain text)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from harness.core.formatting import format_rate, format_ratio, format_seconds
from harness.core.results import Entry
from harness.core.workload import BACKENDS

__all__ = ["format_rate", "format_ratio", "format_seconds"]


def case_label(params: Mapping[str, object]) -> str:
    return ", ".join(f"{name}={value}" for name, value in params.items()) or "(no parameters)"


def case_key(params: Mapping[str, object]) -> str:
    return json.dumps(params, sort_keys=True)


def entry_label(entry: Entry) -> str:
    """The backend, with its thread count where it has one."""
    return entry.backend if entry.threads is None else f"{entry.backend} ×{entry.threads}"


def format_percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{fraction:.1%}"


def format_number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_mib(value: object) -> str:
    return f"{float(value):.1f} MiB" if isinstance(value, int | float) else "not measured"


def ordered_backends(names: Iterable[str]) -> list[str]:
    """The harness's backend order, then any other backend in the order first seen."""
    seen = list(dict.fromkeys(names))
    return [b for b in BACKENDS if b in seen] + [b for b in seen if b not in BACKENDS]


def anchor(*parts: str) -> str:
    """An HTML id made of safe characters only (names come from results files)."""
    text = "-".join(parts).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "section"
