"""The package's layout: data flows down the layers, never back up, and no module imports
itself round a cycle.

Layers, lowest first: ``core`` (the workload protocol, the results model, the registry),
``run`` (planning and timing entries into results), then ``profiling``, ``report`` and
``regress`` side by side (each reads results; none imports another), and ``cli`` on top.
Every import counts, those inside functions too: an import placed in a function to hide
a cycle is still a cycle. An import inside a function needs its reason on its line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "harness"
LAYERS = {"core": 0, "run": 1, "profiling": 2, "regress": 2, "report": 3, "cli": 4, "testing": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, known: set[str]) -> Iterator[tuple[ast.stmt, str]]:
    """Every harness module an import statement names (``from a import b``: ``a.b`` when it is one)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = node.module
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            if target in known:
                yield node, target


def import_graph() -> dict[str, set[str]]:
    known = set(modules())
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {target for _, target in imported(tree, known) if target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a module to one in a higher layer, or in another package of the same layer."""
    wrong = []
    for source, targets in graph.items():
        for target in targets:
            low, high = layer(source), layer(target)
            if low and high and low != high and LAYERS[high] >= LAYERS[low]:
                wrong.append(f"{source} -> {target}")
    return sorted(wrong)


def unexplained_function_imports() -> list[str]:
    """Imports inside functions with no comment on their line saying why they are there."""
    found = []
    for name, path in modules().items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and "#" not in lines[node.lineno - 1]:
                    found.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return sorted(set(found))


def test_the_package_has_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_no_module_imports_from_a_higher_layer_or_a_sibling_package() -> None:
    assert upward_imports(import_graph()) == []


def test_every_import_inside_a_function_says_why() -> None:
    assert unexplained_function_imports() == []


# Where workloads written before the layers import from; each re-exports ``harness.core``'s module.
COMPATIBILITY = ("harness.cuda_timing", "harness.parameters", "harness.workload")


def test_every_module_but_the_entry_points_is_in_a_layer() -> None:
    entry_points = ("harness", "harness.__main__", *COMPATIBILITY)
    outside = [name for name in modules() if layer(name) is None and name not in entry_points]
    assert outside == []


@pytest.mark.parametrize("old", COMPATIBILITY)
def test_an_old_module_name_gives_the_core_modules_names_with_a_warning(old: str) -> None:
    graph = import_graph()
    assert graph[old] == {old.replace("harness.", "harness.core.")}
    code = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = importlib.import_module({old!r})\n"
        f"new = importlib.import_module({old.replace('harness.', 'harness.core.')!r})\n"
        "assert old.__all__ and all(getattr(old, n) is getattr(new, n) for n in old.__all__)\n"
        "assert [w.category.__name__ for w in caught] == ['DeprecationWarning'], caught\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_checks_find_a_cycle_and_an_upward_import() -> None:
    graph = {"harness.core.a": {"harness.run.b"}, "harness.run.b": {"harness.core.a"}, "harness.cli.c": set()}
    assert cycles(graph) == [["harness.core.a", "harness.run.b"]]
    assert upward_imports(graph) == ["harness.core.a -> harness.run.b"]
    sibling = {"harness.profiling.x": {"harness.regress.y"}}
    assert upward_imports(sibling) == ["harness.profiling.x -> harness.regress.y"]


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_is_over_400_lines(module: str) -> None:
    lines = modules()[module].read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{module} has {lines} lines"
