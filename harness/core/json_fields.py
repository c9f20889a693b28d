"""Reading JSON objects field by field, with errors that name the field and what was wrong.

A results file is input like any other: edited by hand, cut short, written by another
tool. ``Fields`` wraps one JSON object and a path to it (``entries[3].evaluation``); each
accessor checks the type (and for timings, that the number is finite and positive) and
raises ``FieldError`` naming the path, the expectation and what was found, so a reader
never fails later with a ``TypeError`` deep inside a report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias, TypeGuard, cast

# A JSON document's values, as ``json.loads`` makes them.
JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"
# What a ``to_json`` makes: any mapping or sequence of JSON values (read-only, so a
# ``list[float]`` is one), for ``json.dump``.
JSONLike: TypeAlias = "bool | int | float | str | Sequence[JSONLike] | Mapping[str, JSONLike] | None"
JSONOut: TypeAlias = "dict[str, JSONLike]"


class Missing:
    """The value of a field that is absent (``None`` is JSON's null, a value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


class FieldError(ValueError):
    """A field of a JSON document is missing or of the wrong type or range."""


def found(value: object) -> str:
    """What a wrong value is, in a few words."""
    if value is MISSING:
        return "nothing (the field is missing)"
    text = repr(value)
    kind = "null" if value is None else type(value).__name__
    return f"{kind} {text[:60]}{'...' if len(text) > 60 else ''}"


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Fields:
    """One JSON object and its path, read field by field."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise FieldError(f"{path} must be an object; found {found(data)}")
        self.data: JSONObject = data
        self.path = path

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def wrong(self, name: str, expected: str, value: object) -> FieldError:
        return FieldError(f"{self.at(name)} must be {expected}; found {found(value)}")

    def get(self, name: str, default: object) -> object:
        """The field's value; ``default`` where it is absent (``MISSING``: it must be present)."""
        if name not in self.data:
            if isinstance(default, Missing):
                raise self.wrong(name, "present", MISSING)
            return default
        return self.data[name]

    def text(self, name: str, default: object = MISSING) -> str:
        value = self.get(name, default)
        if not isinstance(value, str):
            raise self.wrong(name, "a string", value)
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.get(name, None)
        if value is not None and not isinstance(value, str):
            raise self.wrong(name, "a string or null", value)
        return value

    def boolean(self, name: str, default: object = MISSING) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise self.wrong(name, "true or false", value)
        return value

    def integer(self, name: str, default: object = MISSING, minimum: int = 0) -> int:
        value = self.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.wrong(name, f"a whole number of at least {minimum}", value)
        return value

    def optional_integer(self, name: str, minimum: int = 0) -> int | None:
        return None if self.get(name, None) is None else self.integer(name, minimum=minimum)

    def number(self, name: str, default: object = MISSING) -> float:
        """Any number, NaN and infinities included (differences of a wrong result may be either)."""
        value = self.get(name, default)
        if not is_number(value):
            raise self.wrong(name, "a number", value)
        return float(value)

    def seconds(self, name: str, default: object = MISSING, *, positive: bool = True) -> float:
        """A finite timing: above zero, or at least zero when ``positive`` is false."""
        value = self.get(name, default)
        if not is_number(value) or not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise self.wrong(name, f"a finite number {'above' if positive else 'of at least'} 0", value)
        return float(value)

    def optional_number(self, name: str) -> float | None:
        """A finite number, or null (a figure a reader formats or plots)."""
        value = self.get(name, None)
        if value is not None and (not is_number(value) or not math.isfinite(value)):
            raise self.wrong(name, "a finite number or null", value)
        return value

    def optional_boolean(self, name: str) -> bool | None:
        value = self.get(name, None)
        if value is not None and not isinstance(value, bool):
            raise self.wrong(name, "true, false or null", value)
        return value

    def numbers(self, name: str) -> list[float]:
        """A list of finite numbers (missing or null: empty)."""
        values = self.optional_items(name)
        for index, value in enumerate(values):
            if not is_number(value) or not math.isfinite(value):
                raise FieldError(f"{self.at(name)}[{index}] must be a finite number; found {found(value)}")
        return cast(list[float], values)

    def optional_seconds(self, name: str, *, positive: bool = True) -> float | None:
        return None if self.get(name, None) is None else self.seconds(name, positive=positive)

    def mapping(self, name: str, default: object = MISSING) -> JSONObject:
        value = self.get(name, default)
        if not isinstance(value, dict):
            raise self.wrong(name, "an object", value)
        return value

    def optional_mapping(self, name: str) -> JSONObject | None:
        value = self.get(name, None)
        if value is not None and not isinstance(value, dict):
            raise self.wrong(name, "an object or null", value)
        return value

    def fields(self, name: str, default: object = MISSING) -> Fields:
        return Fields(self.mapping(name, default), self.at(name))

    def optional_fields(self, name: str) -> Fields | None:
        value = self.optional_mapping(name)
        return None if value is None else Fields(value, self.at(name))

    def items(self, name: str, default: object = MISSING) -> list[JSONValue]:
        value = self.get(name, default)
        if not isinstance(value, list):
            raise self.wrong(name, "a list", value)
        return value

    def optional_items(self, name: str) -> list[JSONValue]:
        """A list, or an empty one where the field is missing or null."""
        return [] if self.get(name, None) is None else self.items(name)

    def each_fields(self, name: str) -> list[Fields]:
        """The objects of a list (missing or null: none)."""
        return [Fields(item, f"{self.at(name)}[{i}]") for i, item in enumerate(self.optional_items(name))]

    def texts(self, name: str, default: object = MISSING) -> list[str]:
        values = self.items(name, default)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise FieldError(f"{self.at(name)}[{index}] must be a string; found {found(value)}")
        return cast(list[str], values)

    def timings(self, name: str, *, positive: bool = True) -> list[float]:
        """A list of finite timings (see ``seconds``)."""
        values = self.items(name, [])
        for index, value in enumerate(values):
            if not is_number(value) or not math.isfinite(value) or value < 0 or (positive and value == 0):
                expected = f"a finite number {'above' if positive else 'of at least'} 0"
                raise FieldError(f"{self.at(name)}[{index}] must be {expected}; found {found(value)}")
        return [float(v) for v in cast(list[float], values)]

    def seconds_by_name(self, name: str) -> dict[str, float]:
        """An object of name -> finite non-negative seconds (construction steps)."""
        steps = self.fields(name, {})
        return {step: steps.seconds(step, positive=False) for step in steps.data}
