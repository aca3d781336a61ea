#!/usr/bin/env bash
# Times corscope against its peers on generated captures, side by side in one run on one
# machine (hot page cache, as the research anchors in shared/reference/pcap-path.md §4), and
# writes benches/RESULTS.md. Works on a fresh clone: builds what it needs and installs tshark
# and GNU time when it runs as root.
#
#   benches/compare.sh                                   # full: pcap 1 GB + 2 GB, HAR 1 GB
#   PCAP_SIZES=200MB HAR_SIZE=100MB MIX_PCAP_SIZE=50MB MIX_HAR_SIZE=50MB \
#     DIR_COUNT=2 DIR_SIZE=50MB benches/compare.sh       # quick
#
# Comparisons (MB = 10^6 bytes; RSS = maximum resident set size from /usr/bin/time -v):
#   1. Traffic mixes, one section per input: the generator's page-load mix and its small-API-call
#      mix (~4 KB exchanges, 55% cross-origin, 20% preflights), and the output of
#      ../shared/tools/gen_http_pcap.py as an independent input when ../shared exists. Each pcap
#      (MIX_PCAP_SIZE) and HAR (MIX_HAR_SIZE) is analysed with `--format json` and `--format
#      jsonl`, with -j 1 and every core, in MB/s and exchanges/s, beside
#      `tshark -Y http.request` (pcap; tshark runs at ~10 MB/s and holds ~2.4x the file in RAM)
#      or a full parse with the `har` crate (HAR, examples/har_crate_parse.rs; it needs up to
#      ~20x the file in RAM).
#   2. corscope -j 1 vs -j N (every core) on a directory of DIR_COUNT x DIR_SIZE pcaps.
#   3. corscope (every core) on each of PCAP_SIZES (linearity) and on HAR_SIZE.
#   4. With AGAINST=<git revision>: this build beside that revision's release build on the
#      API mixes (jsonl; -j 1 and every core), the two run in turn AGAINST_ROUNDS times
#      (default 7), so that a change is measured in one stretch of the machine's load.
#      AGAINST=plain (with PGO=1): the profile-guided build beside the plain one.
#   5. TLS 1.3 + HTTP/2 with a key log, beside tshark decrypting.
# Each corscope figure is the fastest of REPEAT runs (default 3); peers run once.
# With PGO=1 the corscope measured is the profile-guided build of deploy/pgo-build.sh (two more
# release builds, about 15 minutes) rather than `cargo build --release`.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

PCAP_SIZES=${PCAP_SIZES:-"1GB 2GB"}
HAR_SIZE=${HAR_SIZE:-1GB}
MIX_PCAP_SIZE=${MIX_PCAP_SIZE:-200MB}
MIX_HAR_SIZE=${MIX_HAR_SIZE:-200MB}
SHARED=${SHARED:-$ROOT/../shared}
DIR_COUNT=${DIR_COUNT:-4}
DIR_SIZE=${DIR_SIZE:-250MB}
SEED=${SEED:-42}
RESULTS=${RESULTS:-$ROOT/benches/RESULTS.md}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/corscope-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n==> %s\n' "$*" >&2; }
run() {
  printf '+ %s\n' "$*" >&2
  "$@"
}

# ---- tools -------------------------------------------------------------------------------
is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
step "tools"
if [ ! -x /usr/bin/time ]; then
  if is_root; then apt_install time; else
    echo "GNU time (/usr/bin/time) is required: apt-get install time" >&2
    exit 1
  fi
fi
HAVE_TSHARK=1
if ! command -v tshark >/dev/null 2>&1; then
  if is_root; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt_install tshark || HAVE_TSHARK=
  else
    HAVE_TSHARK=
  fi
  [ -n "$HAVE_TSHARK" ] || echo "tshark is not installed and cannot be (not root): skipping the tshark comparison" >&2
fi
HAVE_PYTHON=1
command -v python3 >/dev/null 2>&1 || HAVE_PYTHON=

step "build (release)"
run cargo build --release --locked --bin corscope --example gen_capture --example har_crate_parse
CORSCOPE=$ROOT/target/release/corscope
PLAIN=$CORSCOPE
BUILD="\`cargo build --release\`"
if [ -n "${PGO:-}" ]; then
  step "build (release, profile-guided)"
  run env OUT="$ROOT/target/pgo/corscope" deploy/pgo-build.sh
  CORSCOPE=$ROOT/target/pgo/corscope
  BUILD="\`deploy/pgo-build.sh\` (profile-guided)"
