"""Shared test setup: CUDA kernels run under the simulator; fixture workloads are findable."""

import os
from pathlib import Path

import pytest

# Before anything imports numba.cuda: with no GPU here, CUDA kernels run on the simulator.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

FIXTURE_WORKLOADS = Path(__file__).parent / "fixtures" / "workloads"

pytest_plugins = ["pytester"]  # tests/test_testing.py runs the conformance plugin on a user's folder


@pytest.fixture
def fixture_workloads(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the test-only workloads (toy, faulty, closures) visible to the registry and to children."""
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(FIXTURE_WORKLOADS))
    return FIXTURE_WORKLOADS
