#!/usr/bin/env python3
"""Literal HTTP/1.1 servers and a reverse proxy for the scenario catalogue.

Every response is written byte for byte from the catalogue: status line, header lines in
the given order, case and multiplicity, then the body.  No HTTP library touches the
headers.  One listening socket per port of the catalogue (the `down` port excepted);
connections are keep-alive unless the response or the request says `Connection: close`.

The proxy port forwards the request to the backend port over a fresh connection
(`Connection: close`, `Via` and `X-Forwarded-For` added), then applies the scenario's
transformation to the backend's header lines (strip by name prefix, set, append) and adds
its own `Via` line.  Both legs run on loopback so a capture holds both.

Usage: servers.py [--ready-file PATH] [--catalogue FILE]   (runs until SIGTERM/SIGINT)
  --catalogue FILE  serve this catalogue (JSON, e.g. `https.py catalogue`) instead of
                    `scenarios.py`'s; route ports are the ports listened on either way.
"""

import argparse
import json
import signal
import socket
import threading
from urllib.parse import urlsplit

import scenarios

PAGE_PATH_SUFFIXES = ("page", "page2", "page3")


def build_routes(cat):
    routes = {}
    for sc in cat["scenarios"]:
        for r in sc["routes"]:
            routes.setdefault((r["port"], r["path"]), {})[r["method"]] = r
        for v in sc["visits"]:
            port = scenarios.PORTS[v["page"]]
            path = urlsplit(v["url"]).path
            headers = [["Content-Type", "text/html; charset=utf-8"],
                       ["Cache-Control", "no-store"]]
            if v.get("sandbox"):
                headers.append(["Content-Security-Policy", "sandbox allow-scripts"])
            body = scenarios.page_html(sc, v)
            headers.append(["Content-Length", str(len(body.encode()))])
            routes[(port, path)] = {"GET": {"response": {"status": 200, "reason": "OK",
                                                         "headers": headers, "body": body}}}
    return routes


ROUTES = {}
NOT_FOUND = {"status": 404, "reason": "Not Found",
             "headers": [["Content-Type", "text/plain"], ["Content-Length", "9"]],
             "body": "not found"}


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method, self.target, self.version = method, target, version
        self.headers, self.body = headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def read_request(conn, buf):
    """Returns (Request or None, remaining buffer)."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    req = Request(method, target, version, headers, b"")
    length = int(req.header("Content-Length") or 0)
    while len(buf) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
    req.body, buf = buf[:length], buf[length:]
    return req, buf


def render(resp, req):
    origin = req.header("Origin") or ""
    acrh = req.header("Access-Control-Request-Headers") or ""
    out = [f"HTTP/1.1 {resp['status']} {resp['reason']}"]
    for name, value in resp["headers"]:
        out.append(f"{name}: {value.replace('{origin}', origin).replace('{acrh}', acrh)}")
    head = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
    return head + resp["body"].encode()


def wants_close(resp_headers, req):
    if (req.header("Connection") or "").lower() == "close":
        return True
    return any(n.lower() == "connection" and v.lower() == "close" for n, v in resp_headers)


def proxy(spec, req, port):
    """Forward to the upstream, transform the answer's header lines, return bytes."""
    up = socket.create_connection(("127.0.0.1", spec["upstream"]), timeout=10)
    lines = [f"{req.method} {req.target} {req.version}"]
    for name, value in req.headers:
        if name.lower() == "connection":
            continue
        if name.lower() == "host":
            value = f"backend.corscope.test:{spec['upstream']}"
        lines.append(f"{name}: {value}")
    lines += ["Via: 1.1 corscope-proxy", "X-Forwarded-For: 127.0.0.1",
              f"X-Forwarded-Host: proxy.corscope.test:{port}", "Connection: close"]
    up.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + req.body)
    data = b""
    while True:
        chunk = up.recv(65536)
        if not chunk:
            break
        data += chunk
    up.close()
    head, _, body = data.partition(b"\r\n\r\n")
    hl = head.decode("latin-1").split("\r\n")
    status_line, headers = hl[0], []
    for line in hl[1:]:
        name, _, value = line.partition(":")
        headers.append([name, value.strip()])
    strip = [p.lower() for p in spec.get("strip", [])]
    headers = [h for h in headers
               if not any(h[0].lower().startswith(p) for p in strip)
               and h[0].lower() != "connection"]
    for name, value in spec.get("set", []):
        for h in headers:
            if h[0].lower() == name.lower():
                h[1] = value
    for name, value in spec.get("append", []):
        headers.append([name, value])
    headers.append(["Via", "1.1 corscope-proxy"])
    out = [status_line] + [f"{n}: {v}" for n, v in headers]
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body, headers


def handle(conn, port):
    buf = b""
    conn.settimeout(30)
    try:
        while True:
            req, buf = read_request(conn, buf)
            if req is None:
                return
            path = req.target.split("?", 1)[0]
            table = ROUTES.get((port, path), {})
            route = table.get(req.method) or table.get("*")
            if route is not None and "proxy" in route:
                data, headers = proxy(route["proxy"], req, port)
            else:
                resp = route["response"] if route else NOT_FOUND
                data, headers = render(resp, req), resp["headers"]
            conn.sendall(data)
            if wants_close(headers, req):
                return
    except (OSError, ValueError):
        return
    finally:
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()


def listen(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    return ls


def serve(ls, port):
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(conn, port), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready-file")
    ap.add_argument("--catalogue")
    args = ap.parse_args()
    if args.catalogue:
        with open(args.catalogue, encoding="utf-8") as f:
            ROUTES.update(build_routes(json.load(f)))
    else:
        ROUTES.update(build_routes(scenarios.catalogue()))
    ports = sorted(set(scenarios.PORTS.values()) - {scenarios.PORTS["down"]})
    sockets = [(listen(port), port) for port in ports]  # fails here if a port is taken
    for ls, port in sockets:
        threading.Thread(target=serve, args=(ls, port), daemon=True).start()
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
