#!/usr/bin/env bash
# Builds a release binary of corscope optimised with a profile of its own runs (profile-guided
# optimisation): the compiler lays out and inlines the code by what the analysis of real
# traffic mixes runs most. Same code, same output as `cargo build --release`, in fewer
# instructions and less time per exchange (README, section Performance).
#
#   deploy/pgo-build.sh              # writes target/pgo/corscope
#   OUT=/usr/local/bin/corscope deploy/pgo-build.sh
#
# Steps: an instrumented release build (target/pgo/gen); runs of it over generated page-load
# and API-call mixes (pcap, pcapng and HAR; one and two threads; JSON, JSON lines and text),
# a TLS 1.3 + HTTP/2 capture with its key log, every other report format, and samples/; the
# profile merged with the toolchain's llvm-profdata (the `llvm-tools` rustup component, added
# when missing); then the release build with that profile (target/pgo/use). The training
# inputs use seeds other than the benchmark's. Two release builds and one of the generators:
# about 15 minutes on two cores.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PGO=$ROOT/target/pgo
OUT=${OUT:-$PGO/corscope}
TRAIN_SIZE=${TRAIN_SIZE:-20MB}

run() {
  printf '+ %s\n' "$*" >&2
  "$@"
}

SYSROOT=$(rustc --print sysroot)
HOST=$(rustc -vV | awk '/^host:/ { print $2 }')
PROFDATA=$SYSROOT/lib/rustlib/$HOST/bin/llvm-profdata
if [ ! -x "$PROFDATA" ]; then
  run rustup component add llvm-tools
fi
if [ ! -x "$PROFDATA" ]; then
  echo "llvm-profdata not found at $PROFDATA: install the llvm-tools rustup component" >&2
  exit 1
fi

RAW=$PGO/raw
rm -rf "$RAW"
mkdir -p "$RAW" "$PGO/inputs"

echo "==> instrumented build" >&2
# Built exactly as the optimised build below (the binary alone): building examples with it
# would enable dev-dependencies' features, change the crates' hashes, and so every symbol
# name the profile is keyed by.
RUSTFLAGS="-Cprofile-generate=$RAW" run cargo build --release --locked \
  --target-dir "$PGO/gen" --bin corscope
TRAIN=$PGO/gen/release/corscope
run cargo build --release --locked --example gen_capture --example gen_tls_capture
GEN=$ROOT/target/release/examples/gen_capture
GEN_TLS=$ROOT/target/release/examples/gen_tls_capture

echo "==> training runs" >&2
INPUTS=()
for mix in api browser; do
  for format in pcap pcapng har; do
    f=$PGO/inputs/$mix.$format
    run "$GEN" --format "$format" --size "$TRAIN_SIZE" --seed 7 --mix "$mix" --out "$f" >/dev/null
    INPUTS+=("$f")
  done
done
run "$GEN_TLS" --size "$TRAIN_SIZE" --seed 7 --out "$PGO/inputs/tls.pcap" \
  --keylog "$PGO/inputs/tls.keylog" >/dev/null
export LLVM_PROFILE_FILE=$RAW/corscope-%p.profraw
# analyze ARGS...: one training run (exit status 1 means blocked requests were found).
analyze() { run "$TRAIN" analyze -o /dev/null "$@" || [ $? = 1 ]; }
for f in "${INPUTS[@]}"; do
  for j in 1 2; do
    for format in jsonl json text; do
      analyze -j "$j" --format "$format" "$f"
    done
  done
done
for j in 1 2; do
  analyze -j "$j" --format jsonl --keylog "$PGO/inputs/tls.keylog" "$PGO/inputs/tls.pcap"
done
for format in sarif junit markdown html; do
  analyze --format "$format" "$PGO/inputs/api.pcap"
done
analyze --format jsonl samples/
unset LLVM_PROFILE_FILE

echo "==> profile" >&2
run "$PROFDATA" merge -o "$PGO/corscope.profdata" "$RAW"

echo "==> optimised build" >&2
RUSTFLAGS="-Cprofile-use=$PGO/corscope.profdata" run cargo build --release --locked \
  --target-dir "$PGO/use" --bin corscope
mkdir -p "$(dirname "$OUT")"
cp "$PGO/use/release/corscope" "$OUT"
echo "$OUT" >&2
