"""The scalar_network workload: every backend against the NumPy reference on every rung of
the ladder at the quick size, and Python calls per evaluation counted (one for the
compiled backends)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from harness.core import c_build
from harness.core.workload import BackendUnavailable, Kernel, StepTimer
from harness.run.calls import count_calls
from workloads.lib.scalar_graph import Graph, Tape
from workloads.lib.scalar_graph.codegen import LANES
from workloads.lib.scalar_graph.tape import to_tape
from workloads.scalar_network import RUNGS, WORKLOAD
from workloads.scalar_network.inputs import parameter_count
from workloads.scalar_network.rungs import EVALUATORS, Evaluator

QUICK = [{**WORKLOAD.cases("quick")[0], "rung": rung} for rung in RUNGS]


def prepare(backend: str, case: dict[str, Any]) -> Kernel:
    try:
        module = WORKLOAD.load(backend)
    except BackendUnavailable as error:
        pytest.skip(str(error))
    return module.prepare(WORKLOAD.make_inputs(case), case, StepTimer())


def first_result(backend: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    kernel = prepare(backend, case)
    result = kernel.fetch(kernel.call())
    kernel.call()  # training on must not disturb the checked result
    return result


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, np.ndarray]]:
    return {case["rung"]: first_result("numpy", case) for case in QUICK}


@pytest.mark.parametrize("case", QUICK, ids=[case["rung"] for case in QUICK])
@pytest.mark.parametrize("backend", [b for b in WORKLOAD.backends if b != "numpy"])
def test_backend_agrees_with_reference(backend: str, case: dict[str, Any],
                                       reference: dict[str, dict[str, np.ndarray]]) -> None:
    result = first_result(backend, case)
    expected = reference[case["rung"]]
    comparison = WORKLOAD.comparison_for(backend)
    assert result.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(result[key], expected[key], rtol=comparison.rtol,
                                   atol=comparison.atol, err_msg=f"{backend} {key}")


# the quick cases above run the tape; these are straight-line code, one sample at a time and
# in lanes (11 samples: a full block of 8 and a tail of 3)
@pytest.mark.parametrize(("kind", "batch"), [("codegen", 5), ("lanes", 11)])
@pytest.mark.parametrize("backend", ["c", "cython", "numba", "numba_parallel"])
def test_straight_line_code_agrees_with_reference(backend: str, kind: str, batch: int) -> None:
    case = {"hidden": 2, "batch": batch, "rung": "steps", "k": 2, "evaluator": kind}
    expected = first_result("numpy", case)
    result = first_result(backend, case)
    for key in expected:
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-9, atol=1e-12)


def test_training_reduces_the_loss() -> None:
    case = {"hidden": 4, "batch": 16, "rung": "steps", "k": 20, "learning_rate": 0.5}
    kernel = prepare("numpy", case)
    first = kernel.call()
    for _ in range(5):
        last = kernel.call()
    assert last < first


def wrapper_frames() -> int:
    """How many calls ``count_calls`` reports for a wrapper that does nothing.

    1 where the wrapper's own frame is counted, 0 where the harness excludes it; the
    tests below hold under either convention.
    """
    return count_calls(lambda: None)[0].python_calls


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("rung", ["step", "steps"])
@pytest.mark.parametrize("backend", ["c", "cython", "numba", "numba_parallel"])
def test_compiled_backends_make_one_python_call_per_training_step(backend: str, rung: str,
                                                                   evaluator: str) -> None:
    case = {**next(c for c in QUICK if c["rung"] == rung), "evaluator": evaluator}
    kernel = prepare(backend, case)
    kernel.call()
    counts, _ = count_calls(kernel.call)
    # Kernel.call is a Python function making one call into compiled code, which the
    # profiler does not see (ctypes, Cython): nothing else runs at the Python level.
    assert counts.python_calls == wrapper_frames()
    assert counts.builtin_calls == 0
    assert counts.total == 1


def test_python_backend_makes_one_call_per_node_per_sample() -> None:
    case = {"hidden": 1, "batch": 3, "rung": "loss"}
    kernel = prepare("python", case)
    operations = sum(n for op, n in kernel.info["graph_node_kinds"].items()
                     if op not in ("const", "input", "param"))
    counts, _ = count_calls(kernel.call)
    # loss(), accumulate() and its averaging comprehension, then per sample run_sample()
    # and one call per operation node; plus the wrapper if the harness counts it
    assert counts.python_calls == wrapper_frames() + 3 + case["batch"] * (1 + operations)


def test_cython_second_construction_loads_from_the_cache(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    case = {"hidden": 1, "batch": 2, "rung": "loss"}
    assert prepare("cython", case).info["built_now"] is True
    assert prepare("cython", case).info["built_now"] is False


def test_info_reports_passes_and_sizes() -> None:
    kernel = prepare("numpy", {"hidden": 16, "batch": 4, "rung": "gradient"})
    assert parameter_count(16) == 337
    nodes = kernel.info["graph_nodes"]
    assert nodes["built"] < nodes["differentiated"] and nodes["optimised"] < nodes["differentiated"]
    names = {p["name"] for p in kernel.info["optimizer_passes"]}
    assert {"constant_folding", "common_subexpression_elimination", "dead_node_elimination",
            "multiply_add_fusion", "algebraic_simplification"} <= names
    assert kernel.fetch(kernel.call())["gradient"].shape == (337,)


def test_cython_without_a_c_compiler_is_unavailable(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from workloads.lib.scalar_graph import build_cache

    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(build_cache, "_compile_command",
                        lambda c_file, library, *build: [str(tmp_path / "no-such-cc"), str(c_file)])
    case = {"hidden": 1, "batch": 2, "rung": "loss"}
    with pytest.raises(BackendUnavailable, match="C compiler"):
        WORKLOAD.load("cython").prepare(WORKLOAD.make_inputs(case), case, StepTimer())


def every_op_program() -> Graph:
    """Every node kind once (relu and step on both sides of 0), each an output of its own
    after their sum: the interpreters' sixteen branches and the straight-line expressions,
    each checked by itself against the graph's plain Python semantics."""
    g = Graph(n_inputs=2, n_params=2)
    x, y, a, b, half = g.input(0), g.input(1), g.param(0), g.param(1), g.constant(0.5)
    e = g.add("exp", (y,))
    nodes = [x, y, a, half, e, g.add("add", (x, a)), g.add("sub", (x, b)), g.add("mul", (a, b)),
             g.add("div", (x, b)), g.add("neg", (y,)), g.add("log", (e,)), g.add("relu", (x,)),
             g.add("relu", (y,)), g.add("step", (x,)), g.add("step", (y,)), g.add("tanh", (x,)),
             g.add("sigmoid", (y,)), g.add("powc", (e,), 1.5), g.add("fma", (a, x, b))]
    total = nodes[0]
    for node in nodes[1:]:
        total = g.add("add", (total, node))
    g.outputs = [total, *nodes]
    return g


