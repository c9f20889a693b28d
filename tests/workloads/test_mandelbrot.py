"""Mandelbrot beyond conformance: the talk's grid, its validation sums on every backend, and its own program."""

import json
import subprocess
import sys

import numpy as np
import pytest

from harness.core.backends import implementation_unavailable_reason
from harness.core.workload import StepTimer
from harness.run.construct import outside_checks
from workloads.mandelbrot import TALK_VALIDATION_SUMS, WORKLOAD
from workloads.mandelbrot.inputs import make_grid
from workloads.mandelbrot.python_impl import calculate_z_serial_purepython

SMALL = {"width": 60, "height": 60, "maxiter": 60}


def evaluate(backend: str, params: dict) -> np.ndarray:
    kernel = WORKLOAD.load(backend).prepare(WORKLOAD.make_inputs(params), params, StepTimer())
    return np.asarray(kernel.fetch(kernel.call()))


OZSVALD = {"width": 1000, "height": 1000, "maxiter": 1000}


def talks_grid(w: int, h: int) -> list[complex]:
    """The talk's calc_pure_python grid, written out here apart from the workload's own code:
    x appended, then stepped; rows from y2 down to y1."""
    x1, x2, y1, y2 = -2.13, 0.77, -1.3, 1.3
    x_step, y_step = (float(x2 - x1) / float(w)) * 2, (float(y1 - y2) / float(h)) * 2
    q, y = [], y2
    while y > y1:
        x = x1
        while x < x2:
            q.append(complex(x, y))
            x += x_step
        y += y_step
    return q


def test_the_grid_is_the_talks():
    q = make_grid(1000, 1000)
    assert len(q) == 250_000  # "How big is 250,000 complex numbers?"
    assert q[0] == complex(-2.13, 1.3)  # the talk's xx starts at -2.13: appended, then stepped
    assert q[1].real == pytest.approx(-2.1242)
    assert q[499].real == pytest.approx(0.7642)  # the talk's comment: [..., 0.7642000000000064]
    assert q[500].imag == pytest.approx(1.2948)
    assert q == talks_grid(1000, 1000)
    assert make_grid(160, 160) == talks_grid(160, 160)


def test_every_preset_case_has_the_talks_validation_sum():
    for cases in WORKLOAD.presets.values():
        for params in cases:
            assert WORKLOAD.outside_references_for(params), params
    assert TALK_VALIDATION_SUMS[(1000, 1000)] == 1_148_485


@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_backend_reproduces_the_talks_validation_sum(backend):
    reason = implementation_unavailable_reason(WORKLOAD, backend)
    if reason:
        pytest.skip(reason)
    params = {"width": 160, "height": 160, "maxiter": 100}  # cuda under the simulator too
    checks = outside_checks(WORKLOAD, params, evaluate(backend, params))
    assert [(c.expected, c.observed, c.passed) for c in checks] == [(22_528, 22_528, True)]


def test_a_shifted_grid_misses_the_talks_sum():
    params = {"width": 60, "height": 60, "maxiter": 60}
    inputs = WORKLOAD.make_inputs(params)
    shifted = [q + complex(2.9 / 30, 0) for q in inputs.q]  # one x step to the right
    output = calculate_z_serial_purepython(shifted, 60, [0j] * len(shifted))
    (check,) = outside_checks(WORKLOAD, params, output)
    assert not check.passed and check.expected == 2_559 and check.observed != 2_559
    assert "misses the outside reference 2,559" in check.describe()


@pytest.mark.slow
@pytest.mark.parametrize("backend", [b for b in WORKLOAD.backends if b != "cuda"])
def test_every_cpu_backend_sums_the_ozsvald_run_to_the_talks_1148485(backend):
    reason = implementation_unavailable_reason(WORKLOAD, backend)
    if reason:
        pytest.skip(reason)
    assert int(np.sum(evaluate(backend, OZSVALD))) == 1_148_485


def test_python_is_the_talks_calculate_z():
    q = [complex(0, 0), complex(2, 2), complex(0.5, 0)]
    assert calculate_z_serial_purepython(q, 50, [0j] * 3) == [0, 0, 4]


def test_the_reference_agrees_with_the_talks_program():
    params = {"width": 80, "height": 80, "maxiter": 200}
    inputs = WORKLOAD.make_inputs(params)
    expected = calculate_z_serial_purepython(inputs.q, params["maxiter"], [0j] * len(inputs.q))
    np.testing.assert_array_equal(evaluate("numpy", params), expected)


def test_work_is_points_per_call():
    inputs = WORKLOAD.make_inputs(SMALL)
    work = WORKLOAD.work(SMALL, inputs)
    assert (work.amount, work.unit) == (len(inputs.q), "points")


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="maxiter >= 1"):
        WORKLOAD.make_inputs({"width": 10, "height": 10, "maxiter": 0})


@pytest.mark.slow
def test_end_to_end_quick_run(tmp_path):
    output = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--preset", "quick", "--workload", "mandelbrot",
         "--budget", "0.5", "--threads", "1,2", "--output", str(output)],
        capture_output=True, text=True, timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(output.read_text())
    entries = {(e["backend"], e["threads"]): e for e in data["entries"]}
    for backend in ("python", "numpy", "cython", "numba"):
        entry = entries[(backend, None)]
        assert entry["status"] == "ok", entry["reason"]
        assert entry["check"]["passed"] and entry["check"]["mismatches"] == 0
        (outside,) = entry["check"]["outside"]
        assert (outside["expected"], outside["observed"], outside["passed"]) == (22_528, 22_528, True)
        assert entry["evaluation"]["plain_loop"]["seconds"]["median"] > 0
        assert entry["evaluation"]["seconds"]["values"]
        assert entry["evaluation"]["rate"]["unit"] == "points/s"
    for threads in (1, 2):
        parallel = entries[("numba_parallel", threads)]
        assert parallel["status"] == "ok"
        assert parallel["info"]["numba_threads"] == threads
        assert parallel["info"]["threading_layer"]
    numba = entries[("numba", None)]
    assert numba["construction"]["jit_compile"]["median"] > 0
    compiles = numba["evaluation"]["compiles"]  # every worker made an untimed first call, from the cache
    assert compiles["processes"] == numba["evaluation"]["processes"] == len(compiles["first_call_seconds"]["values"])
    compiled = (compiles["processes_compiling"], compiles["discarded_values"], compiles["compiled_values_kept"])
    assert compiled == (0, 0, 0)
    assert not [w for w in numba["warnings"] if w["kind"] in ("not_cacheable", "compile_in_evaluation")]
    assert numba["construction"]["cache_load"] is not None
    assert numba["calls_per_evaluation"]["total"] <= 2
    assert entries[("python", None)]["calls_per_evaluation"]["total"] > 1000
    cuda = entries[("cuda", None)]
    assert cuda["status"] == "ok"  # under the simulator in tests
    assert cuda["info"]["simulated"] is True
    pyperf_file = output.parent / numba["evaluation"]["pyperf_file"]
    stats = subprocess.run([sys.executable, "-m", "pyperf", "stats", str(pyperf_file)],
                           capture_output=True, text=True, timeout=60)
    assert stats.returncode == 0 and "Raw value minimum" in stats.stdout
