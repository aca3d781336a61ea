//! The JSON report of a run over a multi-exchange HAR and a pcap, checked by hand against the
//! schema the README documents (schema version 2): every required key with its type at every
//! level, the optional keys' types, enumerations, that every reference (`preflight`,
//! evidence `exchange`, a finding's `example`) names an exchange of the report, and that the
//! findings count what the exchanges say. Its text report is snapshotted too,
//! as the one golden of several groups, verdicts and inputs in one run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod golden;

use std::collections::BTreeSet;

use corscope::model::{CauseId, CAUSES};
use corscope::report::ReportFormat;
use golden::*;
use serde_json::{Map, Value};

/// A page that makes eight calls: allowed, blocked, stopped by its preflight, allowed only
/// while not credentialed, a preflight with no recorded request, a DNS failure, a
/// same-origin call, and an allowed call whose answer lacks `Vary: Origin` (a warning).
fn mixed_har() -> Vec<u8> {
    let entries = vec![
        document(),
        fetch("GET", "https://api.test/v1/me")
            .acao_ok()
            .rh("Vary", "Origin"),
        fetch("GET", API)
            .status(200)
            .rh("Server", "nginx/1.25.3")
            .blocked(),
        stopped("PUT", API).h("Content-Type", "application/json"),
        preflight(API, "PUT", Some("content-type"))
            .status(204)
            .acao_ok()
            .rh("Access-Control-Allow-Methods", "GET, POST")
            .rh("Access-Control-Allow-Headers", "content-type"),
        fetch("GET", "https://cdn.test/config.json").rh("Access-Control-Allow-Origin", "*"),
        preflight("https://api.test/v1/orders", "DELETE", None)
            .status(404)
            .acao_ok()
            .after(200),
        fetch("GET", "https://metrics.test/beacon")
            .failed("net::ERR_NAME_NOT_RESOLVED")
            .after(100),
        fetch("GET", "https://app.test/api/session")
            .h("Sec-Fetch-Mode", "cors")
            .status(200),
        fetch("GET", "https://api.test/v1/settings")
            .acao_ok()
            .after(50),
    ];
    har(PAGE, &entries)
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("recordings/mixed.har", mixed_har()),
        (
            "recordings/proxy.pcap",
            proxy_pcap(&[], &[("Access-Control-Allow-Origin", O)]),
        ),
    ]
}

fn run(format: ReportFormat) -> String {
    let inputs = inputs();
    let refs: Vec<(&str, &[u8])> = inputs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    report(&refs, format)
}

// ---- a small hand-written checker ------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum T {
    Str,
    Uint,
    Bool,
    Arr,
    Obj,
    OptStr,
    OptUint,
    OptNum,
}

fn is(t: T, v: &Value) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Uint => v.is_u64(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
        T::OptStr => v.is_null() || v.is_string(),
        T::OptUint => v.is_null() || v.is_u64(),
        T::OptNum => v.is_null() || v.is_number(),
    }
}

/// Checks that `v` is an object with every `required` key of its type, `optional` keys (which
/// may be left out) of theirs, and nothing else.
fn shape<'a>(
    at: &str,
    v: &'a Value,
    required: &[(&str, T)],
    optional: &[(&str, T)],
) -> &'a Map<String, Value> {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{at}: not an object: {v}"));
    for (k, t) in required {
        let x = obj
            .get(*k)
            .unwrap_or_else(|| panic!("{at}: required key `{k}` missing in {v}"));
        assert!(is(*t, x), "{at}.{k}: expected {t:?}, got {x}");
    }
    for (k, t) in optional {
        if let Some(x) = obj.get(*k) {
            assert!(is(*t, x), "{at}.{k}: expected {t:?}, got {x}");
        }
    }
    for k in obj.keys() {
        assert!(
            required.iter().chain(optional).any(|(r, _)| r == k),
            "{at}: undocumented key `{k}`"
        );
    }
    obj
}

