#!/usr/bin/env bash
# Regenerates samples/recordings/https/: the scenario catalogue over HTTPS and HTTP/2.
# Makes a throwaway CA and one certificate per host with openssl, trusts the CA in a fresh
# NSS database Chromium reads, starts the literal servers behind Debian's nginx (TLS + h2,
# one host limited to TLS 1.2), captures loopback with tcpdump while headless Chromium runs
# every scenario with --ssl-key-log-file and the DevTools front end attached, then embeds
# the key log in a pcapng copy of the capture (editcap --inject-secrets) and checks the
# result.  Stops every process it started, by PID; no private key outlives the run.
#
# Usage: samples/generator/regenerate-https.sh        (as root for apt-get and tcpdump)
set -euo pipefail

GEN="$(cd "$(dirname "$0")" && pwd)"
OUT="$(cd "$GEN/.." && pwd)/recordings/https"
WORK="$(mktemp -d /tmp/corscope-https.XXXXXX)"
PIDS=()

cleanup() {
  local pid
  if [[ -s "$WORK/chromium.pid" ]]; then PIDS+=("$(cat "$WORK/chromium.pid")"); fi
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# 1. Tools: Debian's chromium, nginx, tcpdump, openssl, certutil and editcap/tshark.
if ! command -v chromium >/dev/null || ! command -v nginx >/dev/null \
   || ! command -v tcpdump >/dev/null || ! command -v certutil >/dev/null \
   || ! command -v editcap >/dev/null || ! command -v tshark >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    chromium nginx tcpdump openssl libnss3-tools wireshark-common tshark
fi
if [[ ! -d "$GEN/node_modules/playwright-core" || ! -d "$GEN/node_modules/chrome-har" ]]; then
  (cd "$GEN" && npm ci --no-audit --no-fund)
fi

cd "$GEN"
mkdir -p "$WORK/out" "$WORK/tls" "$WORK/home/.pki/nssdb" "$WORK/nginx-tmp" "$OUT"
python3 https.py catalogue > "$WORK/out/scenarios.json"
read -r PORT_LO PORT_HI < <(python3 -c 'import https as h; print(*h.PORT_RANGE)')

# 2. A CA made for this run, and one certificate per host signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=corscope samples test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$WORK/tls/ca.key" -out "$WORK/tls/ca.crt" 2>/dev/null
while read -r name host; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$host" \
    -keyout "$WORK/tls/$name.key" -out "$WORK/tls/$name.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    "$host" > "$WORK/tls/$name.ext"
  openssl x509 -req -in "$WORK/tls/$name.csr" -CA "$WORK/tls/ca.crt" -CAkey "$WORK/tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$WORK/tls/$name.ext" -out "$WORK/tls/$name.crt" 2>/dev/null
done < <(python3 https.py hosts)

# 3. The CA as a trusted root in the NSS database of the HOME Chromium runs with.
certutil -N -d "sql:$WORK/home/.pki/nssdb" --empty-password
certutil -A -d "sql:$WORK/home/.pki/nssdb" -n "corscope samples test CA" -t "C,," \
  -i "$WORK/tls/ca.crt"

# 4. Literal servers on the plain ports, nginx in front of them on the TLS ports.
python3 servers.py --catalogue "$WORK/out/scenarios.json" --ready-file "$WORK/servers.ready" \
  > "$WORK/servers.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$WORK/servers.ready" ]] && break; sleep 0.1; done
[[ -s "$WORK/servers.ready" ]] || { echo "servers did not start" >&2; exit 1; }
python3 https.py nginx "$WORK" > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" > "$WORK/nginx.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$WORK/nginx.pid" ]] && break; sleep 0.1; done
[[ -s "$WORK/nginx.pid" ]] || { cat "$WORK/nginx.log" "$WORK/nginx-error.log" >&2; exit 1; }

# 5. Loopback capture of the TLS ports only (full packets, bounded count).
tcpdump -i lo -s 0 -U -c 200000 -w "$WORK/out/loopback.pcap" "tcp portrange $PORT_LO-$PORT_HI" \
  > "$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
PIDS+=("$TCPDUMP_PID")
for _ in $(seq 100); do grep -q 'listening on' "$WORK/tcpdump.log" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/tcpdump.log" || { cat "$WORK/tcpdump.log" >&2; exit 1; }

# 6. Chromium with the DevTools front end and a key log: verdicts.json and the DevTools HAR.
HOME="$WORK/home" CORSCOPE_DEBUG_PORT=9342 CORSCOPE_CHROMIUM_PID_FILE="$WORK/chromium.pid" \
  CORSCOPE_CHROMIUM_FLAGS="[\"--ssl-key-log-file=$WORK/out/loopback.keylog\"]" \
  node drive.mjs devtools "$WORK/out/scenarios.json" "$WORK/out"

# 7. Stop the capture (SIGTERM flushes and closes the file).
sleep 1
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
cat "$WORK/tcpdump.log" >&2

# 8. The same capture as pcapng with the key log embedded (a Decryption Secrets Block).
editcap --inject-secrets "tls,$WORK/out/loopback.keylog" \
  "$WORK/out/loopback.pcap" "$WORK/out/loopback-with-secrets.pcapng"

# 9. Publish and check.
for f in scenarios.json verdicts.json chromium-devtools.har loopback.pcap loopback.keylog \
         loopback-with-secrets.pcapng; do
  cp "$WORK/out/$f" "$OUT/$f"
done
python3 check.py --https "$OUT"
