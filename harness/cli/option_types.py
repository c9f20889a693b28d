"""argparse types for numeric options: a NaN, an infinity, zero or a negative value is a
usage error (exit 2) naming the option, never a default taken quietly or a crash mid-run."""

from __future__ import annotations

import argparse
import math


def positive_float(text: str) -> float:
    """A finite number above zero (seconds, GiB)."""
    value = _number(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0; got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number of at least zero (a fraction of change)."""
    value = _number(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of at least 0; got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (rounds, processes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1; got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
