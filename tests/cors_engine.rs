//! Engine behaviour beyond single causes: one assessment per exchange, ordering, pairing in
//! either order, the preflight cache, the window, verdicts other than blocked, warnings and
//! evidence.

#![allow(clippy::panic)]

mod cors_support;

use cors_support::*;
use corscope::cors::{ENGINE_WINDOW_PASSED, INFERRED_BASE};
use corscope::model::{
    Assessment, EvidenceSource, ExchangeId, ExchangeKind, Issue, Limits, Verdict, WarningId,
};

fn has_warning(a: &corscope::model::Assessment, id: WarningId) -> bool {
    a.warnings.iter().any(|w| w.id == id)
}

#[test]
fn one_assessment_per_exchange_in_time_order_with_arrival_ids() {
    // Pushed in completion order (pcap): the later-started request completes first.
    let all = run(vec![
        acao_ok(fetch("GET", API)).at(2.0),
        acao_ok(fetch("GET", "https://api.test/a")).at(1.0),
        req("GET", "https://app.test/")
            .h("Sec-Fetch-Mode", "navigate")
            .status(200)
            .at(0.0),
    ]);
    let ids: Vec<u64> = all.iter().map(|a| a.id.0).collect();
    assert_eq!(ids, vec![2, 1, 0], "sorted by start time, ids by arrival");
    let again = run(vec![
        acao_ok(fetch("GET", API)).at(2.0),
        acao_ok(fetch("GET", "https://api.test/a")).at(1.0),
        req("GET", "https://app.test/")
            .h("Sec-Fetch-Mode", "navigate")
            .status(200)
            .at(0.0),
    ]);
    assert_eq!(all, again, "deterministic");
}

fn acao_ok(x: X) -> X {
    x.rh("Access-Control-Allow-Origin", O)
}

fn ok_preflight(method: &str, max_age: Option<&str>) -> X {
    let mut p = acao_ok(preflight(API, method, None).status(204))
        .rh("Access-Control-Allow-Methods", method);
    if let Some(m) = max_age {
        p = p.rh("Access-Control-Max-Age", m);
    }
    p
}

#[test]
fn preflight_cache_covers_later_requests_until_max_age() {
    let all = run(vec![
        ok_preflight("PUT", Some("600")).at(0.0),
        acao_ok(fetch("PUT", API).status(200)).at(0.1),
        acao_ok(fetch("PUT", API).status(200)).at(60.0),
        acao_ok(fetch("PUT", API).status(200)).at(700.0),
    ]);
    assert_eq!(all.len(), 4);
    let first = by_id(&all, 1);
    assert_eq!(
        (first.preflight, first.preflight_cached_from),
        (Some(ExchangeId(0)), None)
    );
    let cached = by_id(&all, 2);
    assert_eq!(
        (cached.preflight, cached.preflight_cached_from),
        (None, Some(ExchangeId(0)))
    );
    assert!(!has_warning(cached, WarningId::PreflightMissing));
    let expired = by_id(&all, 3);
    assert_eq!(expired.preflight_cached_from, None);
    assert!(has_warning(expired, WarningId::PreflightMissing));
    assert_eq!(
        expired.verdict,
        Verdict::Allowed,
        "judged on its own response"
    );
}

#[test]
fn max_age_default_is_five_seconds_and_zero_means_no_reuse() {
    let all = run(vec![
        ok_preflight("PUT", None).at(0.0),
        acao_ok(fetch("PUT", API).status(200)).at(0.1),
        acao_ok(fetch("PUT", API).status(200)).at(4.0),
        acao_ok(fetch("PUT", API).status(200)).at(10.0),
    ]);
    assert_eq!(by_id(&all, 2).preflight_cached_from, Some(ExchangeId(0)));
    assert!(has_warning(by_id(&all, 3), WarningId::PreflightMissing));
    let all = run(vec![
        ok_preflight("PUT", Some("0")).at(0.0),
        acao_ok(fetch("PUT", API).status(200)).at(0.1),
        ok_preflight("PUT", Some("0")).at(1.0),
        acao_ok(fetch("PUT", API).status(200)).at(1.1),
    ]);
    assert_eq!(by_id(&all, 1).preflight, Some(ExchangeId(0)));
    assert_eq!(by_id(&all, 3).preflight, Some(ExchangeId(2)));
}