fi
GEN=$ROOT/target/release/examples/gen_capture
HARPARSE=$ROOT/target/release/examples/har_crate_parse

# ---- helpers -----------------------------------------------------------------------------
# json_get FILE KEY: a top-level number from a truth file.
json_get() {
  if [ -n "$HAVE_PYTHON" ]; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], d.get("har", {}).get(sys.argv[2], "n/a")))' "$1" "$2"
  else
    grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | grep -o '[0-9]*$' || echo n/a
  fi
}

# gen NAME FORMAT SIZE [SEED [MIX]]: generates $WORK/NAME and $WORK/NAME.truth.json.
gen() {
  run "$GEN" --format "$2" --size "$3" --seed "${4:-$SEED}" --mix "${5:-browser}" --out "$WORK/$1" --truth "$WORK/$1.truth.json"
}

# measure LABEL BYTES CMD...: runs CMD (stdout to $WORK/out) under /usr/bin/time -v with the
# input in the page cache; sets WALL (s), MBPS, RSS (MiB), STATUS.
measure() {
  local label=$1 bytes=$2
  shift 2
  printf '+ %s\n' "$*" >&2
  STATUS=0
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || STATUS=$?
  t1=$(date +%s%N)
  # Wall time measured here (ns); /usr/bin/time -v rounds it to 10 ms.
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/time")
  MBPS=$(awk -v b="$bytes" -v w="$WALL" 'BEGIN { if (w > 0) printf "%.1f", b / 1e6 / w; else print "inf" }')
  printf '    %-40s %8s s %10s MB/s %9s MiB  (exit %s)\n' "$label" "$WALL" "$MBPS" "$RSS" "$STATUS" >&2
  FAILED=
  if [ "$STATUS" != 0 ] && [ "$STATUS" != 1 ]; then
    FAILED=" (failed: exit $STATUS)"
    sed -n '1,3p' "$WORK/err" | sed 's/^/    | /' >&2
  fi
}

# best LABEL BYTES CMD...: `measure` REPEAT times (default 3), keeping the fastest run: for
# corscope, whose runs take a second or less, where a busy moment on the machine would
# otherwise decide the figure. Peers, which run 10-100x longer, are measured once.
REPEAT=${REPEAT:-3}
best() {
  local b_wall= b_mbps= b_rss= b_status= b_failed= i
  for i in $(seq 1 "$REPEAT"); do
    measure "$@"
    if [ -z "$b_wall" ] || awk -v a="$WALL" -v b="$b_wall" 'BEGIN { exit !(a < b) }'; then
      b_wall=$WALL b_mbps=$MBPS b_rss=$RSS b_status=$STATUS b_failed=$FAILED
    fi
  done
  WALL=$b_wall MBPS=$b_mbps RSS=$b_rss STATUS=$b_status FAILED=$b_failed
}

