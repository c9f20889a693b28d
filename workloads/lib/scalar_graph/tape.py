"""A graph flattened into an instruction tape: parallel NumPy arrays, one row per node.

The tape is data, not code: one interpreter compiled once runs any graph, so a new graph
costs no compilation (the other side of straight-line code generation's trade-off).
Node ids are tape slots, so the tape needs a work array of ``len(code)`` values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import Graph
from .ops import CODES, INPUT, PARAM


@dataclass(frozen=True)
class Tape:
    """code[i]: opcode; args[i]: operand slots (for input/param, args[i, 0] is the index);
    consts[i]: a constant's value or powc's exponent; outputs: slots of the outputs."""

    code: np.ndarray
    args: np.ndarray
    consts: np.ndarray
    outputs: np.ndarray

    def __len__(self) -> int:
        return int(self.code.size)


def to_tape(graph: Graph) -> Tape:
    """Flatten ``graph`` (already in topological id order) into a tape."""
    n = len(graph)
    code = np.empty(n, dtype=np.int64)
    args = np.zeros((n, 3), dtype=np.int64)
    consts = np.zeros(n, dtype=np.float64)
    for node, (op, operands, attr) in enumerate(zip(graph.ops, graph.args, graph.attrs,
                                                    strict=True)):
        code[node] = CODES[op]
        if op in (INPUT, PARAM):
            args[node, 0] = int(attr)
        else:
            args[node, : len(operands)] = operands
            consts[node] = attr
    outputs = np.asarray(graph.outputs, dtype=np.int64)
    return Tape(code=code, args=args, consts=consts, outputs=outputs)
