"""The A/B check runs this tree's scripts inside a ref's tree; a ref from before the
harness's packages has its modules flat under ``harness/``, and the scripts' imports must
find them there."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from harness.regress.side_bootstrap import BOOTSTRAP, FLAT_LAYOUT

SCRIPT = """
import sys
from harness.cli.options import selected_plans
from harness.core.paths import ROOT
from harness.core.results import Run
from harness.run.kernels import build_kernel
print(selected_plans(), ROOT, Run, build_kernel(), sep="|")
"""


def flat_tree(root: Path) -> Path:
    """A tree laid out as the harness was before its packages: harness/cli.py, harness/results.py, ..."""
    package = root / "harness"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("ROOT = 'old root'\ndef selected_plans():\n    return 'old plans'\n")
    (package / "results.py").write_text("Run = 'old Run'\n")
    (package / "construct.py").write_text("def build_kernel():\n    return 'old kernel'\n")
    return root


def run_in(tree: Path, script: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}
    return subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, str(script)], cwd=tree, env=env, capture_output=True, text=True
    )


def test_a_script_run_in_a_flat_tree_imports_its_old_modules(tmp_path: Path) -> None:
    tree = flat_tree(tmp_path / "ref")
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    done = run_in(tree, script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "old plans|old root|old Run|old kernel"


def test_a_name_the_flat_tree_lacks_is_still_an_import_error(tmp_path: Path) -> None:
    tree = flat_tree(tmp_path / "ref")
    script = tmp_path / "script.py"
    script.write_text("from harness.core.workload import StepTimer\n")  # harness/workload.py is absent
    done = run_in(tree, script)
    assert done.returncode == 1
    assert "No module named 'harness.workload'" in done.stderr


def test_a_new_module_is_never_taken_from_another_tree(tmp_path: Path) -> None:
    tree = flat_tree(tmp_path / "ref")
    script = tmp_path / "script.py"
    script.write_text("import harness.core.formatting\n")  # this tree has it; the flat one does not
    done = run_in(tree, script)
    assert done.returncode == 1
    assert "No module named 'harness.core.formatting' in this tree" in done.stderr


def test_every_old_name_is_a_module_of_the_flat_layout() -> None:
    assert all(old.count(".") == 1 and old.startswith("harness.") for old in FLAT_LAYOUT.values())
    assert all(new.split(".")[1] in ("core", "run", "regress", "cli") for new in FLAT_LAYOUT)


def runtime_harness_imports(path: Path) -> set[str]:
    """The harness modules a file imports when it runs (imports for type checking only are never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in checking_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("harness"))
    return found


@pytest.mark.parametrize("script", ["harness/regress/check_worker.py", "harness/cli/instructions.py"])
def test_a_script_run_in_a_side_tree_imports_only_names_the_flat_layout_has(script: str) -> None:
    root = Path(__file__).resolve().parent.parent
    assert runtime_harness_imports(root / script) <= set(FLAT_LAYOUT)
