#!/usr/bin/env bash
# Runs corscope's stages as separate processes, several at a time, with plain xargs: one
# extract per input (a capture, possibly many rotated files), one decide per input, one report.
# The same contract a batch system (Kubernetes Indexed Jobs, AWS Batch array jobs) follows,
# with a local directory as the exchange between stages.
#
# With PARTITIONS=N the inputs are capture points of one site: N decide tasks each judge the
# browsers of one partition (`decide --merge-points --partition K/N`) over every input's
# exchanges, as `analyze --merge-points` judges them in one process.
#
# usage: run-stages.sh CORSCOPE WORK_DIR FORMAT INPUT...
#   CORSCOPE_REDACT_KEY must be set (or pass --no-redact to decide by editing DECIDE_FLAGS),
#   so that every decide task marks the same value the same way.
# env: PARALLEL (default 2), PARTITIONS, DECIDE_FLAGS, EXTRACT_FLAGS (extra flags for those
#   stages).
set -euo pipefail
bin=$1 work=$2 format=$3
shift 3
parallel=${PARALLEL:-2}
mkdir -p "$work/exchanges" "$work/records"
# plan: one line per input: index, file count, files
"$bin" extract --plan ${EXTRACT_FLAGS:-} "$@" | cut -f1 |
  xargs -P "$parallel" -I{} "$bin" extract ${EXTRACT_FLAGS:-} --input {} -o "$work/exchanges" "$@"
if [ -n "${PARTITIONS:-}" ]; then
  seq 0 $((PARTITIONS - 1)) |
    xargs -P "$parallel" -I{} "$bin" decide ${DECIDE_FLAGS:-} --merge-points \
      --partition "{}/$PARTITIONS" "$work/exchanges" -o "$work/records"
else
  find "$work/exchanges" -name '*.parquet' | sort |
    xargs -P "$parallel" -I{} "$bin" decide ${DECIDE_FLAGS:-} {} -o "$work/records"
fi
status=0
"$bin" report --format "$format" --color never "$work/records" || status=$?
# 1 means blocked exchanges were found: the report is complete.
[ "$status" -le 1 ] || exit "$status"
