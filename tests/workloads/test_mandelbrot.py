"""Every Mandelbrot backend against the reference, and the talk's grid reproduced."""

import json
import subprocess
import sys

import numpy as np
import pytest

from harness.backends import implementation_unavailable_reason
from harness.check import compare
from harness.workload import StepTimer
from workloads.mandelbrot import WORKLOAD
from workloads.mandelbrot.inputs import make_grid
from workloads.mandelbrot.python_impl import calculate_z_serial_purepython

SMALL = {"width": 60, "height": 60, "maxiter": 60}


def evaluate(backend: str, params: dict) -> np.ndarray:
    kernel = WORKLOAD.load(backend).prepare(WORKLOAD.make_inputs(params), params, StepTimer())
    return np.asarray(kernel.fetch(kernel.call()))


def test_the_grid_is_the_talks():
    q = make_grid(1000, 1000)
    assert len(q) == 250_000  # "How big is 250,000 complex numbers?"
    assert q[0] == complex(-2.13 + 0.0058, 1.3)  # x is stepped before it is appended
    assert q[1].real == pytest.approx(-2.1184)
    assert q[500].imag == pytest.approx(1.2948)


def test_python_is_the_talks_calculate_z():
    q = [complex(0, 0), complex(2, 2), complex(0.5, 0)]
    assert calculate_z_serial_purepython(q, 50, [0j] * 3) == [0, 0, 4]


@pytest.mark.parametrize("backend", WORKLOAD.backends)
def test_every_backend_matches_the_reference_exactly(backend):
    reason = implementation_unavailable_reason(WORKLOAD, backend)
    if reason:
        pytest.skip(reason)
    reference = evaluate(WORKLOAD.reference, SMALL)
    check = compare(evaluate(backend, SMALL), reference, WORKLOAD.comparison_for(backend))
    assert check.passed, check.message
    assert check.size == len(make_grid(60, 60))


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
        assert entry["evaluation"]["seconds"]["values"]
        assert entry["evaluation"]["rate"]["unit"] == "points/s"
    for threads in (1, 2):
        parallel = entries[("numba_parallel", threads)]
        assert parallel["status"] == "ok"
        assert parallel["info"]["numba_threads"] == threads
        assert parallel["info"]["threading_layer"]
    numba = entries[("numba", None)]
    assert numba["construction"]["jit_compile"]["median"] > 0
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
