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
use std::path::PathBuf;

mod analysis;
mod chromium_verdicts;

use chromium_verdicts::{truths, Expect, Matching, DEVTOOLS};
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

fn assert_agrees(name: &str, expect: Expect) -> Vec<Assessment> {
    let all = analyse(name);
    let truths = truths(&recordings().join("verdicts.json"));
    chromium_verdicts::assert_agrees(name, &truths, &all, expect);
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
