#!/usr/bin/env python3
"""The scenario catalogue: the one source of truth for the recorded samples.

Each scenario says what a page does (its steps) and exactly what every server route
answers (status line, header lines in order with exact case and duplicates, body).
`servers.py` serves these routes byte for byte; `drive.mjs` runs the steps in headless
Chromium.  `python3 scenarios.py` prints the catalogue as JSON (the form the driver reads).

Hosts (all resolved to 127.0.0.1 by Chromium's --host-resolver-rules):
  app.corscope.test:8100    page origin
  api.corscope.test:8101    API origin (same site as the page: corscope.test)
  other.test:8102           a cross-site origin (redirect targets)
  proxy.corscope.test:8103  reverse proxy in front of backend.corscope.test:8104
  backend.corscope.test:8104
  down.corscope.test:8105   nothing listens here (connection refused)
  app2.corscope.test:8106   a second page origin, same site as app (shared HTTP cache)

Header values may contain `{origin}`: the server substitutes the request's Origin header
(used only where a scenario models an origin-reflecting server); `{acrh}` likewise stands for
the request's Access-Control-Request-Headers (a server allowing exactly what is asked).
"""

import json
import sys

PORTS = {"app": 8100, "api": 8101, "other": 8102, "proxy": 8103, "backend": 8104,
         "down": 8105, "app2": 8106}
HOSTS = {"app": "app.corscope.test", "api": "api.corscope.test", "other": "other.test",
         "proxy": "proxy.corscope.test", "backend": "backend.corscope.test",
         "down": "down.corscope.test", "app2": "app2.corscope.test"}
ORIGIN = {k: f"http://{HOSTS[k]}:{PORTS[k]}" for k in PORTS}
APP = ORIGIN["app"]
HOST_RESOLVER_RULES = "MAP *.test 127.0.0.1"
PORT_RANGE = (8100, 8109)

REASONS = {200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
           301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect",
           308: "Permanent Redirect", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}


def resp(status, *headers, body="ok", ctype="text/plain", close=False):
    """A literal response: the given header lines, then Content-Type/Content-Length."""
    lines = [list(h) for h in headers]
    if body and ctype:
        lines.append(["Content-Type", ctype])
    lines.append(["Content-Length", str(len(body.encode()))])
    if close:
        lines.append(["Connection", "close"])
    return {"status": status, "reason": REASONS[status], "headers": lines, "body": body}


def url(host, sid, name):
    return f"{ORIGIN[host]}/s/{sid}/{name}"


def fetch(u, method="GET", headers=None, body=None, credentials=None, mode=None,
          redirect=None):
    step = {"api": "fetch", "url": u, "method": method}
    if headers:
        step["headers"] = headers
    if body is not None:
        step["body"] = body
    if credentials:
        step["credentials"] = credentials
    if mode:
        step["mode"] = mode
    if redirect:
        step["redirect"] = redirect
    return step


def xhr(u, method="GET", headers=None, body=None, with_credentials=False,
        upload_listener=False):
    step = {"api": "xhr", "url": u, "method": method, "withCredentials": with_credentials}
    if headers:
        step["headers"] = headers
    if body is not None:
        step["body"] = body
    if upload_listener:
        step["uploadListener"] = True
    return step


def font(u):
    """A FontFace load: a CSS font fetch (mode cors, credentials same-origin)."""
    return {"api": "font", "url": u, "method": "GET"}


SCENARIOS = []


def scenario(sid, title, expect, kind, steps, routes, errors=(), net_error=None,
             visits=None, sandbox=False, issues=()):
    """kind: correct (nothing blocked), blocked (CORS blocks), failure (not CORS),
    warning (not blocked by this Chromium build, blocked by the spec or other browsers).

    errors: the CorsError values expected on Network.loadingFailed; issues: CorsIssue or
    DeprecationIssue values expected only from the Audits domain (no network request)."""
    assert kind in ("correct", "blocked", "failure", "warning")
    if visits is None:
        visits = [{"page": "app", "steps": steps, "sandbox": sandbox}]
    rt = []
    for (host, name, method), r in routes.items():
        rt.append({"port": PORTS[host], "path": f"/s/{sid}/{name}", "method": method,
                   **({"proxy": r["proxy"]} if "proxy" in r else {"response": r})})
    for i, v in enumerate(visits):
        v["url"] = url(v["page"], sid, "page" if i == 0 else f"page{i + 1}")
    SCENARIOS.append({"id": sid, "title": title, "kind": kind, "expect": expect,
                      "expected_cors_errors": list(errors), "expected_issues": list(issues),
                      "expected_net_error": net_error,
                      "visits": visits, "routes": rt})


O = APP
ACAO_O = ("Access-Control-Allow-Origin", O)
ACAO_ANY = ("Access-Control-Allow-Origin", "*")
ACAC = ("Access-Control-Allow-Credentials", "true")
VARY = ("Vary", "Origin")
NGINX = ("Server", "nginx/1.24.0")


def login_route(sid):
    """A credentialed, correctly answered request that sets a SameSite=Lax cookie."""
    return {("api", "login", "GET"): resp(
        200, ACAO_O, ACAC, VARY,
        ("Set-Cookie", f"sid=s-{sid}; Path=/s/{sid}/; SameSite=Lax; HttpOnly"))}


def login_step(sid):
    return fetch(url("api", sid, "login"), credentials="include")


# --------------------------------------------------------------------------------------
# Correct configurations: nothing may be flagged.
# --------------------------------------------------------------------------------------
s = "ok-simple-get-exact-origin"
scenario(s, "Simple GET, ACAO equals the page origin", "Allowed; 200 readable.", "correct",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ACAO_O, VARY)})

s = "ok-simple-get-wildcard"
scenario(s, "Simple GET, ACAO * without credentials", "Allowed.", "correct",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ACAO_ANY, close=True)})