fn one_of(at: &str, v: &Value, allowed: &[&str]) {
    let s = v.as_str().unwrap_or_else(|| panic!("{at}: not a string"));
    assert!(allowed.contains(&s), "{at}: `{s}` not one of {allowed:?}");
}

fn check_location(at: &str, v: &Value) {
    let l = shape(
        at,
        v,
        &[],
        &[
            ("entry", T::Uint),
            ("file", T::Uint),
            ("frame", T::Uint),
            ("response_file", T::Uint),
            ("response_frame", T::Uint),
            ("inferred", T::Bool),
        ],
    );
    for (file, frame) in [("file", "frame"), ("response_file", "response_frame")] {
        if let Some(f) = l.get(file) {
            assert!(l.contains_key(frame), "{at}: {file} without {frame}");
            assert!(
                f.as_u64() > Some(0),
                "{at}: {file} is left out for the first file"
            );
        }
    }
    assert!(
        l.contains_key("entry") != l.contains_key("frame"),
        "{at}: exactly one of entry and frame: {v}"
    );
    if l.contains_key("response_frame") {
        assert!(
            l.contains_key("frame"),
            "{at}: response_frame without frame"
        );
    }
    if let Some(i) = l.get("inferred") {
        assert_eq!(
            i,
            &Value::Bool(true),
            "{at}: inferred is only written when true"
        );
    }
}

fn check_cause(at: &str, c: &Value, ids: &BTreeSet<String>) {
    shape(
        at,
        c,
        &[
            ("id", T::Str),
            ("name", T::Str),
            ("chromium", T::OptStr),
            ("firefox", T::OptStr),
            ("failed_parameter", T::OptStr),
            ("message", T::Str),
            ("fix", T::Str),
            ("if_credentialed", T::Bool),
            ("latent", T::Bool),
            ("evidence", T::Arr),
        ],
        &[("stack_fix", T::Obj)],
    );
    if let Some(fix) = c.get("stack_fix") {
        shape(
            &format!("{at}.stack_fix"),
            fix,
            &[
                ("stack", T::Str),
                ("name", T::Str),
                ("evidence", T::Str),
                ("language", T::Str),
                ("config", T::Str),
            ],
            &[("exchange", T::Str)],
        );
        let stacks: Vec<&str> = corscope::stack::Stack::ALL.iter().map(|s| s.id()).collect();
        assert!(
            stacks.contains(&fix["stack"].as_str().unwrap_or_default()),
            "{at}.stack_fix.stack"
        );
    }
    let info = CauseId::find(c["id"].as_str().unwrap_or_default())
        .unwrap_or_else(|| panic!("{at}: unknown cause id {}", c["id"]))
        .info();
    assert_eq!(c["name"], info.name, "{at}: name matches id");
    // The row's CorsError, or for a proxy row found on a preflight, the preflight form.
    let chromium = c["chromium"].as_str();
    assert!(
        chromium == info.chromium
            || chromium.is_some_and(|n| n.strip_prefix("Preflight") == info.chromium),
        "{at}: chromium name {chromium:?} for {}",
        info.name
    );
    let firefox = c["firefox"].as_str();
    assert!(
        firefox.is_none_or(|k| corscope::model::reasons::firefox(k).is_some()),
        "{at}: `{firefox:?}` is no Firefox reason key"
    );
    if c["latent"] == true {
        assert_eq!(
            c["if_credentialed"], true,
            "{at}: a latent risk is conditional"
        );
    }
    for k in ["message", "fix"] {
        let s = c[k].as_str().unwrap_or_default();
        assert!(!s.is_empty(), "{at}.{k} empty");
        assert!(
            !s.contains('{'),
            "{at}.{k} has an unfilled placeholder: {s}"
        );
    }
    let evidence = c["evidence"].as_array().expect("array");
    assert!(!evidence.is_empty(), "{at}: no evidence");
    for (i, e) in evidence.iter().enumerate() {
        let at = format!("{at}.evidence[{i}]");
        shape(
            &at,
            e,
            &[
                ("source", T::Str),
                ("exchange", T::Str),
                ("header", T::OptStr),
                ("values", T::Arr),
                ("primary", T::Bool),
                ("note", T::Str),
            ],
            &[],
        );
        one_of(
            &format!("{at}.source"),
            &e["source"],
            &[
                "request",
                "response",
                "preflight-request",
                "preflight-response",
                "redirect",
                "upstream",
                "other",
            ],
        );
        assert!(
            e["values"]
                .as_array()
                .expect("array")
                .iter()
                .all(Value::is_string),
            "{at}.values: strings"
        );
        let x = e["exchange"].as_str().unwrap_or_default();
        assert!(ids.contains(x), "{at}.exchange `{x}` names no exchange");
        assert_eq!(
            e["primary"],
            i == 0,
            "{at}: the decisive evidence comes first, alone"
        );
    }
}

