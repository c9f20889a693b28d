"""Every compiled kernel is optimised alike: the c backend's C, the Cython extensions
(setup.py, user workloads' ``cython_impl.pyx``) and the scalar network's generated
Cython, so that a column which changes the backend does not also change the flags; and
every entry builds in caches of its own, so its cold construction includes its compile."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core import c_build, cython_build
from harness.run.entries import entry_environment
from workloads.lib.scalar_graph import build_cache

ROOT = Path(__file__).resolve().parent.parent
MANDELBROT = ROOT / "workloads" / "mandelbrot" / "cython_impl.pyx"


def test_the_c_backend_compiles_with_the_shared_flags() -> None:
    assert c_build.FLAGS[: len(c_build.OPTIMISE)] == c_build.OPTIMISE
    assert {"-O3", "-march=native"} <= set(c_build.OPTIMISE)


def test_a_modules_own_flags_come_after_the_shared_ones_and_win() -> None:
    # cythonize puts a module's ``# distutils:`` arguments ahead of the Extension's
    merged = ["-ffp-contract=off", *c_build.OPTIMISE]
    arguments = c_build.cython_compile_args(merged)
    assert arguments == [*c_build.OPTIMISE, "-ffp-contract=off"]
    assert c_build.cython_compile_args(list(c_build.OPTIMISE)) == list(c_build.OPTIMISE)


def test_cythonize_keeps_mandelbrots_no_contraction_flag_last() -> None:
    """What setup.py builds: mandelbrot without fused multiply-adds, as its c kernel is
    (with them its escape counts miss the talk's figure)."""
    from Cython.Build import cythonize
    from setuptools import Extension

    extension = Extension("workloads.mandelbrot.cython_impl", [str(MANDELBROT)],
                          extra_compile_args=list(c_build.OPTIMISE))
    (module,) = cythonize([extension], quiet=True, compiler_directives={"language_level": 3})
    arguments = c_build.cython_compile_args(module.extra_compile_args)
    assert arguments[-1] == "-ffp-contract=off"
    assert arguments.index("-ffp-contract=fast") < arguments.index("-ffp-contract=off")


MATMUL = ROOT / "workloads" / "matmul" / "cython_impl.pyx"


def _compiler_refusing(flag: str, folder: Path) -> str:
    """A stand-in C compiler: exits 1 when given ``flag``, else does nothing and succeeds."""
    script = folder / "fake-cc"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do [ "$a" = "{flag}" ] && exit 1; done\nexit 0\n')
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("refused", [None, "-mtune-ctrl=avoid_fma_chains", "-mtune=generic"])
def test_matmuls_tuning_is_kept_where_the_compiler_takes_it_and_dropped_whole_elsewhere(
    refused: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Matmul's c kernel and Cython extension ask for GENERIC_TUNING; a compiler that
    refuses either flag (clang, GCC off x86) builds both without the pair, never with half."""
    from Cython.Build import cythonize
    from setuptools import Extension

    monkeypatch.setenv("CC", _compiler_refusing(refused or "--none--", tmp_path))
    c_build.accepted.cache_clear()
    monkeypatch.setattr(c_build, "compiler_unavailable_reason", lambda: None)
    try:
        extension = Extension("workloads.matmul.cython_impl", [str(MATMUL)],
                              extra_compile_args=list(c_build.OPTIMISE))
        (module,) = cythonize([extension], quiet=True, compiler_directives={"language_level": 3})
        arguments = c_build.cython_compile_args(module.extra_compile_args)
        expected = () if refused else c_build.GENERIC_TUNING
        assert c_build.accepted(c_build.GENERIC_TUNING) == expected
        assert arguments == [*c_build.OPTIMISE, *expected]
        # a module's required flags are never dropped, whatever the compiler says of them
        assert c_build.cython_compile_args(["-ffp-contract=off"])[-1] == "-ffp-contract=off"
    finally:
        c_build.accepted.cache_clear()


def test_the_c_matmul_records_the_tuning_it_was_built_with() -> None:
    from harness.core.workload import StepTimer
    from workloads.matmul import c_impl
    from workloads.matmul.inputs import make_inputs

    if c_build.compiler_unavailable_reason():
        pytest.skip("no C compiler")
    kernel = c_impl.prepare(make_inputs({"n": 4}), {}, StepTimer())
    flags, tuning = kernel.info["compiler_flags"].split(), c_build.accepted(c_build.GENERIC_TUNING)
    if tuning:
        assert flags[-len(tuning):] == list(tuning)
    else:
        assert not set(c_build.GENERIC_TUNING) & set(flags)


def test_setup_py_builds_with_the_shared_flags() -> None:
    text = (ROOT / "setup.py").read_text()
    assert "extra_compile_args=list(OPTIMISE)" in text
    assert "cython_compile_args(module.extra_compile_args)" in text


def test_the_generated_cython_compiles_with_the_shared_flags(tmp_path: Path) -> None:
    command = build_cache._compile_command(tmp_path / "m.c", tmp_path / "m.so")
    start = command.index(c_build.OPTIMISE[0])
    assert tuple(command[start:start + len(c_build.OPTIMISE)]) == c_build.OPTIMISE
    assert "-O2" not in command


@pytest.mark.parametrize("what", ["flags", "cpu", "isa"])
def test_every_build_cache_key_holds_the_flags_and_the_cpu(
    what: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cache in a home folder shared by two machines, or kept across a change of the
    flags, never hands back a library built for other ones."""
    source = tmp_path / "cython_impl.pyx"
    source.write_text("def f():\n    return 1\n")
    before = (c_build.library_path("k", "int f(void);"), cython_build.build_folder("m", source))
    if what == "flags":
        changed = (*c_build.OPTIMISE[:-1], "-fno-tree-vectorize")
        monkeypatch.setattr(c_build, "OPTIMISE", changed)
        monkeypatch.setattr(c_build, "FLAGS", (*changed, "-fPIC", "-shared", "-std=c11"))
        monkeypatch.setattr(cython_build, "OPTIMISE", changed)
    elif what == "cpu":
        monkeypatch.setattr(c_build, "cpu_model", lambda: "Another CPU")
    else:  # the same model with an instruction-set extension hidden
        monkeypatch.setattr(c_build, "cpu_flags_digest", lambda: "0123456789ab")
    after = (c_build.library_path("k", "int f(void);"), cython_build.build_folder("m", source))
    assert before[0] != after[0]
    assert before[1] != after[1]


def test_an_entrys_builds_go_into_its_own_cache(tmp_path: Path) -> None:
    shared = {c_build.CACHE_VARIABLE: "/shared/c", cython_build.CACHE_VARIABLE: "/shared/cython"}
    env = entry_environment(None, tmp_path / "cache-1", [], base=shared)
    assert env["NUMBA_CACHE_DIR"] == str(tmp_path / "cache-1")
    assert env[c_build.CACHE_VARIABLE] == str(tmp_path / "cache-1" / "c")
    assert env[cython_build.CACHE_VARIABLE] == str(tmp_path / "cache-1" / "cython")


def test_a_c_entry_compiles_in_its_cold_construction_and_loads_in_its_evaluation(tmp_path: Path) -> None:
    """The compiler, wrapped to log its calls, runs once for the entry (quick: one cold
    construction) and never in the evaluation's processes; a shared cache is not used."""
    real = shutil.which(c_build.compiler())
    if real is None:
        pytest.skip("no C compiler on the PATH: the c backend is unavailable here")
    calls = tmp_path / "compiler-calls.log"
    wrapper = tmp_path / "cc"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    output = tmp_path / "run.json"
    env = {**os.environ, "CC": str(wrapper), c_build.CACHE_VARIABLE: str(tmp_path / "shared")}
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--workload", "mandelbrot", "--backend", "c",
         "--preset", "quick", "--budget", "0.3", "--output", str(output)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (entry,) = json.loads(output.read_text())["entries"]
    assert entry["status"] == "ok"
    compiles = [line for line in calls.read_text().splitlines() if line != "--version"]
    assert len(compiles) == 1, compiles
    assert not (tmp_path / "shared").exists()


def test_vector_math_is_found_here_or_named_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe either finds every vector math function (glibc with libmvec, tanh since
    2.35) or says why not; a library that does not exist is reported, not linked."""
    reason = c_build.vector_math_unavailable_reason()
    assert reason is None or reason.strip()
    c_build.vector_math_unavailable_reason.cache_clear()
    monkeypatch.setattr(c_build, "VECTOR_MATH_LIBRARIES", ("-lno_such_vector_math",))
    try:
        missing = c_build.vector_math_unavailable_reason()
    finally:
        c_build.vector_math_unavailable_reason.cache_clear()
    if c_build.compiler_unavailable_reason() is None:
        assert missing is not None and "-lno_such_vector_math" in missing


def test_vector_symbols_are_read_from_the_vector_abis_names() -> None:
    listing = "\tcall\t_ZGVeN8v_tanh@PLT\n\tcall\t_ZGVdN4vv_pow\n\tcall\ttanh@PLT\n\tmovq _ZGV, %rax\n"
    assert c_build._vector_symbols(listing) == {"_tanh", "_pow"}


def test_vector_math_declarations_name_each_function_simd() -> None:
    lines = c_build.vector_math_declarations().splitlines()
    assert lines == [f"double {name}({', '.join(['double'] * count)}) __attribute__((simd(\"notinbranch\")));"
                     for name, count in c_build.VECTOR_MATH_FUNCTIONS.items()]


def test_the_generated_cython_takes_a_builds_own_flags_and_libraries(tmp_path: Path) -> None:
    command = build_cache._compile_command(tmp_path / "m.c", tmp_path / "m.so", c_build.VECTOR_MATH_FLAGS,
                                           c_build.VECTOR_MATH_LIBRARIES)
    flags_at = command.index(c_build.VECTOR_MATH_FLAGS[0])
    assert flags_at > command.index(c_build.OPTIMISE[-1])
    assert command[-len(c_build.VECTOR_MATH_LIBRARIES):] == list(c_build.VECTOR_MATH_LIBRARIES)


def test_the_vector_math_probe_runs_once_for_a_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An entry's processes share its cache folder: the first probes, the others read the
    answer; another folder (another entry) probes again."""
    if c_build.compiler_unavailable_reason():
        pytest.skip("no C compiler: the probe's answer is that reason, and nothing is kept")
    probes: list[int] = []

    def probe() -> str:
        probes.append(1)
        return "no vector math in this test"

    monkeypatch.setattr(c_build, "_probe_vector_math", probe)
    answers = []
    for folder in ("entry-1", "entry-1", "entry-2"):
        monkeypatch.setenv(c_build.CACHE_VARIABLE, str(tmp_path / folder))
        c_build.vector_math_unavailable_reason.cache_clear()  # a new process
        answers.append(c_build.vector_math_unavailable_reason())
    c_build.vector_math_unavailable_reason.cache_clear()
    assert answers == ["no vector math in this test"] * 3
    assert len(probes) == 2