s = "ok-simple-post-text-plain"
scenario(s, "POST text/plain (no preflight), ACAO *", "Allowed without preflight.", "correct",
         [fetch(url("api", s, "submit"), "POST", {"Content-Type": "text/plain;charset=UTF-8"},
                "hello")],
         {("api", "submit", "POST"): resp(201, ACAO_ANY)})

s = "ok-preflight-put"
scenario(s, "PUT with preflight allowed", "Preflight 204 then PUT 200; allowed.", "correct",
         [fetch(url("api", s, "item"), "PUT", {"Content-Type": "text/plain"}, "x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods",
                                                         "GET, PUT"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

s = "ok-preflight-json"
scenario(s, "POST application/json with Content-Type allowed", "Preflight lists content-type; allowed.",
         "correct",
         [fetch(url("api", s, "items"), "POST", {"Content-Type": "application/json"}, '{"a":1}')],
         {("api", "items", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "POST"),
                                            ("Access-Control-Allow-Headers", "Content-Type"),
                                            body=""),
          ("api", "items", "POST"): resp(201, ACAO_O, body='{"id":1}', ctype="application/json")})

s = "ok-preflight-custom-header"
scenario(s, "Custom header allowed (ACAH lower case)", "Allowed; header names match case-insensitively.",
         "correct",
         [fetch(url("api", s, "data"), headers={"X-Api-Key": "k-123"})],
         {("api", "data", "OPTIONS"): resp(200, ACAO_O, ("access-control-allow-headers", "x-api-key"),
                                           body=""),
          ("api", "data", "GET"): resp(200, ACAO_O)})

s = "ok-authorization-listed"
scenario(s, "Authorization header explicitly listed in ACAH", "Allowed.", "correct",
         [fetch(url("api", s, "me"), headers={"Authorization": "Bearer t0k3n"})],
         {("api", "me", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Headers",
                                                       "Authorization, *"), body=""),
          ("api", "me", "GET"): resp(200, ACAO_O, body='{"user":"u"}', ctype="application/json")})

s = "ok-wildcard-headers-no-credentials"
scenario(s, "ACAH * covers a custom header without credentials", "Allowed.", "correct",
         [fetch(url("api", s, "data"), headers={"X-Trace-Id": "abc"})],
         {("api", "data", "OPTIONS"): resp(204, ACAO_ANY, ("Access-Control-Allow-Headers", "*"),
                                           body=""),
          ("api", "data", "GET"): resp(200, ACAO_ANY)})

s = "ok-wildcard-methods-no-credentials"
scenario(s, "ACAM * covers DELETE without credentials", "Allowed.", "correct",
         [fetch(url("api", s, "item"), "DELETE")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_ANY, ("Access-Control-Allow-Methods", "*"),
                                           body=""),
          ("api", "item", "DELETE"): resp(204, ACAO_ANY, body="")})

s = "ok-credentialed-cookie"
scenario(s, "Credentialed GET carrying a cookie, ACAO=origin and ACAC true",
         "Login sets a SameSite=Lax cookie; the GET carries it; allowed.", "correct",
         [login_step(s), fetch(url("api", s, "profile"), credentials="include")],
         {**login_route(s),
          ("api", "profile", "GET"): resp(200, ACAO_O, ACAC, VARY, body='{"user":"u"}',
                                          ctype="application/json")})

s = "ok-credentialed-no-cookie"
scenario(s, "Credentialed GET without stored cookies, ACAO=origin and ACAC true",
         "No cookie is sent (none stored); allowed.", "correct",
         [fetch(url("api", s, "profile"), credentials="include")],
         {("api", "profile", "GET"): resp(200, ACAO_O, ACAC, VARY)})

s = "ok-credentialed-preflight"
scenario(s, "Credentialed PUT with preflight; both answers carry ACAO=origin and ACAC true",
         "Preflight (no cookie) passes; PUT carries the cookie; allowed.", "correct",
         [login_step(s), fetch(url("api", s, "item"), "PUT", {"Content-Type": "application/json"},
                               '{"a":1}', credentials="include")],
         {**login_route(s),
          ("api", "item", "OPTIONS"): resp(204, ACAO_O, ACAC, ("Access-Control-Allow-Methods", "PUT"),
                                           ("Access-Control-Allow-Headers", "content-type"),
                                           VARY, body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O, ACAC, VARY)})

s = "ok-xhr-simple"
scenario(s, "XMLHttpRequest GET, ACAO *", "Allowed.", "correct",
         [xhr(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ACAO_ANY)})

s = "ok-xhr-with-credentials"
scenario(s, "XMLHttpRequest withCredentials carrying a cookie, ACAO=origin and ACAC true",
         "Allowed.", "correct",
         [login_step(s), xhr(url("api", s, "profile"), with_credentials=True)],
         {**login_route(s), ("api", "profile", "GET"): resp(200, ACAO_O, ACAC, VARY)})

s = "ok-xhr-upload-forced-preflight"
scenario(s, "XHR POST with an upload listener forces a preflight; ACAO only",
         "A preflight is sent although the request is simple; passes without ACAM; allowed.",
         "correct",
         [xhr(url("api", s, "upload"), "POST", {"Content-Type": "text/plain"}, "payload",
              upload_listener=True)],
         {("api", "upload", "OPTIONS"): resp(200, ACAO_O, body=""),
          ("api", "upload", "POST"): resp(200, ACAO_O)})

s = "ok-vary-origin-cache"
scenario(s, "Cacheable response with Vary: Origin fetched from two origins of one site",
         "The second origin does not reuse the first origin's cached answer; both allowed.",
         "correct", None,
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", "{origin}"),
                                       ("Cache-Control", "public, max-age=600"), VARY)},
         visits=[{"page": "app", "steps": [fetch(url("api", s, "data"))]},
                 {"page": "app2", "steps": [fetch(url("api", s, "data"))]}])

