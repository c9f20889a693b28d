import os
import subprocess
import sys

import pytest

from harness import backends
from harness.registry import discover


@pytest.fixture(autouse=True)
def fresh_cache():
    backends.backend_unavailable_reason.cache_clear()
    yield
    backends.backend_unavailable_reason.cache_clear()


def test_python_and_numpy_are_always_available():
    assert backends.backend_unavailable_reason("python") is None
    assert backends.backend_unavailable_reason("numpy") is None


def test_unknown_backend_names_the_choices():
    assert "choose from: python" in backends.backend_unavailable_reason("fortran")


def test_missing_numba_is_a_reason(monkeypatch):
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None)
    assert backends.backend_unavailable_reason("numba") == "numba is not installed: pip install numba"


def test_cuda_without_device_or_simulator_says_so():
    # numba reads NUMBA_ENABLE_CUDASIM once, at import: look from a fresh process.
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    code = "from harness.backends import backend_unavailable_reason as r; print(r('cuda'))"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          check=True, timeout=120)
    reason = done.stdout.strip()
    if reason == "None":
        pytest.skip("a CUDA device is present")
    assert reason.startswith(("no CUDA device", "the CUDA driver library (libcuda.so.1) cannot be loaded"))


def test_simulated_cuda_is_available_with_a_note():
    assert backends.simulated_cuda()
    assert backends.backend_unavailable_reason("cuda") is None
    assert "timings are meaningless" in backends.cuda_note()


def test_unbuilt_cython_extension_is_reported_per_workload(fixture_workloads):
    toy = discover()["toy"]
    reason = backends.implementation_unavailable_reason(toy, "cython")
    assert reason == "Cython extension toy.not_built_impl not built: run `pip install -e .`"
    assert backends.implementation_unavailable_reason(toy, "cuda") == "workload 'toy' has no cuda implementation"
