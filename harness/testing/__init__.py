"""Conformance checks that any workload gets for free: the workload protocol, tested.

Each ``check_*`` function raises ``ConformanceError`` saying what to fix, and returns
nothing when the workload conforms; a backend that cannot run here raises
``BackendUnavailable`` with its reason (a test skips on it). The checks:

- ``check_presets``: quick, default and full exist, each a non-empty list of dicts.
- ``check_parameters``: every preset parameter is declared in ``parameters``, every
  declared type is a ``ParameterType``, and every preset case passes its types.
- ``check_import_is_light``: importing the workload's package, in a fresh interpreter,
  imports no Numba, llvmlite, CUDA or Cython module: those belong in backend modules,
  imported only when that backend runs. A structural check, not a timing.
- ``check_inputs_are_deterministic``: ``make_inputs`` twice gives equal inputs.
- ``check_backend``: the backend's kernel is a ``Kernel``; ``fetch`` turns what ``call``
  returns into host data; that result passes the harness's own correctness check against
  the reference backend (``harness.core.correctness.compare`` under the workload's comparison) and
  every outside reference that applies to the case.

Run them with pytest through the ``harness.testing.pytest_plugin`` plugin (installed with the
package): a test module that imports the ready-made tests below gets them parametrized
over every workload, backend and quick-preset case found (``--harness-workload-dir``).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.core.backends import implementation_unavailable_reason
from harness.core.correctness import compare, flatten
from harness.core.parameters import ParameterType
from harness.core.workload import REQUIRED_PRESETS, BackendUnavailable, Kernel, StepTimer, Workload
from harness.run.construct import outside_checks

# Top-level modules a workload package must not import: each belongs to a backend module.
HEAVY_MODULES: tuple[str, ...] = ("numba", "llvmlite", "numba_cuda", "Cython", "cupy", "pyximport")

IMPORT_PROBE = """
import json, sys
sys.path[:0] = json.loads(sys.argv[2])
before = set(sys.modules)
__import__(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


class ConformanceError(AssertionError):
    """A workload breaks the protocol; the message says what to fix."""


# -- declarations -------------------------------------------------------------------------


def check_presets(workload: Workload) -> None:
    """quick, default and full exist; every preset is a non-empty list of dicts with string keys."""
    missing = [name for name in REQUIRED_PRESETS if name not in workload.presets]
    if missing:
        raise ConformanceError(f"{workload.name}: no presets {missing}; every workload has {list(REQUIRED_PRESETS)}")
    for name, cases in workload.presets.items():
        if isinstance(cases, (str, bytes)) or not isinstance(cases, Sequence) or not cases:
            raise ConformanceError(f"{workload.name}: preset {name!r} must be a non-empty list of cases (dicts)")
        for case in cases:
            if not isinstance(case, Mapping) or not all(isinstance(key, str) for key in case):
                raise ConformanceError(f"{workload.name}: preset {name!r} has a case that is not a dict: {case!r}")


def check_parameters(workload: Workload) -> None:
    """Every preset parameter is declared, types are ParameterTypes, and preset cases pass them."""
    used = {key for cases in workload.presets.values() for case in cases for key in case}
    undeclared = sorted(used - set(workload.parameters))
    if undeclared:
        raise ConformanceError(
            f"{workload.name}: presets use the undeclared parameters {undeclared}: "
            "describe each in Workload(parameters={...})"
        )
    for name, kind in workload.parameter_types.items():
        if not isinstance(kind, ParameterType):
            raise ConformanceError(f"{workload.name}: parameter_types[{name!r}] is a {type(kind).__name__}, "
                                   "not a harness.core.parameters.ParameterType")
    for preset in workload.presets:
        for case in workload.cases(preset):
            workload.check_params(case)  # raises InvalidParameter, which says which value and why


def package_folder(package: str) -> Path:
    """The folder that holds ``package``'s top-level package (a user's workload folder, say)."""
    top = importlib.import_module(package.partition(".")[0])
    return Path(top.__file__ or next(iter(top.__path__))).resolve().parent.parent


def check_import_is_light(package: str) -> None:
    """Importing ``package`` in a fresh interpreter imports none of ``HEAVY_MODULES``.

    The folder holding the package is put ahead of ``sys.path`` there, as the registry
    puts a user's workload folder.
    """
    entries = json.dumps([str(package_folder(package))])
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, package, entries],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if done.returncode != 0:
        raise ConformanceError(f"importing {package} failed:\n{done.stderr[-2000:]}")
    gained = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = sorted({name for name in gained if name.partition(".")[0] in HEAVY_MODULES})
    if heavy:
        raise ConformanceError(
            f"importing {package} imports {', '.join(heavy[:5])}{' ...' if len(heavy) > 5 else ''}: "
            "import backends' dependencies only in their <backend>_impl modules"
        )


# -- running ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as nested dicts, lists and arrays, so that two inputs can be compared."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value
    return plain(vars(value)) if hasattr(value, "__dict__") and not callable(value) else value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        equal_nan = a.dtype.kind in "fc" and b.dtype.kind in "fc"
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=equal_nan))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) or (a != a and b != b)  # NaN equals NaN here


def check_inputs_are_deterministic(workload: Workload, params: Mapping[str, Any]) -> None:
    """``make_inputs(params)`` twice gives equal inputs (seeded, never from the clock)."""
    if not same(plain(workload.make_inputs(dict(params))), plain(workload.make_inputs(dict(params)))):
        raise ConformanceError(
            f"{workload.name}: make_inputs({dict(params)}) gave different inputs twice: "
            "seed every random generator from the parameters"
        )


def fetched_result(workload: Workload, backend: str, params: Mapping[str, Any]) -> Any:
    """One call of ``backend`` on the case's inputs, through ``fetch``: what the harness checks.

    Raises BackendUnavailable (with the reason) for a backend that cannot run here.
    """
    reason = implementation_unavailable_reason(workload, backend)
    if reason:
        raise BackendUnavailable(reason)
    module = workload.load(backend)
    kernel = module.prepare(workload.make_inputs(dict(params)), dict(params), StepTimer())
    if not isinstance(kernel, Kernel):
        raise ConformanceError(f"{workload.implementations[backend]}.prepare returned a "
                               f"{type(kernel).__name__}, not a harness.core.workload.Kernel")
    result = kernel.fetch(kernel.call())
    not_numbers = [name for name, part in flatten(result).items() if part.dtype.kind not in "biufc"]
    if not_numbers:
        raise ConformanceError(
            f"{workload.name}/{backend}: fetch gave {', '.join(not_numbers)} as objects, not host data: "
            "fetch must return NumPy arrays or numbers (or dicts, lists and tuples of them), "
            "copying device arrays to the host"
        )
    return result


def check_backend(workload: Workload, backend: str, params: Mapping[str, Any], reference: Any = None) -> None:
    """The backend's fetched result passes the harness's check against the reference and outside figures.

    ``reference`` is the reference backend's fetched result, if already at hand.
    """
    result = fetched_result(workload, backend, params)
    if reference is None:
        reference = fetched_result(workload, workload.reference, params)
    check = compare(flatten(result), flatten(reference), workload.comparison_for(backend))
    if not check.passed:
        raise ConformanceError(f"{workload.name}/{backend} at {dict(params)} differs from "
                               f"{workload.reference}: {check.message}")
    missed = [o for o in outside_checks(workload, dict(params), result) if not o.passed]
    if missed:
        raise ConformanceError("; ".join(
            f"{workload.name}/{backend}: {o.quantity} is {o.observed}, not {o.expected} ({o.source})" for o in missed
        ))