s = "ok-preflight-cache-reuse"
scenario(s, "Two PUTs to one URL; Access-Control-Max-Age: 600",
         "One preflight; the second PUT is sent without a preflight (preflight cache); allowed.",
         "correct",
         [fetch(url("api", s, "item"), "PUT", body="1"), fetch(url("api", s, "item"), "PUT", body="2")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                           ("Access-Control-Max-Age", "600"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

s = "ok-max-age-zero"
scenario(s, "Two PUTs to one URL; Access-Control-Max-Age: 0",
         "Each PUT gets its own preflight; allowed.", "correct",
         [fetch(url("api", s, "item"), "PUT", body="1"), fetch(url("api", s, "item"), "PUT", body="2")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                           ("Access-Control-Max-Age", "0"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

s = "ok-preflight-cache-invalid-max-age"
scenario(s, "Two PUTs to one URL; Access-Control-Max-Age: abc",
         "Chromium caches an unparsable Max-Age for 5 s (one preflight); Firefox does not cache "
         "it (two preflights); allowed.", "correct",
         [fetch(url("api", s, "item"), "PUT", body="1"), fetch(url("api", s, "item"), "PUT", body="2")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                           ("Access-Control-Max-Age", "abc"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

s = "ok-preflight-cache-per-header"
scenario(s, "PUTs with X-A, then X-B, then both; the preflight allows exactly the requested headers",
         "Chromium keeps the last result per URL (a third preflight for both headers); Firefox "
         "keeps an entry per header (no third preflight); allowed.", "correct",
         [fetch(url("api", s, "item"), "PUT", headers={"X-A": "1"}, body="1"),
          fetch(url("api", s, "item"), "PUT", headers={"X-B": "1"}, body="2"),
          fetch(url("api", s, "item"), "PUT", headers={"X-A": "1", "X-B": "1"}, body="3")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                           ("Access-Control-Allow-Headers", "{acrh}"),
                                           ("Access-Control-Max-Age", "600"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

s = "ok-redirect-cross-origin"
scenario(s, "Cross-origin redirect with ACAO on every hop; final answers ACAO *",
         "After the redirect the Origin is null; * allows it without credentials.", "correct",
         [fetch(url("api", s, "start"))],
         {("api", "start", "GET"): resp(307, ACAO_O, ("Location", url("other", s, "final")), body=""),
          ("other", "final", "GET"): resp(200, ACAO_ANY)})

s = "ok-no-cors-opaque"
scenario(s, "fetch mode no-cors to a server without CORS headers",
         "Opaque response; no CORS check; not blocked.", "correct",
         [fetch(url("api", s, "pixel"), mode="no-cors")],
         {("api", "pixel", "GET"): resp(200)})

s = "ok-same-origin"
scenario(s, "Same-origin fetch without any CORS headers", "No CORS involved; allowed.", "correct",
         [fetch(url("app", s, "local"), "PUT", {"X-Custom": "1"}, "x")],
         {("app", "local", "PUT"): resp(200)})

s = "ok-error-with-cors-headers"
scenario(s, "404 answered with ACAO (nginx add_header ... always)",
         "Not a CORS failure: the page reads status 404.", "correct",
         [fetch(url("api", s, "missing"))],
         {("api", "missing", "GET"): resp(404, NGINX, ACAO_O, body="not found")})

s = "ok-proxy-passthrough"
scenario(s, "Reverse proxy forwards the backend's CORS headers unchanged", "Allowed.", "correct",
         [fetch(url("proxy", s, "data"))],
         {("proxy", "data", "*"): {"proxy": {"upstream": PORTS["backend"]}},
          ("backend", "data", "GET"): resp(200, ACAO_O, VARY)})

s = "ok-null-origin-allowed"
scenario(s, "Sandboxed (opaque-origin) page; server answers ACAO null",
         "Origin: null is sent and ACAO null matches it; allowed (but unsafe practice).",
         "correct", [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", "null"))},
         sandbox=True)

s = "ok-expose-headers"
scenario(s, "Response exposes X-Total-Count via ACEH", "Allowed; header readable.", "correct",
         [fetch(url("api", s, "list"))],
         {("api", "list", "GET"): resp(200, ACAO_O, ("Access-Control-Expose-Headers", "X-Total-Count"),
                                       ("X-Total-Count", "42"), VARY)})

s = "ok-range-safelisted"
scenario(s, "GET with a safelisted Range header (no preflight)", "206 allowed without preflight.",
         "correct", [fetch(url("api", s, "blob"), headers={"Range": "bytes=0-3"})],
         {("api", "blob", "GET"): resp(206, ACAO_ANY, ("Content-Range", "bytes 0-3/10"), body="abcd")})

s = "ok-font-wildcard"
scenario(s, "Cross-origin web font answered ACAO *",
         "Fonts are fetched in cors mode without credentials: allowed.", "correct",
         [font(url("api", s, "font.woff2"))],
         {("api", "font.woff2", "GET"): resp(200, ACAO_ANY, body="wOF2", ctype="font/woff2")})

s = "ok-header-control-byte"
scenario(s, "A custom header whose value holds a control byte (U+0001), allowed by the preflight",
         "Fetch allows control bytes other than NUL, CR and LF in a header value; not safelisted, so "
         "a preflight asks for it; allowed.", "correct",
         [fetch(url("api", s, "data"), headers={"X-Trace": "a\u0001b"})],
         {("api", "data", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Headers", "x-trace"),
                                           body=""),
          ("api", "data", "GET"): resp(200, ACAO_O)})

s = "ok-preflight-allow-methods-lowercase-put"
scenario(s, "fetch method 'put' is normalised to PUT; ACAM PUT", "Allowed (normalised method).",
         "correct", [fetch(url("api", s, "item"), "put", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)})

# --------------------------------------------------------------------------------------
# Actual response fails the CORS check.
# --------------------------------------------------------------------------------------
s = "missing-acao-get"
scenario(s, "Simple GET, no ACAO", "Blocked: MissingAllowOriginHeader.", "blocked",
         [fetch(url("api", s, "data"))], {("api", "data", "GET"): resp(200)},
         ["MissingAllowOriginHeader"])

s = "missing-acao-post"
scenario(s, "Simple POST form-urlencoded, no ACAO",
         "Request reaches the server (side effect happens), response blocked: MissingAllowOriginHeader.",
         "blocked",
         [fetch(url("api", s, "submit"), "POST",
                {"Content-Type": "application/x-www-form-urlencoded"}, "a=1&b=2")],
         {("api", "submit", "POST"): resp(201, close=True)}, ["MissingAllowOriginHeader"])

for sid, value, note in [
        ("acao-mismatch-scheme", "https://app.corscope.test:8100", "https instead of http"),
        ("acao-mismatch-www", "http://www.app.corscope.test:8100", "www. prefix"),
        ("acao-mismatch-port", "http://app.corscope.test:3000", "development port"),
        ("acao-mismatch-trailing-slash", "http://app.corscope.test:8100/", "trailing slash"),
        ("acao-mismatch-case", "HTTP://APP.CORSCOPE.TEST:8100", "upper case"),
        ("acao-null-value", "null", "the literal null"),
        ("acao-static-first-allowlist-entry", "http://localhost:3000", "first allow-list entry")]:
    scenario(sid, f"ACAO value differs from the origin ({note})",
             "Blocked: AllowOriginMismatch.", "blocked",
             [fetch(url("api", sid, "data"))],
             {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", value))},
             ["AllowOriginMismatch"])

s = "acao-invalid-value"
scenario(s, "ACAO is a bare host name (no scheme)", "Blocked: InvalidAllowOriginValue.", "blocked",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", "app.corscope.test"))},
         ["InvalidAllowOriginValue"])

s = "acao-empty-value"
scenario(s, "ACAO present with an empty value", "Blocked: InvalidAllowOriginValue (expected).",
         "blocked", [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", ""))},
         ["InvalidAllowOriginValue"])

s = "acao-multiple-list"
scenario(s, "ACAO is an allow-list in one header line", "Blocked: MultipleAllowOriginValues.",
         "blocked", [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin",
                                             f"{O}, {ORIGIN['other']}"))},
         ["MultipleAllowOriginValues"])

s = "acao-multiple-lines"
scenario(s, "ACAO sent twice with the same value (two header lines)",
         "Blocked: MultipleAllowOriginValues.", "blocked", [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ACAO_O, ("access-control-allow-origin", O))},
         ["MultipleAllowOriginValues"])

s = "acao-multiple-lines-lower-case"
scenario(s, "ACAO sent twice with the same value, both lines in lower case",
         "Chromium: MultipleAllowOriginValues. Firefox counts only lines spelled "
         "Access-Control-Allow-Origin and compares the joined value: a mismatch.", "blocked",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("access-control-allow-origin", O),
                                       ("access-control-allow-origin", O))},
         ["MultipleAllowOriginValues"])

s = "acao-wildcard-list"
scenario(s, "ACAO '*, *' in one line", "Blocked: MultipleAllowOriginValues.", "blocked",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", "*, *"))},
         ["MultipleAllowOriginValues"])

s = "wildcard-with-credentials"
scenario(s, "Credentialed fetch carrying a cookie, ACAO *", "Blocked: WildcardOriginNotAllowed.",
         "blocked", [login_step(s), fetch(url("api", s, "profile"), credentials="include")],
         {**login_route(s), ("api", "profile", "GET"): resp(200, ACAO_ANY, ACAC)},
         ["WildcardOriginNotAllowed"])

s = "xhr-wildcard-with-credentials"
scenario(s, "XHR withCredentials, ACAO *", "Blocked: WildcardOriginNotAllowed.", "blocked",
         [xhr(url("api", s, "profile"), with_credentials=True)],
         {("api", "profile", "GET"): resp(200, ACAO_ANY)}, ["WildcardOriginNotAllowed"])

s = "acac-missing"
scenario(s, "Credentialed fetch with a cookie, ACAO=origin, no ACAC",
         "Blocked: InvalidAllowCredentials (hint empty).", "blocked",
         [login_step(s), fetch(url("api", s, "profile"), credentials="include")],
         {**login_route(s), ("api", "profile", "GET"): resp(200, ACAO_O, VARY)},
         ["InvalidAllowCredentials"])

s = "acac-uppercase-true"
scenario(s, "Credentialed XHR, ACAC: TRUE", "Blocked: InvalidAllowCredentials (hint TRUE).",
         "blocked", [xhr(url("api", s, "profile"), with_credentials=True)],
         {("api", "profile", "GET"): resp(200, ACAO_O, ("Access-Control-Allow-Credentials", "TRUE"))},
         ["InvalidAllowCredentials"])

s = "error-response-without-acao"
scenario(s, "nginx add_header without always: 200 has ACAO, 500 on another route has none",
         "First GET allowed; second (500) blocked: MissingAllowOriginHeader.", "blocked",
         [fetch(url("api", s, "ok")), fetch(url("api", s, "fail"))],
         {("api", "ok", "GET"): resp(200, NGINX, ACAO_O),
          ("api", "fail", "GET"): resp(500, NGINX, body="<html><body>500 Internal Server Error</body></html>",
                                       ctype="text/html")},
         ["MissingAllowOriginHeader"])

s = "auth-401-actual-without-acao"
scenario(s, "Preflight allows Authorization; the API's 401 skips the CORS layer",
         "Preflight passes; the GET's 401 lacks ACAO: MissingAllowOriginHeader.", "blocked",
         [fetch(url("api", s, "me"), headers={"Authorization": "Bearer expired"})],
         {("api", "me", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Headers", "Authorization"),
                                         body=""),
          ("api", "me", "GET"): resp(401, ("WWW-Authenticate", 'Bearer error="invalid_token"'),
                                     body='{"error":"invalid_token"}', ctype="application/json")},
         ["MissingAllowOriginHeader"])

s = "preflight-ok-actual-missing-acao"
scenario(s, "Preflight OK, PUT response without ACAO",
         "PUT reaches the server; response blocked: MissingAllowOriginHeader.", "blocked",
         [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"), body=""),
          ("api", "item", "PUT"): resp(200)},
         ["MissingAllowOriginHeader"])

# --------------------------------------------------------------------------------------
# Preflight failures.
# --------------------------------------------------------------------------------------
PREFLIGHT_BODIES = {
    401: (("WWW-Authenticate", 'Bearer realm="api"'), '{"message":"Unauthorized"}'),
    403: (("X-Amzn-ErrorType", "MissingAuthenticationTokenException"),
          '{"message":"Missing Authentication Token"}'),
    404: (("X-Powered-By", "Express"), '{"error":"not found"}'),
    405: (("Allow", "GET, POST"), '{"error":"method not allowed"}'),
    500: (("X-Request-Id", "r-500"), '{"error":"internal"}'),
}
for status, (extra, body) in PREFLIGHT_BODIES.items():
    sid = f"preflight-{status}-without-acao"
    scenario(sid, f"Preflight answered {status} without ACAO (auth/router/error before CORS)",
             "Blocked: PreflightMissingAllowOriginHeader (ACAO is checked before status); "
             "the PUT is never sent.", "blocked",
             [fetch(url("api", sid, "item"), "PUT", {"Content-Type": "application/json"}, "{}")],
             {("api", "item", "OPTIONS"): resp(status, extra, body=body, ctype="application/json"),
              ("api", "item", "PUT"): resp(200, ACAO_O)},
             ["PreflightMissingAllowOriginHeader"])
    sid = f"preflight-{status}-with-acao"
    scenario(sid, f"Preflight answered {status} with ACAO",
             "Blocked: PreflightInvalidStatus; the PUT is never sent.", "blocked",
             [fetch(url("api", sid, "item"), "PUT", {"Content-Type": "application/json"}, "{}")],
             {("api", "item", "OPTIONS"): resp(status, ACAO_O,
                                               ("Access-Control-Allow-Methods", "PUT"),
                                               ("Access-Control-Allow-Headers", "Content-Type"),
                                               extra, body=body, ctype="application/json"),
              ("api", "item", "PUT"): resp(200, ACAO_O)},
             ["PreflightInvalidStatus"])

s = "preflight-redirect"
scenario(s, "Preflight answered 301 to the trailing-slash URL",
         "Blocked: PreflightDisallowedRedirect.", "blocked",
         [fetch(url("api", s, "items"), "POST", {"Content-Type": "application/json"}, "{}")],
         {("api", "items", "OPTIONS"): resp(301, ACAO_O, ("Location", url("api", s, "items/")), body=""),
          ("api", "items/", "*"): resp(204, ACAO_O, ("Access-Control-Allow-Headers", "Content-Type"),
                                       body="")},
         ["PreflightDisallowedRedirect"])

s = "preflight-wildcard-with-credentials"
scenario(s, "Credentialed PUT; preflight answers ACAO *",
         "Blocked: PreflightWildcardOriginNotAllowed.", "blocked",
         [fetch(url("api", s, "item"), "PUT", body="x", credentials="include")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_ANY, ACAC, ("Access-Control-Allow-Methods", "PUT"),
                                           body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O, ACAC)},
         ["PreflightWildcardOriginNotAllowed"])

s = "preflight-multiple-acao"
scenario(s, "Preflight carries ACAO twice", "Blocked: PreflightMultipleAllowOriginValues.",
         "blocked", [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                           body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)},
         ["PreflightMultipleAllowOriginValues"])

s = "preflight-invalid-acao"
scenario(s, "Preflight ACAO is a bare host name", "Blocked: PreflightInvalidAllowOriginValue.",
         "blocked", [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ("Access-Control-Allow-Origin", "app.corscope.test"),
                                           ("Access-Control-Allow-Methods", "PUT"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)},
         ["PreflightInvalidAllowOriginValue"])

s = "preflight-acao-mismatch"
scenario(s, "Preflight ACAO has a trailing slash", "Blocked: PreflightAllowOriginMismatch.",
         "blocked", [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ("Access-Control-Allow-Origin", O + "/"),
                                           ("Access-Control-Allow-Methods", "PUT"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)},
         ["PreflightAllowOriginMismatch"])

s = "preflight-acac-missing"
scenario(s, "Credentialed PUT; preflight has ACAO=origin but no ACAC (ACAC only on actual)",
         "Blocked: PreflightInvalidAllowCredentials.", "blocked",
         [login_step(s), fetch(url("api", s, "item"), "PUT", body="x", credentials="include")],
         {**login_route(s),
          ("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"), body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O, ACAC)},
         ["PreflightInvalidAllowCredentials"])

s = "acam-invalid-token"
scenario(s, "ACAM separated by spaces: 'GET POST PUT'",
         "Blocked: InvalidAllowMethodsPreflightResponse.", "blocked",
         [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "GET POST PUT"),
                                           body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)},
         ["InvalidAllowMethodsPreflightResponse"])

s = "acah-invalid-token"
scenario(s, "ACAH separated by spaces: 'Content-Type Authorization'",
         "Blocked: InvalidAllowHeadersPreflightResponse.", "blocked",
         [fetch(url("api", s, "items"), "POST", {"Content-Type": "application/json"}, "{}")],
         {("api", "items", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Headers",
                                                          "Content-Type Authorization"), body=""),
          ("api", "items", "POST"): resp(201, ACAO_O)},
         ["InvalidAllowHeadersPreflightResponse"])

s = "method-not-allowed"
scenario(s, "PUT but ACAM lists only GET, POST", "Blocked: MethodDisallowedByPreflightResponse.",
         "blocked", [fetch(url("api", s, "item"), "PUT", body="x")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "GET, POST"),
                                           body=""),
          ("api", "item", "PUT"): resp(200, ACAO_O)},
         ["MethodDisallowedByPreflightResponse"])

s = "method-lowercase-patch"
scenario(s, "fetch method 'patch' (not normalised) vs ACAM PATCH",
         "Blocked: MethodDisallowedByPreflightResponse (hint patch).", "blocked",
         [fetch(url("api", s, "item"), "patch", {"Content-Type": "application/json"}, "{}")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "GET, PATCH"),
                                           ("Access-Control-Allow-Headers", "Content-Type"), body=""),
          ("api", "item", "*"): resp(200, ACAO_O)},
         ["MethodDisallowedByPreflightResponse"])

