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
from .ops import CODES, CONST, INPUT, PARAM


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
    # ReLU and its derivative over ``{0}``; empty: ``select``'s ``{0} > 0.0``
    relu: str = ""
    step: str = ""
    # a lane's output added to its running sum: ``{sums}[{index}] += {value}``
    accumulate: str = "{sums}[{index}] += {value}"


def _literal(value: float) -> str:
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"cannot emit the non-finite constant {text}")
    return f"({text})" if value < 0 else text


def _templates(dialect: Dialect, exponent: str) -> dict[str, str]:
    """Each non-leaf op's expression over its operands ``{0}``, ``{1}``, ``{2}``; powc raises
    to ``exponent``. One table, so straight-line code and the tape interpreters agree."""
    return {
        "add": "{0} + {1}",
        "sub": "{0} - {1}",
        "mul": "{0} * {1}",
        "div": "{0} / {1}",
        "neg": "-{0}",
        "exp": f"{dialect.exp}({{0}})",
        "log": f"{dialect.log}({{0}})",
        "tanh": f"{dialect.tanh}({{0}})",
        "relu": dialect.relu or dialect.select.format(then="{0}", test="{0} > 0.0", other="0.0"),
        "step": dialect.step or dialect.select.format(then="1.0", test="{0} > 0.0", other="0.0"),
        "sigmoid": f"1.0 / (1.0 + {dialect.exp}(-{{0}}))",
        "powc": f"{dialect.pow}({{0}}, {exponent})",
        "fma": "{0} * {1} + {2}",
    }


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
    return _templates(dialect, _literal(attr) if op == "powc" else "")[op].format(*v)


def statements(graph: Graph, dialect: Dialect) -> list[str]:
    """``v<id> = ...`` for every node, in topological order."""
    return [f"v{node} = {expression(graph, node, dialect)}" for node in range(len(graph))]


# Samples a lane block evaluates side by side: a 512-bit vector of doubles (AVX-512), two
# of 256 bits (AVX2). Fixed, not read from the CPU, so that the order in which the batch is
# summed (lane by lane, then the lanes) is the same on every machine.
LANES = 8
# Where the lanes' running sums start: a cache line, one AVX-512 vector. The loop reads and
# writes a vector of them per output and block; from malloc's 16-byte alignment every other
# such access straddled two cache lines, and the c step's time moved between 16 and 35 us
# with where the heap put the array.
LANE_SUMS_ALIGNMENT = 64


def lane_statements(graph: Graph, dialect: Dialect, sums: str = "sums", offset: int = 0) -> list[str]:
    """``statements`` for lane ``l`` of a block (the dialect's ``input_ref`` reads lane l's
    sample), then each output added to that lane's running sum (the dialect's ``accumulate``),
    ``sums[k * LANES + l]`` for output k (``sums[offset + k * LANES + l]`` with an offset):
    one loop body over the lanes that a compiler can turn into vector code, each lane running
    the sample's operations in the order the straight-line code does."""
    body = statements(graph, dialect)
    at = f"{offset} + " if offset else ""
    return body + [dialect.accumulate.format(sums=sums, index=f"{at}{k} * {LANES} + l", value=f"v{node}")
                   for k, node in enumerate(graph.outputs)]


# The tape interpreters test the opcodes in this order: the kinds the default network's
# tape holds most (multiply-adds, products, parameters, sums) first.
TAPE_ORDER = ("fma", "mul", PARAM, "add", "sub", INPUT, CONST, "tanh", "relu", "step", "div",
              "neg", "exp", "log", "sigmoid", "powc")


def tape_cases(dialect: Dialect, slot: str, constant: str, value: str = "work[{0}]") -> list[tuple[int, str]]:
    """(opcode, expression) for every op, in ``TAPE_ORDER``: the value of tape slot ``i``.

    ``slot`` names operand k of slot i (a template of ``{k}``, e.g. ``args[i, {k}]``), and
    ``value`` reads a slot's value (a template of the slot, ``work[{0}]`` by default); for
    an input or a parameter, operand 0 is the index read. ``constant`` reads slot i's
    constant, which is also powc's exponent.
    """
    operands = [value.format(slot.format(k=k)) for k in range(3)]
    index = slot.format(k=0)
    leaves = {CONST: constant, INPUT: dialect.input_ref.format(index=index),
              PARAM: dialect.param_ref.format(index=index)}
    templates = _templates(dialect, constant)
    assert set(TAPE_ORDER) == set(CODES), "every op has its place on the tape"
    return [(CODES[op], leaves[op] if op in leaves else templates[op].format(*operands))
            for op in TAPE_ORDER]


def if_chain(cases: list[tuple[int, str]], target: str) -> list[str]:
    """``tape_cases`` as a Python-syntax if-chain on ``op`` assigning ``target`` (Numba,
    numba-cuda and Cython; Cython compiles it to a C ``switch``)."""
    return [line for n, (code, value) in enumerate(cases)
            for line in (f"{'elif' if n else 'if'} op == {code}:", f"    {target} = {value}")]


def indent(lines: list[str], spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in lines)
