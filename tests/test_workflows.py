"""Every GitHub Actions workflow in .github/workflows/ against GitHub's workflow schema.

check-jsonschema ships the schema (``--builtin-schema vendor.github-workflows``), so the
check needs no network; the proxies below point nowhere, so a check that tried to
download anything would fail here rather than pass by luck on a connected machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers


def check_workflows(*paths: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HTTP_PROXY": NOWHERE, "HTTPS_PROXY": NOWHERE, "NO_PROXY": ""}
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*command, *map(str, paths)], env=env, capture_output=True, text=True, timeout=120)


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def test_there_are_workflows_to_check() -> None:
    names = {path.name for path in workflow_files()}
    assert {"bench-check.yml"} <= names


@pytest.mark.parametrize("workflow", workflow_files(), ids=lambda path: path.name)
def test_workflow_matches_githubs_schema(workflow: Path) -> None:
    done = check_workflows(workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "name: broken\n"
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps: run the tests\n",  # steps must be a list of steps
        encoding="utf-8",
    )
    done = check_workflows(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "steps" in done.stdout + done.stderr