s = "method-wildcard-with-credentials"
scenario(s, "Credentialed DELETE; ACAM * (literal under credentials)",
         "Blocked: MethodDisallowedByPreflightResponse.", "blocked",
         [fetch(url("api", s, "item"), "DELETE", credentials="include")],
         {("api", "item", "OPTIONS"): resp(204, ACAO_O, ACAC, ("Access-Control-Allow-Methods", "*"),
                                           body=""),
          ("api", "item", "DELETE"): resp(204, ACAO_O, ACAC, body="")},
         ["MethodDisallowedByPreflightResponse"])

s = "header-not-allowed"
scenario(s, "X-Api-Key not in ACAH", "Blocked: HeaderDisallowedByPreflightResponse (x-api-key).",
         "blocked", [fetch(url("api", s, "data"), headers={"X-Api-Key": "k"})],
         {("api", "data", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Headers",
                                                         "Content-Type, X-Requested-With"), body=""),
          ("api", "data", "GET"): resp(200, ACAO_O)},
         ["HeaderDisallowedByPreflightResponse"])

s = "header-content-type-json"
scenario(s, "Content-Type: application/json but ACAH lacks content-type",
         "Blocked: HeaderDisallowedByPreflightResponse (content-type).", "blocked",
         [fetch(url("api", s, "items"), "POST", {"Content-Type": "application/json"}, '{"a":1}')],
         {("api", "items", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "GET, POST"),
                                            ("Access-Control-Allow-Headers", "X-Requested-With"),
                                            body=""),
          ("api", "items", "POST"): resp(201, ACAO_O)},
         ["HeaderDisallowedByPreflightResponse"])