#[test]
fn cached_result_does_not_cover_other_methods_or_urls() {
    let all = run(vec![
        ok_preflight("PUT", Some("600")).at(0.0),
        acao_ok(fetch("PUT", API).status(200)).at(0.1),
        acao_ok(fetch("DELETE", API).status(200)).at(1.0),
        acao_ok(fetch("PUT", "https://api.test/v1/items?page=2").status(200)).at(1.0),
    ]);
    assert!(has_warning(by_id(&all, 2), WarningId::PreflightMissing));
    assert!(has_warning(by_id(&all, 3), WarningId::PreflightMissing));
}

#[test]
fn pairs_by_url_and_method_among_several_preflights() {
    let other = "https://api.test/other";
    let all = run(vec![
        acao_ok(preflight(other, "PUT", None).status(204))
            .rh("Access-Control-Allow-Methods", "PUT")
            .at(0.0),
        ok_preflight("DELETE", None).at(0.0),
        acao_ok(fetch("DELETE", API).status(204)).at(0.1),
        acao_ok(fetch("PUT", other).status(200)).at(0.1),
    ]);
    assert_eq!(by_id(&all, 2).preflight, Some(ExchangeId(1)));
    assert_eq!(by_id(&all, 3).preflight, Some(ExchangeId(0)));
}

#[test]
fn tiny_window_still_yields_every_assessment() {
    let limits = Limits {
        engine_window: 1,
        engine_window_secs: 0,
        ..Limits::default()
    };
    let exchanges: Vec<X> = (0..20)
        .map(|i| acao_ok(fetch("GET", API)).at(f64::from(i)))
        .collect();
    let all = run_with(&limits, exchanges);
    assert_eq!(all.len(), 20);
    let mut ids: Vec<u64> = all.iter().map(|a| a.id.0).collect();
    ids.sort();
    assert_eq!(ids, (0..20).collect::<Vec<_>>());
}

/// A failed preflight, five other calls, then the request it was sent for: the request is
/// recorded last, as a capture records a request that completes late.
fn late_request_after_failed_preflight() -> Vec<X> {
    let mut xs = vec![preflight(API, "PUT", None).status(204).at(0.0)];
    xs.extend((1..=5).map(|i| {
        acao_ok(fetch("GET", &format!("https://api.test/other/{i}")).status(200))
            .at(0.01 * f64::from(i))
    }));
    xs.push(acao_ok(fetch("PUT", API).status(200)).at(0.1));
    xs
}

/// Judges `xs` with a window of `window` exchanges; the assessments and the input's issues.
fn judged_in_window(window: usize, xs: Vec<X>) -> (Vec<Assessment>, Vec<Issue>) {
    let limits = Limits {
        engine_window: window,
        ..Limits::default()
    };
    run_with_issues(&limits, xs)
}

#[test]
fn a_request_recorded_after_the_window_passed_its_failed_preflight_is_reported() {
    // Held together, the preflight is judged with its request, and nothing is inferred.
    let (all, issues) = judged_in_window(4096, late_request_after_failed_preflight());
    assert_eq!(all.len(), 7);
    assert_eq!(by_id(&all, 6).preflight, Some(ExchangeId(0)));
    assert!(issues.is_empty(), "{issues:?}");
    // A window of four judges the preflight before its request arrives: a request it stopped
    // is inferred, then the real one pairs with it, and the input says so.
    let (all, issues) = judged_in_window(4, late_request_after_failed_preflight());
    assert_eq!(
        all.len(),
        8,
        "the inferred request besides the seven recorded"
    );
    assert!(all.iter().any(|a| a.id.0 >= INFERRED_BASE && !a.sent));
    assert_eq!(by_id(&all, 6).preflight, Some(ExchangeId(0)));
    let late: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.id == ENGINE_WINDOW_PASSED)
        .collect();
    assert_eq!(late.len(), 1, "{issues:?}");
    assert_eq!(late.first().map(|i| i.count), Some(1));
    assert!(late
        .first()
        .is_some_and(|i| i.message.contains("window (4 exchanges, 10 s)")));
}

