"""Line profiles with line_profiler, stored as plain JSON with their source lines.

Which functions: for the construction phase, the workload's ``make_inputs`` and the
functions beside it in its module, and the backend module's ``prepare``; for the
evaluation phase, the functions the backend's implementation module defines (or the
names it lists in ``PROFILE_FUNCTIONS``). Numba-jitted functions cannot be line-traced;
their ``py_func`` (the interpreted equivalent) is profiled in their place and labelled
so. CUDA kernels are not profiled (their Python body is not what runs on the device).

``function_lines`` turns line_profiler's ``LineStats`` into ``LineProfile`` records that
carry each line's source text, so a report can show them without the source tree.
"""

from __future__ import annotations

import importlib
import inspect
import linecache
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol, TypeGuard

from harness.core.profiles import LineProfile, ProfiledLine

PHASES = ("construction", "evaluation")
CYTHON_FUNCTION_TYPES = ("cython_function_or_method", "fused_cython_function")


class Dispatcher(Protocol):
    """What line profiling uses of a Numba dispatcher (njit, or a CUDA kernel)."""

    py_func: Callable[..., object]  # the interpreted equivalent: the same source, run by CPython


@dataclass(frozen=True)
class Target:
    """A function to line-profile, and how it is reached."""

    name: str
    function: Callable[..., object]
    interpreted_equivalent: bool = False  # a jitted function's py_func, patched in its place


@dataclass
class Targets:
    """The functions of one phase, and what could not be profiled (as notes)."""

    functions: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_cython_function(value: object) -> TypeGuard[Callable[..., object]]:
    return type(value).__name__ in CYTHON_FUNCTION_TYPES and hasattr(value, "__code__")


def is_jitted(value: object) -> TypeGuard[Dispatcher]:
    """A Numba dispatcher (njit, or a CUDA kernel): compiled, so not line-traceable."""
    return callable(value) and hasattr(value, "py_func") and type(value).__module__.startswith("numba")


def is_cuda_kernel(value: object) -> bool:
    return is_jitted(value) and "cuda" in type(value).__module__


def defined_in(value: object, module: ModuleType) -> bool:
    function = getattr(value, "py_func", value)
    return getattr(function, "__module__", None) == module.__name__


def module_targets(module: ModuleType, exclude: Iterable[str] = ("prepare",)) -> Targets:
    """The functions ``module`` defines (or lists in ``PROFILE_FUNCTIONS``), as targets."""
    names: Iterable[str] | None = getattr(module, "PROFILE_FUNCTIONS", None)
    explicit = names is not None
    candidates = list(names) if names is not None else [n for n in vars(module) if n not in set(exclude)]
    targets = Targets()
    for name in candidates:
        value = getattr(module, name, None)
        if value is None or not (explicit or defined_in(value, module)):
            continue
        _add_target(targets, name, value, module)
    return targets


def _add_target(targets: Targets, name: str, value: object, module: ModuleType) -> None:
    if is_cuda_kernel(value):
        targets.notes.append(
            f"{module.__name__}.{name} is a CUDA kernel: device code cannot be line-traced, and "
            "its Python body is not what runs on the GPU, so it is not line-profiled"
        )
    elif is_jitted(value):
        targets.functions.append(Target(name, value.py_func, interpreted_equivalent=True))
        targets.notes.append(
            f"{module.__name__}.{name} is Numba-jitted and cannot be line-traced; its line "
            f"profile is of {name}.py_func, the interpreted equivalent (same source run by "
            "CPython): it shows where the work is, not how long the compiled code takes"
        )
    elif is_cython_function(value) or inspect.isfunction(value):
        targets.functions.append(Target(name, value))
    elif type(value).__name__ == "builtin_function_or_method":
        targets.notes.append(
            f"{module.__name__}.{name} is compiled without line tracing (not a traced build)"
        )


