"""Parameter values: their kinds and valid ranges, checked before any entry runs.

A workload may declare, beside ``parameters`` (name -> meaning), a ``ParameterType`` per
parameter: its kind (``int``, ``float``, ``str``, ``bool``), an inclusive range and/or the
allowed choices. Parameters without a declaration get the kind their preset values
share (every preset case of ``mandelbrot`` has an integer ``width``, so ``width=abc`` is
refused), and no range. Values from NumPy (``np.int64(600)`` in a preset) are plain
Python values by the time anything reads them: ``plain_value``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from harness.core.json_fields import JSONValue

KINDS: dict[type, str] = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


class ParameterError(ValueError):
    """A parameter value has the wrong kind or lies outside its valid range."""


@dataclass(frozen=True)
class ParameterType:
    """A parameter's kind and valid values: ``ParameterType(int, minimum=1, maximum=10_000)``.

    ``minimum`` and ``maximum`` are inclusive; ``choices``, when given, lists every valid
    value. A ``float`` parameter also takes integers.
    """

    kind: type
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[JSONValue] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ParameterError(f"a parameter's kind is one of {', '.join(k.__name__ for k in KINDS)}")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ParameterError(f"minimum {self.minimum} is above maximum {self.maximum}")

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not valid, in words that give the valid values; None when it is."""
        if not self.has_kind(value):
            return f"takes {KINDS[self.kind]}{self.range_text()}; got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"takes a finite number{self.range_text()}; got {value!r}"
        if self.choices and value not in self.choices:
            return f"takes one of {', '.join(map(repr, self.choices))}; got {value!r}"
        number = value if isinstance(value, int | float) else None  # has_kind: a number where there is a range
        below = self.minimum is not None and number is not None and number < self.minimum
        above = self.maximum is not None and number is not None and number > self.maximum
        if below or above:
            return f"takes {KINDS[self.kind]}{self.range_text()}; got {value!r}"
        return None

    def has_kind(self, value: object) -> bool:
        if self.kind is bool or isinstance(value, bool):
            return self.kind is bool and isinstance(value, bool)
        if self.kind is float:
            return isinstance(value, int | float)
        return isinstance(value, self.kind)

    def range_text(self) -> str:
        low, high = _bound(self.minimum), _bound(self.maximum)
        if low and high:
            return f" from {low} to {high}"
        if low:
            return f" of at least {low}"
        if high:
            return f" of at most {high}"
        return ""


def _bound(value: float | None) -> str:
    """A range bound as people write it: 1,000,000 rather than 1e+06; empty when absent."""
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def plain_value(value: object) -> object:
    """``value`` as a plain Python value: NumPy scalars become int, float, bool or str."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def plain_case(case: Mapping[str, object]) -> dict[str, object]:
    return {name: plain_value(value) for name, value in case.items()}


def inferred_type(values: Iterable[object]) -> ParameterType | None:
    """The kind every value shares (integers and floats together make a number); None if mixed."""
    kinds = {type(plain_value(v)) for v in values}
    if kinds == {int, float}:
        return ParameterType(float)
    if len(kinds) == 1 and (kind := kinds.pop()) in KINDS:
        return ParameterType(kind)
    return None


def check_case(workload: str, case: Mapping[str, object], types: Mapping[str, ParameterType]) -> None:
    """Raise ``ParameterError`` naming the first value of ``case`` its type refuses."""
    for name, value in case.items():
        declared = types.get(name)
        problem = declared.problem(value) if declared else None
        if problem:
            raise ParameterError(f"workload {workload!r}: parameter {name} {problem}")