#[test]
fn network_failures_are_not_cors() {
    let all = run(vec![fetch("GET", API).failed("net::ERR_CONNECTION_REFUSED")]);
    let a = by_id(&all, 0);
    assert_eq!(a.verdict, Verdict::NetworkError);
    assert!(a.causes.is_empty());
    assert_eq!(a.note.as_deref(), Some("net::ERR_CONNECTION_REFUSED"));
    // Chromium: preflight and request both fail with the net error, no CorsError.
    let all = run(vec![
        preflight(API, "PUT", None)
            .failed("net::ERR_CONNECTION_REFUSED")
            .at(0.0),
        stopped("PUT", API)
            .failed("net::ERR_CONNECTION_REFUSED")
            .at(0.0),
    ]);
    assert_eq!(by_id(&all, 0).verdict, Verdict::NetworkError);
    assert_eq!(by_id(&all, 1).verdict, Verdict::NetworkError);
    assert_eq!(all.len(), 2);
}

#[test]
fn browser_failure_with_passing_check_is_indeterminate() {
    let all = run(vec![acao_ok(fetch("GET", API))
        .rh("Access-Control-Allow-Credentials", "true")
        .failed("net::ERR_FAILED")]);
    let a = by_id(&all, 0);
    assert_eq!(a.verdict, Verdict::Indeterminate);
    assert!(a.causes.is_empty());
    assert!(a.note.is_some());
}

/// A script's request Chromium failed with net::ERR_FAILED is blocked even when nothing tells
/// its origin (an opaque-origin page sends an empty Referer); another resource type is
/// undecided.
#[test]
fn never_sent_without_preflight_or_page() {
    let mut x = stopped("GET", API);
    x.0.recorder.page_url = None;
    let all = run(vec![x.clone()]);
    let a = by_id(&all, 0);
    assert_eq!(
        (a.verdict, a.kind, a.origin.clone()),
        (Verdict::Blocked, ExchangeKind::Cors, None)
    );
    assert_eq!(
        first_cause(a).cause.info().name,
        "blocked-cause-not-recorded"
    );
    let all = run(vec![x.resource("image")]);
    assert_eq!(by_id(&all, 0).verdict, Verdict::Indeterminate);
}

#[test]
fn not_cors_kinds_are_not_applicable() {
    let all = run(vec![
        req("GET", API).h("Sec-Fetch-Mode", "no-cors").status(200),
        req("PUT", "https://app.test/x").h("Origin", O).status(200),
        req("GET", API).status(200),
        req("GET", "https://app.test/")
            .h("Sec-Fetch-Mode", "navigate")
            .status(200),
    ]);
    let kinds: Vec<(ExchangeKind, Verdict)> = all.iter().map(|a| (a.kind, a.verdict)).collect();
    assert_eq!(
        kinds,
        vec![
            (ExchangeKind::NotCors, Verdict::NotApplicable),
            (ExchangeKind::SameOrigin, Verdict::NotApplicable),
            (ExchangeKind::NotCors, Verdict::NotApplicable),
            (ExchangeKind::NotCors, Verdict::NotApplicable),
        ]
    );
}

#[test]
fn revalidation_304_skips_the_check() {
    let all = run(vec![fetch("GET", API)
        .h("If-None-Match", "\"v1\"")
        .status(304)]);
    assert_eq!(by_id(&all, 0).verdict, Verdict::Allowed);
}

