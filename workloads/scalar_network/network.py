"""The network as a scalar graph, and the construction phase every backend shares.

The graph is per sample: inputs x0, x1 and the label y, the 337 parameters, and as
outputs the sample's logistic loss followed by its gradient with respect to every
parameter. Evaluators run it over the batch and average; that keeps the graph at a few
thousand nodes however large the batch, and makes the batch the natural axis to
vectorise (NumPy), split across threads (prange) or across CUDA threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.core.workload import StepTimer
from workloads.lib.scalar_graph import Graph, Scalar, Tape, format_pass_table, gradient, optimise
from workloads.lib.scalar_graph.tape import to_tape

from .inputs import N_FEATURES, N_SAMPLE_COLUMNS, RUNGS, parameter_count


def _dense(graph: Graph, inputs: list[Scalar], width: int, first_param: int,
           activation: str | None) -> tuple[list[Scalar], int]:
    """One fully connected layer, weights then biases, built neuron by neuron in loops.

    Written the way a scalar library's user writes it, with ``sum`` (which starts from
    the constant 0): the optimizer, not the user, removes such waste.
    """
    weights = first_param
    biases = first_param + len(inputs) * width
    outputs = []
    for j in range(width):
        row = weights + j * len(inputs)
        products = (Scalar(graph, graph.param(row + i)) * x for i, x in enumerate(inputs))
        total = sum(products) + Scalar(graph, graph.param(biases + j))
        outputs.append(getattr(total, activation)() if activation else total)
    return outputs, biases + width


def build_network(hidden: int) -> Graph:
    """Forward graph of one sample: MLP 2 -> tanh(hidden) -> relu(hidden) -> 1, logistic loss.

    Loss = log(1 + exp(-y * z)): the label y is in {-1, +1}, z is the network output.
    """
    graph = Graph(n_inputs=N_SAMPLE_COLUMNS, n_params=parameter_count(hidden))
    features = [Scalar(graph, graph.input(i)) for i in range(N_FEATURES)]
    label = Scalar(graph, graph.input(N_FEATURES))
    layer1, next_param = _dense(graph, features, hidden, 0, "tanh")
    layer2, next_param = _dense(graph, layer1, hidden, next_param, "relu")
    (output,), next_param = _dense(graph, layer2, 1, next_param, None)
    assert next_param == graph.n_params
    loss = (1.0 + (-(label * output)).exp()).log()
    graph.outputs = [loss.node]
    return graph


@dataclass
class Construction:
    """The optimised graph and its tape, with what the construction phase did."""

    graph: Graph
    tape: Tape
    with_gradient: bool
    passes: list[dict[str, Any]]
    nodes: dict[str, int] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        """Facts for ``Kernel.info``: node counts at each stage and the pass table."""
        return {
            "graph_nodes": dict(self.nodes),
            "graph_node_kinds": self.graph.counts(),
            "optimizer_passes": self.passes,
            "graph_digest": self.graph.digest(),
        }

    def pass_table(self) -> str:
        return format_pass_table(self.passes, self.nodes.get("differentiated"),
                                 self.nodes.get("optimised"))


def construct(hidden: int, rung: str, steps: StepTimer, fuse: bool = True) -> Construction:
    """Build, differentiate (unless only the loss is wanted) and optimise, step by step."""
    if rung not in RUNGS:
        raise ValueError(f"unknown rung {rung!r}; choose from: {', '.join(RUNGS)}")
    with_gradient = rung != "loss"
    with steps("build"):
        graph = build_network(hidden)
    nodes = {"built": len(graph)}
    if with_gradient:
        with steps("differentiate"):
            graph.outputs = [graph.outputs[0], *gradient(graph, graph.outputs[0])]
    nodes["differentiated"] = len(graph)
    with steps("optimise"):
        graph, passes = optimise(graph, fuse=fuse)
    nodes["optimised"] = len(graph)
    with steps("tape"):
        tape = to_tape(graph)
    return Construction(graph, tape, with_gradient, [p.to_json() for p in passes], nodes)
