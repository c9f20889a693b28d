"""CPU cost of one memory sample of the guard (harness/run/guard.py): list the processes below
this one and read each one's resident set, with PROCESSES numba_parallel children of
THREADS threads each running below it.

    python tools/guard_poll_cost.py            # 3 processes of 16 Numba threads
    python tools/guard_poll_cost.py 3 64
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "harness" / "run"))
import guard  # by path, as the harness runs it

CHILD = """
import time
import numba

@numba.njit(parallel=True)
def total(n):
    s = 0.0
    for i in numba.prange(n):
        s += i
    return s

total(10)
time.sleep(120)
"""


def main() -> None:
    processes = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    threads = sys.argv[2] if len(sys.argv) > 2 else "16"
    env = {**os.environ, "NUMBA_NUM_THREADS": threads}
    children = [subprocess.Popen([sys.executable, "-c", CHILD], env=env) for _ in range(processes)]
    try:
        time.sleep(15)  # until every child compiled and started its thread pool
        tree = guard.descendants(os.getpid())
        tasks = sum(len(os.listdir(f"/proc/{pid}/task")) for pid in tree)
        samples = 200
        started = time.process_time()
        for _ in range(samples):
            resident = sum(guard.resident_bytes(pid) for pid in guard.descendants(os.getpid()))
        cpu = (time.process_time() - started) / samples
        print(f"load average {os.getloadavg()[0]:.2f}; {len(tree)} processes, {tasks} threads, "
              f"{resident / 2**20:.0f} MiB resident: one sample takes {cpu * 1e3:.2f} ms of CPU, "
              f"{cpu / guard.POLL_SECONDS:.2%} of a core at one sample per {guard.POLL_SECONDS} s")
    finally:
        for child in children:
            child.kill()


if __name__ == "__main__":
    main()
