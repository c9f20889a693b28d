"""Pure Python: walk the optimised graph in topological order, one Python call per node.

This is the diary's library: every operation is a small Python function, called once per
node per sample, so one training step at the default size makes hundreds of thousands
of calls. It is the baseline the compiled backends are measured against.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from harness.core.workload import Kernel, StepTimer
from workloads.lib.scalar_graph import Graph
from workloads.lib.scalar_graph.ops import CONST, INPUT, OPS, PARAM

from .inputs import NetworkInputs
from .network import construct
from .rungs import Evaluator, TrainingState, make_kernel, take_snapshot

NodeFunction = Callable[[float, float, float], float]


def _node_function(op: str, attr: float) -> NodeFunction:
    if op == "powc":
        return lambda x, y, z: math.pow(x, attr)
    function = OPS[op].evaluate
    assert function is not None
    return function


@dataclass(frozen=True)
class Program:
    """The graph as lists: a value template with constants, where inputs and parameters
    go, the (slot, function, operands) of every operation, and the output slots."""

    template: list[float]
    input_slots: list[tuple[int, int]]
    param_slots: list[tuple[int, int]]
    operations: list[tuple[int, NodeFunction, int, int, int]]
    outputs: list[int]


def compile_program(graph: Graph) -> Program:
    template = [0.0] * len(graph)
    input_slots, param_slots, operations = [], [], []
    for node, (op, args, attr) in enumerate(zip(graph.ops, graph.args, graph.attrs,
                                                strict=True)):
        if op == CONST:
            template[node] = attr
        elif op == INPUT:
            input_slots.append((node, int(attr)))
        elif op == PARAM:
            param_slots.append((node, int(attr)))
        else:
            a, b, c = (*args, 0, 0)[:3]
            operations.append((node, _node_function(op, attr), a, b, c))
    return Program(template, input_slots, param_slots, operations, list(graph.outputs))


def run_sample(program: Program, values: list[float], sample: list[float]) -> None:
    """Evaluate every operation of one sample into ``values`` (parameters already loaded)."""
    for slot, column in program.input_slots:
        values[slot] = sample[column]
    for slot, function, a, b, c in program.operations:
        values[slot] = function(values[a], values[b], values[c])


def accumulate(program: Program, samples: list[list[float]], params: list[float],
               with_gradient: bool) -> tuple[float, list[float]]:
    """Mean loss and mean gradient over the batch, summed sample by sample."""
    values = list(program.template)
    for slot, index in program.param_slots:
        values[slot] = params[index]
    gradient_slots = program.outputs[1:] if with_gradient else []
    total = 0.0
    grad = [0.0] * len(gradient_slots)
    for sample in samples:
        run_sample(program, values, sample)
        total += values[program.outputs[0]]
        for j, slot in enumerate(gradient_slots):
            grad[j] += values[slot]
    n = len(samples)
    return total / n, [g / n for g in grad]


def make_evaluator(program: Program) -> Evaluator:
    def loss(samples: list[list[float]], params: list[float]) -> float:
        return accumulate(program, samples, params, False)[0]

    def gradient(samples: list[list[float]], params: list[float], out: list[float]) -> float:
        mean_loss, out[:] = accumulate(program, samples, params, True)
        return mean_loss

    def step(samples: list[list[float]], params: list[float], rate: float,
             snapshot: list[float], pending: list[int]) -> float:
        mean_loss = update(samples, params, rate)
        take_snapshot(params, snapshot, pending)
        return mean_loss

    def steps(samples: list[list[float]], params: list[float], rate: float, k: int,
              snapshot: list[float], pending: list[int]) -> float:
        mean_loss = 0.0
        for _ in range(k):
            mean_loss = update(samples, params, rate)
        take_snapshot(params, snapshot, pending)
        return mean_loss

    def update(samples: list[list[float]], params: list[float], rate: float) -> float:
        mean_loss, grad = accumulate(program, samples, params, True)
        for j, g in enumerate(grad):
            params[j] -= rate * g
        return mean_loss

    return Evaluator(loss=loss, gradient=gradient, step=step, steps=steps)


def prepare(inputs: NetworkInputs, params: dict, steps: StepTimer) -> Kernel:
    construction = construct(inputs.hidden, params.get("rung", "step"), steps)
    with steps("compile"):
        program = compile_program(construction.graph)
        samples = inputs.samples.tolist()
        state = TrainingState.lists(inputs.initial_params)
    return make_kernel(params.get("rung", "step"), make_evaluator(program), inputs, samples,
                       state, {**construction.info(), "evaluator": "graph walk"})