fn check_exchange(at: &str, x: &Value, ids: &BTreeSet<String>, inputs: usize) {
    shape(
        at,
        x,
        &[
            ("id", T::Str),
            ("input", T::Uint),
            ("location", T::Obj),
            ("method", T::Str),
            ("url", T::Str),
            ("origin", T::OptStr),
            ("kind", T::Str),
            ("sent", T::Bool),
            ("status", T::OptUint),
            ("started", T::OptNum),
            ("preflight", T::OptStr),
            ("verdict", T::Str),
            ("causes", T::Arr),
            ("warnings", T::Arr),
        ],
        &[
            ("page_origin", T::Str),
            ("preflight_cached_from", T::Str),
            ("note", T::Str),
            ("failure", T::Str),
            ("client", T::Str),
            ("server", T::Str),
        ],
    );
    let id = x["id"].as_str().unwrap_or_default();
    let input = x["input"].as_u64().unwrap_or(u64::MAX);
    assert!(
        (input as usize) < inputs,
        "{at}: input {input} out of range"
    );
    let (prefix, seq) = id
        .split_once(':')
        .unwrap_or_else(|| panic!("{at}: id `{id}`"));
    assert_eq!(prefix, input.to_string(), "{at}: id starts with the input");
    assert!(
        seq.parse::<u64>().is_ok()
            || seq
                .strip_prefix("inferred-")
                .is_some_and(|n| n.parse::<u64>().is_ok()),
        "{at}: id `{id}` is input:seq or input:inferred-n"
    );
    check_location(&format!("{at}.location"), &x["location"]);
    if x["location"].get("inferred").is_some() {
        assert!(
            seq.starts_with("inferred-"),
            "{at}: inferred location, id {id}"
        );
        assert_eq!(x["sent"], false, "{at}: an inferred request was never sent");
    }
    if let Some(s) = x["status"].as_u64() {
        assert!((100..=999).contains(&s), "{at}: status {s}");
    }
    one_of(
        &format!("{at}.kind"),
        &x["kind"],
        &["preflight", "cors", "same-origin", "not-cors"],
    );
    one_of(
        &format!("{at}.verdict"),
        &x["verdict"],
        &[
            "allowed",
            "blocked",
            "indeterminate",
            "network-error",
            "not-applicable",
        ],
    );
    match x["verdict"].as_str() {
        Some("indeterminate") => assert!(x["note"].is_string(), "{at}: indeterminate needs a note"),
        Some("network-error") => assert!(
            x["failure"].is_string(),
            "{at}: network-error needs failure"
        ),
        Some("blocked") => assert!(
            x["causes"].as_array().is_some_and(|c| !c.is_empty()),
            "{at}: blocked without a cause"
        ),
        _ => {}
    }
    for key in ["preflight", "preflight_cached_from"] {
        if let Some(p) = x[key].as_str() {
            assert!(ids.contains(p), "{at}.{key} `{p}` names no exchange");
        }
    }
    for (i, c) in x["causes"].as_array().expect("array").iter().enumerate() {
        check_cause(&format!("{at}.causes[{i}]"), c, ids);
    }
    for (i, w) in x["warnings"].as_array().expect("array").iter().enumerate() {
        shape(
            &format!("{at}.warnings[{i}]"),
            w,
            &[("id", T::Str), ("message", T::Str)],
            &[],
        );
    }
}

