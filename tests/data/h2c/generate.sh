#!/usr/bin/env bash
# Regenerates the h2c captures in this folder with real software on loopback, and what tshark
# finds in them (`*.tshark.tsv`, one line per HTTP/2 HEADERS frame, for tests/pcap_http2.rs):
#   prior-knowledge.pcap  curl --http2-prior-knowledge against nginx `listen ... http2`: a
#                         GET, a preflight, a 404; then nghttp: six streams at once on one
#                         connection, and a POST with a body;
#   upgrade.pcap          curl --http2 (HTTP/1.1 `Upgrade: h2c`, 101) against hypercorn;
#   proxy.pcap            curl --http2-prior-knowledge against an nginx h2c reverse proxy that
#                         drops Access-Control-Allow-Origin from its HTTP/1.1 backend (both legs).
# Ports 8200-8210 on 127.0.0.1. Every process started here is stopped by PID on exit.
#
# Usage: tests/data/h2c/generate.sh   (as root for tcpdump; installs what is missing)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /tmp/corscope-h2c.XXXXXX)"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for tool in nginx tcpdump tshark curl nghttp; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx tcpdump tshark curl nghttp2-client
    break
  fi
done
python3 -c 'import hypercorn' 2>/dev/null || pip install -q hypercorn

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  exit 1
}

sed "s#WORK#$WORK#g" "$HERE/nginx.conf" > "$WORK/nginx.conf"
mkdir -p "$WORK/body" "$WORK/proxy" "$WORK/fastcgi" "$WORK/uwsgi" "$WORK/scgi"
nginx -c "$WORK/nginx.conf" -e "$WORK/error.log" &
PIDS+=("$!")
(cd "$HERE" && exec python3 -m hypercorn --bind 127.0.0.1:8210 app:app) > "$WORK/hypercorn.log" 2>&1 &
PIDS+=("$!")
for port in 8200 8201 8202 8210; do wait_port "$port"; done

ORIGIN='Origin: http://app.test:8100'
capture() { # name port-filter command...
  local name="$1" filter="$2"
  shift 2
  tcpdump -i lo -s 0 -U --immediate-mode -c 10000 -w "$WORK/$name.pcap" "$filter" > "$WORK/$name.tcpdump.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do grep -q "listening on" "$WORK/$name.tcpdump.log" && break; sleep 0.1; done
  sleep 1
  "$@"
  sleep 1
  kill -TERM "$pid"
  wait "$pid" || true
  cat "$WORK/$name.tcpdump.log" >&2
  # A capture that lost a packet is no reference: try again.
  if grep -q '^[1-9][0-9]* packets dropped' "$WORK/$name.tcpdump.log" \
    || [[ -n "$(tshark -r "$WORK/$name.pcap" -Y 'tcp.analysis.lost_segment or tcp.analysis.ack_lost_segment' 2>/dev/null)" ]]; then
    echo "$name: packets lost, capturing again" >&2
    capture "$name" "$filter" "$@"
    return
  fi
  cp "$WORK/$name.pcap" "$HERE/$name.pcap"
}

prior_knowledge() {
  local base='http://api.test:8200'
  # One request per connection: curl 7.88 fails to reuse a prior-knowledge connection.
  local curl=(curl -sS -o /dev/null --http2-prior-knowledge --resolve api.test:8200:127.0.0.1 -H "$ORIGIN")
  "${curl[@]}" "$base/api/items?page=1"
  "${curl[@]}" -X OPTIONS -H 'Access-Control-Request-Method: PUT' "$base/api/preflight"
  "${curl[@]}" "$base/missing"
  # Six streams at once on one connection, then a POST with a body (nghttp resolves no
  # names: the authority is given apart).
  local ip='http://127.0.0.1:8200'
  nghttp -n -H ':authority: api.test:8200' -H "$ORIGIN" \
    "$ip/api/a" "$ip/api/b" "$ip/api/c" "$ip/api/d" "$ip/api/e" "$ip/api/f"
  printf '{"name": "x"}' > "$WORK/body.json"
  nghttp -n -H ':authority: api.test:8200' -H "$ORIGIN" -d "$WORK/body.json" "$ip/api/items"
}

upgrade() {
  local base='http://api.test:8210'
  curl -sS -o /dev/null -o /dev/null --http2 --resolve api.test:8210:127.0.0.1 -H "$ORIGIN" \
    "$base/api/first" "$base/api/second"
  curl -sS -o /dev/null --http2 --resolve api.test:8210:127.0.0.1 -H "$ORIGIN" \
    -X OPTIONS -H 'Access-Control-Request-Method: PUT' "$base/api/preflight"
}

proxy() {
  curl -sS -o /dev/null --http2-prior-knowledge --resolve proxy.test:8201:127.0.0.1 -H "$ORIGIN" \
    -w "proxy %{http_code}\n" "http://proxy.test:8201/s/proxy/data"
}

capture prior-knowledge 'tcp port 8200' prior_knowledge
capture upgrade 'tcp port 8210' upgrade
capture proxy 'tcp port 8201 or tcp port 8202' proxy

# What tshark sees: every HTTP/2 HEADERS frame (frame, method, path, status, authority; a
# packet with several HEADERS frames lists each field's values joined by '|'), and every
# HTTP/1.x message (the upgrade request and its 101, the proxy's upstream leg).
for name in prior-knowledge upgrade proxy; do
  decode=(-d tcp.port==8200,http2 -d tcp.port==8201,http2 -d tcp.port==8202,http -d tcp.port==8210,http)
  tshark -r "$HERE/$name.pcap" "${decode[@]}" -Y 'http2.type == 1' -T fields -E separator=/t \
    -E occurrence=a -E aggregator='|' -e frame.number -e http2.headers.method \
    -e http2.headers.path -e http2.headers.status -e http2.headers.authority \
    > "$HERE/$name.tshark.tsv"
  tshark -r "$HERE/$name.pcap" "${decode[@]}" -Y 'http.request or http.response' -T fields \
    -E separator=/t -e frame.number -e http.request.method -e http.request.uri \
    -e http.response.code > "$HERE/$name.tshark-http1.tsv"
done
tshark -v | head -1 > "$HERE/tshark.version"
ls -l "$HERE"
