//! corscope against Chromium's own verdicts on the recordings in `samples/`.
//!
//! `samples/recordings/verdicts.json` holds, for every request real Chromium made (preflights
//! included), whether it was blocked and the `CorsError` the DevTools protocol reported. Each
//! recording of that run is analysed and every request the recording shows is compared:
//! verdict and `CorsError` for actual requests, kind and pairing for preflights. Requests the
//! recording cannot show (served from cache, never reaching the network) are listed, not
//! silently skipped. A capture cannot show a credentials mode without cookies: there, a
//! block that depends on it must be reported as conditional (`if_credentialed`) with the same
//! `CorsError`, and such requests are listed.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

mod analysis;

use corscope::model::{Assessment, ExchangeKind, Verdict};
use serde_json::Value;

fn recordings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings")
}

fn analyse(name: &str) -> Vec<Assessment> {
    let (out, mut issues) = analysis::analyse_file(&recordings().join(name));
    // The server-down scenarios leave refused connections on the wire; nothing else may be
    // skipped.
    issues.retain(|i| i.id != "tcp-connection-refused");
    assert!(
        issues.is_empty(),
        "{name}: unexpected input issues {issues:?}"
    );
    out
}

/// Chromium's record of one request.
struct Truth {
    scenario: String,
    request_id: String,
    hop: u64,
    method: String,
    url: String,
    resource_type: String,
    blocked: bool,
    cors_error: Option<String>,
    error_text: Option<String>,
    preflight_of: Option<String>,
}

fn truths() -> Vec<Truth> {
    let text = std::fs::read(recordings().join("verdicts.json")).expect("verdicts.json");
    let doc: Value = serde_json::from_slice(&text).expect("verdicts.json is JSON");
    let s = |v: &Value| v.as_str().map(str::to_owned);
    doc["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| Truth {
            scenario: s(&r["scenario"]).unwrap_or_default(),
            request_id: s(&r["request_id"]).unwrap_or_default(),
            hop: r["hop"].as_u64().unwrap_or(0),
            method: s(&r["method"]).unwrap_or_default(),
            url: s(&r["url"]).unwrap_or_default(),
            resource_type: s(&r["resource_type"]).unwrap_or_default(),
            blocked: r["blocked"].as_bool().unwrap_or(false),
            cors_error: s(&r["cors_error"]),
            error_text: s(&r["error_text"]),
            preflight_of: (r["resource_type"] == "Preflight")
                .then(|| s(&r["initiator"]["request_id"]))
                .flatten(),
        })
        .collect()
}

/// Matches Chromium's requests to assessments: the k-th request with a given method and URL
/// is the k-th assessment with them, in recording order.
fn matched<'a>(
    truths: &'a [Truth],
    all: &'a [Assessment],
) -> Vec<(&'a Truth, Option<&'a Assessment>)> {
    let mut by_key: HashMap<(String, String), Vec<&Assessment>> = HashMap::new();
    for a in all {
        by_key
            .entry((
                a.exchange.request.method.clone(),
                a.exchange.request.url.clone(),
            ))
            .or_default()
            .push(a);
    }
    let mut used: HashMap<(String, String), usize> = HashMap::new();
    truths
        .iter()
        .map(|t| {
            let key = (t.method.clone(), t.url.clone());
            let n = used.entry(key.clone()).or_default();
            let a = by_key.get(&key).and_then(|v| v.get(*n)).copied();
            *n += 1;
            (t, a)
        })
        .collect()
}

fn reported(a: &Assessment) -> String {
    let cause = a
        .primary_cause()
        .filter(|f| !f.if_credentialed || a.verdict == Verdict::Blocked)
        .map(|f| {
            format!(
                "{} ({})",
                f.cause.info().chromium.unwrap_or("-"),
                f.cause.info().name
            )
        })
        .unwrap_or_default();
    format!("{} {cause}", a.verdict.as_str())
}

