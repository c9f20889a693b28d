import pytest

from harness.registry import discover, select, workload_dirs
from harness.workload import WorkloadError


def test_builtin_workloads_are_found():
    assert "mandelbrot" in discover()


def test_user_directories_add_workloads(fixture_workloads):
    found = discover()
    assert {"toy", "faulty"} <= set(found)
    assert found["toy"].backends == ["python", "numpy", "cython", "numba"]


def test_select_names_the_valid_choices():
    available = discover()
    with pytest.raises(WorkloadError, match="unknown workload 'mandelbrat'; choose from: .*mandelbrot"):
        select(available, ["mandelbrat"])
    assert select(available, ["mandelbrot", "mandelbrot"]) == [available["mandelbrot"]]


def test_missing_workload_directory_is_an_error(tmp_path):
    with pytest.raises(WorkloadError, match="does not exist"):
        workload_dirs([tmp_path / "nope"])


def test_two_workloads_with_one_name_are_an_error(tmp_path, monkeypatch):
    package = tmp_path / "again"
    package.mkdir()
    (package / "__init__.py").write_text("from workloads.mandelbrot import WORKLOAD\n")
    monkeypatch.setenv("HARNESS_WORKLOAD_PATH", str(tmp_path))
    with pytest.raises(WorkloadError, match="two workloads are named 'mandelbrot'"):
        discover()
