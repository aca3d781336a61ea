#!/usr/bin/env python3
"""Sanity checks of one set of recordings against the catalogue; prints a summary.

Usage: check.py RECORDINGS_DIR      exit status 0 when every check holds, 1 otherwise.
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


def main(d):
    problems = []
    cat = load(d, "scenarios.json")
    v = load(d, "verdicts.json")
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

    # DevTools HARs: preflights, errors, every scenario present, sanitization.
    for name in ("chromium-devtools.har", "chromium-devtools-sanitized.har"):
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