def evaluator_for(backend: str, kind: str, graph: Graph, tape: Tape, n_grads: int) -> Evaluator:
    """The backend's rung functions over ``graph``, built as its ``prepare`` builds them."""
    if backend == "c":
        from workloads.scalar_network import c_impl

        entry, _ = c_impl.functions(kind, graph)
        layout = c_impl.tape_layout(kind, tape)
        return Evaluator(entry["batch_loss"], entry["batch_gradient"], entry["sgd_step"], entry["sgd_steps"],
                         leading=layout.leading, convert=c_impl.array_address, keep_alive=layout.arrays)
    if backend == "cython":
        from workloads.scalar_network import cython_impl

        module, _ = cython_impl.build(kind, graph)
        layout = cython_impl.tape_layout(kind, tape)
        return Evaluator(module.batch_loss, module.batch_gradient, module.sgd_step, module.sgd_steps,
                         leading=layout.leading, convert=cython_impl.array_address, keep_alive=layout.arrays)
    from workloads.scalar_network import numba_kernels

    module, _ = numba_kernels.load_module(kind, False, graph, "gradient")
    arrays = numba_kernels.tape_arguments(kind, tape)
    scratch = numba_kernels.scratch_for(kind, arrays, 1)
    return numba_kernels.make_evaluator(kind, module, arrays, scratch, 1, n_grads)


