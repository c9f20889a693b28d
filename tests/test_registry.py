import pytest

from harness.core.registry import (
    WorkloadLoadError,
    discover,
    discover_workloads,
    select,
    select_discovered,
    workload_dirs,
)
from harness.core.workload import WorkloadError


def test_builtin_workloads_are_found():
    assert "mandelbrot" in discover()


def test_the_shared_libraries_are_not_workloads():
    discovery = discover_workloads()
    assert set(discovery.workloads) == {
        "mandelbrot", "matmul", "scalar_network", "tensor_map", "tensor_reduce", "tensor_zip"
    }
    assert discovery.failures == []


def test_user_directories_add_workloads(fixture_workloads):
    found = discover()
    assert {"toy", "faulty"} <= set(found)
    assert found["toy"].backends == ["python", "numpy", "cython", "numba"]


def test_select_names_the_valid_choices():
    available = discover()
    with pytest.raises(WorkloadError, match=r"unknown workload 'mandelbrat'; choose from: .*mandelbrot"):
        select(available, ["mandelbrat"])
    assert select(available, ["mandelbrot", "mandelbrot"]) == [available["mandelbrot"]]


def test_missing_workload_directory_is_an_error(tmp_path):
    with pytest.raises(WorkloadError, match="does not exist"):
        workload_dirs([tmp_path / "nope"])


def write_package(folder, name: str, init: str) -> None:
    package = folder / name
    package.mkdir()
    (package / "__init__.py").write_text(init)


def test_two_workloads_with_one_name_are_a_load_failure(tmp_path, monkeypatch):
    write_package(tmp_path, "again", "from workloads.mandelbrot import WORKLOAD\n")
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(tmp_path))
    found = discover_workloads()
    assert "mandelbrot" in found.workloads
    [failure] = found.failures
    assert failure.name == "again" and failure.error_type == "WorkloadError"
    assert "two workloads are named 'mandelbrot'" in failure.message


def test_a_package_that_raises_is_recorded_and_the_others_still_load(tmp_path, monkeypatch):
    write_package(tmp_path, "broken", "raise ValueError('width must be >= 2')\n")
    write_package(tmp_path, "not_one", "WORKLOAD = 'saxpy'\n")
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(tmp_path))
    found = discover_workloads()
    assert "mandelbrot" in found.workloads
    by_name = {f.name: f for f in found.failures}
    assert by_name["broken"].error_type == "ValueError"
    assert by_name["broken"].message == "width must be >= 2"
    assert by_name["broken"].directory == str(tmp_path)
    assert "raise ValueError" in by_name["broken"].traceback
    assert "WORKLOAD is a str, not a harness Workload" in by_name["not_one"].message
    assert set(discover()) == set(found.workloads)


def test_a_broken_package_named_explicitly_is_a_failure_not_an_unknown_name(tmp_path, monkeypatch):
    write_package(tmp_path, "broken", "raise ValueError('width must be >= 2')\n")
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(tmp_path))
    found = discover_workloads()
    selection = select_discovered(found, ["broken", "mandelbrot"])
    assert [w.name for w in selection.workloads] == ["mandelbrot"]
    assert [f.name for f in selection.failures] == ["broken"]
    everything = select_discovered(found, [])
    assert [f.name for f in everything.failures] == ["broken"]
    with pytest.raises(WorkloadLoadError, match=r"'broken' in .* cannot be loaded: ValueError: width must be >= 2"):
        found.workload("broken")
    with pytest.raises(WorkloadError, match="unknown workload 'brokn'; choose from: "):
        select_discovered(found, ["brokn"])
