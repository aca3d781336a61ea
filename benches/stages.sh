#!/usr/bin/env bash
# Measures the stages one at a time on one generated capture: MB/s of each stage (fastest of
# RUNS), the bytes of exchanges and records per GB of capture (the shuffle volume), and
# analyze on the same file for comparison. One thread per stage (-j 1 / one input).
#
# usage: benches/stages.sh [SIZE] [RUNS]      (SIZE as gen_capture takes it, default 200MB)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200MB}
runs=${2:-3}
cargo build --release --locked --bin corscope --example gen_capture >/dev/null
bin=target/release/corscope
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/gen_capture --size "$size" --format pcap --seed 42 --out "$work/c.pcap"
export CORSCOPE_REDACT_KEY=bench
bytes=$(stat -c %s "$work/c.pcap")

fastest() { # command...: prints the fastest wall time of $runs runs, in seconds
  local best=
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v z="$t1" -v b="$best" 'BEGIN { t = z - a; if (b == "" || t < b) print t; else print b }')
  done
  echo "$best"
}
rate() { echo "$1" | awk -v n="$bytes" '{ printf "%.0f", n / $1 / 1e6 }'; }

rm -rf "$work/ex" "$work/fx" "$work/sx"
t_analyze=$(fastest "$bin" analyze -j 1 --format jsonl "$work/c.pcap")
t_extract=$(fastest "$bin" extract -j 1 "$work/c.pcap" -o "$work/ex")
t_decide=$(fastest "$bin" decide "$work/ex" -o "$work/fx")
t_site=$(fastest "$bin" decide --merge-points "$work/ex" -o "$work/sx")
t_report=$(fastest "$bin" report --format jsonl "$work/fx")
t_ipc=$(fastest sh -c "'$bin' extract '$work/c.pcap' -o - > '$work/ex.arrow'")
ex=$(du -cb "$work"/ex/*.parquet | tail -1 | cut -f1)
fx=$(du -cb "$work"/fx/*.parquet | tail -1 | cut -f1)
ipc=$(stat -c %s "$work/ex.arrow")
exchanges=$("$bin" report --format jsonl "$work/fx" | grep -c '"verdict"' || true)
per_gb() { echo "$1" | awk -v n="$bytes" '{ printf "%.1f", $1 / n * 1000 }'; }
echo "capture: $bytes bytes, $exchanges records; fastest of $runs runs"
echo "analyze -j 1 (jsonl): ${t_analyze}s, $(rate "$t_analyze") MB/s of capture"
echo "extract -> Parquet: ${t_extract}s, $(rate "$t_extract") MB/s of capture"
echo "extract -> IPC: ${t_ipc}s, $(rate "$t_ipc") MB/s of capture"
echo "decide Parquet -> Parquet: ${t_decide}s, $(rate "$t_decide") MB/s of capture"
echo "decide --merge-points Parquet -> Parquet: ${t_site}s, $(rate "$t_site") MB/s of capture"
echo "report Parquet -> jsonl: ${t_report}s, $(rate "$t_report") MB/s of capture"
echo "exchanges: Parquet $ex bytes ($(per_gb "$ex") MB per GB of capture), IPC $ipc bytes ($(per_gb "$ipc") MB per GB)"
echo "records: Parquet $fx bytes ($(per_gb "$fx") MB per GB of capture)"
