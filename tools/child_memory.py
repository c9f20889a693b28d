"""Peak address space, data segment and resident set of construction children, per backend.

Why the guard limits resident memory rather than ``RLIMIT_AS`` or ``RLIMIT_DATA``: this
runs ``python -m harness.run.construct`` (the check run: inputs, import, prepare, first call,
calibration, plain loop) for the first ``quick`` case of each workload x backend, samples
``VmPeak``, ``VmData`` and ``VmHWM`` from /proc every 20 ms, and with ``--limit`` runs it
under ``setrlimit`` to see whether the backend still works.

    python tools/child_memory.py                                  # every workload, every backend
    python tools/child_memory.py mandelbrot --backend numba_parallel --threads 1,8,16
    python tools/child_memory.py matmul --backend cuda --limit DATA=1   # under RLIMIT_DATA of 1 GiB

Run with NUMBA_ENABLE_CUDASIM=1 where there is no GPU. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.core.registry import discover

FIELDS = ("VmPeak", "VmData", "VmHWM")
LIMITS = {"AS": resource.RLIMIT_AS, "DATA": resource.RLIMIT_DATA}


def status_mib(pid: int) -> dict[str, float]:
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in FIELDS:
                found[name] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def measure(workload: str, backend: str, params: dict, threads: int | None, limit: tuple[int, int] | None) -> str:
    folder = Path(tempfile.mkdtemp(prefix="child-memory-"))
    spec = {"workload": workload, "backend": backend, "params": params, "check": True,
            "reference_file": str(folder / "reference.npz"), "output": str(folder / "findings.json")}
    (folder / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(folder / "cache")}
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)

    def apply_limit() -> None:
        if limit:
            resource.setrlimit(limit[0], (limit[1], limit[1]))

    child = subprocess.Popen([sys.executable, "-m", "harness.run.construct", str(folder / "spec.json")], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=apply_limit)
    peaks = dict.fromkeys(FIELDS, 0.0)
    while child.poll() is None:
        for name, value in status_mib(child.pid).items():
            peaks[name] = max(peaks[name], value)
        time.sleep(0.02)
    error = (child.stderr.read().decode().strip().splitlines() or [""])[-1] if child.stderr else ""
    figures = "  ".join(f"{name} {peaks[name]:6.0f} MiB" for name in FIELDS)
    return f"exit {child.returncode:3d}  {figures}  {error[:100] if child.returncode else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*")
    parser.add_argument("--backend", action="append", default=[])
    parser.add_argument("--threads", default="1,2", help="numba_parallel thread counts")
    parser.add_argument("--limit", help="AS=GIB or DATA=GIB: run under that rlimit")
    args = parser.parse_args()
    limit = None
    if args.limit:
        kind, _, size = args.limit.partition("=")
        limit = (LIMITS[kind], int(float(size) * 2**30))
    print(f"load average {os.getloadavg()[0]:.2f}; limit {args.limit or 'none'}")
    for name, workload in discover().items():
        if args.workloads and name not in args.workloads:
            continue
        for backend in workload.backends:
            if args.backend and backend not in args.backend:
                continue
            counts = [int(t) for t in args.threads.split(",")] if backend == "numba_parallel" else [None]
            for threads in counts:
                label = f"{name} {backend}" + (f" threads={threads}" if threads else "")
                result = measure(name, backend, workload.cases("quick")[0], threads, limit)
                print(f"{label:40s} {result}", flush=True)


if __name__ == "__main__":
    main()
