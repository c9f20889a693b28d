"""The workload protocol: what a workload declares, and the shape every backend offers.

A workload is a package exposing ``WORKLOAD = Workload(...)`` in its ``__init__``. Its
implementations live in one module per backend, ``<package>.<backend>_impl`` unless the
workload names another path; each module defines

    def prepare(inputs, params, steps) -> Kernel

which does whatever one-off work that backend needs (JIT compile, device transfer, code
generation), timing named sub-steps with ``with steps("name"): ...``, and returns a Kernel
whose ``call()`` is one evaluation. The harness times everything else: making inputs,
importing the module, ``prepare``, the first call, and the steady state.

Importing this module is cheap: implementation modules are only imported when a backend
is actually run, so a missing optional dependency makes that backend unavailable instead
of breaking start-up.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from harness.core.cython_build import CythonBuildError, build_unavailable_reason
from harness.core.cython_build import load as load_compiled
from harness.core.implementations import (
    built_at_install,
    conventional_implementations,
    cython_source,
    declaring_package,
    defining_package,
    missing_optional_dependency,
    names_the_module,
    no_implementation_message,
    not_built_message,
    unfound_path_message,
)
from harness.core.json_fields import JSONOut
from harness.core.parameters import ParameterError, ParameterType, check_case, inferred_type, plain_case

BACKENDS: tuple[str, ...] = ("python", "numpy", "c", "cython", "numba", "numba_parallel", "cuda")
REQUIRED_PRESETS: tuple[str, ...] = ("quick", "default", "full")

Params = Mapping[str, Any]


class WorkloadError(ValueError):
    """A workload declaration is inconsistent."""


class InvalidParameter(WorkloadError):
    """A parameter value is of the wrong kind or outside the range its workload declares."""


class BackendUnavailable(RuntimeError):
    """A backend cannot run here; the message says why and what would fix it."""


class ImplementationError(RuntimeError):
    """A backend's module cannot be found or imported through the workload's own fault.

    Unlike BackendUnavailable (a documented optional piece is missing), this is a bug to
    fix: a wrong implementation path, or a module that imports what does not exist.
    """


PRECISIONS: tuple[str, ...] = ("float16", "float32", "float64")


@dataclass(frozen=True)
class Comparison:
    """How a backend's result is compared with the reference result.

    ``rtol == atol == 0`` means exact equality. A tolerance always carries the reason it
    is needed (reassociated sums, fused multiply-add, float32 on the device...).

    ``precision`` is for a backend that computes in lower precision than the reference
    (a GPU kernel in float32 against a float64 reference): the lowest floating-point
    precision its results may have, by dtype name. Without it a result less precise than
    the reference is refused, since a float32 result that happens to round close enough
    would otherwise pass a float64 check unnoticed.
    """

    rtol: float = 0.0
    atol: float = 0.0
    reason: str = ""
    precision: str | None = None

    def __post_init__(self) -> None:
        if self.precision is not None and self.precision not in PRECISIONS:
            raise WorkloadError(f"unknown precision {self.precision!r}; choose from: {', '.join(PRECISIONS)}")

    @classmethod
    def exact(cls, reason: str = "") -> Comparison:
        return cls(0.0, 0.0, reason)

    @classmethod
    def tolerance(cls, *, rtol: float, atol: float = 0.0, reason: str, precision: str | None = None) -> Comparison:
        """A tolerance and why it is needed; ``precision="float32"`` accepts float32 results too."""
        if not reason:
            raise WorkloadError("a tolerance must say why it is needed (reason=...)")
        return cls(rtol, atol, reason, precision)

    @property
    def is_exact(self) -> bool:
        return self.rtol == 0.0 and self.atol == 0.0

    def to_json(self) -> JSONOut:
        kind = "exact" if self.is_exact else "tolerance"
        data: JSONOut = {"kind": kind, "rtol": self.rtol, "atol": self.atol, "reason": self.reason}
        if self.precision is not None:
            data["precision"] = self.precision
        return data


@dataclass(frozen=True)
class OutsideReference:
    """A figure from outside this project that a case's result must reproduce.

    Agreement between backends proves they are consistent, not that they are right: every
    backend can agree on wrong inputs. An outside reference is a published figure, a
    closed form or the output of an independent program, with its source, and a result
    that misses it is a wrong result whatever the other backends say.

    case:      the parameter values a case must have for this reference to apply (an
               empty mapping applies to every case)
    quantity:  what is compared, in words ("sum of the escape counts")
    expected:  the figure, or ``params -> figure`` for a closed form
    summarise: the fetched result -> the figure observed
    source:    where the figure comes from, precisely enough to check it
    rtol:      relative tolerance; 0 means exact (a non-zero one needs ``reason``)
    """

    case: Mapping[str, Any]
    quantity: str
    expected: float | Callable[[Params], float]
    summarise: Callable[[Any], float]
    source: str
    rtol: float = 0.0
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.source:
            raise WorkloadError(f"an outside reference for {self.quantity!r} must name its source")
        if self.rtol and not self.reason:
            raise WorkloadError(f"the tolerance of the outside reference {self.quantity!r} must say why")

    def applies_to(self, params: Params) -> bool:
        return all(params.get(name) == value for name, value in self.case.items())

    def expected_for(self, params: Params) -> float:
        return float(self.expected(params) if callable(self.expected) else self.expected)


@dataclass(frozen=True)
class Work:
    """Work done by one call, so that rates can be reported (``amount / seconds``).

    ``unit`` is a base unit: ``"FLOP"``, ``"B"`` (bytes moved), ``"points"``...
    """

    amount: float
    unit: str


def _identity(value: Any) -> Any:
    return value


@dataclass
class Kernel:
    """A backend made ready to evaluate: what ``prepare`` returns.

    call:       one evaluation, the thing that is timed.
    fetch:      turns call's return value into host data (NumPy arrays, or a dict or
                tuple of them) for the correctness check; not timed in evaluation.
    time_loops: optional custom timer ``loops -> seconds`` for devices whose work is
                asynchronous (CUDA events); by default the harness times ``call`` with
                ``time.perf_counter``.
    info:       facts about how it ran (device name, block size...) stored in the entry.
    """

    call: Callable[[], object]
    fetch: Callable[[Any], Any] = _identity
    time_loops: Callable[[int], float] | None = None
    info: dict[str, Any] = field(default_factory=dict)


Clock = Callable[[], float]


class StepTimer:
    """Times named construction steps. The clock is a parameter so tests can fake it."""

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = self.clock()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + (self.clock() - start)


@dataclass(frozen=True)
class Workload:
    """Everything the harness needs to list, check, run and report a workload.

    presets:         preset name -> list of parameter sets ("cases"). ``quick`` runs in
                     seconds (tests, CI), ``default`` is what ``nox -s bench`` runs,
                     ``full`` is a scaling study over sizes. More presets are welcome.
    make_inputs:     params -> inputs, deterministic (seeded), shared by every backend.
    implementations: backend name -> module path of the module defining ``prepare``. A
                     backend not named here is ``<package>.<backend>_impl`` when that
                     module (for cython, a compiled module or its ``.pyx``) exists, and
                     absent otherwise; after construction this holds every backend found.
    comparison:      how results are compared with the reference backend's result.
    reference:       the backend whose result is the reference (``numpy`` by default).
    work:            (params, inputs) -> Work per call, where a rate is meaningful.
    parameters:      parameter name -> what it means (shown by ``harness list``).
    comparisons:     per-backend overrides of ``comparison`` (each with its reason).
    size_parameters: the parameters that make a case bigger (``n``, ``elements``); scaling
                     fits group cases by every other parameter and walk along these.
    outside_references: figures from outside the project that the cases they apply to
                     must reproduce, checked on every backend beside the reference.
    parameter_types: optional parameter name -> ``ParameterType`` (kind, valid range or
                     choices); overrides and preset cases are checked against it before
                     any entry runs. Undeclared parameters take the kind of their preset
                     values (see ``harness.core.parameters``).
    package:         where conventional implementation modules are looked for; by
                     default the package of the module that writes ``Workload(...)``.
    """

    name: str
    description: str
    presets: Mapping[str, Sequence[Mapping[str, Any]]]
    make_inputs: Callable[[Params], object]
    comparison: Comparison
    implementations: Mapping[str, str] = field(default_factory=dict)
    reference: str = "numpy"
    work: Callable[[Params, Any], Work] | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    comparisons: Mapping[str, Comparison] = field(default_factory=dict)
    size_parameters: Sequence[str] = ()
    outside_references: Sequence[OutsideReference] = ()
    parameter_types: Mapping[str, ParameterType] = field(default_factory=dict)
    package: str = ""

    def __post_init__(self) -> None:
        self._fill_implementations()
        unknown = sorted(set(self.implementations) - set(BACKENDS))
        if unknown:
            raise WorkloadError(
                f"workload {self.name!r} names unknown backends {unknown}; "
                f"choose from: {', '.join(BACKENDS)}"
            )
        missing = [p for p in REQUIRED_PRESETS if p not in self.presets]
        if missing:
            raise WorkloadError(f"workload {self.name!r} lacks the presets {missing}")
        empty = [p for p, cases in self.presets.items() if not cases]
        if empty:
            raise WorkloadError(f"workload {self.name!r} has empty presets {empty}")
        undeclared = [p for p in self.size_parameters if p not in self.parameters]
        if undeclared:
            raise WorkloadError(
                f"workload {self.name!r}: size parameters {undeclared} are not among its "
                f"parameters; choose from: {', '.join(self.parameters)}"
            )
        if self.reference not in self.implementations:
            raise WorkloadError(
                f"workload {self.name!r}: reference backend {self.reference!r} "
                "has no implementation"
            )
        typed_unknown = sorted(set(self.parameter_types) - set(self.parameters))
        if typed_unknown:
            raise WorkloadError(
                f"workload {self.name!r}: parameter_types names {typed_unknown}, which are not among its "
                f"parameters; choose from: {', '.join(self.parameters)}"
            )

    def _fill_implementations(self) -> None:
        """Add the conventional ``<package>.<backend>_impl`` of each backend not named explicitly."""
        package = self.package or declaring_package(__name__)
        unnamed = [backend for backend in BACKENDS if backend not in self.implementations]
        found = conventional_implementations(package, unnamed) if package else {}
        object.__setattr__(self, "package", package)  # frozen: set once, while constructing
        object.__setattr__(self, "implementations", {**found, **self.implementations})

    @property
    def backends(self) -> list[str]:
        """This workload's backends, in the canonical order."""
        return [b for b in BACKENDS if b in self.implementations]

    def cases(self, preset: str) -> list[dict[str, Any]]:
        if preset not in self.presets:
            raise WorkloadError(
                f"workload {self.name!r} has no preset {preset!r}; "
                f"choose from: {', '.join(self.presets)}"
            )
        return [plain_case(case) for case in self.presets[preset]]

    def parameter_type(self, name: str) -> ParameterType | None:
        """The declared type of ``name``, else the kind its preset values share (None if mixed)."""
        if name in self.parameter_types:
            return self.parameter_types[name]
        return inferred_type(case[name] for cases in self.presets.values() for case in cases if name in case)

    def check_params(self, params: Params) -> None:
        """Raise ``ParameterError`` (a ``WorkloadError``) when a value is of the wrong kind or range."""
        types = {name: kind for name in params if (kind := self.parameter_type(name)) is not None}
        try:
            check_case(self.name, params, types)
        except ParameterError as error:
            raise InvalidParameter(str(error)) from None

    def outside_references_for(self, params: Params) -> list[OutsideReference]:
        return [r for r in self.outside_references if r.applies_to(params)]

    def quick_case_for(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` brought down to a ``quick`` case, for measurements too slow at full size.

        The quick case taken is the first that agrees with ``params`` on the most
        parameters other than the size parameters, so that a smaller stand-in keeps what
        the case is about (its algorithm, op, layout) where a quick case has it.
        """

        def agreement(case: Mapping[str, Any]) -> int:
            return sum(case.get(name) == value for name, value in params.items() if name not in self.size_parameters)

        closest = max(self.cases("quick"), key=agreement)  # max keeps the first of equals
        return {**params, **closest}

    def comparison_for(self, backend: str) -> Comparison:
        return self.comparisons.get(backend, self.comparison)

    def load(self, backend: str) -> ModuleType:
        """Import the backend's implementation module.

        Raises BackendUnavailable when a documented optional piece is missing (see
        ``harness.core.implementations``), ImplementationError when the workload is at fault.
        """
        if backend not in self.implementations:
            raise BackendUnavailable(no_implementation_message(self.name, self.package, backend))
        module_name = self.implementations[backend]
        module = self._import(backend, module_name)
        if not callable(getattr(module, "prepare", None)):
            raise ImplementationError(f"{module_name} defines no prepare(inputs, params, steps)")
        return module

    def _import(self, backend: str, module_name: str) -> ModuleType:
        """The backend's module; a user's ``.pyx`` not yet compiled is compiled now (``harness.core.cython_build``)."""
        try:
            return importlib.import_module(module_name)
        except ImportError as error:
            unbuilt = backend == "cython" and names_the_module(module_name, error)
            source = cython_source(module_name) if unbuilt else None
            if source is None or built_at_install(module_name):
                raise self._import_failure(backend, module_name, error) from error
        return compiled_on_first_use(module_name, source)

    def _import_failure(self, backend: str, module_name: str, error: ImportError) -> Exception:
        """BackendUnavailable for a missing optional piece; ImplementationError otherwise."""
        if names_the_module(module_name, error):
            if backend == "cython" and cython_source(module_name) is not None:
                return BackendUnavailable(not_built_message(module_name))
            return ImplementationError(unfound_path_message(backend, module_name, defining_package(self)))
        dependency = missing_optional_dependency(error)
        if dependency:
            return BackendUnavailable(f"{module_name} needs {dependency}")
        if isinstance(error, ModuleNotFoundError):
            return ImplementationError(f"{module_name} imports a module that does not exist: {error}")
        return ImplementationError(f"importing {module_name} raised {type(error).__name__}: {error}")


def compiled_on_first_use(module_name: str, source: Path) -> ModuleType:
    """A user's Cython module built from ``source`` (or loaded from the build cache).

    BackendUnavailable without Cython or a C compiler; ImplementationError when the
    ``.pyx`` does not compile, which is the workload's own fault.
    """
    reason = build_unavailable_reason()
    if reason:
        raise BackendUnavailable(f"{module_name}: {reason}")
    try:
        return load_compiled(module_name, source)
    except CythonBuildError as error:
        raise ImplementationError(str(error)) from error