s = "header-authorization-under-wildcard"
scenario(s, "Authorization with ACAH * (no credentials)",
         "Spec and Google Chrome: blocked, HeaderDisallowedByPreflightResponse (authorization). "
         "This Debian Chromium build allows it and raises only a DeprecationIssue "
         "AuthorizationCoveredByWildcard.",
         "warning", [fetch(url("api", s, "me"), headers={"Authorization": "Bearer t"})],
         {("api", "me", "OPTIONS"): resp(204, ACAO_ANY, ("Access-Control-Allow-Headers", "*"), body=""),
          ("api", "me", "GET"): resp(200, ACAO_ANY)},
         [], issues=["AuthorizationCoveredByWildcard"])

s = "header-wildcard-with-credentials"
scenario(s, "Credentialed GET with X-Trace-Id; ACAH *",
         "Blocked: HeaderDisallowedByPreflightResponse (* is literal with credentials).", "blocked",
         [fetch(url("api", s, "data"), headers={"X-Trace-Id": "t"}, credentials="include")],
         {("api", "data", "OPTIONS"): resp(204, ACAO_O, ACAC, ("Access-Control-Allow-Headers", "*"),
                                           body=""),
          ("api", "data", "GET"): resp(200, ACAO_O, ACAC)},
         ["HeaderDisallowedByPreflightResponse"])

