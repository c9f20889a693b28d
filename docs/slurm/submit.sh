#!/usr/bin/env bash
# Submit a sharded benchmark run: N shard tasks (a job array), then one merge-and-report
# job that starts only when every shard task succeeded (afterok on the array's job id).
#
#   docs/slurm/submit.sh                   # 3 shards of the default preset
#   SHARDS=8 PRESET=full docs/slurm/submit.sh
#
# Run from anywhere inside the checkout; the jobs run in the checkout's root.
set -euo pipefail

SHARDS="${SHARDS:-3}"
PRESET="${PRESET:-default}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mkdir -p results/shards  # the jobs' log files go here, and Slurm does not create folders

# --parsable prints "jobid" or "jobid;cluster"
array_job="$(sbatch --parsable --array="1-$SHARDS" --export="ALL,PRESET=$PRESET,SHARDS=$SHARDS" \
  docs/slurm/shard.sbatch)"
array_job="${array_job%%;*}"
merge_job="$(sbatch --parsable --dependency="afterok:$array_job" --export="ALL,ARRAY_JOB=$array_job" \
  docs/slurm/merge.sbatch)"
echo "shards: job array $array_job (1-$SHARDS); merge and report: job ${merge_job%%;*}, after all of them"
echo "results: results/shards/$array_job/ and results/slurm/merged-$array_job.json; report: reports/slurm-$array_job/"
