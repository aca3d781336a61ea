//! corscope against Firefox's own verdicts on the Firefox recording in `samples/`.
//!
//! `samples/recordings/firefox-verdicts.json` holds, for every request Firefox 153 ESR made in
//! its run of the scenarios (WebDriver BiDi network events), the console messages Firefox
//! printed about it and the `security.properties` key each was formatted from;
//! `firefox-devtools.har` is what Firefox's Network panel exported for the same run. Every
//! request the HAR shows is compared, judged as Firefox (as `auto` does for a Firefox HAR, and
//! as `--browser firefox` asks): a request Firefox blocked must be blocked with Firefox's
//! reason key and Firefox's console text verbatim, any other must not be blocked. What the
//! HAR cannot show is listed, not skipped silently: the credentials mode of a request that sent
//! no cookie (reported with the reason it has if credentialed), and the cause of a failure
//! below HTTP (Firefox's HAR keeps no error text).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

mod analysis;

use corscope::cors::EngineOptions;
use corscope::model::{Assessment, Browser, BrowserChoice, ExchangeKind, Verdict};
use serde_json::Value;

fn recordings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings")
}

fn analyse(browser: BrowserChoice) -> Vec<Assessment> {
    let options = EngineOptions {
        browser,
        ..EngineOptions::default()
    };
    let (out, issues) =
        analysis::analyse_file_with(&recordings().join("firefox-devtools.har"), options);
    assert!(issues.is_empty(), "unexpected input issues {issues:?}");
    out
}

/// Firefox's record of one request hop.
struct Truth {
    scenario: String,
    method: String,
    url: String,
    preflight: bool,
    blocked: bool,
    reason_key: Option<String>,
    error_text: Option<String>,
    console: Vec<String>,
}