fn check_input(at: &str, i: &Value, index: usize) {
    shape(
        at,
        i,
        &[
            ("index", T::Uint),
            ("path", T::Str),
            ("format", T::OptStr),
            ("producer", T::OptStr),
            ("exchanges", T::Uint),
            ("error", T::OptStr),
            ("issues", T::Arr),
        ],
        &[
            ("compression", T::Str),
            ("skipped", T::Str),
            ("files", T::Arr),
        ],
    );
    assert_eq!(i["index"], index, "{at}: inputs in order");
    if let Some(files) = i.get("files").and_then(Value::as_array) {
        assert!(files.len() > 1, "{at}.files: only for several files");
        assert_eq!(
            i["path"], files[0]["path"],
            "{at}: named after its first file"
        );
        for (n, f) in files.iter().enumerate() {
            let at = format!("{at}.files[{n}]");
            shape(
                &at,
                f,
                &[
                    ("path", T::Str),
                    ("format", T::OptStr),
                    ("frames", T::Uint),
                    ("first", T::OptNum),
                    ("last", T::OptNum),
                ],
                &[("compression", T::Str), ("error", T::Str)],
            );
            if let (Some(a), Some(b)) = (f["first"].as_f64(), f["last"].as_f64()) {
                assert!(a <= b, "{at}: first after last");
            }
        }
    }
    if !i["format"].is_null() {
        one_of(
            &format!("{at}.format"),
            &i["format"],
            &["har", "pcap", "pcapng"],
        );
    }
    for (n, s) in i["issues"].as_array().expect("array").iter().enumerate() {
        shape(
            &format!("{at}.issues[{n}]"),
            s,
            &[("id", T::Str), ("message", T::Str), ("count", T::Uint)],
            &[("at", T::Str)],
        );
    }
}

fn check_summary(at: &str, s: &Value) {
    let counts = [
        "exchanges",
        "inferred",
        "cors",
        "preflights",
        "blocked",
        "blocked_preflights",
        "blocked_unsent",
        "indeterminate",
        "network_errors",
        "if_credentialed",
        "latent",
    ];
    let maps = [
        "by_cause",
        "by_cause_if_credentialed",
        "by_cause_latent",
        "by_warning",
    ];
    let required: Vec<(&str, T)> = counts
        .iter()
        .chain(&["findings_folded"])
        .map(|k| (*k, T::Uint))
        .chain(maps.iter().map(|k| (*k, T::Obj)))
        .collect();
    shape(at, s, &required, &[]);
    let names: BTreeSet<&str> = CAUSES.iter().map(|c| c.name).collect();
    for m in maps {
        for (k, v) in s[m].as_object().expect("object") {
            assert!(v.is_u64(), "{at}.{m}.{k}: count");
            if m != "by_warning" {
                assert!(
                    names.contains(k.as_str()),
                    "{at}.{m}: `{k}` is no cause name"
                );
            }
        }
    }
}

