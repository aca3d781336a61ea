#!/usr/bin/env bash
# Regenerates the TLS test captures in this directory: OpenSSL's s_server and s_client talk
# HTTP/1.0 over TLS on loopback (ports 8301-8330), tcpdump records each scenario, s_client
# writes the key log. Needs openssl, tcpdump and editcap (Debian: openssl, tcpdump,
# wireshark-common), and root or capture rights on lo. Every process it starts is stopped by
# its PID. Run from anywhere: bash tests/data/tls/regenerate.sh
set -euo pipefail
OUT="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 3650 \
  -subj "/CN=tls.test" -addext "subjectAltName=DNS:tls.test,DNS:api.tls.test" 2>/dev/null
printf 'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nAccess-Control-Allow-Origin: https://app.test\r\n\r\n{"ok":true}\n' > api.json
REQUEST='GET /api.json HTTP/1.0\r\nHost: tls.test\r\nOrigin: https://app.test\r\n\r\n'
printf "$REQUEST" > request.txt

wait_for() { # file pattern
  for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for '$2' in $1" >&2; return 1
}

# server PORT ARGS...: an s_server answering with files of this directory, in the background.
server() {
  local port=$1; shift
  openssl s_server -accept "127.0.0.1:$port" -cert cert.pem -key key.pem -HTTP "$@" \
    > "server-$port.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
}

# capture NAME PORT: starts tcpdump for the scenario.
capture() {
  tcpdump -i lo -U -s 0 -w "$1.pcap" "tcp port $2" > "tcpdump-$1.log" 2>&1 &
  DUMP=$!
  PIDS+=("$DUMP")
  wait_for "tcpdump-$1.log" "listening on"
  sleep 0.5
}

# client PORT KEYS ARGS...: one request, waits for the server to close.
client() {
  local port=$1 keys=$2; shift 2
  printf "$REQUEST" | openssl s_client -connect "127.0.0.1:$port" -keylogfile "$keys" \
    -ign_eof "$@" > client.log 2>&1 || true
}

# finish NAME: stops tcpdump and the server, keeps capture and key log.
finish() {
  sleep 0.5
  kill "$DUMP"; wait "$DUMP" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
  cp "$1.pcap" "$OUT/$1.pcap"
  cp "$1.keys" "$OUT/$1.keys"
}

# simple NAME PORT SERVER_ARGS -- CLIENT_ARGS: one connection.
simple() {
  local name=$1 port=$2; shift 2
  local sargs=() cargs=()
  while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  shift
  cargs=("$@")
  case " ${cargs[*]} " in
    *" -noservername "*) ;;
    *) cargs=(-servername tls.test "${cargs[@]}") ;;
  esac
  server "$port" "${sargs[@]}"
  capture "$name" "$port"
  client "$port" "$name.keys" "${cargs[@]}"
  finish "$name"
}

T13=(-tls1_3 -ciphersuites)
simple tls13-aes128gcm 8301 "${T13[@]}" TLS_AES_128_GCM_SHA256 -alpn http/1.1 -- "${T13[@]}" TLS_AES_128_GCM_SHA256 -alpn h2,http/1.1
simple tls13-aes256gcm 8302 "${T13[@]}" TLS_AES_256_GCM_SHA384 -- "${T13[@]}" TLS_AES_256_GCM_SHA384
simple tls13-chacha20 8303 "${T13[@]}" TLS_CHACHA20_POLY1305_SHA256 -- "${T13[@]}" TLS_CHACHA20_POLY1305_SHA256
simple tls12-ecdhe-aes128gcm 8304 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -alpn http/1.1 -- -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -alpn h2,http/1.1
simple tls12-ecdhe-aes256gcm 8305 -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -- -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
simple tls12-ecdhe-chacha20 8306 -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -- -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
simple tls12-dhe-aes128gcm 8307 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
simple tls12-rsa-aes128gcm 8308 -tls1_2 -cipher AES128-GCM-SHA256 -- -tls1_2 -cipher AES128-GCM-SHA256
simple tls12-cbc-sha-etm 8309 -tls1_2 -cipher ECDHE-RSA-AES128-SHA -- -tls1_2 -cipher ECDHE-RSA-AES128-SHA
simple tls12-cbc-sha-mte 8310 -tls1_2 -cipher ECDHE-RSA-AES128-SHA -- -tls1_2 -cipher ECDHE-RSA-AES128-SHA -no_etm
simple tls12-cbc-sha256 8311 -tls1_2 -cipher AES256-SHA256 -- -tls1_2 -cipher AES256-SHA256 -no_etm
simple tls12-cbc-sha384 8312 -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -- -tls1_2 -cipher ECDHE-RSA-AES256-SHA384
simple tls11-cbc 8313 -tls1_1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -- -tls1_1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -no_etm
simple tls10-cbc-etm 8314 -tls1 -cipher 'AES256-SHA:@SECLEVEL=0' -- -tls1 -cipher 'AES256-SHA:@SECLEVEL=0'
simple tls12-ccm-unsupported 8315 -tls1_2 -cipher DHE-RSA-AES128-CCM -- -tls1_2 -cipher DHE-RSA-AES128-CCM
simple tls13-hello-retry 8316 -tls1_3 -groups P-256 -- -tls1_3 -groups X25519:P-256
simple tls13-no-sni 8317 -tls1_3 -- -tls1_3 -noservername

