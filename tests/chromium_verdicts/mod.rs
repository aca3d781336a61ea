//! Chromium's own verdicts (`verdicts.json` of a samples run) and their comparison with
//! corscope's assessments of a recording of the same run: verdict and `CorsError` for actual
//! requests, kind and pairing for preflights; requests a recording cannot show are listed.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, dead_code)]

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use corscope::model::{Assessment, ExchangeKind, Verdict};
use serde_json::Value;

/// Chromium's record of one request.
pub struct Truth {
    pub scenario: String,
    pub request_id: String,
    pub hop: u64,
    pub status: Option<u64>,
    pub method: String,
    pub url: String,
    pub resource_type: String,
    pub blocked: bool,
    pub cors_error: Option<String>,
    pub error_text: Option<String>,
    pub preflight_of: Option<String>,
    /// Answered from Chromium's HTTP cache: never on the wire.
    pub from_cache: bool,
}

pub fn truths(path: &Path) -> Vec<Truth> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
            from_cache: r["from_disk_cache"] == true
                || r["from_memory_cache"] == true
                || r["served_from_cache"] == true,
        })
        .collect()
}

/// How Chromium's requests are found in a recording.
#[derive(Clone, Copy, PartialEq)]
pub enum Matching {
    /// The k-th request with a given method and URL is the k-th assessment with them, in
    /// recording order.
    Order,
    /// By the recorder's copy of the protocol's request id (chrome-har `_requestId`, with an
    /// `r` appended for each redirect after it) and the URL; requests the recording lacks by
    /// method and URL among the inferred assessments.
    RequestId,
}

pub fn matched<'a>(
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
pub struct Expect {
    /// The `CorsError` must be Chromium's (else only the verdict is compared).
    pub strict_cause: bool,
    /// The recording shows the credentials mode.
    pub credentials_visible: bool,
    pub matching: Matching,
}

pub const DEVTOOLS: Expect = Expect {
    strict_cause: true,
    credentials_visible: true,
    matching: Matching::Order,
};

/// Compares and returns a readable table of disagreements and of requests not shown.
pub fn compare<'a>(
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

/// Compares `all` (the assessments of recording `name`) with Chromium's `truths`: fails on
/// any disagreement, lists the requests the recording cannot show or whose cause it cannot
/// show.
pub fn assert_agrees(name: &str, truths: &[Truth], all: &[Assessment], expect: Expect) {
    let (diff, unseen, conditional) = compare(name, truths, all, expect);
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
}
