import importlib

import pytest

from harness.core import implementations
from harness.core.workload import (
    BackendUnavailable,
    Comparison,
    ImplementationError,
    Kernel,
    StepTimer,
    Workload,
    WorkloadError,
)


def declare(**overrides):
    fields = {
        "name": "w",
        "description": "d",
        "presets": {"quick": [{"n": 1}], "default": [{"n": 2}], "full": [{"n": 1}, {"n": 2}]},
        "make_inputs": lambda params: params["n"],
        "implementations": {"numpy": "nowhere.numpy_impl"},
        "comparison": Comparison.exact(),
    }
    fields.update(overrides)
    return Workload(**fields)


def test_unknown_backend_is_rejected_with_the_valid_choices():
    with pytest.raises(WorkloadError, match="choose from: python, numpy, c, cython"):
        declare(implementations={"numpy": "x", "numbaa": "y"})


def test_required_presets_are_enforced():
    with pytest.raises(WorkloadError, match="lacks the presets"):
        declare(presets={"quick": [{"n": 1}]})


def test_empty_preset_is_rejected():
    with pytest.raises(WorkloadError, match="empty presets"):
        declare(presets={"quick": [], "default": [{"n": 1}], "full": [{"n": 1}]})


def test_reference_must_have_an_implementation():
    with pytest.raises(WorkloadError, match="reference backend"):
        declare(reference="python")


def test_a_tolerance_must_give_its_reason():
    with pytest.raises(WorkloadError, match="reason"):
        Comparison.tolerance(rtol=1e-9, reason="")
    assert not Comparison.tolerance(rtol=1e-9, reason="sums").is_exact
    assert Comparison.exact().is_exact


def test_cases_are_copies_and_unknown_presets_name_the_valid_ones():
    workload = declare()
    workload.cases("quick")[0]["n"] = 99
    assert workload.cases("quick") == [{"n": 1}]
    with pytest.raises(WorkloadError, match="choose from: quick, default, full"):
        workload.cases("huge")


def test_quick_case_for_keeps_the_most_non_size_parameters():
    quick = [{"n": 1, "algorithm": "tuned", "op": "sum"}, {"n": 2, "algorithm": "naive", "op": "sum"}]
    presets = {"quick": quick, "default": [{"n": 9}], "full": [{"n": 9}]}
    workload = declare(presets=presets, parameters={"n": "size"}, size_parameters=("n",))
    naive = workload.quick_case_for({"n": 1000, "algorithm": "naive", "op": "max", "seed": 3})
    assert naive == {"n": 2, "algorithm": "naive", "op": "sum", "seed": 3}
    assert workload.quick_case_for({"n": 1000})["algorithm"] == "tuned"  # ties: the first


def test_backends_come_in_canonical_order():
    workload = declare(implementations={"cuda": "a", "python": "b", "numpy": "c"})
    assert workload.backends == ["python", "numpy", "cuda"]


@pytest.fixture
def package(tmp_path, monkeypatch, request):
    """A fresh package on sys.path, named after the test; write modules into it with ``add``."""
    name = "pkg_" + request.node.name.removeprefix("test_")[:40]
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def add(module: str, source: str) -> str:
        (folder / module).write_text(source)
        return name

    return add


WORKLOAD_WITHOUT_PATHS = """
from harness.core.workload import Comparison, Workload

WORKLOAD = Workload(
    name="conventional",
    description="d",
    presets={"quick": [{"n": 1}], "default": [{"n": 1}], "full": [{"n": 1}]},
    make_inputs=lambda params: params["n"],
    comparison=Comparison.exact(),
    implementations={OVERRIDES},
)
"""


def declare_in_package(package, overrides: str = "") -> Workload:
    """A workload declared in the package's own ``__init__``, with no paths but ``overrides``."""
    name = package("__init__.py", WORKLOAD_WITHOUT_PATHS.replace("OVERRIDES", overrides))
    return importlib.import_module(name).WORKLOAD


def test_backends_default_to_the_conventional_modules_of_the_declaring_package(package):
    for module in ("numpy_impl.py", "python_impl.py", "helpers.py"):
        package(module, "def prepare(inputs, params, steps): ...\n")
    package("cython_impl.pyx", "def prepare(inputs, params, steps): pass\n")
    workload = declare_in_package(package)
    name = workload.package
    assert name.startswith("pkg_backends_default")
    assert workload.implementations == {
        "python": f"{name}.python_impl",
        "numpy": f"{name}.numpy_impl",
        "cython": f"{name}.cython_impl",
    }
    assert workload.backends == ["python", "numpy", "cython"]
    with pytest.raises(BackendUnavailable, match=rf"has no numba implementation \(no module {name}\.numba_impl\)"):
        workload.load("numba")


def test_an_explicit_path_overrides_the_conventional_one(package):
    package("numpy_impl.py", "def prepare(inputs, params, steps): ...\n")
    package("other.py", "def prepare(inputs, params, steps): ...\n")
    name = package("python_impl.py", "def prepare(inputs, params, steps): ...\n")
    workload = declare_in_package(package, f"'python': '{name}.other'")
    assert workload.implementations == {"python": f"{name}.other", "numpy": f"{name}.numpy_impl"}