#[test]
fn warnings_from_headers() {
    let all = run(vec![
        acao_ok(fetch("GET", API)).at(0.0),
        acao_ok(fetch("GET", API).status(302))
            .rh("Location", "/v2")
            .rh("Vary", "Origin")
            .at(1.0),
        req("patch", API)
            .h("Origin", O)
            .resource("fetch")
            .rh("Access-Control-Allow-Origin", "null")
            .at(2.0),
        ok_preflight("PUT", Some("86400"))
            .rh("Access-Control-Allow-Methods", "put")
            .at(3.0),
    ]);
    assert!(has_warning(by_id(&all, 0), WarningId::VaryOriginMissing));
    assert!(has_warning(by_id(&all, 1), WarningId::CorsRedirect));
    assert!(!has_warning(by_id(&all, 1), WarningId::VaryOriginMissing));
    assert!(has_warning(by_id(&all, 2), WarningId::MethodNotNormalized));
    assert!(has_warning(by_id(&all, 2), WarningId::AllowsNullOrigin));
    assert!(has_warning(by_id(&all, 3), WarningId::MaxAgeAboveCap));
    assert!(has_warning(
        by_id(&all, 3),
        WarningId::AllowMethodsNotUppercase
    ));
}

#[test]
fn origin_reflection_with_credentials_across_origins() {
    let reflect = |origin: &str, at: f64| {
        req("GET", API)
            .h("Origin", origin)
            .h("Sec-Fetch-Mode", "cors")
            .rh("Access-Control-Allow-Origin", origin)
            .rh("Access-Control-Allow-Credentials", "true")
            .rh("Vary", "Origin")
            .at(at)
    };
    let all = run(vec![reflect(O, 0.0), reflect("https://evil.test", 1.0)]);
    assert!(!has_warning(
        by_id(&all, 0),
        WarningId::OriginReflectionWithCredentials
    ));
    assert!(has_warning(
        by_id(&all, 1),
        WarningId::OriginReflectionWithCredentials
    ));
}

#[test]
fn evidence_is_structured_primary_first() {
    let all = run(vec![fetch("GET", API).status(200)]);
    let f = first_cause(by_id(&all, 0));
    let primary = &f.evidence[0];
    assert!(primary.primary);
    assert_eq!(primary.source, EvidenceSource::Response);
    assert_eq!(
        primary.header.as_deref(),
        Some("Access-Control-Allow-Origin")
    );
    assert!(primary.values.is_empty(), "absent header");
    assert!(f.evidence.iter().any(|e| !e.primary
        && e.source == EvidenceSource::Request
        && e.values == vec![O.to_string()]));
    assert!(
        f.fix
            .contains("Access-Control-Allow-Origin: https://app.test"),
        "{}",
        f.fix
    );
}

#[test]
fn preflight_evidence_names_the_preflight() {
    let all = run(vec![
        acao_ok(preflight(API, "PUT", None).status(204))
            .rh("Access-Control-Allow-Methods", "GET")
            .at(0.0),
        stopped("PUT", API).at(0.01),
    ]);
    let f = first_cause(by_id(&all, 1));
    assert_eq!(f.evidence[0].source, EvidenceSource::PreflightResponse);
    assert_eq!(f.evidence[0].exchange, ExchangeId(0));
    assert_eq!(f.evidence[0].values, vec!["GET".to_string()]);
    assert!(
        f.evidence[0].note.ends_with("without PUT"),
        "{}",
        f.evidence[0].note
    );
    // The complete value: what the server allows and the method it lacks.
    assert!(
        f.fix.contains("`Access-Control-Allow-Methods: GET, PUT`"),
        "{}",
        f.fix
    );
}

/// Each preflight pairs with the next request to its URL that no earlier preflight took: a
/// request taken leaves the preflights' index, and the next preflight finds the one after it.
#[test]
fn preflights_to_one_url_pair_with_requests_in_turn() {
    let mut all_in = Vec::new();
    for i in 0..4 {
        let t = f64::from(i);
        all_in.push(ok_preflight("PUT", Some("0")).at(t));
        all_in.push(acao_ok(fetch("PUT", API).status(200)).at(t + 0.01));
    }
    let all = run(all_in);
    for i in 0..4 {
        let (p, r) = (2 * i, 2 * i + 1);
        assert_eq!(by_id(&all, r).preflight, Some(ExchangeId(p)), "request {r}");
    }
}