/// Compares and returns a readable table of disagreements and of requests not shown.
fn compare<'a>(
    name: &str,
    truths: &'a [Truth],
    all: &'a [Assessment],
    strict_cause: bool,
    credentials_visible: bool,
) -> (String, Vec<String>, Vec<String>) {
    let pairs = matched(truths, all);
    let ids: HashMap<&str, Option<&Assessment>> = pairs
        .iter()
        .map(|(t, a)| (t.request_id.as_str(), *a))
        .collect();
    // A redirect chain whose last hop never reached the network (a `Location` the browser
    // refused to follow) is recorded up to the redirect response, and that is where the
    // browser's verdict on the chain is judged.
    let mut last_hop: HashMap<&str, &Truth> = HashMap::new();
    for t in truths {
        let e = last_hop.entry(t.request_id.as_str()).or_insert(t);
        if t.hop > e.hop {
            *e = t;
        }
    }
    let recorded: Vec<(&Truth, bool)> = pairs.iter().map(|(t, a)| (*t, a.is_some())).collect();
    let verdict_of = |t: &'a Truth| -> &'a Truth {
        let last = last_hop.get(t.request_id.as_str()).copied().unwrap_or(t);
        let last_recorded = recorded
            .iter()
            .any(|(r, seen)| *seen && std::ptr::eq(*r, last));
        let next_recorded = recorded
            .iter()
            .any(|(r, seen)| *seen && r.request_id == t.request_id && r.hop == t.hop + 1);
        if !last_recorded && !next_recorded {
            last
        } else {
            t
        }
    };
    let mut diff = String::new();
    let mut unseen = Vec::new();
    let mut unseen_credentials = Vec::new();
    for (t, a) in &pairs {
        let Some(a) = a else {
            unseen.push(format!(
                "{} {} {} ({})",
                t.scenario, t.method, t.url, t.resource_type
            ));
            continue;
        };
        let mut wrong = |expected: String| {
            let _ = writeln!(
                diff,
                "{name} [{}] {} {}\n    chromium: {expected}\n    corscope: {}",
                t.scenario,
                t.method,
                t.url,
                reported(a)
            );
        };
        if t.resource_type == "Preflight" {
            if a.kind != ExchangeKind::Preflight {
                wrong("a preflight".into());
            } else if let Some(Some(real)) = t
                .preflight_of
                .as_deref()
                .map(|id| ids.get(id).copied().flatten())
            {
                let paired = real.preflight == Some(a.id);
                if !paired {
                    wrong(format!(
                        "the preflight of {} {}",
                        real.exchange.request.method, real.exchange.request.url
                    ));
                }
            }
            continue;
        }
        let v = verdict_of(t);
        match (&v.cors_error, &v.error_text) {
            (Some(err), _) if v.blocked => {
                let got = a.primary_cause().and_then(|f| f.cause.info().chromium);
                let ok =
                    a.verdict == Verdict::Blocked && (!strict_cause || got == Some(err.as_str()));
                let conditional = !credentials_visible
                    && a.verdict == Verdict::Allowed
                    && a.causes.iter().any(|f| {
                        f.if_credentialed && f.cause.info().chromium == Some(err.as_str())
                    });
                if conditional {
                    unseen_credentials
                        .push(format!("{} {} {} ({err})", t.scenario, t.method, t.url));
                } else if !ok {
                    wrong(format!("blocked {err}"));
                }
            }
            (None, Some(net)) => {
                if a.verdict != Verdict::NetworkError {
                    wrong(format!("network error {net}"));
                }
            }
            _ => {
                if matches!(a.verdict, Verdict::Blocked | Verdict::NetworkError) {
                    wrong("not blocked".into());
                }
            }
        }
    }
    (diff, unseen, unseen_credentials)
}

fn assert_agrees(name: &str, strict_cause: bool, credentials_visible: bool) {
    let all = analyse(name);
    let truths = truths();
    let (diff, unseen, conditional) =
        compare(name, &truths, &all, strict_cause, credentials_visible);
    if !conditional.is_empty() {
        eprintln!(
            "{name}: {} block(s) depend on a credentials mode the recording cannot show; corscope reports them with if_credentialed and the same CorsError:\n  {}",
            conditional.len(),
            conditional.join("\n  ")
        );
    }
    if !unseen.is_empty() {
        eprintln!(
            "{name}: {} request(s) Chromium made are not in this recording:\n  {}",
            unseen.len(),
            unseen.join("\n  ")
        );
    }
    assert!(diff.is_empty(), "corscope disagrees with Chromium:\n{diff}");
}

#[test]
fn devtools_har_agrees_with_chromium() {
    assert_agrees("chromium-devtools.har", true, true);
}

#[test]
fn sanitized_devtools_har_agrees_with_chromium() {
    assert_agrees("chromium-devtools-sanitized.har", true, true);
}

#[test]
fn pcap_agrees_with_chromium() {
    // The wire shows a credentialed request only through its `Cookie` header; a
    // `withCredentials` request with no cookie to send looks uncredentialed, and is reported
    // with the cause it would have if it were (`if_credentialed`).
    assert_agrees("loopback.pcap", true, false);
}