def test_a_workload_declared_outside_a_package_has_only_its_named_paths():
    assert declare().package == ""
    assert declare().implementations == {"numpy": "nowhere.numpy_impl"}


def test_a_path_that_names_no_module_is_an_implementation_error_with_a_hint():
    with pytest.raises(ImplementationError, match=r"'nowhere\.numpy_impl' cannot be found: .*package-qualified"):
        declare().load("numpy")
    with pytest.raises(BackendUnavailable, match="no cython implementation"):
        declare().load("cython")


def test_an_unqualified_path_suggests_the_qualified_one(package, monkeypatch):
    name = package("numpy_impl.py", "def prepare(inputs, params, steps): ...\n")
    workload = declare(implementations={"numpy": "numpy_impl"})
    monkeypatch.setattr(importlib.import_module(name), "WORKLOAD", workload, raising=False)
    with pytest.raises(ImplementationError, match=rf"package-qualified; did you mean '{name}\.numpy_impl'\?"):
        workload.load("numpy")


def test_missing_cython_extension_of_an_installed_package_says_how_to_build_it(package, monkeypatch):
    name = package("fast_impl.pyx", "def prepare(inputs, params, steps): pass\n")
    monkeypatch.setattr(implementations, "INSTALLED_PACKAGES", (name,))
    workload = declare(implementations={"numpy": "x", "cython": f"{name}.fast_impl"})
    with pytest.raises(BackendUnavailable, match=r"not built: run `pip install -e \.`"):
        workload.load("cython")


def test_a_module_importing_what_does_not_exist_is_an_implementation_error(package):
    name = package("numpy_impl.py", "import no_such_module_anywhere\n")
    with pytest.raises(ImplementationError, match="No module named 'no_such_module_anywhere'"):
        declare(implementations={"numpy": f"{name}.numpy_impl"}).load("numpy")


def test_a_module_importing_a_missing_name_is_an_implementation_error(package):
    name = package("numpy_impl.py", "from numpy import no_such_function\n")
    with pytest.raises(ImplementationError, match="cannot import name 'no_such_function'"):
        declare(implementations={"numpy": f"{name}.numpy_impl"}).load("numpy")


def test_a_missing_optional_dependency_makes_the_backend_unavailable(package):
    source = "raise ModuleNotFoundError(\"No module named 'numba'\", name='numba')\n"
    name = package("numba_impl.py", source)
    with pytest.raises(BackendUnavailable, match="needs numba, which is not installed: pip install numba"):
        declare(implementations={"numpy": "x", "numba": f"{name}.numba_impl"}).load("numba")


def test_a_module_without_prepare_is_an_implementation_error(package):
    name = package("numpy_impl.py", "x = 1\n")
    with pytest.raises(ImplementationError, match="defines no prepare"):
        declare(implementations={"numpy": f"{name}.numpy_impl"}).load("numpy")


def test_a_users_pyx_is_compiled_on_first_use(package, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CYTHON_CACHE", str(tmp_path / "cache"))
    source = "cpdef long triple(long n):\n    return 3 * n\n\ndef prepare(inputs, params, steps):\n    pass\n"
    package("numpy_impl.py", "")
    name = package("cython_impl.pyx", source)
    module = declare_in_package(package).load("cython")
    assert module.__name__ == f"{name}.cython_impl"
    assert module.triple(14) == 42
    assert str(tmp_path / "cache") in module.__file__


def test_a_users_pyx_that_does_not_compile_is_an_implementation_error(package, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CYTHON_CACHE", str(tmp_path / "cache"))
    package("numpy_impl.py", "")
    package("cython_impl.pyx", "cdef int x = 'not an int'\n")
    with pytest.raises(ImplementationError, match=r"cython_impl\.pyx as .*cython_impl failed"):
        declare_in_package(package).load("cython")


def test_a_users_pyx_without_a_c_compiler_is_unavailable(package, monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-anywhere")
    package("numpy_impl.py", "")
    package("cython_impl.pyx", "def prepare(inputs, params, steps): pass\n")
    with pytest.raises(BackendUnavailable, match=r"no C compiler .* install one \(e\.g\. gcc\) or set CC"):
        declare_in_package(package).load("cython")


def test_a_lower_precision_must_be_a_known_float():
    assert Comparison.tolerance(rtol=1e-6, reason="float32 on the device", precision="float32").precision == "float32"
    assert Comparison.tolerance(rtol=1e-6, reason="r", precision="float32").to_json()["precision"] == "float32"
    assert "precision" not in Comparison.exact().to_json()
    with pytest.raises(WorkloadError, match="unknown precision 'float31'; choose from: float16, float32, float64"):
        Comparison.tolerance(rtol=1e-6, reason="r", precision="float31")


def test_step_timer_times_named_steps_with_a_fake_clock():
    ticks = iter([0.0, 1.5, 2.0, 2.25, 10.0, 10.5])
    steps = StepTimer(clock=lambda: next(ticks))
    with steps("compile"):
        pass
    with steps("transfer"):
        pass
    with steps("compile"):
        pass
    assert steps.seconds == {"compile": 2.0, "transfer": 0.25}


def test_kernel_fetch_defaults_to_identity():
    kernel = Kernel(call=lambda: 3)
    assert kernel.fetch(kernel.call()) == 3
    assert kernel.time_loops is None