fn truths() -> Vec<Truth> {
    let text = std::fs::read(recordings().join("firefox-verdicts.json")).expect("verdicts");
    let doc: Value = serde_json::from_slice(&text).expect("firefox-verdicts.json is JSON");
    let s = |v: &Value| v.as_str().map(str::to_owned);
    doc["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["method"].is_string())
        .map(|r| Truth {
            scenario: s(&r["scenario"]).unwrap_or_default(),
            method: s(&r["method"]).unwrap_or_default(),
            url: s(&r["url"]).unwrap_or_default(),
            preflight: r["preflight"] == true,
            blocked: r["blocked"] == true,
            reason_key: s(&r["reason_key"]),
            error_text: s(&r["error_text"]),
            console: r["console"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The k-th request Firefox made with a method and URL is the k-th entry with them.
fn matched<'a>(
    truths: &'a [Truth],
    all: &'a [Assessment],
) -> Vec<(&'a Truth, Option<&'a Assessment>)> {
    let mut by_key: HashMap<(&str, &str), Vec<&Assessment>> = HashMap::new();
    for a in all
        .iter()
        .filter(|a| a.id.0 < corscope::cors::INFERRED_BASE)
    {
        by_key
            .entry((&a.exchange.request.method, &a.exchange.request.url))
            .or_default()
            .push(a);
    }
    let mut used: HashMap<(&str, &str), usize> = HashMap::new();
    truths
        .iter()
        .map(|t| {
            let key = (t.method.as_str(), t.url.as_str());
            let n = used.entry(key).or_default();
            let a = by_key.get(&key).and_then(|v| v.get(*n)).copied();
            *n += 1;
            (t, a)
        })
        .collect()
}

/// Compares one judgement of the HAR with Firefox; returns the requests the HAR cannot decide.
fn assert_agrees_with_firefox(all: &[Assessment]) -> Vec<String> {
    let truths = truths();
    let mut diff = String::new();
    let mut undecidable = Vec::new();
    let mut blocked_checked = 0;
    for (t, a) in matched(&truths, all) {
        let Some(a) = a else {
            undecidable.push(format!(
                "{} {} {}: not in the HAR",
                t.scenario, t.method, t.url
            ));
            continue;
        };
        let cause = a.primary_cause();
        let mut wrong = |what: String| {
            let _ = writeln!(
                diff,
                "[{}] {} {}\n    firefox:  {what}\n    corscope: {} {:?} {:?}",
                t.scenario,
                t.method,
                t.url,
                a.verdict.as_str(),
                cause.map(|f| f.cause.info().name),
                cause.and_then(|f| f.firefox)
            );
        };
        if t.preflight {
            if a.kind != ExchangeKind::Preflight {
                wrong("a preflight".into());
            }
            continue;
        }
        let network = t.error_text.as_deref().is_some_and(|e| {
            e.starts_with("NS_ERROR_CONNECTION") || e.starts_with("NS_BINDING_ABORTED")
        });
        if t.blocked {
            let key = t.reason_key.as_deref();
            let conditional = a
                .causes
                .iter()
                .find(|f| f.if_credentialed && f.firefox == key);
            if let Some(f) = conditional.filter(|_| a.verdict == Verdict::Allowed) {
                // The reason and the text Firefox printed, as the cause it has if credentialed.
                if !t.console.contains(&f.message) {
                    wrong(format!("the console text {:?}", t.console.first()));
                }
                undecidable.push(format!(
                    "{} {} {}: {key:?}, only if credentialed (no cookie was sent)",
                    t.scenario, t.method, t.url
                ));
                continue;
            }
            blocked_checked += 1;
            let Some(f) = cause.filter(|_| a.verdict == Verdict::Blocked) else {
                wrong(format!("blocked {key:?}"));
                continue;
            };
            if f.firefox != key {
                wrong(format!("blocked {key:?}"));
            } else if !t.console.contains(&f.message) {
                wrong(format!(
                    "the console text {:?}, corscope wrote {:?}",
                    t.console.first(),
                    f.message
                ));
            }
        } else if network {
            if !matches!(
                a.verdict,
                Verdict::NetworkError | Verdict::Indeterminate | Verdict::NotApplicable
            ) {
                wrong(format!("failed below HTTP ({:?})", t.error_text));
            } else if a.verdict == Verdict::Indeterminate {
                undecidable.push(format!(
                    "{} {} {}: {:?}, which Firefox's HAR does not keep",
                    t.scenario, t.method, t.url, t.error_text
                ));
            }
        } else if a.verdict == Verdict::Blocked {
            wrong("not blocked".into());
        }
    }
    assert!(diff.is_empty(), "corscope disagrees with Firefox:\n{diff}");
    assert!(
        blocked_checked >= 50,
        "only {blocked_checked} blocks checked"
    );
    undecidable
}

/// `auto` judges a Firefox HAR as Firefox.
#[test]
fn firefox_har_agrees_with_firefox() {
    let undecidable = assert_agrees_with_firefox(&analyse(BrowserChoice::Auto));
    eprintln!(
        "firefox-devtools.har: {} request(s) the HAR cannot decide:\n  {}",
        undecidable.len(),
        undecidable.join("\n  ")
    );
    // Three credentialed XMLHttpRequests without a cookie to send, and the refused connection.
    assert!(undecidable.len() <= 6, "{undecidable:#?}");
}

/// `--browser firefox` gives Firefox's reason key and console text for every request Firefox
/// blocked; `--browser chromium` on the same file keeps Firefox's key and prints Chromium's text.
#[test]
fn browser_choice_picks_the_console_text() {
    assert_agrees_with_firefox(&analyse(BrowserChoice::Fixed(Browser::Firefox)));
    let as_chromium = analyse(BrowserChoice::Fixed(Browser::Chromium));
    let blocked: Vec<&Assessment> = as_chromium
        .iter()
        .filter(|a| a.verdict == Verdict::Blocked && a.kind != ExchangeKind::Preflight)
        .collect();
    assert!(blocked.len() >= 50);
    for a in blocked {
        let f = a.primary_cause().expect("a cause");
        assert!(
            !f.message.starts_with("Cross-Origin Request Blocked"),
            "{}",
            f.message
        );
    }
}

/// Where Firefox's preflight cache differs from Chromium's, the Firefox recording shows it:
/// an unparsable `Access-Control-Max-Age` is not cached (a preflight before each PUT), and
/// allowed headers accumulate per token (no third preflight for X-A and X-B together).
#[test]
fn firefox_preflight_cache_rules_match_the_recording() {
    let as_firefox = analyse(BrowserChoice::Auto);
    let puts = |scenario: &str| -> Vec<&Assessment> {
        as_firefox
            .iter()
            .filter(|a| {
                a.exchange.request.url.contains(&format!("/s/{scenario}/"))
                    && a.exchange.request.method == "PUT"
            })
            .collect()
    };
    for a in puts("ok-preflight-cache-per-header") {
        let missing = a
            .warnings
            .iter()
            .any(|w| w.id == corscope::model::WarningId::PreflightMissing);
        assert!(
            a.preflight.is_some() || a.preflight_cached_from.is_some(),
            "{}: judged as Firefox, every PUT has its preflight or a cached one",
            a.exchange.request.url
        );
        assert!(!missing);
    }
    let third = puts("ok-preflight-cache-per-header")
        .into_iter()
        .find(|a| a.preflight.is_none())
        .expect("the third PUT has no preflight of its own in Firefox");
    assert!(third.preflight_cached_from.is_some());
    // Judged as Chromium, the same PUT is not covered: Chromium keeps the last result only.
    let as_chromium = analyse(BrowserChoice::Fixed(Browser::Chromium));
    let same = as_chromium
        .iter()
        .find(|a| a.id == third.id)
        .expect("same exchange");
    assert!(same.preflight_cached_from.is_none());
    assert!(same
        .warnings
        .iter()
        .any(|w| w.id == corscope::model::WarningId::PreflightMissing));
}
