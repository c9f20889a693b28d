"""Names that become parts of file paths: workload and backend names, machine names, digests.

A workload's name comes from its declaration and a machine's from the host or
``HARNESS_MACHINE``; neither is checked for characters a path cannot hold safely
(``/``, ``..``, control characters). ``path_component`` keeps letters, digits, ``.``,
``_`` and ``-``, replaces anything else, never starts with a dot, and adds a short
digest of the original whenever it changed something, so two names that differ only
in replaced characters still get different files.
"""

from __future__ import annotations

import hashlib
import re

UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_CHARACTERS = 100


def path_component(name: str) -> str:
    """``name`` as one safe path component (see the module docstring)."""
    safe = UNSAFE.sub("_", name).lstrip(".")[:MAX_CHARACTERS] or "_"
    if safe == name:
        return name
    return f"{safe}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
