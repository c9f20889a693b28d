"""Reverse-mode differentiation that builds the gradient as more nodes of the same graph.

The adjoint of every node is itself a node, so the gradient is an ordinary graph: it can be
optimised, printed, walked or compiled like the forward pass. The rules are written
naively (multiplying by the seed 1.0, adding adjoints one contribution at a time); the
optimizer is what cleans them up, as in a real graph compiler.
"""

from __future__ import annotations

from .graph import Graph
from .ops import PARAM


def _contributions(graph: Graph, node: int, adjoint: int) -> list[tuple[int, int]]:
    """(operand, adjoint contribution) pairs for one node, added to the graph."""
    op, args, attr = graph.ops[node], graph.args[node], graph.attrs[node]
    add = graph.add
    if op == "add":
        return [(args[0], adjoint), (args[1], adjoint)]
    if op == "sub":
        return [(args[0], adjoint), (args[1], add("neg", (adjoint,)))]
    if op == "mul":
        return [
            (args[0], add("mul", (adjoint, args[1]))),
            (args[1], add("mul", (adjoint, args[0]))),
        ]
    if op == "div":
        over_b = add("div", (adjoint, args[1]))
        return [(args[0], over_b), (args[1], add("neg", (add("mul", (over_b, node)),)))]
    if op == "neg":
        return [(args[0], add("neg", (adjoint,)))]
    if op == "exp":
        return [(args[0], add("mul", (adjoint, node)))]
    if op == "log":
        return [(args[0], add("div", (adjoint, args[0])))]
    if op == "relu":
        return [(args[0], add("mul", (adjoint, add("step", (args[0],)))))]
    if op == "tanh":
        one_minus_square = add("sub", (graph.constant(1.0), add("mul", (node, node))))
        return [(args[0], add("mul", (adjoint, one_minus_square)))]
    if op == "sigmoid":
        slope = add("mul", (node, add("sub", (graph.constant(1.0), node))))
        return [(args[0], add("mul", (adjoint, slope)))]
    if op == "powc":
        power = add("powc", (args[0],), attr - 1.0)
        return [(args[0], add("mul", (adjoint, add("mul", (graph.constant(attr), power)))))]
    if op == "fma":
        return [
            (args[0], add("mul", (adjoint, args[1]))),
            (args[1], add("mul", (adjoint, args[0]))),
            (args[2], adjoint),
        ]
    return []  # const, input, param, step: no operands, or derivative zero


def gradient(graph: Graph, output: int) -> list[int]:
    """Append the gradient of ``output`` with respect to every parameter to ``graph``.

    Returns one node per parameter index: the sum of the adjoints of that parameter's
    nodes, or a constant 0.0 node where the output does not depend on it. Adjoints are
    accumulated in reverse id order, which is a reverse topological order.
    """
    adjoints: dict[int, int] = {output: graph.constant(1.0)}
    param_adjoints: dict[int, list[int]] = {}
    for node in range(output, -1, -1):
        adjoint = adjoints.get(node)
        if adjoint is None:
            continue
        if graph.ops[node] == PARAM:
            param_adjoints.setdefault(int(graph.attrs[node]), []).append(adjoint)
        for operand, contribution in _contributions(graph, node, adjoint):
            previous = adjoints.get(operand)
            adjoints[operand] = (
                contribution if previous is None else graph.add("add", (previous, contribution))
            )
    result = []
    for index in range(graph.n_params):
        terms = param_adjoints.get(index, [])
        total = terms[0] if terms else graph.constant(0.0)
        for term in terms[1:]:
            total = graph.add("add", (total, term))
        result.append(total)
    return result
