"""Every built-in workload, and each backend at each quick case, through the conformance tests users get.

The tests come from ``harness.testing.pytest_plugin``; the plugin parametrizes them over the
workloads found (here the built-ins: no ``--harness-workload-dir``).
"""

from harness.testing.pytest_plugin import test_backend_conforms, test_workload_conforms  # noqa: F401
