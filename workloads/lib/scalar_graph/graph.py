"""A scalar computation graph stored as flat lists, and a ``Scalar`` front end to build it.

Nodes are integers; a node's operands always have smaller ids, so id order is a
topological order and every pass can rewrite a graph in one forward sweep. The graph is
the whole program: optimizer passes rewrite it, evaluators walk it or compile it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from .ops import CONST, INPUT, OPS, PARAM


@dataclass
class Graph:
    """Flat node lists (op, operands, attr) plus the ids of the output nodes."""

    n_inputs: int
    n_params: int
    ops: list[str] = field(default_factory=list)
    args: list[tuple[int, ...]] = field(default_factory=list)
    attrs: list[float] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ops)

    def add(self, op: str, args: tuple[int, ...] = (), attr: float = 0.0) -> int:
        """Append a node and return its id; operands must already exist."""
        if len(args) != OPS[op].arity:
            raise ValueError(f"{op} takes {OPS[op].arity} operands, got {len(args)}")
        self.ops.append(op)
        self.args.append(args)
        self.attrs.append(float(attr))
        return len(self.ops) - 1

    def constant(self, value: float) -> int:
        return self.add(CONST, (), value)

    def input(self, index: int) -> int:
        if not 0 <= index < self.n_inputs:
            raise ValueError(f"input {index} out of range 0..{self.n_inputs - 1}")
        return self.add(INPUT, (), index)

    def param(self, index: int) -> int:
        if not 0 <= index < self.n_params:
            raise ValueError(f"parameter {index} out of range 0..{self.n_params - 1}")
        return self.add(PARAM, (), index)

    def empty_like(self) -> Graph:
        return Graph(self.n_inputs, self.n_params)

    def counts(self) -> dict[str, int]:
        """Number of nodes of each kind."""
        result: dict[str, int] = {}
        for op in self.ops:
            result[op] = result.get(op, 0) + 1
        return result

    def digest(self) -> str:
        """A hash of the whole program: the key under which compiled code is cached."""
        hasher = hashlib.sha256(f"{self.n_inputs},{self.n_params};".encode())
        for op, args, attr in zip(self.ops, self.args, self.attrs, strict=True):
            hasher.update(f"{op}{args}{attr.hex()};".encode())
        hasher.update(repr(self.outputs).encode())
        return hasher.hexdigest()[:20]

    def evaluate(self, inputs: Sequence[float], params: Sequence[float]) -> list[float]:
        """Every output's value, node by node: the plain reference semantics of a graph."""
        from .ops import evaluate

        values: list[float] = []
        for op, args, attr in zip(self.ops, self.args, self.attrs, strict=True):
            if op == CONST:
                values.append(attr)
            elif op == INPUT:
                values.append(float(inputs[int(attr)]))
            elif op == PARAM:
                values.append(float(params[int(attr)]))
            else:
                values.append(evaluate(op, tuple(values[a] for a in args), attr))
        return [values[node] for node in self.outputs]


class Scalar:
    """A node of a graph with arithmetic operators, so networks are written as formulas."""

    __slots__ = ("graph", "node")

    def __init__(self, graph: Graph, node: int) -> None:
        self.graph = graph
        self.node = node

    def _lift(self, other: Scalar | float) -> Scalar:
        if isinstance(other, Scalar):
            return other
        return Scalar(self.graph, self.graph.constant(float(other)))

    def _binary(self, op: str, left: Scalar | float, right: Scalar | float) -> Scalar:
        a, b = self._lift(left), self._lift(right)
        return Scalar(self.graph, self.graph.add(op, (a.node, b.node)))

    def _unary(self, op: str, attr: float = 0.0) -> Scalar:
        return Scalar(self.graph, self.graph.add(op, (self.node,), attr))

    def __add__(self, other: Scalar | float) -> Scalar:
        return self._binary("add", self, other)

    def __radd__(self, other: Scalar | float) -> Scalar:
        return self._binary("add", other, self)

    def __sub__(self, other: Scalar | float) -> Scalar:
        return self._binary("sub", self, other)

    def __rsub__(self, other: Scalar | float) -> Scalar:
        return self._binary("sub", other, self)

    def __mul__(self, other: Scalar | float) -> Scalar:
        return self._binary("mul", self, other)

    def __rmul__(self, other: Scalar | float) -> Scalar:
        return self._binary("mul", other, self)

    def __truediv__(self, other: Scalar | float) -> Scalar:
        return self._binary("div", self, other)

    def __rtruediv__(self, other: Scalar | float) -> Scalar:
        return self._binary("div", other, self)

    def __neg__(self) -> Scalar:
        return self._unary("neg")

    def __pow__(self, exponent: float) -> Scalar:
        return self._unary("powc", float(exponent))

    def exp(self) -> Scalar:
        return self._unary("exp")

    def log(self) -> Scalar:
        return self._unary("log")

    def relu(self) -> Scalar:
        return self._unary("relu")

    def tanh(self) -> Scalar:
        return self._unary("tanh")

    def sigmoid(self) -> Scalar:
        return self._unary("sigmoid")