fn check_finding(at: &str, f: &Value, ids: &BTreeSet<String>) {
    shape(
        at,
        f,
        &[
            ("fingerprint", T::Str),
            ("kind", T::Str),
            ("rule", T::Str),
            ("name", T::Str),
            ("chromium", T::OptStr),
            ("server", T::Str),
            ("route", T::Str),
            ("page_origin", T::OptStr),
            ("exchanges", T::Uint),
            ("clients", T::Uint),
            ("first_seen", T::OptNum),
            ("last_seen", T::OptNum),
            ("example", T::Str),
            ("method", T::Str),
            ("url", T::Str),
            ("message", T::Str),
            ("fix", T::Str),
            ("evidence", T::Arr),
        ],
        &[("clients_capped", T::Bool), ("stack_fix", T::Obj)],
    );
    one_of(
        &format!("{at}.kind"),
        &f["kind"],
        &[
            "blocked",
            "security",
            "if-credentialed",
            "latent",
            "warning",
        ],
    );
    let fp = f["fingerprint"].as_str().unwrap_or_default();
    assert!(
        fp.len() == 35 && fp.starts_with("v1:") && fp[3..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{at}.fingerprint `{fp}`"
    );
    let example = f["example"].as_str().unwrap_or_default();
    assert!(
        ids.contains(example),
        "{at}.example `{example}` names no exchange"
    );
    let rule = f["rule"].as_str().unwrap_or_default();
    match f["kind"].as_str() {
        Some("blocked" | "if-credentialed" | "latent") => {
            let info = CauseId::find(rule)
                .unwrap_or_else(|| panic!("{at}: unknown cause id {rule}"))
                .info();
            assert_eq!(info.id, rule, "{at}: a cause's rule is its id");
            assert_eq!(f["name"], info.name, "{at}: name matches rule");
            assert_eq!(f["chromium"].as_str(), info.chromium, "{at}: chromium");
        }
        _ => assert_eq!(f["rule"], f["name"], "{at}: a warning's rule is its name"),
    }
    assert!(
        f["exchanges"].as_u64() > Some(0) && f["clients"].as_u64() > Some(0),
        "{at}: counts"
    );
    if let (Some(a), Some(b)) = (f["first_seen"].as_f64(), f["last_seen"].as_f64()) {
        assert!(a <= b, "{at}: first_seen after last_seen");
    }
    for (i, e) in f["evidence"].as_array().expect("array").iter().enumerate() {
        let x = e["exchange"].as_str().unwrap_or_default();
        assert!(
            ids.contains(x),
            "{at}.evidence[{i}].exchange `{x}` names no exchange"
        );
    }
}

/// Validates a whole report document.
fn validate(doc: &Value) {
    shape(
        "$",
        doc,
        &[
            ("schema_version", T::Uint),
            ("tool", T::Obj),
            ("exchanges", T::Arr),
            ("findings", T::Arr),
            ("inputs", T::Arr),
            ("summary", T::Obj),
        ],
        &[],
    );
    assert_eq!(doc["schema_version"], 2);
    shape(
        "$.tool",
        &doc["tool"],
        &[("name", T::Str), ("version", T::Str)],
        &[],
    );
    assert_eq!(doc["tool"]["name"], "corscope");

    let exchanges = doc["exchanges"].as_array().expect("array");
    let inputs = doc["inputs"].as_array().expect("array");
    let ids: BTreeSet<String> = exchanges
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), exchanges.len(), "exchange ids are unique");
    for (i, x) in exchanges.iter().enumerate() {
        check_exchange(&format!("$.exchanges[{i}]"), x, &ids, inputs.len());
        let files = inputs[x["input"].as_u64().unwrap_or(0) as usize]
            .get("files")
            .and_then(Value::as_array)
            .map_or(1, Vec::len) as u64;
        for key in ["file", "response_file"] {
            if let Some(f) = x["location"].get(key) {
                assert!(
                    f.as_u64() < Some(files),
                    "$.exchanges[{i}].location.{key} names no file of its input"
                );
            }
        }
    }
    for (i, input) in inputs.iter().enumerate() {
        check_input(&format!("$.inputs[{i}]"), input, i);
    }
    let findings = doc["findings"].as_array().expect("array");
    let mut fingerprints = BTreeSet::new();
    for (i, f) in findings.iter().enumerate() {
        check_finding(&format!("$.findings[{i}]"), f, &ids);
        assert!(
            fingerprints.insert(f["fingerprint"].as_str().unwrap_or_default()),
            "$.findings[{i}]: fingerprints are unique"
        );
    }
    let rank = |f: &Value| match f["kind"].as_str() {
        Some("blocked") => 0,
        Some("security") => 1,
        Some("if-credentialed") => 2,
        _ => 3,
    };
    assert!(
        findings.windows(2).all(
            |w| (rank(&w[0]), std::cmp::Reverse(w[0]["exchanges"].as_u64()))
                <= (rank(&w[1]), std::cmp::Reverse(w[1]["exchanges"].as_u64()))
        ),
        "findings are sorted by kind, then exchanges"
    );
    check_summary("$.summary", &doc["summary"]);

    // The summary counts what the exchanges say.
    let s = &doc["summary"];
    let count = |f: &dyn Fn(&Value) -> bool| exchanges.iter().filter(|x| f(x)).count() as u64;
    assert_eq!(s["exchanges"], exchanges.len() as u64);
    let per_input: u64 = inputs.iter().filter_map(|i| i["exchanges"].as_u64()).sum();
    assert_eq!(s["exchanges"], per_input, "inputs[].exchanges add up");
    assert_eq!(s["blocked"], count(&|x| x["verdict"] == "blocked"));
    assert_eq!(
        s["blocked_preflights"],
        count(&|x| x["verdict"] == "blocked" && x["kind"] == "preflight")
    );
    assert_eq!(s["cors"], count(&|x| x["kind"] == "cors"));
    assert_eq!(s["preflights"], count(&|x| x["kind"] == "preflight"));
    assert_eq!(
        s["indeterminate"],
        count(&|x| x["verdict"] == "indeterminate")
    );
    assert_eq!(
        s["network_errors"],
        count(&|x| x["verdict"] == "network-error")
    );
    assert_eq!(
        s["inferred"],
        count(&|x| x["location"].get("inferred").is_some())
    );
    let by_cause: u64 = s["by_cause"]
        .as_object()
        .expect("object")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let blocked_requests =
        s["blocked"].as_u64().unwrap_or(0) - s["blocked_preflights"].as_u64().unwrap_or(0);
    assert_eq!(
        by_cause, blocked_requests,
        "by_cause counts blocked requests"
    );
    // The blocked findings group exactly the blocked requests.
    if s["findings_folded"] == 0 {
        let in_findings: u64 = findings
            .iter()
            .filter(|f| f["kind"] == "blocked")
            .filter_map(|f| f["exchanges"].as_u64())
            .sum();
        assert_eq!(
            in_findings, blocked_requests,
            "blocked findings count blocked requests"
        );
    }
}