# Key updates: the client updates its keys ("k") and sends the request; the server, in s_server's
# echo mode, updates its keys asking the client to do the same ("K"), then sends the response.
RESPONSE='HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nAccess-Control-Allow-Origin: https://app.test\r\nContent-Length: 12\r\n\r\n{"ok":true}\n'
( sleep 1.5; echo K; sleep 0.3; printf "$RESPONSE"; sleep 2 ) |
  openssl s_server -accept 127.0.0.1:8318 -cert cert.pem -key key.pem -tls1_3 -naccept 1 \
  > server-8318.log 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
sleep 0.5
capture tls13-key-update 8318
( sleep 0.3; echo k; sleep 0.3; printf "$REQUEST"; sleep 2.5 ) |
  openssl s_client -connect 127.0.0.1:8318 -servername tls.test -keylogfile tls13-key-update.keys \
  > client.log 2>&1 || true
finish tls13-key-update

# Resumption: a first connection saves its session, a second resumes it.
resumed() { # NAME PORT SERVER_ARGS -- CLIENT_ARGS
  local name=$1 port=$2; shift 2
  local sargs=() cargs=()
  while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  shift
  cargs=("$@")
  server "$port" "${sargs[@]}"
  capture "$name" "$port"
  client "$port" "$name.keys" -servername tls.test -sess_out "$name.sess" "${cargs[@]}"
  client "$port" "$name.keys" -servername tls.test -sess_in "$name.sess" "${cargs[@]}"
  finish "$name"
}
resumed tls12-resume-session-id 8319 -tls1_2 -no_ticket -- -tls1_2
resumed tls12-resume-ticket 8320 -tls1_2 -- -tls1_2
resumed tls13-resume-psk 8321 -tls1_3 -- -tls1_3

# 0-RTT: the second connection sends the request as early data. s_server cannot answer HTTP
# and read early data at once, so it runs in its echo mode, sending nothing.
(sleep 6 | openssl s_server -accept 127.0.0.1:8322 -cert cert.pem -key key.pem -tls1_3 \
  -early_data -naccept 2 > server-8322.log 2>&1) &
SERVER=$!
PIDS+=("$SERVER")
sleep 0.5
capture tls13-early-data 8322
sleep 1 | openssl s_client -connect 127.0.0.1:8322 -servername tls.test -sess_out early.sess \
  -keylogfile tls13-early-data.keys > client.log 2>&1 || true
sleep 1 | openssl s_client -connect 127.0.0.1:8322 -servername tls.test -sess_in early.sess \
  -early_data request.txt -keylogfile tls13-early-data.keys > client.log 2>&1 || true
grep -q "Early data was accepted" client.log
finish tls13-early-data

# HTTP/2 over TLS: Debian's nginx (http2 on port 8340) and curl --http2, two requests on one
# connection; curl writes the key log (SSLKEYLOGFILE).
mkdir -p www logs
printf '{"ok":true}\n' > www/api.json
cat > nginx.conf <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/logs; proxy_temp_path $WORK/logs; fastcgi_temp_path $WORK/logs;
  uwsgi_temp_path $WORK/logs; scgi_temp_path $WORK/logs;
  server {
    listen 127.0.0.1:8340 ssl http2;
    server_name tls.test;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    root $WORK/www;
    location / { add_header Access-Control-Allow-Origin https://app.test; }
  }
}
CONF
nginx -c "$WORK/nginx.conf"
sleep 0.5
PIDS+=("$(cat "$WORK/nginx.pid")")
capture h2-nginx-curl 8340
SSLKEYLOGFILE="$WORK/h2-nginx-curl.keys" curl -s --http2 -k --resolve tls.test:8340:127.0.0.1 \
  -H 'Origin: https://app.test' https://tls.test:8340/api.json https://tls.test:8340/api.json \
  > /dev/null
SERVER=$(cat "$WORK/nginx.pid")
finish h2-nginx-curl

# The same TLS 1.3 connection as a pcapng file carrying its key log.
editcap --inject-secrets "tls,$OUT/tls13-aes128gcm.keys" "$OUT/tls13-aes128gcm.pcap" \
  "$OUT/tls13-aes128gcm-secrets.pcapng"
ls -l "$OUT"
