"""Results files written atomically (a temporary file, fsync, rename): a crash at any point
leaves the previous file or the new one, never half of one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_json_atomic(path: Path, data: object) -> None:
    """Write ``data`` as JSON to ``path`` atomically, readable as any new file is (umask applies)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, NEW_FILE_MODE)  # mkstemp makes 0600, a plain open() 0666 less the umask
        with os.fdopen(descriptor, "w") as stream:
            json.dump(data, stream, indent=1, allow_nan=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)  # the only way to read it; set back at once, at import
    os.umask(mask)
    return mask


NEW_FILE_MODE = 0o666 & ~_current_umask()