#[test]
fn json_report_matches_the_readme_schema() {
    let doc: Value = serde_json::from_str(&run(ReportFormat::Json)).expect("JSON parses");
    validate(&doc);
    // The run shows what the schema is there for.
    let verdicts: BTreeSet<&str> = doc["exchanges"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|x| x["verdict"].as_str())
        .collect();
    for v in ["allowed", "blocked", "network-error", "not-applicable"] {
        assert!(verdicts.contains(v), "no {v} exchange in {verdicts:?}");
    }
    assert!(doc["summary"]["inferred"].as_u64() > Some(0));
    // The DevTools HAR marks every failed request: what credentials would break on the
    // completed ones is a latent risk.
    assert!(doc["summary"]["latent"].as_u64() > Some(0));
    assert_eq!(doc["inputs"].as_array().map(Vec::len), Some(2));
    let kinds: BTreeSet<&str> = doc["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    // The HAR's credentials causes are latent risks (its recorder marks every failed
    // request); the pcap's one request is blocked.
    for k in ["blocked", "latent", "warning"] {
        assert!(kinds.contains(k), "no {k} finding in {kinds:?}");
    }
}

/// A legacy pcap cut in two after `frames` frames.
fn cut_pcap(bytes: &[u8], frames: usize) -> (Vec<u8>, Vec<u8>) {
    let mut at = 24;
    for _ in 0..frames {
        let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes"));
        at += 16 + len as usize;
    }
    let mut second = bytes[..24].to_vec();
    second.extend_from_slice(&bytes[at..]);
    (bytes[..at].to_vec(), second)
}

#[test]
fn a_capture_of_several_files_follows_the_schema() {
    let pcap = proxy_pcap(&[], &[("Access-Control-Allow-Origin", O)]);
    // Cut between the client leg's request and its response.
    let (a, b) = cut_pcap(&pcap, 5);
    let inputs = [
        ("recordings/mixed.har", mixed_har()),
        ("recordings/proxy.pcap", a),
        ("recordings/proxy.pcap1", b),
    ];
    let refs: Vec<(&str, &[u8])> = inputs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let doc: Value = serde_json::from_str(&report(&refs, ReportFormat::Json)).expect("JSON parses");
    validate(&doc);
    let files = doc["inputs"][1]["files"].as_array().expect("files listed");
    let paths: Vec<&str> = files.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, ["recordings/proxy.pcap", "recordings/proxy.pcap1"]);
    assert!(
        doc["exchanges"]
            .as_array()
            .expect("array")
            .iter()
            .any(|x| x["location"]["response_file"] == 1),
        "a response in the second file"
    );
}

