#!/usr/bin/env python3
"""The HTTPS pass: the scenario catalogue served over TLS and HTTP/2 by nginx.

The catalogue of `scenarios.py` is rewritten for HTTPS: every `http://HOST:PORT` URL or
header value becomes `https://HOST:TLS_PORT` (letter case kept), and the one value that was
deliberately `https` where the page is `http` (`acao-mismatch-scheme`) becomes `http` where
the page is `https`, so every scenario tests what it tested before.  The routes keep the
plain ports: nginx terminates TLS on the TLS port of each host and forwards every request to
`servers.py` on the plain port over HTTP/1.1, so the literal servers answer as before.

One host is limited to TLS 1.2 (`TLS12_HOST`), the others offer TLS 1.2 and 1.3: Chromium's
key log then holds both `CLIENT_RANDOM` lines and TLS 1.3 traffic secrets.

Usage:
  https.py catalogue              the HTTPS catalogue as JSON (read by servers.py, drive.mjs)
  https.py hosts                  "name host" per TLS host (certificates are made for these)
  https.py nginx WORKDIR          an nginx.conf using WORKDIR/tls/NAME.{crt,key}
"""

import copy
import json
import re
import sys

import scenarios

PORT_SHIFT = 340
TLS_PORTS = {k: p + PORT_SHIFT for k, p in scenarios.PORTS.items()}
PORT_RANGE = (scenarios.PORT_RANGE[0] + PORT_SHIFT, scenarios.PORT_RANGE[1] + PORT_SHIFT)
TLS12_HOST = "proxy"
# Hosts nginx serves (the backend is reached only by the proxy, `down` refuses connections).
SERVED = [k for k in scenarios.PORTS if k not in ("backend", "down")]

_URL = re.compile(r"\b(https?)://([^/\s\"'@]*@)?([A-Za-z0-9.-]+):(\d+)", re.IGNORECASE)
_PLAIN_TO_TLS = {str(p): str(TLS_PORTS[k]) for k, p in scenarios.PORTS.items()}


def _url(m):
    scheme, userinfo, host, port = m.group(1), m.group(2) or "", m.group(3), m.group(4)
    if scheme.lower() == "http":
        scheme = "HTTPS" if scheme.isupper() else "https"
    else:
        scheme = "HTTP" if scheme.isupper() else "http"
    return f"{scheme}://{userinfo}{host}:{_PLAIN_TO_TLS.get(port, port)}"


def _rewrite(value):
    if isinstance(value, str):
        return _URL.sub(_url, value).replace("(https instead of http)",
                                             "(http instead of https)")
    if isinstance(value, list):
        return [_rewrite(v) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite(v) for k, v in value.items()}
    return value


def catalogue():
    cat = _rewrite(copy.deepcopy(scenarios.catalogue()))
    cat["ports"] = TLS_PORTS
    cat["port_range"] = list(PORT_RANGE)
    cat["upstream_ports"] = scenarios.PORTS
    cat["tls12_host"] = scenarios.HOSTS[TLS12_HOST]
    return cat


NGINX_HEAD = """daemon off;
master_process off;
worker_processes 1;
pid @WORK@/nginx.pid;
error_log @WORK@/nginx-error.log info;
events { worker_connections 512; }
http {
  access_log @WORK@/nginx-access.log;
  client_body_temp_path @WORK@/nginx-tmp/body;
  proxy_temp_path @WORK@/nginx-tmp/proxy;
  fastcgi_temp_path @WORK@/nginx-tmp/fastcgi;
  uwsgi_temp_path @WORK@/nginx-tmp/uwsgi;
  scgi_temp_path @WORK@/nginx-tmp/scgi;
  proxy_http_version 1.1;
  proxy_set_header Host $http_host;
  proxy_redirect off;
  proxy_buffering off;
"""

NGINX_SERVER = """  server {
    listen 127.0.0.1:@PORT@ ssl http2;
    server_name @HOST@;
    ssl_certificate @WORK@/tls/@NAME@.crt;
    ssl_certificate_key @WORK@/tls/@NAME@.key;
    ssl_protocols @PROTOCOLS@;
    location / { proxy_pass http://127.0.0.1:@UPSTREAM@; }
  }
"""


def nginx_conf(work):
    out = [NGINX_HEAD]
    for name in SERVED:
        protocols = "TLSv1.2" if name == TLS12_HOST else "TLSv1.2 TLSv1.3"
        out.append(NGINX_SERVER.replace("@PORT@", str(TLS_PORTS[name]))
                   .replace("@HOST@", scenarios.HOSTS[name]).replace("@NAME@", name)
                   .replace("@PROTOCOLS@", protocols)
                   .replace("@UPSTREAM@", str(scenarios.PORTS[name])))
    out.append("}\n")
    return "".join(out).replace("@WORK@", work)


if __name__ == "__main__":
    if sys.argv[1:] == ["catalogue"]:
        json.dump(catalogue(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif sys.argv[1:] == ["hosts"]:
        for name in SERVED:
            print(name, scenarios.HOSTS[name])
    elif len(sys.argv) == 3 and sys.argv[1] == "nginx":
        sys.stdout.write(nginx_conf(sys.argv[2]))
    else:
        sys.exit(__doc__)
