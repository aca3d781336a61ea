#!/usr/bin/env bash
# Regenerates every recording under samples/recordings/ from the scenario catalogue:
# starts the literal servers and a loopback capture, runs headless Chromium with the
# DevTools front end attached, exports its HARs, turns the same run's protocol events into a
# chrome-har HAR, records a Playwright HAR, runs headless Firefox with its Network panel open
# and saves that panel's HAR, checks the result.  Stops every process it started, by PID.
#
# Usage: samples/generator/regenerate.sh        (as root for apt-get and tcpdump)
set -euo pipefail

GEN="$(cd "$(dirname "$0")" && pwd)"
OUT="$(cd "$GEN/.." && pwd)/recordings"
WORK="$(mktemp -d /tmp/corscope-samples.XXXXXX)"
PIDS=()

cleanup() {
  local pid
  if [[ -s "$WORK/chromium.pid" ]]; then PIDS+=("$(cat "$WORK/chromium.pid")"); fi
  if [[ -s "$WORK/firefox.pid" ]]; then PIDS+=("$(cat "$WORK/firefox.pid")"); fi
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# 1. Tools: Debian's chromium, firefox-esr and tcpdump, node packages from the lock file.
if ! command -v chromium >/dev/null || ! command -v firefox-esr >/dev/null \
   || ! command -v tcpdump >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium firefox-esr tcpdump
fi
if [[ ! -d "$GEN/node_modules/playwright-core" || ! -d "$GEN/node_modules/chrome-har" ]]; then
  (cd "$GEN" && npm ci --no-audit --no-fund)
fi

cd "$GEN"
mkdir -p "$WORK/out" "$OUT"
python3 scenarios.py > "$WORK/out/scenarios.json"
read -r PORT_LO PORT_HI < <(python3 -c 'import scenarios as s; print(*s.PORT_RANGE)')

# 2. Servers.
python3 servers.py --ready-file "$WORK/servers.ready" > "$WORK/servers.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$WORK/servers.ready" ]] && break; sleep 0.1; done
[[ -s "$WORK/servers.ready" ]] || { echo "servers did not start" >&2; exit 1; }

# 3. Loopback capture of the scenario ports only (full packets, bounded count).
tcpdump -i lo -s 0 -U -c 200000 -w "$WORK/out/loopback.pcap" "tcp portrange $PORT_LO-$PORT_HI" \
  > "$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
PIDS+=("$TCPDUMP_PID")
for _ in $(seq 100); do grep -q 'listening on' "$WORK/tcpdump.log" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/tcpdump.log" || { cat "$WORK/tcpdump.log" >&2; exit 1; }

# 4. Chromium with the DevTools front end: verdicts.json, both DevTools HARs and the
#    chrome-har HAR of the same protocol events.
CORSCOPE_CHROMIUM_PID_FILE="$WORK/chromium.pid" \
  node drive.mjs devtools "$WORK/out/scenarios.json" "$WORK/out"

# 5. Stop the capture (SIGTERM flushes and closes the file) before the second run.
sleep 1
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
cat "$WORK/tcpdump.log" >&2

# 6. The same scenarios through Playwright's recordHar (not in the pcap).
node drive.mjs playwright "$WORK/out/scenarios.json" "$WORK/out"

# 7. Firefox with its Network panel open: firefox-verdicts.json and firefox-devtools.har (a
#    third run, not in the pcap).
CORSCOPE_FIREFOX_PID_FILE="$WORK/firefox.pid" \
  node drive-firefox.mjs "$WORK/out/scenarios.json" "$WORK/out"

# 8. Publish and check.
for f in scenarios.json verdicts.json chromium-devtools.har chromium-devtools-sanitized.har \
         chrome-har.har playwright.har loopback.pcap firefox-verdicts.json firefox-devtools.har; do
  cp "$WORK/out/$f" "$OUT/$f"
done
python3 check.py "$OUT"
