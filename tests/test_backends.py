import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core import backends, implementations
from harness.core.registry import discover


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
    code = "from harness.core.backends import backend_unavailable_reason as r; print(r('cuda'))"
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


def test_an_unbuilt_extension_of_an_installed_package_is_reported_per_workload(fixture_workloads, monkeypatch):
    toy = discover()["toy"]
    monkeypatch.setattr(implementations, "INSTALLED_PACKAGES", ("toy",))
    monkeypatch.setattr(backends, "module_exists", lambda name: False)  # as if never compiled in this process
    reason = backends.implementation_unavailable_reason(toy, "cython")
    assert reason == "Cython extension toy.cython_impl not built: run `pip install -e .`"
    assert backends.implementation_unavailable_reason(toy, "cuda") == (
        "workload 'toy' has no cuda implementation (no module toy.cuda_impl)"
    )


def test_a_users_pyx_is_unavailable_without_a_c_compiler(fixture_workloads, monkeypatch):
    toy = discover()["toy"]
    monkeypatch.setattr(backends, "module_exists", lambda name: False)  # as if never compiled in this process
    assert backends.implementation_unavailable_reason(toy, "cython") is None  # compiled on first use
    monkeypatch.setenv("CC", "no-such-compiler-anywhere")
    reason = backends.implementation_unavailable_reason(toy, "cython")
    assert reason == (
        "toy.cython_impl: no C compiler ('no-such-compiler-anywhere' is not on the PATH), so this workload's "
        ".pyx cannot be compiled: install one (e.g. gcc) or set CC"
    )
    assert backends.implementation_problem(toy, "cython") is None


def test_an_unfound_path_is_a_problem_not_a_reason_to_be_unavailable(monkeypatch):
    fixtures = Path(__file__).parent / "fixtures" / "broken_workloads"
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(fixtures))
    user_faults = discover()["user_faults"]
    assert backends.implementation_unavailable_reason(user_faults, "cython") is None
    problem = backends.implementation_problem(user_faults, "cython")
    assert problem == (
        "the cython implementation 'cython_impl' cannot be found: implementation paths are "
        "package-qualified; did you mean 'user_faults.cython_impl'?"
    )
    assert backends.implementation_problem(user_faults, "numpy") is None


def test_an_unbuilt_extension_is_no_problem(fixture_workloads):
    assert backends.implementation_problem(discover()["toy"], "cython") is None
