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
//!
//! The chrome-har HAR was written by the `chrome-har` package from the same run's protocol
//! events: its entries carry the protocol's request ids, so they are matched by id, and the
//! requests it leaves out (every one the browser failed) are listed. The Playwright HAR is a
//! second run of the same scenarios: every request Chromium blocked must be blocked there too.

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
    // The server-down scenarios leave refused connections on the wire, chrome-har lists
    // request headers twice; nothing else may be skipped or repaired.
    issues.retain(|i| {
        i.id != "tcp-connection-refused"
            && i.id != corscope::capture::har::HAR_REQUEST_HEADERS_REPEATED
    });
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
    status: Option<u64>,
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
            status: r["status"].as_u64(),
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

/// How Chromium's requests are found in a recording.
#[derive(Clone, Copy, PartialEq)]
enum Matching {
    /// The k-th request with a given method and URL is the k-th assessment with them, in
    /// recording order.
    Order,
    /// By the recorder's copy of the protocol's request id (chrome-har `_requestId`, with an
    /// `r` appended for each redirect after it) and the URL; requests the recording lacks by
    /// method and URL among the inferred assessments.
    RequestId,
}

fn matched<'a>(
    truths: &'a [Truth],
    all: &'a [Assessment],
    matching: Matching,
) -> Vec<(&'a Truth, Option<&'a Assessment>)> {
    if matching == Matching::Order {
        return matched_in_order(truths, all);
    }
    let inferred: Vec<Assessment> = all
        .iter()
        .filter(|a| a.id.0 >= corscope::cors::INFERRED_BASE)
        .cloned()
        .collect();
    let by_order = matched_in_order(truths, &inferred);
    truths
        .iter()
        .zip(by_order)
        .map(|(t, (_, inferred))| {
            let recorded = all.iter().find(|a| {
                a.exchange.request.url == t.url
                    && a.exchange
                        .recorder
                        .request_id
                        .as_deref()
                        .is_some_and(|id| id.trim_end_matches('r') == t.request_id)
            });
            let inferred = inferred.and_then(|i| all.iter().find(|a| a.id == i.id));
            (t, recorded.or(inferred))
        })
        .collect()
}

/// Matches Chromium's requests to assessments: the k-th request with a given method and URL
/// is the k-th assessment with them, in recording order.
fn matched_in_order<'a>(
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
        .map(|f| format!("{} ({})", f.chromium.unwrap_or("-"), f.cause.info().name))
        .unwrap_or_default();
    format!("{} {cause}", a.verdict.as_str())
}

/// How a recording is compared.
#[derive(Clone, Copy)]
struct Expect {
    /// The `CorsError` must be Chromium's (else only the verdict is compared).
    strict_cause: bool,
    /// The recording shows the credentials mode.
    credentials_visible: bool,
    matching: Matching,
}

const DEVTOOLS: Expect = Expect {
    strict_cause: true,
    credentials_visible: true,
    matching: Matching::Order,
};