#[test]
fn jsonl_lines_follow_the_same_schema() {
    let jsonl = run(ReportFormat::Jsonl);
    let mut lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let last = lines.pop().expect("a last line");
    let mut doc = last.clone();
    let split = lines
        .iter()
        .position(|l| l.get("finding").is_some())
        .unwrap_or(lines.len());
    let findings: Vec<Value> = lines.split_off(split);
    assert!(
        findings
            .iter()
            .all(|l| l.as_object().is_some_and(|o| o.len() == 1)),
        "finding lines hold one key, `finding`, and come after every exchange"
    );
    doc["exchanges"] = Value::Array(lines);
    doc["findings"] = findings.into_iter().map(|l| l["finding"].clone()).collect();
    validate(&doc);
    let keys: Vec<&String> = last.as_object().expect("object").keys().collect();
    assert_eq!(
        keys.len(),
        4,
        "last line: schema_version, tool, inputs, summary"
    );
}

#[test]
fn validator_rejects_a_broken_report() {
    let good: Value = serde_json::from_str(&run(ReportFormat::Json)).expect("JSON parses");
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 9] = [
        ("finding without fingerprint", |d| {
            d["findings"][0]
                .as_object_mut()
                .map(|o| o.remove("fingerprint"));
        }),
        ("finding with a dangling example", |d| {
            d["findings"][0]["example"] = "0:99".into()
        }),
        ("findings out of order", |d| {
            if let Some(f) = d["findings"].as_array_mut() {
                f.reverse();
            }
        }),
        ("no summary", |d| {
            d.as_object_mut().map(|o| o.remove("summary"));
        }),
        ("status as text", |d| {
            d["exchanges"][1]["status"] = "200".into()
        }),
        ("cause without evidence", |d| {
            let x = d["exchanges"]
                .as_array_mut()
                .and_then(|xs| xs.iter_mut().find(|x| x["verdict"] == "blocked"));
            if let Some(x) = x {
                x["causes"][0]["evidence"] = Value::Array(Vec::new());
            }
        }),
        ("dangling preflight", |d| {
            let x = d["exchanges"]
                .as_array_mut()
                .and_then(|xs| xs.iter_mut().find(|x| x["preflight"].is_string()));
            if let Some(x) = x {
                x["preflight"] = "0:99".into();
            }
        }),
        ("unknown verdict", |d| {
            d["exchanges"][0]["verdict"] = "denied".into()
        }),
        ("undocumented key", |d| d["summary"]["extra"] = 1.into()),
    ];
    for (what, breakage) in breakages {
        let mut doc = good.clone();
        breakage(&mut doc);
        let caught = std::panic::catch_unwind(|| validate(&doc)).is_err();
        assert!(caught, "the validator accepted a report with {what}");
    }
}

#[test]
fn mixed_run_text_report() {
    insta::assert_snapshot!("mixed-run__text", run(ReportFormat::Text));
}

#[test]
fn mixed_run_json_report() {
    let doc: Value = serde_json::from_str(&run(ReportFormat::Json)).expect("JSON parses");
    insta::assert_json_snapshot!("mixed-run__json", doc);
}