# --------------------------------------------------------------------------------------
# Redirects.
# --------------------------------------------------------------------------------------
s = "redirect-tainted-origin"
scenario(s, "Cross-origin redirect to another origin that answers with the page origin",
         "After api -> other the Origin is null; ACAO=page origin mismatches: AllowOriginMismatch.",
         "blocked", [fetch(url("api", s, "start"))],
         {("api", "start", "GET"): resp(302, ACAO_O, ("Location", url("other", s, "final")), body=""),
          ("other", "final", "GET"): resp(200, ACAO_O)},
         ["AllowOriginMismatch"])

s = "redirect-missing-acao"
scenario(s, "Redirect response without ACAO", "Blocked on the 302: MissingAllowOriginHeader.",
         "blocked", [fetch(url("api", s, "old"))],
         {("api", "old", "GET"): resp(302, ("Location", url("api", s, "new")), body=""),
          ("api", "new", "GET"): resp(200, ACAO_O)},
         ["MissingAllowOriginHeader"])

s = "redirect-contains-credentials"
scenario(s, "Redirect Location carries user:password", "Blocked: RedirectContainsCredentials.",
         "blocked", [fetch(url("api", s, "start"))],
         {("api", "start", "GET"): resp(302, ACAO_O, ("Location",
                                                      f"http://user:secret@other.test:8102/s/{s}/final"),
                                        body=""),
          ("other", "final", "GET"): resp(200, ACAO_ANY)},
         ["RedirectContainsCredentials"])

s = "redirect-back-to-page-origin"
scenario(s, "API redirects back to the page's own origin, which sends no CORS headers",
         "The hop to the page origin is tainted (Origin: null) and CORS still applies: "
         "MissingAllowOriginHeader.", "blocked", [fetch(url("api", s, "start"))],
         {("api", "start", "GET"): resp(302, ACAO_O, ("Location", url("app", s, "final")), body=""),
          ("app", "final", "GET"): resp(200)},
         ["MissingAllowOriginHeader"])

