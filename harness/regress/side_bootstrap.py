"""Runs a script by path inside one side's source tree of an A/B check (``python -c``
with this file's text, then the script and its arguments).

``python -c`` keeps the working directory, that tree, first on ``sys.path``, so the script
imports that side's harness and workloads. A tree from before the harness's packages
(``harness/core``, ``harness/run``, ``harness/regress``, ``harness/cli``) has the same
modules flat under ``harness/``; there the names the scripts import are resolved to the
old modules, so a ref from before the layout can still be checked.
"""

import importlib
import importlib.abc
import importlib.machinery
import runpy
import sys
import types
from pathlib import Path

# The names the by-path scripts import -> their module in a tree from before the layout.
FLAT_LAYOUT = {
    "harness.core.backends": "harness.backends",
    "harness.core.machine": "harness.machine",
    "harness.core.paths": "harness.cli",
    "harness.core.registry": "harness.registry",
    "harness.core.results": "harness.results",
    "harness.core.workload": "harness.workload",
    "harness.run.construct": "harness.construct",
    "harness.run.kernels": "harness.construct",
    "harness.regress.instructions": "harness.instructions",
    "harness.cli.options": "harness.cli",
}
PACKAGES = ("harness.core", "harness.run", "harness.regress")


class FlatLayout(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds each of ``FLAT_LAYOUT``'s names as the old module, and the new packages as empty ones."""

    def find_spec(self, name, path=None, target=None):
        if name in FLAT_LAYOUT or name in PACKAGES:
            return importlib.machinery.ModuleSpec(name, self, is_package=name in PACKAGES)
        if name.startswith(tuple(f"{package}." for package in (*PACKAGES, "harness.cli"))):
            # never another tree's module (an editable install's finder would supply one)
            raise ModuleNotFoundError(f"No module named {name!r} in this tree, which predates it", name=name)
        return None

    def create_module(self, spec):
        if spec.name in PACKAGES:
            package = types.ModuleType(spec.name)
            package.__path__ = []
            return package
        old = FLAT_LAYOUT[spec.name]
        harness = sys.modules["harness"]
        if importlib.machinery.PathFinder.find_spec(old, list(harness.__path__)) is None:
            # only this tree's own module: an editable install's finder would supply another's
            raise ModuleNotFoundError(f"No module named {old!r}", name=old)
        return importlib.import_module(old)

    def exec_module(self, module):
        pass


def resolve_flat_layout() -> None:
    """In a tree from before the layout, make the new names import the old modules."""
    harness = importlib.import_module("harness")
    found = harness.__file__ is not None and (Path(harness.__file__).parent / "core").is_dir()
    if found:  # by path: an editable install finds any tree's
        return
    cli = importlib.import_module("harness.cli")  # a module there: let harness.cli.options resolve under it
    cli.__path__ = []
    sys.meta_path.insert(0, FlatLayout())


BOOTSTRAP = "" if __name__ == "__main__" else Path(__file__).read_text()  # the text ``python -c`` runs

if __name__ == "__main__":
    sys.argv = sys.argv[1:]
    resolve_flat_layout()
    runpy.run_path(sys.argv[0], run_name="__main__")
