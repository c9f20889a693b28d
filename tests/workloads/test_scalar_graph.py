"""The scalar graph library: gradients against finite differences, and every optimizer
pass preserving the graph's values on random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from workloads.lib.scalar_graph import Graph, Scalar, format_pass_table, gradient, optimise
from workloads.lib.scalar_graph.optimize import CLEANUP_PASSES, FUSION_PASSES, run_pass
from workloads.scalar_network.network import build_network


def every_op_graph() -> Graph:
    """One output using every node kind, with constants, repeats and dead code to clean up."""
    g = Graph(n_inputs=2, n_params=3)
    x, y = Scalar(g, g.input(0)), Scalar(g, g.input(1))
    a, b, c = (Scalar(g, g.param(i)) for i in range(3))
    waste = (x * 7.0).exp()  # dead: never reaches the output
    del waste
    two = Scalar(g, g.constant(1.0)) + 1.0  # folds to 2
    h = (a * x + b * y + 0.0).tanh() * 1.0
    r = (b * x - c).relu() + (c * y).sigmoid()
    q = (a * a + 1.0).log() / (two + (-(x * x)).__neg__()) + (h * h) ** 2.0 + r ** 1.5
    out = q + (a * x + b * y + 0.0).tanh() - c * (-1.0)
    g.outputs = [out.node]
    return g


def with_gradient(graph: Graph) -> Graph:
    graph.outputs = [graph.outputs[0], *gradient(graph, graph.outputs[0])]
    return graph


def random_points(graph: Graph, count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=graph.n_inputs), rng.normal(scale=0.7, size=graph.n_params))
            for _ in range(count)]


def test_gradient_matches_central_differences() -> None:
    graph = with_gradient(every_op_graph())
    step = 1e-6
    for inputs, params in random_points(graph, 5, seed=1):
        values = graph.evaluate(inputs, params)
        for j in range(graph.n_params):
            up, down = params.copy(), params.copy()
            up[j] += step
            down[j] -= step
            numeric = (graph.evaluate(inputs, up)[0] - graph.evaluate(inputs, down)[0]) / (2 * step)
            assert values[1 + j] == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_network_gradient_matches_central_differences() -> None:
    graph = with_gradient(build_network(hidden=2))
    inputs, params = random_points(graph, 1, seed=2)[0]
    inputs[2] = 1.0  # the label
    values = graph.evaluate(inputs, params)
    for j in range(graph.n_params):
        up, down = params.copy(), params.copy()
        up[j] += 1e-6
        down[j] -= 1e-6
        numeric = (graph.evaluate(inputs, up)[0] - graph.evaluate(inputs, down)[0]) / 2e-6
        assert values[1 + j] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("name, function", [*CLEANUP_PASSES, *FUSION_PASSES])
@pytest.mark.parametrize("make_graph", [every_op_graph, lambda: build_network(hidden=3)])
def test_every_pass_preserves_values(name: str, function, make_graph) -> None:  # type: ignore[no-untyped-def]
    graph = with_gradient(make_graph())
    optimised, stats = run_pass(graph, name, function)
    assert stats.runs == 1 and stats.removed >= 0
    for inputs, params in random_points(graph, 4, seed=3):
        expected = graph.evaluate(inputs, params)
        assert optimised.evaluate(inputs, params) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_each_pass_applies_on_the_every_op_graph() -> None:
    graph, passes = optimise(with_gradient(every_op_graph()))
    applied = {p.name: p.applied for p in passes}
    assert all(applied[name] > 0 for name in applied), applied
    assert "fma" in graph.counts()


def test_optimise_pipeline_preserves_values_and_shrinks_the_graph() -> None:
    graph = with_gradient(build_network(hidden=3))
    optimised, passes = optimise(graph)
    assert len(optimised) < len(graph)
    for inputs, params in random_points(graph, 3, seed=4):
        assert optimised.evaluate(inputs, params) == pytest.approx(
            graph.evaluate(inputs, params), rel=1e-12, abs=1e-14)
    table = format_pass_table([p.to_json() for p in passes], len(graph), len(optimised))
    lines = table.splitlines()
    assert lines[1] == "time - times applied - nodes created - nodes removed - runs - name:"
    assert len(lines) == 2 + len(passes)
    assert f"{len(graph)} -> {len(optimised)} nodes" in lines[0]


def test_cse_merges_commutative_duplicates() -> None:
    g = Graph(n_inputs=2, n_params=0)
    x, y = Scalar(g, g.input(0)), Scalar(g, g.input(1))
    g.outputs = [(x * y + y * x).node]
    optimised, stats = run_pass(g, *CLEANUP_PASSES[2])
    assert stats.applied == 1 and optimised.counts()["mul"] == 1
