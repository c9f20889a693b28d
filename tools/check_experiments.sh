#!/usr/bin/env bash
# Repeats `harness check --against HEAD` to measure false alarms (A/A) and power (A/B).
#
#   tools/check_experiments.sh OUT N SLOWDOWN [check options...]
#
# SLOWDOWN is the fraction of extra work planted in the test-only `planted` workload's
# kernels named by HARNESS_PLANTED_BACKENDS (default python) on the new side only
# (0 for an A/A experiment). Each check's rounds go to OUT/check-I/ and its verdicts to
# OUT/check-I.json; OUT/summary.txt has one line per check with its exit code and the
# machine's load. Re-judge saved rounds with: python -m harness compare OUT/check-I/base OUT/check-I/new
set -uo pipefail
out=$1; count=$2; slowdown=$3; shift 3
python=${PYTHON:-python}
mkdir -p "$out"
for i in $(seq 1 "$count"); do
  start=$(date +%s)
  HARNESS_PLANTED_SLOWDOWN=$slowdown HARNESS_PLANTED_BACKENDS=${HARNESS_PLANTED_BACKENDS:-python} \
    "$python" -m harness check --against HEAD --output-dir "$out/check-$i" --json "$out/check-$i.json" \
    "$@" > "$out/check-$i.log" 2>&1
  status=$?
  echo "check $i exit=$status seconds=$(( $(date +%s) - start )) load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/summary.txt"
done
