"""The ``c`` backend's kernels: plain C, compiled on first use by the system's compiler,
loaded with ctypes.

The ``c`` backend is the per-core ceiling the other backends are read against: each
workload's kernel written once in plain C, compiled at ``-O3`` for the machine it runs
on (``-march=native``, as Numba compiles for the host CPU) and called through ctypes,
the standard library's binding (a call costs about a microsecond, small next to the
kernels here). ``-ffp-contract=fast`` lets the compiler fuse a multiply and an add where
the CPU has FMA, as Numba's kernels do with ``fastmath={"contract"}``: a ceiling uses
what the core offers, and the answers differ from the reference by rounding only;
``-fno-trapping-math`` lets the compiler turn selects into vector compares (CPython runs
with floating-point traps off, so no result changes), as for the Cython tensor kernels.

The shared library goes into a cache folder named after the hash of everything the build
depends on (the source, the compiler's identity, the flags), so an unchanged source is a
load and a changed one a new build. A run gives each entry's processes a cache folder of
their own (``harness.run.entries.entry_environment``), as it does Numba's cache: a cold
construction compiles, and is timed with its compile, and the evaluation loads the build.
Without a C compiler the backend is unavailable, with the reason; a source that does not
compile is a bug (``CBuildError``, with the compiler's output).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.core.machine import cpu_flags_digest, cpu_model

CACHE_VARIABLE = "HARNESS_C_CACHE"
# How every compiled kernel of the harness is optimised: the c backend's, the Cython
# extensions' (setup.py, ``cython_build``) and the generated Cython of the scalar network,
# so that a column which changes the backend does not also change the compiler's flags.
OPTIMISE = ("-O3", "-march=native", "-ffp-contract=fast", "-fno-trapping-math")
FLAGS = (*OPTIMISE, "-fPIC", "-shared", "-std=c11")


# Tuning for a generic x86-64 instead of the host's family, keeping the host's split of
# fused multiply-add chains: for kernels whose inner loop reuses loaded values across many
# multiply-adds (matmul's tuned kernel). GCC 12 tunes ``-march=native`` on this Zen 4 for
# znver3, which folds a loaded value into every multiply-add that uses it (twenty loads a
# vector in matmul's 4x4 loop where eight do); generic tuning keeps them in registers,
# and ``avoid_fma_chains`` keeps znver's mul-then-add in latency-bound sums (the naive dot
# product). Only GCC on x86 takes ``-mtune-ctrl``: ``accepted`` drops the pair elsewhere,
# for the c kernel and the Cython extension alike. docs/performance.md has the figures.
GENERIC_TUNING = ("-mtune=generic", "-mtune-ctrl=avoid_fma_chains")
OPTIONAL_FLAGS = frozenset(GENERIC_TUNING)  # flags a kernel asks for where the compiler takes them


# glibc's vector math library (libmvec): SIMD versions of exp, log, tanh and pow, which GCC
# calls from a vectorised loop for a function declared ``simd``. glibc's math.h declares
# them so only under -ffast-math, which would also let GCC reorder sums; declared here,
# every other rounding stays as written. They differ from the scalar functions in accuracy
# and on special values (glibc's libmvec wiki): results move in the last bits, checked
# against each workload's tolerance like any other backend's. ``-fno-math-errno``: a call
# that may set errno has a side effect, which keeps it out of a vectorised loop.
VECTOR_MATH_FUNCTIONS = {"exp": 1, "log": 1, "tanh": 1, "pow": 2}  # name: argument count
VECTOR_MATH_FLAGS = ("-fno-math-errno",)
VECTOR_MATH_LIBRARIES = ("-lmvec",)
# Every library links libm by name. Where a shared library leaves ``exp`` unversioned,
# the loader binds it to glibc's oldest version (exp@GLIBC_2.2.5, a wrapper that checks
# the SVID error mode and then calls the real exp) instead of the one a linked library
# gets (exp@@GLIBC_2.29): setuptools links a Cython extension without ``-lm``. In the
# naive sigmoid that entry took 15.5% of Cython's samples against c's 11-13%; linked, the
# two call the same exp (the time over c's moved within its run-to-run range, 0.99-1.17).
MATH_LIBRARIES = ("m",)
MATH_LINK_ARGUMENTS = tuple(f"-l{name}" for name in MATH_LIBRARIES)


def vector_math_declarations() -> str:
    """C declarations that make the math functions callable from vectorised loops."""
    return "".join(
        f"double {name}({', '.join(['double'] * count)}) __attribute__((simd(\"notinbranch\")));\n"
        for name, count in VECTOR_MATH_FUNCTIONS.items()
    )


def cython_compile_args(module_args: list[str]) -> list[str]:
    """A Cython extension's compiler arguments: ``OPTIMISE``, then the module's own (its
    ``# distutils: extra_compile_args`` line), which therefore override them: GCC takes
    the last of two contrary flags (mandelbrot's ``-ffp-contract=off``). ``cythonize``
    itself puts a module's arguments first, ahead of the Extension's. A module's
    ``OPTIONAL_FLAGS`` stay only where the compiler accepts them (``accepted``)."""
    own = [argument for argument in module_args if argument not in OPTIMISE]
    optional = accepted(tuple(argument for argument in own if argument in OPTIONAL_FLAGS))
    return [*OPTIMISE, *(argument for argument in own if argument not in OPTIONAL_FLAGS or argument in optional)]


class CBuildError(RuntimeError):
    """A kernel's C source did not compile; the message holds what the compiler said."""


def compiler() -> str:
    return (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]


def compiler_unavailable_reason() -> str | None:
    """Why C cannot be compiled here, or None when it can."""
    if shutil.which(compiler()) is None:
        return (
            f"no C compiler ({compiler()!r} is not on the PATH), so the c backend's kernels cannot "
            "be compiled: install one (e.g. apt-get install gcc) or set CC"
        )
    return None


@cache
def compiler_identity() -> str:
    """The compiler's own description of itself (its version line): part of the cache key."""
    done = subprocess.run([compiler(), "--version"], capture_output=True, text=True, check=False, timeout=60)
    return done.stdout.splitlines()[0] if done.stdout else compiler()


@cache
def accepted(flags: tuple[str, ...]) -> tuple[str, ...]:
    """``flags`` if the compiler takes them all with ``OPTIMISE`` (a test compile of an
    empty file), else none: a kernel's optional flags, never its required ones."""
    if not flags or compiler_unavailable_reason():
        return ()
    with tempfile.TemporaryDirectory() as folder:
        c_file = Path(folder) / "empty.c"
        c_file.write_text("int harness_flags_probe;\n", encoding="utf-8")
        done = subprocess.run(
            [compiler(), *OPTIMISE, *flags, "-c", "-o", str(Path(folder) / "empty.o"), str(c_file)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    return flags if done.returncode == 0 else ()


@cache
def vector_math_unavailable_reason() -> str | None:
    """Why GCC cannot call vector math here (no compiler, no libmvec, or a glibc without
    one of ``VECTOR_MATH_FUNCTIONS``: tanh came in 2.35), or None when it can: a probe
    loop must compile to calls of every function's vector version and link.

    The answer is kept in the cache folder under a hash of what it depends on (the
    compiler, the CPU, the functions, flags and libraries), so the processes of one entry
    (its cold construction, then its pyperf workers) run the probe's two compiles once."""
    reason = compiler_unavailable_reason()
    if reason:
        return reason
    key = "\n".join((compiler(), compiler_identity(), host_target(), repr(VECTOR_MATH_FUNCTIONS),
                     *VECTOR_MATH_FLAGS, *VECTOR_MATH_LIBRARIES))
    path = cache_root() / f"vector-math-{hashlib.sha256(key.encode()).hexdigest()[:16]}.txt"
    try:
        answer = path.read_text(encoding="utf-8")
    except OSError:
        answer = _probe_vector_math()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(answer, encoding="utf-8")
        os.replace(temporary, path)  # atomic: two processes probing at once each write a whole answer
    return answer or None


def _probe_vector_math() -> str:
    """The probe itself: why vector math cannot be called, or "" when it can."""
    calls = " + ".join(f"{name}({', '.join(['x[i]'] * count)})" for name, count in VECTOR_MATH_FUNCTIONS.items())
    source = (
        "#include <math.h>\n" + vector_math_declarations()
        + "void probe(double *restrict y, const double *restrict x, int n)\n"
        + f"{{ for (int i = 0; i < n; i++) y[i] = {calls}; }}\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        c_file = Path(folder) / "probe.c"
        c_file.write_text(source, encoding="utf-8")
        for output, mode in (("probe.s", ["-S"]), ("probe.so", ["-fPIC", "-shared"])):
            done = subprocess.run(
                [compiler(), *OPTIMISE, *VECTOR_MATH_FLAGS, *mode, "-o", str(Path(folder) / output), str(c_file),
                 *VECTOR_MATH_LIBRARIES, *MATH_LINK_ARGUMENTS],
                capture_output=True, text=True, check=False, timeout=60,
            )
            if done.returncode != 0:
                return f"{compiler()} cannot build vector math calls with {' '.join(VECTOR_MATH_LIBRARIES)}: " + (
                    done.stderr.strip().splitlines() or ["no message"])[-1]
        assembly = (Path(folder) / "probe.s").read_text(encoding="utf-8", errors="replace")
        missing = [name for name in VECTOR_MATH_FUNCTIONS if f"_{name}" not in _vector_symbols(assembly)]
        if missing:
            return f"{compiler()} vectorised no call of {', '.join(missing)} (glibc's libmvec lacks them before 2.35)"
        try:
            ctypes.CDLL(str(Path(folder) / "probe.so"))
        except OSError as error:
            return f"a library calling libmvec does not load: {error}"
    return ""


def _vector_symbols(assembly: str) -> set[str]:
    """The vector math functions an assembly listing calls, as ``_<name>`` (from the vector
    ABI's mangled names, e.g. ``_ZGVeN8v_tanh``, ``_ZGVdN4vv_pow``)."""
    words = (word.split("@")[0] for word in assembly.replace(",", " ").split())
    return {"_" + word.split("_", 2)[2] for word in words if word.startswith("_ZGV") and word.count("_") >= 2}


def cache_root() -> Path:
    """Where builds go: ``$HARNESS_C_CACHE``, else ``~/.cache/hotloop-harness/c``."""
    explicit = os.environ.get(CACHE_VARIABLE)
    return Path(explicit) if explicit else Path.home() / ".cache" / "hotloop-harness" / "c"


def host_target() -> str:
    """The CPU ``-march=native`` compiles for: part of every cache key, so that a cache in
    a home folder shared between machines never hands one CPU another's instructions. The
    model (with family, model and stepping) and the instruction-set flags the kernel shows:
    a hypervisor can hide an extension of one CPU model on one machine and not another."""
    return f"{platform.machine()} {cpu_model()} isa {cpu_flags_digest()}"


def library_path(name: str, source: str, flags: tuple[str, ...] = (), libraries: tuple[str, ...] = ()) -> Path:
    digest = hashlib.sha256()
    for part in (name, source, compiler_identity(), host_target(), " ".join((*FLAGS, *flags, *libraries))):
        digest.update(part.encode())
    return cache_root() / f"{name}-{digest.hexdigest()[:16]}.so"


@cache
def load(name: str, source: str, flags: tuple[str, ...] = (), libraries: tuple[str, ...] = ()) -> ctypes.CDLL:
    """The compiled library of ``source`` (built on first use), loaded; ``flags`` come
    after ``FLAGS`` and override them (``("-ffp-contract=off",)``: no fused multiply-adds);
    ``libraries`` are linked ahead of libm (``VECTOR_MATH_LIBRARIES``)."""
    reason = compiler_unavailable_reason()
    if reason:
        raise CBuildError(reason)
    path = library_path(name, source, flags, libraries)
    if not path.exists():
        _build(name, source, path, flags, libraries)
    return ctypes.CDLL(str(path))


def _build(name: str, source: str, path: Path, flags: tuple[str, ...], libraries: tuple[str, ...]) -> None:
    """Compile into a temporary folder, then move the library into place (atomic: two
    processes building at once each install a whole library)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        c_file = Path(folder) / f"{name}.c"
        c_file.write_text(source, encoding="utf-8")
        built = Path(folder) / path.name
        done = subprocess.run(
            [compiler(), *FLAGS, *flags, "-o", str(built), str(c_file), *libraries, *MATH_LINK_ARGUMENTS],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise CBuildError(f"{name}: the C compiler failed:\n{done.stderr[-4000:]}")
        os.replace(built, path)


def build_info(flags: tuple[str, ...] = ()) -> dict[str, str]:
    """What a kernel's entry records of its build: the compiler's flags, as ``load`` used them."""
    return {"compiler_flags": " ".join((*FLAGS, *flags))}


@dataclass(frozen=True)
class BoundCall:
    """A C function with its arguments bound, as a kernel's ``call``: the arguments are
    addresses, so the arrays behind them are kept here for as long as the call lives."""

    function: Callable[..., object]
    arguments: tuple[object, ...]
    keep_alive: tuple[object, ...]  # the arrays whose addresses are among the arguments
    result: object  # what a call returns (the output array the function fills)

    def __call__(self) -> object:
        if self.function(*self.arguments):
            raise MemoryError(f"{getattr(self.function, '__name__', 'the C kernel')} could not allocate its buffers")
        return self.result