warm() { cat "$@" >/dev/null; }
size_of() { stat -c %s "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a > 0 && a != "inf") printf "%.2fx", a / b; else print "n/a" }'; }

# corscope_requests FILE: recorded exchanges corscope reports (summary.exchanges - inferred).
corscope_requests() {
  local last
  last=$("$CORSCOPE" analyze "$1" --format jsonl -j 1 2>/dev/null | tail -n 1) || true
  if [ -n "$HAVE_PYTHON" ] && [ -n "$last" ]; then
    printf '%s' "$last" | python3 -c 'import json,sys
try:
    s = json.loads(sys.stdin.read())["summary"]; print(s["exchanges"] - s["inferred"])
except Exception:
    print("n/a")'
  else
    echo n/a
  fi
}

ROWS=()
# row COMPARISON COMMAND INPUT COUNTS [EXCHANGES]: one table row from the last measure;
# exchanges/s when EXCHANGES is given.
row() {
  local xps=
  [ -n "${5:-}" ] && xps=$(per_second "$5" "$WALL")
  ROWS+=("| $1 | \`$2\` | $3 | $WALL | $MBPS | $xps | $RSS | $4${FAILED} |")
}
per_second() { awk -v n="$1" -v w="$2" 'BEGIN { if (w > 0 && n ~ /^[0-9]+$/) printf "%.0f", n / w; else print "n/a" }'; }
NOTES=()

# ---- inputs ------------------------------------------------------------------------------
step "generate inputs in $WORK"
gen mix-browser.pcap pcap "$MIX_PCAP_SIZE"
gen mix-browser.har har "$MIX_HAR_SIZE"
gen mix-api.pcap pcap "$MIX_PCAP_SIZE" "$SEED" api
gen mix-api.har har "$MIX_HAR_SIZE" "$SEED" api
HAVE_PYGEN=
if [ -n "$HAVE_PYTHON" ] && [ -f "$SHARED/tools/gen_http_pcap.py" ]; then
  HAVE_PYGEN=1
  run python3 "$SHARED/tools/gen_http_pcap.py" --out "$WORK/mix-py.pcap" --seed 1 \
    --target-mb "$(( $(size_of "$WORK/mix-api.pcap") / 1000000 ))" >/dev/null
fi
gen big.har har "$HAR_SIZE" $((SEED + 1))
for s in $PCAP_SIZES; do gen "pcap-$s.pcap" pcap "$s"; done
mkdir -p "$WORK/dir"
for i in $(seq 1 "$DIR_COUNT"); do gen "dir/part-$i.pcap" pcap "$DIR_SIZE" $((SEED + 100 + i)); done
mkdir -p "$WORK/truth"
mv "$WORK"/dir/*.truth.json "$WORK/truth/"
# Let the kernel finish writing the generated gigabytes back before anything is timed.
sync

# ---- 1. traffic mixes: corscope (json, jsonl; -j 1, every core) beside its peer -------------
# mix_section LABEL FILE KIND: one input of a traffic mix; KIND is pcap or har. Notes the
# issue's targets for it: with every core >= 1000 MB/s and >= 250 000 exchanges/s, with -j 1
# >= 600 MB/s, >= 100x tshark or >= 10x the har crate, peak RSS < 64 MiB; the slowest format
# and the largest RSS decide.
mix_section() {
  local label=$1 f=$2 kind=$3 name b n fmt min1= minn= minx= maxrss=0 peer want
  name=$( [ "$kind" = pcap ] && echo pcap || echo HAR )
  step "1. $label: corscope vs $( [ "$kind" = pcap ] && echo tshark || echo 'the har crate' )"
  b=$(size_of "$f")
  warm "$f"
  n=$(corscope_requests "$f")
  for fmt in json jsonl; do
    best "corscope $fmt -j 1" "$b" "$CORSCOPE" analyze "$f" --format "$fmt" -o /dev/null -j 1
    row "$label" "corscope analyze --format $fmt -j 1" "$(mb "$b") MB $name" "$n exchanges" "$n"
    min1=$(least "$MBPS" "$min1")
    maxrss=$(awk -v a="$RSS" -v b="$maxrss" 'BEGIN { print (a > b) ? a : b }')
    best "corscope $fmt (all cores)" "$b" "$CORSCOPE" analyze "$f" --format "$fmt" -o /dev/null
    row "$label" "corscope analyze --format $fmt" "$(mb "$b") MB $name" "$n exchanges" "$n"
    minn=$(least "$MBPS" "$minn")
    minx=$(least "$(per_second "$n" "$WALL")" "$minx")
    maxrss=$(awk -v a="$RSS" -v b="$maxrss" 'BEGIN { print (a > b) ? a : b }')
  done
  if [ "$kind" = pcap ]; then
    want=100
    if [ -z "$HAVE_TSHARK" ]; then
      NOTES+=("$label: tshark not available, corscope only.")
      MBPS=
    else
      measure "tshark -Y http.request" "$b" tshark -n -r "$f" -Y http.request -T fields -e frame.number
      peer=$(wc -l <"$WORK/out")
      row "$label" "tshark -Y http.request -T fields -e frame.number" "$(mb "$b") MB pcap" "$peer request frames / $n exchanges" "$peer"
    fi
  else
    want=10
    measure "har crate (har::from_path)" "$b" "$HARPARSE" "$f"
    peer=$(head -n 1 "$WORK/out")
    row "$label" "har 0.9 har::from_path, count entries" "$(mb "$b") MB HAR" "${peer:-n/a} entries / $n exchanges" "${peer:-}"
  fi
  NOTES+=("$label ($(mb "$b") MB, $n exchanges; the slower of json and jsonl): every core $(target "$minn" 1000) MB/s (target 1000) and $(target "$minx" 250000) exchanges/s (target 250000); -j 1 $(target "$min1" 600) MB/s (target 600); / its peer $(target "$(ratio "$minn" "$MBPS" | tr -d x)" "$want")x with every core, $(ratio "$min1" "$MBPS") with -j 1 (target ${want}x); peak RSS $(target_below "$maxrss" 64) MiB (target < 64).")
}

# least A B: the smaller number (B may be empty).
least() { if [ -z "$2" ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo "$1"; else echo "$2"; fi; }
# target VALUE GOAL: VALUE, bold and "met" when >= GOAL, else "missed".
target() { awk -v v="$1" -v g="$2" 'BEGIN { if (v + 0 >= g) printf "**%s** (met)", v; else printf "%s (missed)", v }'; }
# target_below VALUE LIMIT: VALUE and "met" when < LIMIT.
target_below() { awk -v v="$1" -v g="$2" 'BEGIN { if (v + 0 < g) printf "**%s** (met)", v; else printf "%s (missed)", v }'; }

NOTES+=("tshark counts frames: pipelined requests in one frame count once, and with default preferences it misses messages behind out-of-order segments; corscope counts exchanges.")
mix_section "API mix pcap" "$WORK/mix-api.pcap" pcap
[ -n "$HAVE_PYGEN" ] && mix_section "gen_http_pcap.py pcap" "$WORK/mix-py.pcap" pcap
mix_section "API mix HAR" "$WORK/mix-api.har" har
mix_section "page-load mix pcap" "$WORK/mix-browser.pcap" pcap
mix_section "page-load mix HAR" "$WORK/mix-browser.har" har

# ---- 2. -j 1 vs all cores on a directory -------------------------------------------------
JOBS=$(nproc)
step "2. corscope -j 1 vs -j $JOBS on $DIR_COUNT x $DIR_SIZE pcaps"
B=$(du -cb "$WORK"/dir/*.pcap | tail -n 1 | cut -f1)
warm "$WORK"/dir/*.pcap
best "corscope -j 1 (directory)" "$B" "$CORSCOPE" analyze "$WORK/dir" --format jsonl -o /dev/null -j 1
J1=$WALL
row "threads" "corscope analyze DIR -j 1" "$DIR_COUNT x $DIR_SIZE pcap ($(mb "$B") MB)" ""
best "corscope -j $JOBS (directory)" "$B" "$CORSCOPE" analyze "$WORK/dir" --format jsonl -o /dev/null -j "$JOBS"
JN=$WALL
row "threads" "corscope analyze DIR -j $JOBS" "$DIR_COUNT x $DIR_SIZE pcap ($(mb "$B") MB)" ""
NOTES+=("Speed-up from -j 1 to -j $JOBS on $DIR_COUNT files: **$(ratio "$J1" "$JN")** ($JOBS cores).")

# ---- 3. size linearity and a large HAR ---------------------------------------------------
step "3. corscope on pcaps of $PCAP_SIZES and a $HAR_SIZE HAR"
PREV_WALL= PREV_B= PREV_S=
for s in $PCAP_SIZES; do
  F=$WORK/pcap-$s.pcap
  B=$(size_of "$F")
  warm "$F"
  best "corscope ($s pcap)" "$B" "$CORSCOPE" analyze "$F" --format jsonl -o /dev/null
  row "size" "corscope analyze --format jsonl" "$(mb "$B") MB pcap" "truth $(json_get "$F.truth.json" requests) requests"
  if [ -n "$PREV_WALL" ]; then
    NOTES+=("Linearity: $s / $PREV_S pcap: size $(ratio "$B" "$PREV_B"), wall time $(ratio "$WALL" "$PREV_WALL").")
  fi
  PREV_WALL=$WALL PREV_B=$B PREV_S=$s
done
F=$WORK/big.har
B=$(size_of "$F")
warm "$F"
best "corscope ($HAR_SIZE HAR)" "$B" "$CORSCOPE" analyze "$F" --format jsonl -o /dev/null
row "size" "corscope analyze --format jsonl" "$(mb "$B") MB HAR" "truth $(json_get "$F.truth.json" entries) entries"

# ---- 4. this build beside an earlier one (AGAINST) -----------------------------------------
# The same inputs, this build and AGAINST's release build taking turns: a VM's speed drifts
# by 20-30% over hours, so only figures taken in the same minutes tell a change apart.
AGAINST=${AGAINST:-}
AGAINST_ROUNDS=${AGAINST_ROUNDS:-7}
AGAINST_ROWS=()
if [ -n "$AGAINST" ]; then
  step "4. this build beside $AGAINST"
  if [ "$AGAINST" = plain ]; then
    AGAINST_REV="the plain build"
    OLD=$PLAIN
  else
    AGAINST_REV=$(git -C "$ROOT" rev-parse --short "$AGAINST^{commit}")
    mkdir -p "$WORK/against"
    git -C "$ROOT" archive "$AGAINST_REV" | tar -x -C "$WORK/against"
    run cargo build --release --locked --bin corscope --manifest-path "$WORK/against/Cargo.toml" \
      --target-dir "$ROOT/target/against"
    OLD=$ROOT/target/against/release/corscope
  fi
  # stats FILE: "fastest median" of the wall times (ms) in FILE.
  stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d %d", v[1], v[int((NR + 1) / 2)] }'; }
  # side_by_side LABEL FILE JOBS...: AGAINST_ROUNDS turns of both builds on FILE.
  side_by_side() {
    local label=$1 f=$2 j b i t0 t1 bin
    shift 2
    warm "$f"
    for j in "$@"; do
      : >"$WORK/new.ms"
      : >"$WORK/old.ms"
      for i in $(seq 1 "$AGAINST_ROUNDS"); do
        for b in new old; do
          t0=$(date +%s%N)
          if [ "$b" = new ]; then bin=$CORSCOPE; else bin=$OLD; fi
          "$bin" analyze "$f" --format jsonl -o /dev/null -j "$j" || [ $? = 1 ]
          t1=$(date +%s%N)
          echo $(( (t1 - t0) / 1000000 )) >>"$WORK/$b.ms"
        done
      done
      read -r new_min new_med <<<"$(stats "$WORK/new.ms")"
      read -r old_min old_med <<<"$(stats "$WORK/old.ms")"
      printf '    %-30s -j %s: this build %s/%s ms, %s %s/%s ms (fastest/median)\n' "$label" "$j" \
        "$new_min" "$new_med" "$AGAINST_REV" "$old_min" "$old_med" >&2
      AGAINST_ROWS+=("| $label | -j $j | $old_min / $old_med | $new_min / $new_med | $(ratio "$old_min" "$new_min") / $(ratio "$old_med" "$new_med") |")
    done
  }
  side_by_side "API mix pcap" "$WORK/mix-api.pcap" 1 "$(nproc)"
  [ -n "$HAVE_PYGEN" ] && side_by_side "gen_http_pcap.py pcap" "$WORK/mix-py.pcap" 1 "$(nproc)"
  side_by_side "API mix HAR" "$WORK/mix-api.har" 1 "$(nproc)"
fi

# ---- 5. TLS 1.3 + HTTP/2 with a key log: corscope vs tshark decrypting -----------------
# A TLS 1.3 + HTTP/2 capture and its key log from examples/gen_tls_capture.rs
# (benches/support/tls_capture/): corscope's full analysis with the key log (-j 1 and every
# core; fastest of REPEAT, with the user CPU seconds of that run) against
# `tshark -o tls.keylog_file:KEYLOG` (one run) on the same file. TLS_SIZE (default 200MB).
TLS_SIZE=${TLS_SIZE:-200MB}
step "5. corscope vs tshark on a TLS 1.3 + HTTP/2 capture with its key log ($TLS_SIZE)"
run cargo build --release --locked --example gen_tls_capture
F=$WORK/tls.pcap
K=$WORK/tls.keylog
run "$ROOT/target/release/examples/gen_tls_capture" --size "$TLS_SIZE" --seed "$SEED" \
  --out "$F" --keylog "$K" --truth "$F.truth.json"
B=$(size_of "$F")
T_REQ=$(json_get "$F.truth.json" requests)
warm "$F" "$K"
user_s() { awk -F': ' '/User time \(seconds\)/ { print $2 }' "$WORK/time"; }
# tls_best LABEL CMD...: the fastest of REPEAT runs; CPU_USER = its user CPU seconds.
tls_best() {
  local label=$1 b_wall= b_mbps= b_rss= b_status= b_failed= b_user= i
  shift
  for i in $(seq 1 "$REPEAT"); do
    measure "$label" "$B" "$@"
    if [ -z "$b_wall" ] || awk -v a="$WALL" -v b="$b_wall" 'BEGIN { exit !(a < b) }'; then
      b_wall=$WALL b_mbps=$MBPS b_rss=$RSS b_status=$STATUS b_failed=$FAILED b_user=$(user_s)
    fi
  done
  WALL=$b_wall MBPS=$b_mbps RSS=$b_rss STATUS=$b_status FAILED=$b_failed CPU_USER=$b_user
}
C_REQ=n/a
if [ -n "$HAVE_PYTHON" ]; then
  C_REQ=$({ "$CORSCOPE" analyze "$F" --keylog "$K" --format jsonl -j 1 2>/dev/null || true; } | tail -n 1 \
    | python3 -c 'import json,sys; s=json.loads(sys.stdin.read())["summary"]; print(s["exchanges"] - s["inferred"])' \
    || echo n/a)
fi
tls_best "corscope --keylog -j 1" "$CORSCOPE" analyze "$F" --keylog "$K" --format jsonl -o /dev/null -j 1
C1_MBPS=$MBPS C1_USER=$CPU_USER
row "TLS 1.3 + h2 vs tshark" "corscope analyze --keylog K --format jsonl -j 1" "$(mb "$B") MB pcap" "$C_REQ exchanges / $T_REQ requests; ${CPU_USER} s user CPU"
tls_best "corscope --keylog (all cores)" "$CORSCOPE" analyze "$F" --keylog "$K" --format jsonl -o /dev/null
C_MBPS=$MBPS C_USER=$CPU_USER
row "TLS 1.3 + h2 vs tshark" "corscope analyze --keylog K --format jsonl" "$(mb "$B") MB pcap" "$C_REQ exchanges / $T_REQ requests; ${CPU_USER} s user CPU"
if [ -n "$HAVE_TSHARK" ]; then
  measure "tshark -o tls.keylog_file" "$B" tshark -n -r "$F" -o "tls.keylog_file:$K" \
    -Y http2.headers.method -T fields -e http2.headers.method
  TS_REQ=$(tr ',' '\n' <"$WORK/out" | grep -c . || true)
  row "TLS 1.3 + h2 vs tshark" "tshark -o tls.keylog_file:K -Y http2.headers.method -T fields -e http2.headers.method" "$(mb "$B") MB pcap" "$TS_REQ requests / $T_REQ requests; $(user_s) s user CPU"
  NOTES+=("TLS 1.3 + HTTP/2 with a key log ($TLS_SIZE): corscope decrypts and judges at **$C_MBPS MB/s** with every core ($C_USER s user CPU), $C1_MBPS MB/s with -j 1 ($C1_USER s); / tshark decrypting the same file with the same key log: **$(ratio "$C_MBPS" "$MBPS")** with every core, $(ratio "$C1_MBPS" "$MBPS") with -j 1. Requests: truth $T_REQ, corscope $C_REQ, tshark $TS_REQ.")
else
  NOTES+=("TLS 1.3 + HTTP/2 with a key log ($TLS_SIZE): corscope $C_MBPS MB/s with every core ($C_USER s user CPU), $C1_MBPS MB/s with -j 1; tshark not available.")
fi

# ---- results -----------------------------------------------------------------------------
step "write $RESULTS"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then COMMIT="$COMMIT (modified)"; fi
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
TSHARK_VERSION=$( [ -n "$HAVE_TSHARK" ] && tshark --version 2>/dev/null | head -n 1 || echo "not installed")
{
  echo "# corscope benchmark results"
  echo
  echo "Written by \`benches/compare.sh\`; regenerate, do not edit."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $CPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  echo "- corscope commit: $COMMIT; $(rustc --version 2>/dev/null || echo rustc unknown); built with $BUILD"
  echo "- peers: $TSHARK_VERSION; har crate 0.9"
  echo "- load average before the run: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- inputs: generated by \`examples/gen_capture.rs\` (seed $SEED; mixes \`browser\` and \`api\`)$( [ -n "$HAVE_PYGEN" ] && echo " and \`gen_http_pcap.py\` (seed 1)"), page cache warm; MB = 10^6 bytes; RSS = peak resident set (GNU time)"
  echo "- corscope rows: fastest of $REPEAT runs; peers: one run (they take 10-100x longer)"
  echo
  echo "| comparison | command | input | wall (s) | MB/s | exchanges/s | peak RSS (MiB) | count |"
  echo "|---|---|---|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  for n in "${NOTES[@]}"; do echo "- $n"; done
  echo "- Where the time goes (a load-independent profile in CPU instructions) and what remains to do: README, section Performance."
  if [ ${#AGAINST_ROWS[@]} -gt 0 ]; then
    echo
    echo "## This build beside $AGAINST_REV"
    echo
    echo "\`--format jsonl\`, the two builds taking turns $AGAINST_ROUNDS times on the same input; wall time in ms, fastest / median; speed-up = $AGAINST_REV's time / this build's."
    echo
    echo "| input | threads | $AGAINST_REV (ms) | this build (ms) | speed-up |"
    echo "|---|---|---:|---:|---:|"
    printf '%s\n' "${AGAINST_ROWS[@]}"
  fi
} >"$RESULTS"
cat "$RESULTS"
