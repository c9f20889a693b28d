"""glibc's vector math (libmvec) for Numba's lanes loop: the functions GCC calls in the c and
cython lanes, offered to LLVM's loop vectoriser.

Numba gives LLVM a vector math library only where Intel's SVML is installed (and the
llvmlite wheels are built without SVML support), and LLVM's ``-vector-library`` option
does not reach the pass pipeline Numba runs. So a loop calling ``math.tanh`` is either
left scalar or vectorised with the call split into one libm call per lane.

LLVM has a second way in, the one Clang's ``#pragma omp declare simd`` uses: a call
carrying the attribute ``vector-function-abi-variant`` names a vector version of its
callee, and the loop vectoriser calls that version on whole vectors. ``lane_exp``,
``lane_log``, ``lane_tanh`` and ``lane_pow`` are Numba intrinsics that emit such calls:

- the scalar callee is libm's function under a name of the harness's own
  (``harness_lane_tanh``, registered with ``llvmlite.binding.add_symbol``). Called
  ``tanh``, LLVM recognises the library function and turns the call into its own
  ``llvm.tanh`` intrinsic, whose vector form is split back into scalar calls;
- the call is marked ``memory(none)`` and ``nounwind``: libm's functions set errno, which
  the generated code never reads, as the c build's ``-fno-math-errno`` says;
- the vector version (``_ZGVeN8v_tanh`` on AVX-512, ``_ZGVdN4v_tanh`` on AVX2, the x86
  vector ABI's names) is declared in the module and listed in ``llvm.compiler.used``, so
  that it is still declared when the vectoriser looks for it.

Where libmvec or one of its functions is missing, or Numba compiles for a CPU other than
this one (``NUMBA_CPU_NAME``), ``unavailable_reason`` says why and the lanes use
``math.exp`` and the rest: the same loop, vectorised or not as LLVM decides.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic

from harness.core.c_build import VECTOR_MATH_FUNCTIONS

# The functions and their arity: the c and cython lanes' list.
FUNCTIONS = VECTOR_MATH_FUNCTIONS
LIBMVEC = "libmvec.so.1"
SCALAR_PREFIX = "harness_lane_"
# The x86 vector function ABI's ISA letters, widest first: (LLVM host feature, letter, doubles)
ISAS = (("avx512f", "e", 8), ("avx2", "d", 4), ("avx", "c", 4), ("sse2", "b", 2))


def vector_name(isa: str, width: int, name: str) -> str:
    """The vector ABI's name of ``name`` on ``isa``: ``_ZGVeN8v_tanh``, ``_ZGVdN4vv_pow``."""
    return f"_ZGV{isa}N{width}{'v' * FUNCTIONS[name]}_{name}"


@functools.cache
def target() -> tuple[str, int] | str:
    """(ISA letter, doubles per vector) of the vector versions this process can call, or why none."""
    if config.CPU_NAME not in (None, "host"):
        return f"Numba compiles for NUMBA_CPU_NAME={config.CPU_NAME}, not for this CPU"
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return "the x86-64 vector ABI needs a 64-bit process"
    features = llvm.get_host_cpu_features()
    isa = next(((letter, width) for feature, letter, width in ISAS if features.get(feature)), None)
    if isa is None:
        return "the CPU has none of the instruction sets the x86-64 vector ABI names (SSE2 to AVX-512)"
    try:
        llvm.load_library_permanently(LIBMVEC)
    except RuntimeError as error:
        return f"cannot load {LIBMVEC} (glibc's vector math): {error}"
    missing = [vector_name(*isa, name) for name in FUNCTIONS if not llvm.address_of_symbol(vector_name(*isa, name))]
    if missing:
        return f"{LIBMVEC} lacks {', '.join(missing)} (tanh came in glibc 2.35)"
    libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    for name in FUNCTIONS:
        llvm.add_symbol(SCALAR_PREFIX + name, ctypes.cast(getattr(libm, name), ctypes.c_void_p).value)
    return isa


def unavailable_reason() -> str | None:
    """Why the lanes cannot call libmvec from Numba here, or None when they can."""
    found = target()
    return found if isinstance(found, str) else None


def _declarations(module: Any, isa: str, width: int) -> dict[str, tuple[Any, str]]:
    """Every function's scalar callee and vector version's name in ``module``; the first call
    also lists the vector versions in the module's ``llvm.compiler.used``."""
    double, vector = ir.DoubleType(), ir.VectorType(ir.DoubleType(), width)
    found = {}
    for name, arity in FUNCTIONS.items():
        scalar = cgutils.get_or_insert_function(module, ir.FunctionType(double, [double] * arity), SCALAR_PREFIX + name)
        vector_function = cgutils.get_or_insert_function(
            module, ir.FunctionType(vector, [vector] * arity), vector_name(isa, width, name))
        found[name] = (scalar, vector_function)
    if "llvm.compiler.used" not in module.globals:  # Numba itself sets none
        pointer = ir.PointerType(ir.IntType(8))
        kept = ir.ArrayType(pointer, len(found))
        used = ir.GlobalVariable(module, kept, "llvm.compiler.used")
        used.linkage, used.section = "appending", "llvm.metadata"
        used.initializer = ir.Constant(kept, [function.bitcast(pointer) for _, function in found.values()])
    return {name: (scalar, vector_function.name) for name, (scalar, vector_function) in found.items()}


def _intrinsic(name: str) -> Any:
    """A Numba intrinsic calling libm's ``name`` with its vector version named for the vectoriser."""
    arity = FUNCTIONS[name]

    def codegen(context: Any, builder: Any, signature: Any, arguments: Any) -> Any:
        isa, width = target()  # type: ignore[misc]  # the generated code imports these only where it is a tuple
        scalar, vector = _declarations(builder.module, isa, width)[name]
        call = builder.call(scalar, arguments)
        variant = f"_ZGV_LLVM_N{width}{'v' * arity}_{SCALAR_PREFIX}{name}({vector})"
        # llvmlite's attribute sets accept only the attributes it knows by name; a string
        # attribute is written into the IR as it is given
        for attribute in ("nounwind", "readnone", f'"vector-function-abi-variant"="{variant}"'):
            set.add(call.attributes, attribute)
        return call

    if arity == 1:
        def typer(typingctx: Any, x: Any) -> Any:
            return types.float64(types.float64), codegen
    else:
        def typer(typingctx: Any, x: Any, y: Any) -> Any:  # type: ignore[misc]
            return types.float64(types.float64, types.float64), codegen
    typer.__name__ = f"lane_{name}"
    return intrinsic(typer)


lane_exp = _intrinsic("exp")
lane_log = _intrinsic("log")
lane_tanh = _intrinsic("tanh")
lane_pow = _intrinsic("pow")

# Registered on import, not only when a lanes module is generated: code loaded from Numba's
# cache calls harness_lane_tanh and _ZGVeN8v_tanh, and the generated module imports this one
# before it loads any.
target()
