"""The conformance checks (harness.testing) and their pytest plugin, on a user's workload folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from harness.core.parameters import ParameterType
from harness.core.workload import Comparison, Workload
from harness.testing import (
    ConformanceError,
    check_backend,
    check_import_is_light,
    check_inputs_are_deterministic,
    check_parameters,
    plain,
    same,
)

SQUARES_INIT = '''
"""Sum of squares of n seeded normals: a user's workload, with python, numpy and cython backends."""
import numpy as np

from harness.core.workload import Comparison, Workload


def make_inputs(params):
    return np.random.default_rng(params.get("seed", 0)).standard_normal(int(params["n"]))


WORKLOAD = Workload(
    name="squares",
    description="sum of squares",
    parameters={"n": "how many numbers", "seed": "RNG seed"},
    presets={"quick": [{"n": 8}, {"n": 50, "seed": 1}], "default": [{"n": 1000}], "full": [{"n": 10**5}]},
    make_inputs=make_inputs,
    comparison=Comparison.tolerance(rtol=1e-12, reason="summation order differs"),
)
'''

SQUARES_BACKENDS = {
    "numpy_impl.py": '''
import numpy as np
from harness.core.workload import Kernel


def prepare(inputs, params, steps):
    return Kernel(call=lambda: float(np.dot(inputs, inputs)))
''',
    "python_impl.py": '''
from harness.core.workload import BackendUnavailable, Kernel


def prepare(inputs, params, steps):
    if len(inputs) > 10:
        raise BackendUnavailable("the python backend declines n > 10")
    values = inputs.tolist()
    return Kernel(call=lambda: sum(value * value for value in values))
''',
    # the toy fixture's Cython sum of squares serves here too
    "cython_impl.pyx": (Path(__file__).parent / "fixtures" / "workloads" / "toy" / "cython_impl.pyx").read_text(),
}

CONFORMANCE_TESTS = (
    "from harness.testing.pytest_plugin import test_backend_conforms, test_workload_conforms  # noqa: F401\n"
)


def write_package(folder: Path, name: str, init: str, modules: dict[str, str]) -> Path:
    package = folder / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(init))
    for module, source in modules.items():
        (package / module).write_text(textwrap.dedent(source))
    return folder


def test_the_plugin_checks_every_backend_and_quick_case_of_a_users_workload(pytester, tmp_path):
    folder = write_package(tmp_path / "mine", "squares", SQUARES_INIT, SQUARES_BACKENDS)
    pytester.makepyfile(test_squares=CONFORMANCE_TESTS)
    result = pytester.runpytest_subprocess("--harness-workload-dir", str(folder), "-rs", "-v")
    # only the user's workload, not the built-ins: one declaration test, then 3 backends x 2 cases
    result.assert_outcomes(passed=6, skipped=1)
    result.stdout.fnmatch_lines([
        "*test_backend_conforms?squares-cython-quick1? PASSED*",
        "*test_workload_conforms?squares? PASSED*",
        "*SKIPPED*the python backend declines n > 10*",
    ])


def test_the_plugin_fails_a_backend_that_gives_the_wrong_answer(pytester, tmp_path):
    wrong = {**SQUARES_BACKENDS, "python_impl.py": SQUARES_BACKENDS["python_impl.py"].replace("value * value", "value")}
    folder = write_package(tmp_path / "mine", "squares", SQUARES_INIT, wrong)
    pytester.makepyfile(test_squares=CONFORMANCE_TESTS)
    result = pytester.runpytest_subprocess("--harness-workload-dir", str(folder), "--harness-workload", "squares")
    result.assert_outcomes(passed=5, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*squares/python at {'n': 8} differs from numpy*"])


def declare(**overrides) -> Workload:
    fields = {
        "name": "w",
        "description": "d",
        "parameters": {"n": "size"},
        "presets": {"quick": [{"n": 3}], "default": [{"n": 4}], "full": [{"n": 5}]},
        "make_inputs": lambda params: np.arange(params["n"], dtype=float),
        "implementations": {"numpy": "nowhere.numpy_impl"},
        "comparison": Comparison.exact(),
    }
    return Workload(**{**fields, **overrides})


def test_an_undeclared_preset_parameter_is_named():
    with pytest.raises(ConformanceError, match=r"undeclared parameters \['m'\]"):
        check_parameters(declare(presets={"quick": [{"n": 3, "m": 1}], "default": [{"n": 4}], "full": [{"n": 5}]}))


def test_a_preset_case_outside_its_declared_type_fails():
    with pytest.raises(ValueError, match="n"):
        check_parameters(declare(parameter_types={"n": ParameterType(int, maximum=3)}))


def test_unseeded_inputs_are_not_deterministic():
    rng = np.random.default_rng()
    with pytest.raises(ConformanceError, match="seed every random generator"):
        check_inputs_are_deterministic(declare(make_inputs=lambda params: rng.standard_normal(3)), {"n": 3})
    check_inputs_are_deterministic(declare(), {"n": 3})


def test_inputs_compare_through_dataclasses_arrays_and_nans():
    assert same(plain({"a": [np.array([1.0, np.nan])], "b": 2}), plain({"a": [np.array([1.0, np.nan])], "b": 2}))
    assert not same(plain([np.array([1.0])]), plain([np.array([1], dtype=np.int64)]))


def test_a_package_that_imports_numba_is_not_light(tmp_path, monkeypatch):
    write_package(tmp_path, "heavy_user_workload", "import numba  # noqa: F401\n", {})
    monkeypatch.syspath_prepend(str(tmp_path))
    heavy = r"importing heavy_user_workload imports .*llvmlite.*only in their <backend>_impl modules"
    with pytest.raises(ConformanceError, match=heavy):
        check_import_is_light("heavy_user_workload")
    check_import_is_light("workloads.tensor_map")


def test_fetch_must_give_host_data(tmp_path, monkeypatch):
    package = "fetch_user_workload"
    write_package(tmp_path, package, "", {
        "numpy_impl.py": "from harness.core.workload import Kernel\n\n"
                         "def prepare(inputs, params, steps):\n    return Kernel(call=lambda: inputs.sum())\n",
        "python_impl.py": "from harness.core.workload import Kernel\n\n"
                          "def prepare(inputs, params, steps):\n    return Kernel(call=lambda: object())\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    workload = declare(implementations={"numpy": f"{package}.numpy_impl", "python": f"{package}.python_impl"})
    with pytest.raises(ConformanceError, match="not host data"):
        check_backend(workload, "python", {"n": 3})
    check_backend(workload, "numpy", {"n": 3})
