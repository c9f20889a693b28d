"""pytest plugin: the conformance tests of ``harness.testing``, for every workload found.

Installed with the package (the ``pytest11`` entry point ``harness``), so any pytest run
in an environment with the harness has it; it does nothing until a test asks for its
fixtures. A test module that imports the two ready-made tests,

    from harness.testing.pytest_plugin import test_backend_conforms, test_workload_conforms  # noqa: F401

gets them parametrized over every workload (``test_workload_conforms``: it loads, its
presets and parameters are well declared, importing its package is light, its inputs
are deterministic) and every backend x quick-preset case (``test_backend_conforms``:
the backend's fetched result passes the harness's check against the reference). A
backend that cannot run here is skipped with its reason.

Which workloads: those in the folders given with ``--harness-workload-dir`` (repeatable),
else every workload the registry finds (the built-ins and ``HARNESS_WORKLOAD_PATH``);
``--harness-workload NAME`` keeps only the named ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from harness.core.registry import LoadFailure, discover_workloads, workload_dirs
from harness.core.workload import BackendUnavailable, Workload
from harness.testing import (
    check_backend,
    check_import_is_light,
    check_inputs_are_deterministic,
    check_parameters,
    check_presets,
    fetched_result,
)


@dataclass(frozen=True)
class Case:
    """One backend of one workload at one quick-preset case."""

    workload: Workload
    backend: str
    params: dict[str, Any]
    index: int

    @property
    def id(self) -> str:
        return f"{self.workload.name}-{self.backend}-quick{self.index}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "workload conformance (harness.testing.pytest_plugin)")
    group.addoption("--harness-workload-dir", action="append", default=[], metavar="DIR",
                    help="test the workloads in DIR (repeatable); default: every workload found")
    group.addoption("--harness-workload", action="append", default=[], metavar="NAME",
                    help="test only the workload NAME (repeatable)")


def selected(config: pytest.Config) -> tuple[list[Workload], list[LoadFailure]]:
    """The workloads (and failed packages) the options name, found once per session."""
    cached = getattr(config, "_harness_conformance", None)
    if cached is None:
        folders = config.getoption("harness_workload_dir")
        names = set(config.getoption("harness_workload"))
        discovery = discover_workloads(folders)
        own = {child.name for folder in workload_dirs(folders) for child in folder.iterdir()} if folders else None

        def wanted(name: str, package: str) -> bool:
            return (not names or name in names) and (own is None or package.partition(".")[0] in own)

        workloads = [w for w in discovery.workloads.values() if wanted(w.name, w.package)]
        failures = [f for f in discovery.failures if wanted(f.name, f.name)]
        cached = (workloads, failures)
        config._harness_conformance = cached
    return cached


def cases(workloads: list[Workload]) -> list[Case]:
    return [
        Case(workload, backend, params, index)
        for workload in workloads
        for backend in workload.backends
        for index, params in enumerate(workload.cases("quick"))
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_workload" in metafunc.fixturenames:
        workloads, failures = selected(metafunc.config)
        subjects: list[Workload | LoadFailure] = [*workloads, *failures]
        metafunc.parametrize("conformance_workload", subjects, ids=[s.name for s in subjects])
    if "conformance_case" in metafunc.fixturenames:
        found = cases(selected(metafunc.config)[0])
        metafunc.parametrize("conformance_case", found, ids=[c.id for c in found])


@pytest.fixture(scope="session")
def conformance_references() -> dict[str, Any]:
    """Reference results by workload and case, so each is computed once a session."""
    return {}


def test_workload_conforms(conformance_workload: Workload | LoadFailure) -> None:
    """The package loads, declares its presets and parameters, imports lightly, makes the same inputs twice."""
    if isinstance(conformance_workload, LoadFailure):
        raise pytest.fail.Exception(conformance_workload.describe(), pytrace=False)
    workload = conformance_workload
    check_presets(workload)
    check_parameters(workload)
    check_import_is_light(workload.package)
    for params in workload.cases("quick"):
        check_inputs_are_deterministic(workload, params)


def test_backend_conforms(conformance_case: Case, conformance_references: dict[str, Any]) -> None:
    """The backend's fetched result at a quick case passes the harness's check against the reference."""
    workload, params = conformance_case.workload, conformance_case.params
    key = f"{workload.name}:{json.dumps(params, sort_keys=True, default=str)}"
    try:
        if key not in conformance_references:
            conformance_references[key] = fetched_result(workload, workload.reference, params)
        check_backend(workload, conformance_case.backend, params, conformance_references[key])
    except BackendUnavailable as unavailable:
        pytest.skip(str(unavailable))