/// Compares and returns a readable table of disagreements and of requests not shown.
fn compare<'a>(
    name: &str,
    truths: &'a [Truth],
    all: &'a [Assessment],
    expect: Expect,
) -> (String, Vec<String>, Vec<String>) {
    let Expect {
        strict_cause,
        credentials_visible,
        matching,
    } = expect;
    let pairs = matched(truths, all, matching);
    let ids: HashMap<&str, Option<&Assessment>> = pairs
        .iter()
        .map(|(t, a)| (t.request_id.as_str(), *a))
        .collect();
    // A redirect whose `Location` the browser refused to follow: Chromium reports the block
    // on the next hop, which never reached the network (no status). corscope reports it on
    // the redirect, the last response there is; a recorder that keeps the refused hop
    // (Playwright) shows it as not sent.
    let refused = |t: &Truth| t.hop > 0 && t.status.is_none() && t.blocked;
    let verdict_of = |t: &'a Truth| -> &'a Truth {
        truths
            .iter()
            .find(|n| n.request_id == t.request_id && n.hop == t.hop + 1 && refused(n))
            .unwrap_or(t)
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
        if refused(t) {
            if a.verdict == Verdict::Blocked || a.sent {
                let _ = writeln!(
                    diff,
                    "{name} [{}] {} {}: a refused redirect target, judged at the redirect: {}",
                    t.scenario,
                    t.method,
                    t.url,
                    reported(a)
                );
            }
            continue;
        }
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
                let got = a.primary_cause().and_then(|f| f.chromium);
                // A recording that keeps no response and no preflight of a blocked request
                // shows the block, not its cause.
                let unrecorded = a
                    .primary_cause()
                    .is_some_and(|f| f.cause == corscope::model::CauseId::BlockedCauseNotRecorded);
                let ok = a.verdict == Verdict::Blocked
                    && (!strict_cause || unrecorded || got == Some(err.as_str()));
                let conditional = !credentials_visible
                    && a.verdict == Verdict::Allowed
                    && a.causes
                        .iter()
                        .any(|f| f.if_credentialed && f.chromium == Some(err.as_str()));
                if conditional {
                    unseen_credentials
                        .push(format!("{} {} {} ({err})", t.scenario, t.method, t.url));
                } else if ok && unrecorded {
                    unseen_credentials.push(format!(
                        "{} {} {} ({err}: blocked, the cause is not in the recording)",
                        t.scenario, t.method, t.url
                    ));
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

fn assert_agrees(name: &str, expect: Expect) -> Vec<Assessment> {
    let all = analyse(name);
    let truths = truths();
    let (diff, unseen, conditional) = compare(name, &truths, &all, expect);
    if !conditional.is_empty() {
        eprintln!(
            "{name}: {} block(s) whose cause the recording cannot show (a credentials mode without cookies: reported with if_credentialed and the same CorsError; a request left out: blocked, cause not recorded):\n  {}",
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
    all
}

#[test]
fn devtools_har_agrees_with_chromium() {
    assert_agrees("chromium-devtools.har", DEVTOOLS);
}

#[test]
fn sanitized_devtools_har_agrees_with_chromium() {
    assert_agrees("chromium-devtools-sanitized.har", DEVTOOLS);
}

#[test]
fn pcap_agrees_with_chromium() {
    // The wire shows a credentialed request only through its `Cookie` header; a
    // `withCredentials` request with no cookie to send looks uncredentialed, and is reported
    // with the cause it would have if it were (`if_credentialed`).
    assert_agrees(
        "loopback.pcap",
        Expect {
            credentials_visible: false,
            ..DEVTOOLS
        },
    );
}

/// chrome-har leaves out every request the browser failed: its entries completed, a request
/// whose recorded preflight failed is inferred (blocked by that preflight), and one whose
/// preflight passed is blocked by a cause the file does not keep.
#[test]
fn chrome_har_agrees_with_chromium() {
    let all = assert_agrees(
        "chrome-har.har",
        Expect {
            matching: Matching::RequestId,
            ..DEVTOOLS
        },
    );
    let recorded = all
        .iter()
        .filter(|a| a.id.0 < corscope::cors::INFERRED_BASE);
    for a in recorded {
        let kind = a.kind;
        assert!(
            a.verdict != Verdict::Blocked || kind == ExchangeKind::Preflight,
            "a chrome-har entry completed, so it was not blocked: {} {} {:?}",
            a.exchange.request.method,
            a.exchange.request.url,
            a.primary_cause().map(|f| f.cause.info().name)
        );
        // Nothing chrome-har recorded needs a credentials hypothesis: it completed.
        assert!(
            a.causes.iter().all(|f| !f.if_credentialed || f.latent)
                || kind == ExchangeKind::Preflight,
            "{}: conditional causes on a completed entry are latent",
            a.exchange.request.url
        );
    }
}

/// Playwright keeps no preflights and no response of a request Chromium blocked: every one is
/// blocked all the same, most with the cause not recorded.
#[test]
fn playwright_blocks_every_request_chromium_blocked() {
    assert_agrees(
        "playwright.har",
        Expect {
            strict_cause: false,
            ..DEVTOOLS
        },
    );
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

/// The PUT of `scenario`, which its failed preflight stopped.
fn stopped_put<'a>(all: &'a [Assessment], scenario: &str) -> &'a Assessment {
    all.iter()
        .find(|a| {
            a.exchange.request.url.contains(&format!("/s/{scenario}/"))
                && a.exchange.request.method == "PUT"
        })
        .expect("the scenario's PUT, which its preflight stopped")
}

/// A proxy that strips `Access-Control-Allow-Origin` from the preflight: the proxy is named,
/// and the cause carries the preflight's CorsError and console text, as Chromium reported it.
#[test]
fn proxy_stripping_the_preflight_s_allow_origin_keeps_the_preflight_error() {
    let all = analyse("loopback.pcap");
    let put = stopped_put(&all, "proxy-strips-preflight-acao");
    assert_eq!(put.verdict, Verdict::Blocked);
    assert!(!put.sent);
    let f = put.primary_cause().expect("a cause");
    assert_eq!(f.cause.info().name, "allow-origin-stripped-by-proxy");
    assert_eq!(f.chromium, Some("PreflightMissingAllowOriginHeader"));
    assert_eq!(f.firefox, Some("CORSMissingAllowOrigin2"));
    let console = std::fs::read_to_string(recordings().join("verdicts.json")).expect("verdicts");
    assert!(
        console.contains(&serde_json::to_string(&f.message).expect("JSON string")),
        "Chromium printed {}",
        f.message
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.source == corscope::model::EvidenceSource::Upstream));
}

/// A proxy that strips `Access-Control-Allow-Methods` from the preflight: the cause stays the
/// browser's (method-not-allowed), and the evidence shows what the origin server sent the
/// proxy and says the proxy removed it.
#[test]
fn proxy_stripping_allow_methods_is_named_in_the_evidence() {
    let all = analyse("loopback.pcap");
    let blocked = stopped_put(&all, "proxy-strips-preflight-acam");
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
