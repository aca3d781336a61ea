#!/usr/bin/env python3
"""Sanity checks of one set of recordings against the catalogue; prints a summary.

Usage: check.py RECORDINGS_DIR            the main pass (regenerate.sh)
       check.py --https RECORDINGS_DIR    the HTTPS pass (regenerate-https.sh)
Exit status 0 when every check holds, 1 otherwise.
"""

import collections
import json
import os
import shutil
import subprocess
import sys


def load(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return json.load(f)


def chromium_problems(cat, v):
    """Chromium's verdicts against the catalogue; returns (problems, Audits-only issues)."""
    problems = []
    reqs = collections.defaultdict(list)
    for r in v["requests"]:
        reqs[r["scenario"]].append(r)
    issues = collections.defaultdict(list)
    for i in v["issues"]:
        det = i["issue"]["details"]
        if "corsIssueDetails" in det and "requestId" not in det["corsIssueDetails"]["request"]:
            issues[i["scenario"]].append(det["corsIssueDetails"]["corsErrorStatus"]["corsError"])
        if "deprecationIssueDetails" in det:
            issues[i["scenario"]].append(det["deprecationIssueDetails"]["type"])
    results = {s["id"]: s["page_results"] for s in v["scenarios"]}

    for sc in cat["scenarios"]:
        sid, rs = sc["id"], reqs.get(sc["id"], [])
        errors = sorted({r["cors_error"] for r in rs if r["cors_error"]})
        nets = {r["error_text"] for r in rs if r["error_text"]}
        if errors != sorted(set(sc["expected_cors_errors"])):
            problems.append(f"{sid}: CorsError {errors}, expected {sc['expected_cors_errors']}")
        if sorted(set(issues.get(sid, []))) != sorted(set(sc["expected_issues"])):
            problems.append(f"{sid}: issues {issues.get(sid)}, expected {sc['expected_issues']}")
        if sc["expected_net_error"] and sc["expected_net_error"] not in nets:
            problems.append(f"{sid}: net errors {nets}, expected {sc['expected_net_error']}")
        js_ok = all(x["ok"] for visit in results[sid] for x in visit["results"])
        if sc["kind"] in ("correct", "warning") and (nets or not js_ok):
            problems.append(f"{sid}: a correct configuration failed: {nets}")
        if sc["kind"] in ("blocked", "failure") and js_ok:
            problems.append(f"{sid}: expected a failure but every step succeeded")
        if not rs and not sc["expected_issues"]:
            problems.append(f"{sid}: no requests recorded")
    return problems, issues


def devtools_har_problems(d, cat, names):
    """The DevTools HARs: preflights, errors, every scenario present, sanitization."""
    problems = []
    for name in names:
        har = load(d, name)
        entries = har["log"]["entries"]
        if har["log"]["creator"]["name"] != "WebInspector":
            problems.append(f"{name}: creator {har['log']['creator']}")
        pre = [e for e in entries if e.get("_resourceType") == "preflight"]
        err = [e for e in entries if e["response"].get("_error")]
        seen = {u.split("/s/")[1].split("/")[0] for u in (e["request"]["url"] for e in entries)
                if "/s/" in u}
        missing = [s["id"] for s in cat["scenarios"] if s["id"] not in seen
                   and not s["expected_issues"]]
        cookies = sum(1 for e in entries for h in e["request"]["headers"]
                      if h["name"].lower() == "cookie")
        print(f"{name}: {len(entries)} entries, {len(har['log']['pages'])} pages, "
              f"{len(pre)} preflight, {len(err)} with _error, {cookies} Cookie headers")
        if not pre or not err or missing:
            problems.append(f"{name}: preflights {len(pre)}, errors {len(err)}, missing {missing}")
        if ("sanitized" in name) != (cookies == 0):
            problems.append(f"{name}: {cookies} Cookie request headers")
    return problems


def print_summary(cat, v, issues, problems):
    """Prints the run's numbers and every problem; returns the exit status."""
    kinds = collections.Counter(s["kind"] for s in cat["scenarios"])
    print(f"scenarios: {len(cat['scenarios'])} {dict(kinds)}; browser {v['browser']['product']}")
    print(f"requests in verdicts.json: {len(v['requests'])}, console messages {len(v['console'])}")
    counts = collections.Counter(r["cors_error"] for r in v["requests"] if r["cors_error"])
    for name, n in sorted(counts.items()):
        print(f"  {name:40s} {n}")
    only = collections.Counter(x for xs in issues.values() for x in xs)
    for name, n in sorted(only.items()):
        print(f"  {name:40s} {n} (Audits issue, not on Network.loadingFailed)")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


def main(d):
    cat = load(d, "scenarios.json")
    v = load(d, "verdicts.json")
    problems, issues = chromium_problems(cat, v)
    problems += devtools_har_problems(
        d, cat, ("chromium-devtools.har", "chromium-devtools-sanitized.har"))
    # chrome-har: written by the package from the DevTools run's protocol events; blocked
    # requests are dropped, preflights are linked to their request by id.
    ch = load(d, "chrome-har.har")["log"]
    ch_pre = [e for e in ch["entries"] if e.get("_initiator_type") == "preflight"]
    dup = sum(1 for e in ch["entries"] if len({(h["name"].lower(), h["value"])
                                              for h in e["request"]["headers"]})
              < len(e["request"]["headers"]))
    print(f"chrome-har.har: {len(ch['entries'])} entries, {len(ch_pre)} preflights, "
          f"{dup} with repeated request header lines; creator {ch['creator']['name']} "
          f"{ch['creator']['version']}")
    if ch["creator"]["name"] != "chrome-har" or not ch_pre:
        problems.append(f"chrome-har.har: creator {ch['creator']}, {len(ch_pre)} preflights")

    # Firefox: the Network panel's HAR and Firefox's own verdicts of the same run.
    fx = load(d, "firefox-devtools.har")["log"]
    fv = load(d, "firefox-verdicts.json")
    fx_seen = {u.split("/s/")[1].split("/")[0] for u in (e["request"]["url"] for e in fx["entries"])
               if "/s/" in u}
    fx_missing = [s["id"] for s in cat["scenarios"] if s["id"] not in fx_seen
                  and not s["expected_issues"]]
    fx_blocked = collections.defaultdict(list)
    for r in fv["requests"]:
        if r.get("blocked"):
            fx_blocked[r.get("scenario")].append(r.get("reason_key"))
    fx_results = {s["id"]: s["page_results"] for s in fv["scenarios"]}
    for sc in cat["scenarios"]:
        ok = all(x["ok"] for visit in fx_results[sc["id"]] for x in visit["results"])
        if sc["kind"] == "correct" and (not ok or fx_blocked.get(sc["id"])):
            problems.append(f"firefox: {sc['id']}: a correct configuration failed "
                            f"{fx_blocked.get(sc['id'])}")
        if sc["kind"] in ("blocked", "failure") and ok:
            problems.append(f"firefox: {sc['id']}: expected a failure but every step succeeded")
    print(f"firefox-devtools.har: {len(fx['entries'])} entries, creator {fx['creator']['name']} "
          f"{fx['creator']['version']}, "
          f"{sum(1 for e in fx['entries'] if e['request']['method'] == 'OPTIONS')} OPTIONS")
    print(f"firefox-verdicts.json: {len(fv['requests'])} requests, "
          f"{sum(len(v) for v in fx_blocked.values())} blocked, {len(fv['console'])} console messages")
    for name, n in sorted(collections.Counter(k for v in fx_blocked.values() for k in v).items()):
        print(f"  {name:40s} {n}")
    if fx["creator"]["name"] != "Firefox" or fx_missing:
        problems.append(f"firefox-devtools.har: creator {fx['creator']}, missing {fx_missing}")

    pw = load(d, "playwright.har")["log"]["entries"]
    print(f"playwright.har: {len(pw)} entries, "
          f"{sum(1 for e in pw if e['request']['method'] == 'OPTIONS')} OPTIONS")

    # pcap: HTTP requests on the wire versus requests with a response in verdicts.json.
    if shutil.which("tshark"):
        out = subprocess.run(["tshark", "-r", os.path.join(d, "loopback.pcap"), "-Y",
                              "http.request", "-T", "fields", "-e", "http.request.method",
                              "-e", "tcp.dstport"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
        wire = collections.Counter(line.split("\t")[0] for line in out if line)
        print(f"loopback.pcap: HTTP requests by method {dict(sorted(wire.items()))}")
        if wire.get("OPTIONS", 0) == 0:
            problems.append("loopback.pcap: no OPTIONS request")

    return print_summary(cat, v, issues, problems)


def tshark_frames(args):
    """The frame numbers tshark lists for `args` (a read and a display filter)."""
    out = subprocess.run(["tshark", *args, "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.split("\n") if line]


def main_https(d):
    """The HTTPS pass: verdicts, the DevTools HAR's h2 entries, both key-log forms, and the
    capture decrypted by tshark with the key log and with the embedded secrets."""
    cat = load(d, "scenarios.json")
    v = load(d, "verdicts.json")
    problems, issues = chromium_problems(cat, v)
    problems += devtools_har_problems(d, cat, ("chromium-devtools.har",))
    entries = load(d, "chromium-devtools.har")["log"]["entries"]
    h2 = [e for e in entries if e["request"]["httpVersion"] == "http/2.0"]
    pseudo = [e for e in h2 if any(h["name"] == ":authority" for h in e["request"]["headers"])]
    print(f"chromium-devtools.har: {len(h2)} http/2.0 entries, {len(pseudo)} with pseudo-headers")
    if not pseudo:
        problems.append("chromium-devtools.har: no h2 entry with pseudo-headers")
    with open(os.path.join(d, "loopback.keylog"), encoding="ascii") as f:
        labels = collections.Counter(line.split(" ", 1)[0] for line in f if line.strip())
    print(f"loopback.keylog: {dict(sorted(labels.items()))}")
    if not labels.get("CLIENT_RANDOM") or not labels.get("CLIENT_TRAFFIC_SECRET_0"):
        problems.append(f"loopback.keylog: both TLS 1.2 and 1.3 lines expected: {labels}")
    if shutil.which("tshark"):
        pcap = os.path.join(d, "loopback.pcap")
        requests = "http2.header.name == \":method\""
        keyed = tshark_frames(["-r", pcap, "-o", "tls.keylog_file:" + os.path.join(
            d, "loopback.keylog"), "-Y", requests])
        embedded = tshark_frames(["-r", os.path.join(d, "loopback-with-secrets.pcapng"),
                                  "-Y", requests])
        hellos = tshark_frames(["-r", pcap, "-Y", "tls.handshake.type == 1"])
        print(f"loopback.pcap: {len(hellos)} ClientHellos; frames with HTTP/2 requests "
              f"decrypted by tshark: {len(keyed)} with the key log, {len(embedded)} from the "
              f"pcapng's secrets")
        if not keyed or keyed != embedded:
            problems.append("tshark: the key log and the embedded secrets decrypt differently")
    return print_summary(cat, v, issues, problems)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--https":
        sys.exit(main_https(sys.argv[2]))
    sys.exit(main(sys.argv[1]))