def batch_mean(values: list[list[float]], kind: str) -> list[float]:
    """Each output's mean over the samples, summed in the evaluator's order: sample by
    sample, or for lanes lane l over samples l, l + LANES, ... and then the lanes in order."""
    if kind != "lanes":
        sums = [sum(column) for column in zip(*values, strict=True)]  # sum() adds left to right
    else:
        lanes = [values[lane::LANES] for lane in range(min(LANES, len(values)))]
        lane_sums = [[sum(column) for column in zip(*lane, strict=True)] for lane in lanes]
        sums = [sum(column) for column in zip(*lane_sums, strict=True)]
    return [total / len(values) for total in sums]


# 11 samples: a full block of lanes (the vectorised loop) and 3 left over (its scalar tail)
EVERY_OP_SAMPLES = 11


@pytest.mark.parametrize("kind", EVALUATORS)
@pytest.mark.parametrize("backend", ["c", "cython", "numba"])
def test_every_op_matches_the_graphs_python_semantics(backend: str, kind: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(c_build.CACHE_VARIABLE, str(tmp_path / "c"))
    graph = every_op_program()
    n_grads = len(graph.outputs) - 1
    p = [1.3, -0.6]
    features = [[0.7 + 0.01 * s, -0.4 - 0.02 * s] for s in range(EVERY_OP_SAMPLES)]
    per_sample = [graph.evaluate(x, p) for x in features]
    assert all(0.0 in values and 1.0 in values for values in per_sample)  # relu and step took both sides
    try:
        evaluator = evaluator_for(backend, kind, graph, to_tape(graph), n_grads)
    except BackendUnavailable as error:
        pytest.skip(str(error))
    samples = np.array([[*x, 1.0] for x in features])  # features and a label
    params, out = np.array(p + [0.0] * (n_grads - 2)), np.zeros(n_grads)
    c = evaluator.convert
    trailing = (EVERY_OP_SAMPLES, n_grads)
    loss = evaluator.gradient(*evaluator.leading, c(samples), c(params), c(out), *trailing)
    # the "loss" is the sum node's mean and the "gradient" every op's own mean, summed in the
    # evaluator's order: what is left is each function's rounding, libm's (as Python's) one
    # sample at a time, glibc's vector math (a few ulp apart from libm) in the c and cython lanes
    rtol = 1e-14 if kind == "lanes" else 1e-15
    np.testing.assert_allclose([loss, *out], batch_mean(per_sample, kind), rtol=rtol, atol=0.0)


@pytest.mark.parametrize("backend", ["c", "cython"])
def test_the_tape_module_is_built_once_for_every_graph(backend: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(c_build.CACHE_VARIABLE, str(tmp_path / "c"))
    c_build.load.cache_clear()  # libraries an earlier test loaded from its own cache
    built = [prepare(backend, {"hidden": hidden, "batch": 2, "rung": "step", "evaluator": kind}).info["built_now"]
             for kind in ("tape", "codegen") for hidden in (1, 2)]
    # the tape's module serves the second graph; straight-line code is built for each
    assert built == [True, False, True, True]


@pytest.mark.parametrize("backend", ["c", "cython"])
def test_the_lanes_build_calls_glibcs_vector_math(backend: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Where the probe finds libmvec, the lanes evaluator's library calls the vector tanh,
    exp and log (the loop over the lanes was vectorised), and says so in its info; where it
    does not, the info gives the reason."""
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(c_build.CACHE_VARIABLE, str(tmp_path / "c"))
    c_build.load.cache_clear()
    kernel = prepare(backend, {"hidden": 2, "batch": 9, "rung": "gradient", "evaluator": "lanes"})
    reason = c_build.vector_math_unavailable_reason()
    if reason:
        assert kernel.info["vector_math"] == f"none: {reason}"
        return
    assert kernel.info["vector_math"].startswith("libmvec")
    built = b"".join(path.read_bytes() for path in tmp_path.rglob("*.so"))  # this test's cache only
    for name in (b"tanh", b"exp", b"log"):  # the vector ABI's names: _ZGVeN8v_tanh (AVX-512), ...
        assert any(b"_ZGV" + isa + b"_" + name in built for isa in (b"eN8v", b"dN4v", b"cN4v", b"bN2v")), name


@pytest.mark.parametrize("backend", ["numba", "numba_parallel"])
def test_numbas_lanes_are_vector_code_calling_glibcs_vector_math(backend: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Numba's lanes loop is vectorised and calls libmvec's vector tanh, exp and log (the
    functions numba_vector_math offers LLVM), as GCC's does in the c and cython lanes."""
    from workloads.scalar_network import numba_vector_math

    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    kernel = prepare(backend, {"hidden": 2, "batch": 9, "rung": "gradient", "evaluator": "lanes"})
    reason = numba_vector_math.unavailable_reason()
    if reason:
        assert kernel.info["vector_math"] == f"none: {reason}"
        return
    isa, width = numba_vector_math.target()  # type: ignore[misc]
    assert kernel.info["vector_math"].startswith("libmvec")
    generated = kernel.info["generated_module"]
    module = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == generated)
    assembly = module.block.inspect_asm(module.block.signatures[0])
    for name in ("tanh", "exp", "log"):
        assert numba_vector_math.vector_name(isa, width, name) in assembly, name


def test_numbas_lanes_without_vector_math_use_libm_and_say_why(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from workloads.scalar_network import numba_kernels, numba_vector_math

    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(numba_vector_math, "unavailable_reason", lambda: "no libmvec in this test")
    graph = every_op_program()
    source = numba_kernels.module_source("lanes", False, graph, "gradient")
    assert "lane_tanh" not in source and "math.tanh(" in source and "numba_vector_math" not in source
    assert numba_kernels.vector_math_info("lanes") == {"vector_math": "none: no libmvec in this test"}


def test_numbas_branch_free_relu_and_step_match_the_conditional_bit_for_bit() -> None:
    """Numba's dialect writes ReLU and its derivative without a branch; on every kind of
    double (NaN, both zeros, infinities, the smallest subnormal) they give the bits the
    conditional expression every other backend's code uses gives."""
    from numba import njit

    from workloads.lib.scalar_graph.codegen import Dialect
    from workloads.scalar_network.numba_kernels import NUMBA_DIALECT

    plain = Dialect(exp="", log="", tanh="", pow="", input_ref="", param_ref="")
    conditionals = {op: plain.select.format(then=then, test="{0} > 0.0", other="0.0")
                    for op, then in (("relu", "{0}"), ("step", "1.0"))}
    values = np.array([2.5, -1.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1e308])
    for op, conditional in conditionals.items():
        branch_free = getattr(NUMBA_DIALECT, op)
        assert branch_free and " if " not in branch_free
        namespace: dict[str, Any] = {"np": np}
        exec(f"def f(v):\n    return {branch_free.format('v')}", namespace)
        compiled = njit(namespace["f"])
        expected = np.array([eval(conditional.format("v"), {"v": v}) for v in values])
        observed = np.array([compiled(v) for v in values])
        assert observed.tobytes() == expected.tobytes(), op


def test_numbas_generated_code_reads_and_adds_to_elements_through_the_intrinsics() -> None:
    """The lanes' block and the straight-line sample read inputs and parameters and add to
    sums through ``numba_elements`` (no array indexing, whose per-access stack slots cost
    LLVM seconds), with no branch in their bodies; and the intrinsics read and add exactly
    as indexing does."""
    from numba import njit

    from workloads.scalar_network import numba_kernels
    from workloads.scalar_network.numba_elements import add_to, element

    graph = every_op_program()
    source = numba_kernels.module_source("lanes", False, graph, "gradient")
    block = source[source.index("def block(") : source.index("def lanes(")]
    assert "element(w, " in block and "add_to(w, " in block and "element(p, " in block
    assert "[" not in block.replace("def block(w, p):", "") and " if " not in block
    sample = numba_kernels.codegen_sample(graph)
    assert "element(x, " in sample and "element(p, " in sample and "add_to(g, " in sample
    assert "[" not in sample and " if " not in sample

    @njit
    def read_and_add(w: np.ndarray, i: int, value: float) -> float:
        before = element(w, i)
        add_to(w, i, value)
        add_to(w, i + 1, 2)  # an integer addend is added as a double
        return before

    w = np.arange(6.0)
    assert read_and_add(w, 3, 0.25) == 3.0
    assert w.tolist() == [0.0, 1.0, 2.0, 3.25, 6.0, 5.0]


def test_numbas_straight_line_code_is_packed_by_the_slp_vectoriser(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Numba compiles the one-sample straight-line code with LLVM's SLP vectoriser (its own
    default is off), as GCC's -O3 compiles c's: its assembly does arithmetic on packed
    doubles; the setting is Numba's again afterwards, and the entry's info says it."""
    import platform
    import re

    from numba.core import config

    from workloads.scalar_network import numba_kernels

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"the packed-double instruction names checked are x86's; this is {platform.machine()}")
    monkeypatch.setenv("SCALAR_NETWORK_CACHE_DIR", str(tmp_path))
    before = config.SLP_VECTORIZE
    kernel = prepare("numba", {"hidden": 2, "batch": 9, "rung": "gradient", "evaluator": "codegen"})
    assert before == config.SLP_VECTORIZE
    assert kernel.info["slp_vectorizer"] == "on"
    generated = kernel.info["generated_module"]
    with open(generated) as source:
        assert source.read().startswith(numba_kernels.SLP_MARK)  # a cache made without it is not this module's
    module = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == generated)
    assembly = module.sample.inspect_asm(module.sample.signatures[0])
    assert re.search(r"\bv?(add|sub|mul|fmadd\d+|fnmadd\d+)pd\b", assembly)


def test_the_lanes_scratch_rows_and_sums_start_on_a_cache_line() -> None:
    """Misaligned, every other vector of sums straddled two cache lines (the c step took
    16 us or 35 us as the heap placed its array): the rows and the sums in them are aligned."""
    from workloads.scalar_network import numba_kernels

    for n_outputs in (1, 5, 338):
        _, sums, _, end = numba_kernels.lane_layout(n_outputs)
        for chunks in (1, 3):
            rows = numba_kernels.scratch_rows(chunks, n_outputs - 1, end - n_outputs)
            assert rows.flags.c_contiguous and rows.shape[1] >= end
            for row in rows:
                assert row.ctypes.data % 64 == 0 and (row.ctypes.data + 8 * sums) % 64 == 0


def test_without_vector_math_the_lanes_run_scalar_and_say_why(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from workloads.scalar_network import cython_impl

    monkeypatch.setenv(c_build.CACHE_VARIABLE, str(tmp_path / "c"))
    c_build.load.cache_clear()
    monkeypatch.setattr(cython_impl, "vector_math_unavailable_reason", lambda: "no libmvec in this test")
    case = {"hidden": 2, "batch": 11, "rung": "gradient", "evaluator": "lanes"}
    kernel = prepare("c", case)
    assert kernel.info["vector_math"] == "none: no libmvec in this test"
    assert "-fno-math-errno" not in kernel.info["compiler_flags"]
    built = b"".join(path.read_bytes() for path in (tmp_path / "c").rglob("*.so"))
    assert b"_ZGV" not in built  # scalar calls of libm only
    expected = first_result("c", {**case, "evaluator": "codegen"})
    result = kernel.fetch(kernel.call())
    for key in expected:
        np.testing.assert_allclose(result[key], expected[key], rtol=1e-13, atol=0.0)