s = "redirect-same-origin-to-missing-acao"
scenario(s, "Same-origin request redirected to the API, which sends no ACAO",
         "The hop to the API is a CORS request with Origin = page origin: "
         "MissingAllowOriginHeader.", "blocked", [fetch(url("app", s, "start"))],
         {("app", "start", "GET"): resp(302, ("Location", url("api", s, "final")), body=""),
          ("api", "final", "GET"): resp(200)},
         ["MissingAllowOriginHeader"])

s = "redirect-same-origin-credentials"
scenario(s, "Same-origin request redirected to a cross-origin URL with user:password",
         "The redirect leaves the origin with credentials in the Location: "
         "RedirectContainsCredentials.", "blocked", [fetch(url("app", s, "start"))],
         {("app", "start", "GET"): resp(302, ("Location",
                                              f"http://user:secret@api.corscope.test:8101/s/{s}/final"),
                                        body=""),
          ("api", "final", "GET"): resp(200, ACAO_ANY)},
         ["RedirectContainsCredentials"])

s = "redirect-disallowed-scheme"
scenario(s, "Redirect (with ACAO) to an ftp: URL",
         "Blocked on the redirect: CorsDisabledScheme (the spec calls it a plain network error).",
         "blocked", [fetch(url("api", s, "start"))],
         {("api", "start", "GET"): resp(302, ACAO_O, ("Location", f"ftp://other.test:8102/s/{s}/final"),
                                        body="")},
         ["CorsDisabledScheme"])

s = "cors-disabled-scheme"
scenario(s, "fetch of an ftp: URL from an http page",
         "Rejected in the renderer before any network request: no Network event, only a console "
         "error and a CorsIssue CorsDisabledScheme.",
         "blocked", [fetch(f"ftp://other.test:8102/s/{s}/data")], {}, [],
         issues=["CorsDisabledScheme"])

# --------------------------------------------------------------------------------------
# Reverse proxy in front of a correct backend.
# --------------------------------------------------------------------------------------
s = "proxy-strips-acao"
scenario(s, "Proxy strips Access-Control-* headers from the backend's answer",
         "Backend sends ACAO (visible on the proxy->backend leg); the browser sees none: "
         "MissingAllowOriginHeader.", "blocked", [fetch(url("proxy", s, "data"))],
         {("proxy", "data", "*"): {"proxy": {"upstream": PORTS["backend"],
                                             "strip": ["access-control-"]}},
          ("backend", "data", "GET"): resp(200, ACAO_O, ("Access-Control-Expose-Headers", "X-Id"),
                                           ("X-Id", "1"), VARY)},
         ["MissingAllowOriginHeader"])

s = "proxy-duplicates-acao"
scenario(s, "Proxy adds its own ACAO on top of the backend's",
         "Two ACAO lines: MultipleAllowOriginValues.", "blocked", [fetch(url("proxy", s, "data"))],
         {("proxy", "data", "*"): {"proxy": {"upstream": PORTS["backend"],
                                             "append": [["Access-Control-Allow-Origin", O]]}},
          ("backend", "data", "GET"): resp(200, ACAO_O, VARY)},
         ["MultipleAllowOriginValues"])

s = "proxy-rewrites-acao-wildcard"
scenario(s, "Proxy rewrites ACAO to * on a credentialed request",
         "Backend answers ACAO=origin + ACAC; the proxy's * fails: WildcardOriginNotAllowed.",
         "blocked", [login_step(s), fetch(url("proxy", s, "profile"), credentials="include")],
         {**login_route(s),
          ("proxy", "profile", "*"): {"proxy": {"upstream": PORTS["backend"],
                                                "set": [["Access-Control-Allow-Origin", "*"]]}},
          ("backend", "profile", "GET"): resp(200, ACAO_O, ACAC, VARY)},
         ["WildcardOriginNotAllowed"])

s = "proxy-strips-preflight-acam"
scenario(s, "Proxy drops Access-Control-Allow-Methods from the preflight answer",
         "Blocked: MethodDisallowedByPreflightResponse (PUT).", "blocked",
         [fetch(url("proxy", s, "item"), "PUT", body="x")],
         {("proxy", "item", "*"): {"proxy": {"upstream": PORTS["backend"],
                                             "strip": ["access-control-allow-methods"]}},
          ("backend", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "GET, PUT"),
                                               body=""),
          ("backend", "item", "PUT"): resp(200, ACAO_O)},
         ["MethodDisallowedByPreflightResponse"])

s = "proxy-strips-preflight-acao"
scenario(s, "Proxy drops Access-Control-Allow-Origin from the preflight answer",
         "Blocked: PreflightMissingAllowOriginHeader (the backend's preflight allows the PUT).",
         "blocked", [fetch(url("proxy", s, "item"), "PUT", body="x")],
         {("proxy", "item", "*"): {"proxy": {"upstream": PORTS["backend"],
                                             "strip": ["access-control-allow-origin"]}},
          ("backend", "item", "OPTIONS"): resp(204, ACAO_O, ("Access-Control-Allow-Methods", "PUT"),
                                               body=""),
          ("backend", "item", "PUT"): resp(200, ACAO_O)},
         ["PreflightMissingAllowOriginHeader"])

# --------------------------------------------------------------------------------------
# HTTP cache without Vary: Origin.
# --------------------------------------------------------------------------------------
s = "cache-without-vary"
scenario(s, "Origin-reflecting server, cacheable answer, no Vary: Origin; two origins of one site",
         "app fills the HTTP cache; app2 gets app's ACAO from the cache: AllowOriginMismatch.",
         "blocked", None,
         {("api", "data", "GET"): resp(200, ("Access-Control-Allow-Origin", "{origin}"),
                                       ("Cache-Control", "public, max-age=600"))},
         ["AllowOriginMismatch"],
         visits=[{"page": "app", "steps": [fetch(url("api", s, "data"))]},
                 {"page": "app2", "steps": [fetch(url("api", s, "data"))]}])

