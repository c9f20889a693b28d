"""NumPy: walk the graph once per call, each node one array operation over the whole batch.

The reference backend. Python still makes a call or two per node, but each call works on
``batch`` values, so the per-call overhead is divided by the batch size. Gradients are
reduced with ``numpy.sum`` (pairwise summation), which is why the other backends agree
with it to a tolerance rather than exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harness.core.workload import Kernel, StepTimer
from workloads.lib.scalar_graph import Graph
from workloads.lib.scalar_graph.ops import CONST, INPUT, PARAM

from .inputs import NetworkInputs
from .network import construct
from .rungs import Evaluator, TrainingState, make_kernel, take_snapshot

Value = Any  # a float or an array of batch values


def _sigmoid(x: Value) -> Value:
    return 1.0 / (1.0 + np.exp(-x))


VECTOR_OPS: dict[str, Callable[..., Value]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "relu": lambda x: np.where(x > 0.0, x, 0.0),
    "step": lambda x: np.where(x > 0.0, 1.0, 0.0),
    "sigmoid": _sigmoid,
    "fma": lambda x, y, z: x * y + z,
}


def evaluate_batch(graph: Graph, samples: np.ndarray, params: np.ndarray) -> list[Value]:
    """Every node's value over the batch (scalars where a node does not depend on a sample)."""
    values: list[Value] = []
    for op, args, attr in zip(graph.ops, graph.args, graph.attrs, strict=True):
        if op == CONST:
            values.append(attr)
        elif op == INPUT:
            values.append(samples[:, int(attr)])
        elif op == PARAM:
            values.append(float(params[int(attr)]))
        elif op == "powc":
            values.append(np.power(values[args[0]], attr))
        else:
            values.append(VECTOR_OPS[op](*(values[a] for a in args)))
    return values


def batch_mean(value: Value, batch: int) -> float:
    return float(np.sum(np.broadcast_to(value, (batch,)))) / batch


def make_evaluator(graph: Graph) -> Evaluator:
    loss_node, gradient_nodes = graph.outputs[0], graph.outputs[1:]

    def loss(samples: np.ndarray, params: np.ndarray) -> float:
        return batch_mean(evaluate_batch(graph, samples, params)[loss_node], len(samples))

    def gradient(samples: np.ndarray, params: np.ndarray, out: np.ndarray) -> float:
        values = evaluate_batch(graph, samples, params)
        batch = len(samples)
        out[:] = [batch_mean(values[node], batch) for node in gradient_nodes]
        return batch_mean(values[loss_node], batch)

    def update(samples: np.ndarray, params: np.ndarray, rate: float) -> float:
        grad = np.empty_like(params)
        mean_loss = gradient(samples, params, grad)
        params -= rate * grad
        return mean_loss

    def step(samples: np.ndarray, params: np.ndarray, rate: float, snapshot: np.ndarray,
             pending: np.ndarray) -> float:
        mean_loss = update(samples, params, rate)
        take_snapshot(params, snapshot, pending)
        return mean_loss

    def steps(samples: np.ndarray, params: np.ndarray, rate: float, k: int,
              snapshot: np.ndarray, pending: np.ndarray) -> float:
        mean_loss = 0.0
        for _ in range(k):
            mean_loss = update(samples, params, rate)
        take_snapshot(params, snapshot, pending)
        return mean_loss

    return Evaluator(loss=loss, gradient=gradient, step=step, steps=steps)


def prepare(inputs: NetworkInputs, params: dict, steps: StepTimer) -> Kernel:
    rung = params.get("rung", "step")
    construction = construct(inputs.hidden, rung, steps)
    with steps("compile"):
        evaluator = make_evaluator(construction.graph)
    return make_kernel(rung, evaluator, inputs, inputs.samples,
                       TrainingState.arrays(inputs.initial_params),
                       {**construction.info(), "evaluator": "vectorised graph walk"})