def construction_targets(make_inputs: Callable[..., object], backend_module: ModuleType) -> Targets:
    """``make_inputs`` and the functions beside it, and the backend module's ``prepare``."""
    targets = Targets()
    inputs_module = importlib.import_module(make_inputs.__module__)
    for name, value in vars(inputs_module).items():
        if inspect.isfunction(value) and defined_in(value, inputs_module):
            targets.functions.append(Target(name, value))
    prepare = backend_module.prepare
    if is_cython_function(prepare) or inspect.isfunction(prepare):
        targets.functions.append(Target("prepare", prepare))
    else:
        targets.notes.append(f"{backend_module.__name__}.prepare is compiled without line tracing")
    return targets


def patch_interpreted(module: ModuleType, targets: Targets) -> None:
    """Put each jitted function's py_func in its module's globals, so callers reach it.

    Jitted helpers the module imports (not profiled themselves) are swapped for their
    ``py_func`` too, so the interpreted equivalent runs interpreted throughout: otherwise
    each helper call crosses into compiled code, and the first one compiles the helper,
    which the line profile would charge to the calling line.
    """
    interpreted = [target for target in targets.functions if target.interpreted_equivalent]
    for target in interpreted:
        setattr(module, target.name, target.function)
    if not interpreted:
        return
    for name, value in list(vars(module).items()):
        if is_jitted(value) and not is_cuda_kernel(value):
            setattr(module, name, value.py_func)


def function_lines(
    timings: Mapping[tuple[str, int, str], list[tuple[int, int, int]]],
    unit: float,
    phase: str,
    interpreted: Collection[tuple[str, int]] = (),
    display_file: Callable[[str], str] = str,
) -> list[LineProfile]:
    """LineStats timings -> LineProfile records with source, dropping functions never called.

    ``interpreted`` holds the (file, first_lineno) of functions that are interpreted
    equivalents; ``display_file`` maps a profiled file to the path to store.
    """
    profiles = []
    for (filename, first_lineno, name), rows in sorted(timings.items()):
        if not any(hits for _, hits, _ in rows):
            continue
        profiles.append(
            _one_function(filename, first_lineno, name, rows, unit, phase,
                          (filename, first_lineno) in interpreted, display_file(filename))
        )
    return profiles


def _one_function(
    filename: str,
    first_lineno: int,
    name: str,
    rows: list[tuple[int, int, int]],
    unit: float,
    phase: str,
    interpreted: bool,
    display: str,
) -> LineProfile:
    measured = {lineno: (hits, ticks * unit) for lineno, hits, ticks in rows}
    total = sum(seconds for _, seconds in measured.values())
    source = source_block(filename, first_lineno, max(measured))
    lines = []
    for lineno, text in source:
        hits, seconds = measured.get(lineno, (0, 0.0))
        lines.append(
            ProfiledLine(
                lineno=lineno,
                source=text,
                hits=hits,
                seconds=seconds,
                per_hit_seconds=seconds / hits if hits else None,
                percent=100.0 * seconds / total if total > 0 else 0.0,
            )
        )
    return LineProfile(name, phase, display, first_lineno, total, interpreted, lines)


def source_block(filename: str, first_lineno: int, last_measured: int) -> list[tuple[int, str]]:
    """The function's source lines: from its first line to the end of its indented block.

    Works on Python and Cython source alike (no tokenizer): the block runs at least to
    the last measured line, then on while lines are blank or indented deeper than the
    first line. Lines that cannot be read (no source file) come back empty.
    """
    all_lines = linecache.getlines(filename) or _read_lines(filename)
    if not all_lines:
        return [(n, "") for n in range(first_lineno, last_measured + 1)]
    indent = _indent(all_lines[first_lineno - 1]) if first_lineno <= len(all_lines) else 0
    end = min(max(first_lineno, last_measured), len(all_lines))
    while end < len(all_lines):
        following = all_lines[end]
        if following.strip() and _indent(following) <= indent:
            break
        end += 1
    while end > first_lineno and not all_lines[end - 1].strip():
        end -= 1
    return [(n, all_lines[n - 1].rstrip("\n")) for n in range(first_lineno, end + 1)]


def _read_lines(filename: str) -> list[str]:
    try:
        return Path(filename).read_text(errors="replace").splitlines(keepends=True)
    except OSError:
        return []


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