#[test]
fn proxy_scenarios_in_the_pcap_name_the_proxy_and_both_legs() {
    let all = analyse("loopback.pcap");
    let expect = [
        ("proxy-strips-acao", "allow-origin-stripped-by-proxy"),
        ("proxy-duplicates-acao", "header-duplicated-by-proxy"),
    ];
    for (scenario, cause) in expect {
        let client = all
            .iter()
            .find(|a| {
                a.exchange.request.url.contains(&format!("/s/{scenario}/"))
                    && a.exchange.request.url.starts_with("http://proxy.")
            })
            .unwrap_or_else(|| panic!("{scenario}: client leg"));
        assert_eq!(client.verdict, Verdict::Blocked, "{scenario}");
        let f = client.primary_cause().expect("a cause");
        assert_eq!(f.cause.info().name, cause, "{scenario}");
        let upstream = f
            .evidence
            .iter()
            .find(|e| e.source == corscope::model::EvidenceSource::Upstream)
            .unwrap_or_else(|| panic!("{scenario}: upstream evidence"));
        assert_ne!(
            upstream.exchange, client.id,
            "the upstream leg is its own exchange"
        );
        let leg = all
            .iter()
            .find(|a| a.id == upstream.exchange)
            .unwrap_or_else(|| panic!("{scenario}: the upstream leg is reported"));
        assert_eq!(leg.kind, ExchangeKind::NotCors);
        assert_eq!(
            leg.exchange.endpoints.client.map(|c| c.ip()),
            client.exchange.endpoints.server.map(|s| s.ip()),
            "the proxy connects from the address the client reached"
        );
        assert_ne!(
            leg.exchange.endpoints.server,
            client.exchange.endpoints.server
        );
        assert!(upstream.note.contains("upstream leg"), "{}", upstream.note);
    }
}

/// A proxy that strips `Access-Control-Allow-Methods` from the preflight: the cause stays the
/// browser's (method-not-allowed), and the evidence shows what the origin server sent the
/// proxy and says the proxy removed it.
#[test]
fn proxy_stripping_allow_methods_is_named_in_the_evidence() {
    let all = analyse("loopback.pcap");
    let blocked = all
        .iter()
        .find(|a| {
            a.exchange
                .request
                .url
                .contains("/s/proxy-strips-preflight-acam/")
                && a.exchange.request.method == "PUT"
        })
        .expect("the PUT the preflight stopped");
    assert_eq!(blocked.verdict, Verdict::Blocked);
    let f = blocked.primary_cause().expect("a cause");
    assert_eq!(f.cause.info().name, "method-not-allowed");
    let upstream = f
        .evidence
        .iter()
        .find(|e| e.source == corscope::model::EvidenceSource::Upstream)
        .expect("upstream evidence");
    assert_eq!(
        upstream.header.as_deref(),
        Some("Access-Control-Allow-Methods")
    );
    assert!(
        upstream.values.iter().any(|v| v.contains("PUT")),
        "{:?}",
        upstream.values
    );
    assert!(
        upstream
            .note
            .contains("the proxy removed Access-Control-Allow-Methods"),
        "{}",
        upstream.note
    );
}

/// Every console message corscope writes for a block in the DevTools HAR is, verbatim, one
/// Chromium printed, and every `failed_parameter` is the one Chromium reported.
#[test]
fn console_messages_and_failed_parameters_are_chromium_s_own() {
    let text = std::fs::read(recordings().join("verdicts.json")).expect("verdicts.json");
    let doc: Value = serde_json::from_slice(&text).expect("JSON");
    let console: Vec<&str> = doc["console"]
        .as_array()
        .expect("console")
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect();
    let mut params: HashMap<(String, String), Vec<String>> = HashMap::new();
    for r in doc["requests"].as_array().expect("requests") {
        if let Some(p) = r["failed_parameter"].as_str() {
            let key = (
                r["method"].as_str().unwrap_or("").to_string(),
                r["url"].as_str().unwrap_or("").to_string(),
            );
            params.entry(key).or_default().push(p.to_string());
        }
    }
    for name in ["chromium-devtools.har", "chromium-devtools-sanitized.har"] {
        let mut checked = 0;
        let mut wrong = Vec::new();
        for a in analyse(name) {
            let Some(f) = a.primary_cause() else { continue };
            if a.verdict != Verdict::Blocked || a.kind == ExchangeKind::Preflight {
                continue;
            }
            if f.cause.info().chromium.is_none() {
                continue;
            }
            checked += 1;
            if !console.iter().any(|c| *c == f.message) {
                wrong.push(format!("not in Chromium's console: {}", f.message));
            }
            let key = (
                a.exchange.request.method.clone(),
                a.exchange.request.url.clone(),
            );
            let got = f.failed_parameter.clone().unwrap_or_default();
            if let Some(want) = params.get(&key) {
                if !want.contains(&got) {
                    wrong.push(format!(
                        "{} {}: failed_parameter {got:?}, Chromium {want:?}",
                        key.0, key.1
                    ));
                }
            }
        }
        assert!(checked >= 50, "{name}: only {checked} blocks checked");
        assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
    }
}
