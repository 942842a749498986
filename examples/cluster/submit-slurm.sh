#!/bin/bash
# Submits a factory5g sweep to SLURM: the shards as a job array, then the
# merge as a job that starts only when every shard has succeeded.
#
#   factory5g sweep plan sany18 --vary fleet.agvs=10,15,20,25,30 \
#       --vary station.frame_weld.servers=14,18,22 -R 20 -o plan.json
#   examples/cluster/submit-slurm.sh plan.json /shared/sweeps/agvs 16
#
# Options after `--` go to sbatch, for the shards and the merge alike, and
# override the #SBATCH lines of the two job scripts: the partition, the
# account, the CPUs and memory of a task, its time limit.
#
#   examples/cluster/submit-slurm.sh plan.json /shared/sweeps/agvs 16 -- \
#       --partition=long --account=plant --cpus-per-task=16 --mem=8G --time=08:00:00
#
# A shard stops cleanly 10 minutes before its time limit, whatever it is
# (SIGTERM from the job script's --signal), keeping the runs it finished.
#
# OUT_DIR must be on a file system that every node sees. plan.json holds the
# scenario's text, so the nodes need the factory5g binary (FACTORY5G, default:
# on PATH) and nothing else, unless the scenario refers to other files (a
# `base` file, empirical(...) samples): those must be reachable at the same
# paths on the nodes.
set -euo pipefail

USAGE="usage: submit-slurm.sh PLAN.json OUT_DIR [SHARDS] [-- SBATCH_OPTION...]"
PLAN=${1:?$USAGE}
OUT=${2:?$USAGE}
shift 2
SHARDS=16
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    SHARDS=$1
    shift
fi
SBATCH_OPTIONS=()
if [ $# -gt 0 ]; then
    if [ "$1" != "--" ]; then
        echo "$USAGE" >&2
        exit 2
    fi
    shift
    SBATCH_OPTIONS=("$@")
fi
HERE=$(cd "$(dirname "$0")" && pwd)
PLAN=$(realpath "$PLAN")
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

# Array task i runs shard i/SHARDS (tasks 0 .. SHARDS-1).
array=$(sbatch --parsable --array="0-$((SHARDS - 1))" \
    --export=ALL,SHARDS="$SHARDS" "${SBATCH_OPTIONS[@]}" \
    "$HERE/sweep-shard.slurm" "$PLAN" "$OUT")
array=${array%%;*}   # --parsable may print "jobid;cluster"

# afterok on an array job: after every one of its tasks has succeeded.
merge=$(sbatch --parsable --dependency="afterok:$array" "${SBATCH_OPTIONS[@]}" \
    "$HERE/sweep-merge.slurm" "$OUT")

echo "shards: job array $array ($SHARDS tasks); merge: job ${merge%%;*} -> $OUT/summary.csv"
