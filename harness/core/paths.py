"""Where this checkout is: the root holding harness/, workloads/ and results/."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
