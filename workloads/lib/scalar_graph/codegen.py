"""Straight-line source for a graph: one assignment per node, for Python-like dialects and C.

Numba, numba-cuda and Cython all read Python syntax for scalar arithmetic; they differ in
the names of the math functions and in how inputs and parameters are indexed, which is
what a ``Dialect`` says. C reads the same arithmetic too, but for its conditional
expression (``Dialect.select``), its declarations and its semicolons. The result is a
list of statements ``v<id> = <expression>`` in topological order, ready to be indented
into a function body.
"""

from __future__ import annotations

from dataclasses import dataclass

from .graph import Graph
from .ops import CONST, INPUT, PARAM


@dataclass(frozen=True)
class Dialect:
    """Names of the math functions and the templates that read an input or a parameter."""

    exp: str
    log: str
    tanh: str
    pow: str
    input_ref: str  # format string with {index}
    param_ref: str  # format string with {index}
    # a conditional expression; C's is "({test} ? {then} : {other})"
    select: str = "({then} if {test} else {other})"


def _literal(value: float) -> str:
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"cannot emit the non-finite constant {text}")
    return f"({text})" if value < 0 else text


def expression(graph: Graph, node: int, dialect: Dialect) -> str:
    """The right-hand side computing ``node`` from its operands' variables."""
    op, attr = graph.ops[node], graph.attrs[node]
    v = [f"v{a}" for a in graph.args[node]]
    if op == CONST:
        return _literal(attr)
    if op == INPUT:
        return dialect.input_ref.format(index=int(attr))
    if op == PARAM:
        return dialect.param_ref.format(index=int(attr))
    templates = {
        "add": "{0} + {1}",
        "sub": "{0} - {1}",
        "mul": "{0} * {1}",
        "div": "{0} / {1}",
        "neg": "-{0}",
        "exp": f"{dialect.exp}({{0}})",
        "log": f"{dialect.log}({{0}})",
        "tanh": f"{dialect.tanh}({{0}})",
        "relu": dialect.select.format(then="{0}", test="{0} > 0.0", other="0.0"),
        "step": dialect.select.format(then="1.0", test="{0} > 0.0", other="0.0"),
        "sigmoid": f"1.0 / (1.0 + {dialect.exp}(-{{0}}))",
        "powc": f"{dialect.pow}({{0}}, {_literal(attr)})",
        "fma": "{0} * {1} + {2}",
    }
    return templates[op].format(*v)


def statements(graph: Graph, dialect: Dialect) -> list[str]:
    """``v<id> = ...`` for every node, in topological order."""
    return [f"v{node} = {expression(graph, node, dialect)}" for node in range(len(graph))]


def indent(lines: list[str], spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in lines)
