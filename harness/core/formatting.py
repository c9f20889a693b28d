"""Figures as text: seconds in s, ms, us or ns; ratios as 1.23x; rates with k, M, G.
Shared by the console and the report, so a figure reads the same in both."""

from __future__ import annotations

from typing import Any


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_ratio(ratio: float | None) -> str:
    """Three significant figures, never in exponent notation ("1,930x", "0.000512x")."""
    if ratio is None:
        return "-"
    if ratio >= 1000:
        return f"{ratio:,.0f}x"
    if 0 < ratio < 0.001:
        return f"{ratio:.3g}x" if ratio < 1e-9 else f"{ratio:.9f}".rstrip("0") + "x"
    return f"{ratio:.3g}x"


def format_rate(rate: dict[str, Any] | None) -> str:
    if not rate:
        return "-"
    value, unit = float(rate["value"]), str(rate["unit"])
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"