# --------------------------------------------------------------------------------------
# Request mode, opaque origins, server down.
# --------------------------------------------------------------------------------------
s = "disallowed-by-mode"
scenario(s, "fetch mode same-origin to a cross-origin URL",
         "Rejected in the renderer before any network request: no Network event, only a console "
         "error and a CorsIssue DisallowedByMode.",
         "blocked", [fetch(url("api", s, "data"), mode="same-origin")],
         {("api", "data", "GET"): resp(200, ACAO_ANY)}, [], issues=["DisallowedByMode"])

s = "null-origin-page-mismatch"
scenario(s, "Sandboxed (opaque-origin) page; server answers with the app origin",
         "Origin: null is sent; ACAO=app origin mismatches: AllowOriginMismatch.", "blocked",
         [fetch(url("api", s, "data"))],
         {("api", "data", "GET"): resp(200, ACAO_O)}, ["AllowOriginMismatch"], sandbox=True)

s = "no-cors-redirect-manual"
scenario(s, "fetch mode no-cors with redirect 'manual'",
         "Rejected in the renderer before any network request: no Network event, only a console "
         "error and a CorsIssue NoCorsRedirectModeNotFollow.", "blocked",
         [fetch(url("api", s, "data"), mode="no-cors", redirect="manual")],
         {("api", "data", "GET"): resp(200)}, [], issues=["NoCorsRedirectModeNotFollow"])

s = "server-down-simple"
scenario(s, "GET to a port where nothing listens", "Not CORS: net::ERR_CONNECTION_REFUSED.",
         "failure", [fetch(url("down", s, "data"))], {}, [],
         net_error="net::ERR_CONNECTION_REFUSED")

s = "server-down-preflight"
scenario(s, "PUT (needs a preflight) to a port where nothing listens",
         "The preflight cannot connect; the PUT fails with net::ERR_CONNECTION_REFUSED, no CorsError.",
         "failure", [fetch(url("down", s, "item"), "PUT", body="x")], {}, [],
         net_error="net::ERR_CONNECTION_REFUSED")


def page_html(sc, visit):
    """The page each visit loads: its steps as JSON and a small runner."""
    steps = json.dumps(visit["steps"]).replace("</", "<\\/")
    return RUNNER_HTML.replace("@TITLE@", sc["id"]).replace("@STEPS@", steps)


RUNNER_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>@TITLE@</title></head>
<body><pre id="out"></pre>
<script type="application/json" id="steps">@STEPS@</script>
<script>
const STEPS = JSON.parse(document.getElementById('steps').textContent);
function runFetch(s) {
  const init = {method: s.method, headers: s.headers || {}};
  if (s.body !== undefined) init.body = s.body;
  if (s.credentials) init.credentials = s.credentials;
  if (s.mode) init.mode = s.mode;
  if (s.redirect) init.redirect = s.redirect;
  return fetch(s.url, init).then(
    async r => ({ok: true, type: r.type, status: r.status,
                 exposed: r.headers.get('x-total-count'), body: await r.text().catch(e => null)}),
    e => ({ok: false, error: String(e)}));
}
function runFont(s) {
  // The body is not a real font, so decoding fails either way: whether the font fetch passed
  // its CORS check is read from its resource timing entry (responseStatus stays 0 unless it
  // passed).
  const face = new FontFace('corscope-' + Math.random().toString(36).slice(2), `url(${s.url})`);
  return face.load().then(() => 'decoded', e => String(e)).then(decoded => {
    const t = performance.getEntriesByName(s.url).pop();
    const status = t ? t.responseStatus : 0;
    return {ok: status >= 200 && status < 300, status, font: decoded};
  });
}
function runXhr(s) {
  return new Promise(resolve => {
    const x = new XMLHttpRequest();
    x.open(s.method, s.url);
    x.withCredentials = !!s.withCredentials;
    for (const [k, v] of Object.entries(s.headers || {})) x.setRequestHeader(k, v);
    if (s.uploadListener) x.upload.onprogress = () => {};
    x.onload = () => resolve({ok: true, status: x.status, body: x.responseText});
    x.onerror = () => resolve({ok: false, error: 'XMLHttpRequest error', status: x.status});
    x.send(s.body === undefined ? null : s.body);
  });
}
window.corscopeRun = async function () {
  const results = [];
  for (const s of STEPS) {
    const r = await (s.api === 'xhr' ? runXhr(s) : s.api === 'font' ? runFont(s) : runFetch(s));
    results.push({url: s.url, method: s.method, ...r});
  }
  document.getElementById('out').textContent = JSON.stringify(results, null, 1);
  return results;
};
</script></body></html>
"""


def catalogue():
    ids = [sc["id"] for sc in SCENARIOS]
    assert len(ids) == len(set(ids)), "scenario ids must be unique"
    return {"host_resolver_rules": HOST_RESOLVER_RULES, "ports": PORTS, "hosts": HOSTS,
            "port_range": list(PORT_RANGE), "scenarios": SCENARIOS}


def markdown():
    """The scenario list as a Markdown table (pasted into PROVENANCE.md)."""
    rows = ["| id | kind | expected (Chromium 156) |", "|---|---|---|"]
    for sc in SCENARIOS:
        rows.append(f"| `{sc['id']}` | {sc['kind']} | {sc['title']}. {sc['expect']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        sys.stdout.write(markdown())
    else:
        json.dump(catalogue(), sys.stdout, indent=1)
        sys.stdout.write("\n")
