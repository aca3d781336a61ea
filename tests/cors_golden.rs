//! One golden scenario per cause the engine can produce from a recording: exchanges built as a
//! recorder would hand them over, run through the engine, and the verdict, cause, Chromium
//! name, `failed_parameter` and the exact console message checked.

#![allow(clippy::panic)]

mod cors_support;

use cors_support::*;
use corscope::cors::{Engine, INFERRED_BASE};
use corscope::model::{Assessment, CauseId, ExchangeId, Limits, Location, Verdict, CAUSES};

/// What one scenario must yield on one of its assessments.
struct Golden {
    cause: &'static str,
    exchanges: Vec<X>,
    /// Which assessment: an arrival id, or `None` for the first inferred one.
    target: Option<u64>,
    verdict: Verdict,
    param: Option<&'static str>,
    message: String,
    if_credentialed: bool,
}

fn g(
    cause: &'static str,
    exchanges: Vec<X>,
    target: Option<u64>,
    param: Option<&'static str>,
    message: String,
) -> Golden {
    Golden {
        cause,
        exchanges,
        target,
        verdict: Verdict::Blocked,
        param,
        message,
        if_credentialed: false,
    }
}

fn check(golden: Golden) -> Assessment {
    let all = run(golden.exchanges);
    let a = match golden.target {
        Some(id) => by_id(&all, id).clone(),
        None => match all.iter().find(|a| a.id.0 >= INFERRED_BASE) {
            Some(a) => a.clone(),
            None => panic!("{}: no inferred assessment", golden.cause),
        },
    };
    assert_eq!(
        a.verdict, golden.verdict,
        "{}: verdict ({:?})",
        golden.cause, a.note
    );
    let f = first_cause(&a);
    let info = f.cause.info();
    let want = CauseId::find(golden.cause).map(|c| c.info());
    assert_eq!(info.name, golden.cause, "{}: cause", golden.cause);
    assert_eq!(
        info.chromium,
        want.and_then(|w| w.chromium),
        "{}: chromium",
        golden.cause
    );
    assert_eq!(
        f.failed_parameter.as_deref(),
        golden.param,
        "{}: failed_parameter",
        golden.cause
    );
    assert_eq!(f.message, golden.message, "{}: message", golden.cause);
    assert_eq!(
        f.if_credentialed, golden.if_credentialed,
        "{}: if_credentialed",
        golden.cause
    );
    assert!(
        f.evidence.first().is_some_and(|e| e.primary),
        "{}: primary evidence first",
        golden.cause
    );
    assert!(
        !f.fix.contains('{'),
        "{}: fix filled: {}",
        golden.cause,
        f.fix
    );
    a
}

fn acao_ok(x: X) -> X {
    x.rh("Access-Control-Allow-Origin", O)
}

// ---- actual responses -------------------------------------------------------------------

#[test]
fn a01_missing_allow_origin() {
    check(g("missing-allow-origin", vec![fetch("GET", API).status(200).failed("net::ERR_FAILED")], Some(0), None,
        format!("{}No 'Access-Control-Allow-Origin' header is present on the requested resource.{FETCH_A}", prefix("fetch", API, O))));
}

#[test]
fn a01_xhr_has_no_fetch_suffix() {
    check(g(
        "missing-allow-origin",
        vec![fetch("GET", API).resource("xhr").status(200)],
        Some(0),
        None,
        format!(
            "{}No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            prefix("XMLHttpRequest", API, O)
        ),
    ));
}

#[test]
fn a02_missing_allow_origin_on_error() {
    let a = check(g("missing-allow-origin-on-error", vec![
        acao_ok(preflight(API, "POST", Some("content-type")).status(204)).rh("Access-Control-Allow-Headers", "content-type").at(0.0),
        fetch("POST", API).h("Content-Type", "application/json").status(500).rh("Server", "nginx").at(0.1).failed("net::ERR_FAILED"),
    ], Some(1), None,
        format!("{}No 'Access-Control-Allow-Origin' header is present on the requested resource.{FETCH_A}", prefix("fetch", API, O))));
    assert_eq!(a.preflight, Some(ExchangeId(0)));
}

#[test]
fn a03_missing_allow_origin_on_redirect() {
    check(g("missing-allow-origin-on-redirect", vec![fetch("GET", API).status(301).rh("Location", "https://api.test/v1/items/")], Some(0), None,
        format!("{}No 'Access-Control-Allow-Origin' header is present on the requested resource.{FETCH_A}", prefix("fetch", API, O))));
}

fn proxied(client: X, upstream: X) -> Vec<Assessment> {
    let mut e = Engine::new(&Limits::default());
    let mut out = Vec::new();
    e.push_proxy_legs(client.x(), upstream.x(), &mut |a| out.push(a));
    e.finish(&mut |a| out.push(a));
    out
}

#[test]
fn a04_allow_origin_stripped_by_proxy() {
    let all = proxied(
        fetch("GET", API).status(200).rh("Via", "1.1 proxy"),
        acao_ok(fetch("GET", API).status(200)),
    );
    let a = by_id(&all, 0);
    let f = first_cause(a);
    assert_eq!(
        (a.verdict, f.cause),
        (Verdict::Blocked, CauseId::AllowOriginStrippedByProxy)
    );
    assert_eq!(f.cause.info().chromium, Some("MissingAllowOriginHeader"));
    assert_eq!(f.message, format!("{}No 'Access-Control-Allow-Origin' header is present on the requested resource.{FETCH_A}", prefix("fetch", API, O)));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.source == corscope::model::EvidenceSource::Upstream
            && e.values == vec![O.to_string()]));
    assert_eq!(by_id(&all, 1).verdict, Verdict::NotApplicable);
}

/// On a preflight the proxy rows carry the preflight's CorsError and console text: Chromium
/// reports PreflightMissingAllowOriginHeader, Firefox CORSMissingAllowOrigin2 with the
/// preflight's status.
#[test]
fn a04_on_a_preflight_is_reported_as_the_preflight_error() {
    let mut engine = Engine::new(&Limits::default());
    let mut all = Vec::new();
    let client = preflight(API, "PUT", None)
        .status(204)
        .rh("Access-Control-Allow-Methods", "PUT")
        .at(0.0);
    let upstream = preflight(API, "PUT", None)
        .status(204)
        .rh("Access-Control-Allow-Methods", "PUT")
        .rh("Access-Control-Allow-Origin", O)
        .at(0.001);
    engine.push_proxy_legs(client.0, upstream.0, &mut |a| all.push(a));
    engine.push(stopped("PUT", API).at(0.002).0, &mut |a| all.push(a));
    engine.finish(&mut |a| all.push(a));
    let put = all
        .iter()
        .find(|a| a.exchange.request.method == "PUT")
        .expect("the PUT");
    assert_eq!(put.verdict, Verdict::Blocked);
    let f = first_cause(put);
    assert_eq!(f.cause, CauseId::AllowOriginStrippedByProxy);
    assert_eq!(f.chromium, Some("PreflightMissingAllowOriginHeader"));
    assert_eq!(f.firefox, Some("CORSMissingAllowOrigin2"));
    assert_eq!(
        f.message,
        format!("{}{INFIX}No 'Access-Control-Allow-Origin' header is present on the requested resource.{FETCH_A}", prefix("fetch", API, O))
    );
    // Judged as Firefox, the message is Firefox's, naming the preflight's status.
    let mut engine = Engine::with_options(
        &Limits::default(),
        corscope::cors::EngineOptions {
            browser: corscope::model::BrowserChoice::Fixed(corscope::model::Browser::Firefox),
            ..Default::default()
        },
    );
    let mut all = Vec::new();
    let client = preflight(API, "PUT", None)
        .status(204)
        .rh("Access-Control-Allow-Methods", "PUT");
    let upstream = acao_ok(preflight(API, "PUT", None).status(204)).at(0.001);
    engine.push_proxy_legs(client.at(0.0).0, upstream.0, &mut |a| all.push(a));
    engine.push(stopped("PUT", API).at(0.002).0, &mut |a| all.push(a));
    engine.finish(&mut |a| all.push(a));
    let put = all
        .iter()
        .find(|a| a.exchange.request.method == "PUT")
        .expect("PUT");
    assert_eq!(first_cause(put).message, format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {API}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 204."));
}

#[test]
fn a05_multiple_allow_origin() {
    check(g("multiple-allow-origin", vec![acao_ok(acao_ok(fetch("GET", API)))], Some(0), Some("https://app.test, https://app.test"),
        format!("{}The 'Access-Control-Allow-Origin' header contains multiple values 'https://app.test, https://app.test', but only one is allowed.{FETCH_B}", prefix("fetch", API, O))));
}

#[test]
fn a06_invalid_allow_origin() {
    check(g("invalid-allow-origin", vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "app.test")], Some(0), Some("app.test"),
        format!("{}The 'Access-Control-Allow-Origin' header contains the invalid value 'app.test'.{FETCH_B}", prefix("fetch", API, O))));
}

#[test]
fn a07_allow_origin_mismatch() {
    check(g("allow-origin-mismatch", vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "https://app.test/")], Some(0), Some("https://app.test/"),
        format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://app.test/' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O))));
}

#[test]
fn a08_redirect_tainted_origin() {
    let cdn = "https://cdn.test/b";
    let a = check(g("redirect-tainted-origin", vec![
        acao_ok(fetch("GET", API).status(302)).rh("Location", cdn).at(0.0),
        req("GET", cdn).h("Origin", "null").h("Sec-Fetch-Mode", "cors").resource("fetch").rh("Access-Control-Allow-Origin", O).at(0.2),
    ], Some(1), Some("https://app.test"),
        format!("Access to fetch at '{cdn}' (redirected from '{API}') from origin '{O}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'https://app.test' that is not equal to the supplied origin.{FETCH_B}")));
    assert_eq!(a.origin.as_deref(), Some("null"));
    assert_eq!(a.page_origin.as_deref(), Some(O));
}

#[test]
fn a09_null_origin_not_allowed() {
    check(g("null-origin-not-allowed", vec![req("GET", API).h("Origin", "null").h("Sec-Fetch-Mode", "cors").resource("fetch").rh("Access-Control-Allow-Origin", O)], Some(0), Some("https://app.test"),
        format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://app.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, "null"))));
}

const WILDCARD: &str = "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.";

#[test]
fn a10_wildcard_with_credentials_cookie_proves_include() {
    check(g(
        "wildcard-with-credentials",
        vec![fetch("GET", API)
            .resource("xhr")
            .h("Cookie", "sid=1")
            .rh("Access-Control-Allow-Origin", "*")],
        Some(0),
        None,
        format!("{}{WILDCARD}{XHR}", prefix("XMLHttpRequest", API, O)),
    ));
}

#[test]
fn a10_wildcard_without_evidence_is_conditional() {
    let mut gd = g(
        "wildcard-with-credentials",
        vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "*")],
        Some(0),
        None,
        format!("{}{WILDCARD}", prefix("fetch", API, O)),
    );
    gd.verdict = Verdict::Allowed;
    gd.if_credentialed = true;
    check(gd);
}

#[test]
fn a10_wildcard_failure_proves_include() {
    let a = check(g(
        "wildcard-with-credentials",
        vec![fetch("GET", API)
            .rh("Access-Control-Allow-Origin", "*")
            .failed("net::ERR_FAILED")],
        Some(0),
        None,
        format!("{}{WILDCARD}", prefix("fetch", API, O)),
    ));
    assert!(a
        .warnings
        .iter()
        .any(|w| w.id.name() == "credentialed-without-cookies"));
}

const CREDS: &str = "The value of the 'Access-Control-Allow-Credentials' header in the response is";

#[test]
fn a11_allow_credentials_missing() {
    check(g("allow-credentials-missing", vec![acao_ok(fetch("GET", API).resource("xhr").h("Cookie", "sid=1"))], Some(0), Some(""),
        format!("{}{CREDS} '' which must be 'true' when the request's credentials mode is 'include'.{XHR}", prefix("XMLHttpRequest", API, O))));
}

#[test]
fn a12_allow_credentials_not_true() {
    check(g("allow-credentials-not-true", vec![acao_ok(fetch("GET", API).h("Cookie", "sid=1")).rh("Access-Control-Allow-Credentials", "True")], Some(0), Some("True"),
        format!("{}{CREDS} 'True' which must be 'true' when the request's credentials mode is 'include'.", prefix("fetch", API, O))));
}

#[test]
fn a13_cached_response_wrong_origin() {
    check(g("cached-response-wrong-origin", vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "https://other.test").cached()], Some(0), Some("https://other.test"),
        format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://other.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O))));
    // A shared cache hit counts too; with Vary: Origin it is a plain mismatch.
    check(g("cached-response-wrong-origin", vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "https://other.test").rh("X-Cache", "Hit from cloudfront")], Some(0), Some("https://other.test"),
        format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://other.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O))));
    check(g("allow-origin-mismatch", vec![fetch("GET", API).rh("Access-Control-Allow-Origin", "https://other.test").rh("Vary", "Origin").cached()], Some(0), Some("https://other.test"),
        format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://other.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O))));
}

// ---- preflights ---------------------------------------------------------------------------

const MISSING: &str =
    "No 'Access-Control-Allow-Origin' header is present on the requested resource.";

/// A failing preflight and its stopped request, listed before it (DevTools order varies).
fn devtools_pair(preflight: X) -> Vec<X> {
    vec![
        stopped("PUT", API)
            .h("Content-Type", "application/json")
            .at(0.0),
        preflight.at(0.001),
    ]
}

#[test]
fn p01_preflight_missing_allow_origin_devtools_reversed_order() {
    let msg = format!("{}{INFIX}{MISSING}{FETCH_A}", prefix("fetch", API, O));
    let pf = preflight(API, "PUT", Some("content-type"))
        .status(401)
        .rh("WWW-Authenticate", "Bearer");
    let a = check(g(
        "preflight-missing-allow-origin",
        devtools_pair(pf.clone()),
        Some(0),
        None,
        msg.clone(),
    ));
    assert!(!a.sent);
    assert_eq!(a.preflight, Some(ExchangeId(1)));
    assert_eq!(a.origin.as_deref(), Some(O));
    let p = check(g(
        "preflight-missing-allow-origin",
        devtools_pair(pf),
        Some(1),
        None,
        msg,
    ));
    assert_eq!(p.kind, corscope::model::ExchangeKind::Preflight);
}

#[test]
fn p01_preflight_first_then_stopped_request() {
    let all = run(vec![
        preflight(API, "PUT", None).status(404).at(0.0),
        stopped("PUT", API).at(0.001),
    ]);
    assert_eq!(
        all.len(),
        2,
        "no inferred request when the recording has it"
    );
    let a = by_id(&all, 1);
    assert_eq!(
        (a.verdict, a.sent, a.preflight),
        (Verdict::Blocked, false, Some(ExchangeId(0)))
    );
    assert_eq!(first_cause(a).cause, CauseId::PreflightMissingAllowOrigin);
}

/// A failing preflight with no request recorded (pcap, chrome-har): the request is inferred.
fn alone(preflight: X) -> Vec<X> {
    vec![preflight.entry(7)]
}

#[test]
fn p02_preflight_multiple_allow_origin() {
    let a = check(g("preflight-multiple-allow-origin", alone(acao_ok(acao_ok(preflight(API, "PUT", None).status(204)))), None, Some("https://app.test, https://app.test"),
        format!("{}{INFIX}The 'Access-Control-Allow-Origin' header contains multiple values 'https://app.test, https://app.test', but only one is allowed.{FETCH_B}", prefix("fetch", API, O))));
    assert!(!a.sent);
    assert_eq!(a.preflight, Some(ExchangeId(0)));
    assert_eq!(
        a.exchange.location,
        Location::InferredFrom(corscope::model::InferredAnchor::Entry(
            corscope::model::EntryIndex(7)
        ))
    );
    assert_eq!(a.exchange.request.method, "PUT");
    assert_eq!(
        a.exchange.request.headers.first_str("origin").as_deref(),
        Some(O)
    );
}

#[test]
fn p03_preflight_invalid_allow_origin() {
    check(g("preflight-invalid-allow-origin", alone(preflight(API, "PUT", None).status(204).rh("Access-Control-Allow-Origin", "app.test")), None, Some("app.test"),
        format!("{}{INFIX}The 'Access-Control-Allow-Origin' header contains the invalid value 'app.test'.{FETCH_B}", prefix("fetch", API, O))));
}

#[test]
fn p04_preflight_allow_origin_mismatch() {
    check(g("preflight-allow-origin-mismatch", alone(preflight(API, "PUT", None).status(204).rh("Access-Control-Allow-Origin", "http://app.test")), None, Some("http://app.test"),
        format!("{}{INFIX}The 'Access-Control-Allow-Origin' header has a value 'http://app.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O))));
}

#[test]
fn p05_preflight_wildcard_with_credentials_proven_by_failure() {
    let pf = preflight(API, "PUT", Some("content-type"))
        .status(204)
        .rh("Access-Control-Allow-Origin", "*")
        .rh("Access-Control-Allow-Methods", "PUT")
        .rh("Access-Control-Allow-Headers", "content-type");
    check(g(
        "preflight-wildcard-with-credentials",
        devtools_pair(pf),
        Some(0),
        None,
        format!("{}{INFIX}{WILDCARD}", prefix("fetch", API, O)),
    ));
}

#[test]
fn p06_preflight_allow_credentials_invalid() {
    let pf = acao_ok(preflight(API, "PUT", Some("content-type")).status(204))
        .rh("Access-Control-Allow-Methods", "PUT")
        .rh("Access-Control-Allow-Headers", "content-type");
    check(g("preflight-allow-credentials-invalid", devtools_pair(pf), Some(0), Some(""),
        format!("{}{INFIX}{CREDS} '' which must be 'true' when the request's credentials mode is 'include'.", prefix("fetch", API, O))));
}

fn status_case(cause: &'static str, status: u16) {
    let msg = format!(
        "{}{INFIX}It does not have HTTP ok status.",
        prefix("fetch", API, O)
    );
    check(g(
        cause,
        alone(acao_ok(preflight(API, "DELETE", None).status(status))),
        None,
        None,
        msg.clone(),
    ));
    check(g(
        cause,
        alone(acao_ok(preflight(API, "DELETE", None).status(status))),
        Some(0),
        None,
        msg,
    ));
}

#[test]
fn p07_to_p11_preflight_status() {
    status_case("preflight-status-405", 405);
    status_case("preflight-status-401-403", 401);
    status_case("preflight-status-401-403", 403);
    status_case("preflight-status-404", 404);
    status_case("preflight-status-5xx", 502);
    status_case("preflight-status-other", 429);
    status_case("preflight-status-other", 304);
}

#[test]
fn p12_preflight_redirect() {
    check(g(
        "preflight-redirect",
        alone(
            preflight(API, "PUT", None)
                .status(301)
                .rh("Location", "https://api.test/v1/items/"),
        ),
        None,
        None,
        format!(
            "{}{INFIX}Redirect is not allowed for a preflight request.",
            prefix("fetch", API, O)
        ),
    ));
}

#[test]
fn p13_preflight_network_error() {
    let all = run(vec![
        preflight(API, "PUT", None).failed("net::ERR_CONNECTION_RESET")
    ]);
    let p = by_id(&all, 0);
    assert_eq!(p.verdict, Verdict::NetworkError);
    assert!(p.causes.is_empty());
    check(g(
        "preflight-network-error",
        vec![preflight(API, "PUT", None).failed("net::ERR_CONNECTION_RESET")],
        None,
        None,
        format!("PUT {API} net::ERR_CONNECTION_RESET"),
    ));
}

#[test]
fn p14_preflight_invalid_allow_methods() {
    check(g("preflight-invalid-allow-methods", alone(acao_ok(preflight(API, "PUT", None).status(204)).rh("Access-Control-Allow-Methods", "GET POST PUT")), None, None,
        format!("{}Cannot parse Access-Control-Allow-Methods response header field in preflight response.", prefix("fetch", API, O))));
}

#[test]
fn p15_preflight_invalid_allow_headers() {
    check(g("preflight-invalid-allow-headers", alone(acao_ok(preflight(API, "PUT", Some("authorization,content-type")).status(204)).rh("Access-Control-Allow-Methods", "PUT").rh("Access-Control-Allow-Headers", "Content-Type Authorization")), None, None,
        format!("{}Cannot parse Access-Control-Allow-Headers response header field in preflight response.", prefix("fetch", API, O))));
}

#[test]
fn p16_method_not_allowed() {
    check(g(
        "method-not-allowed",
        alone(
            acao_ok(preflight(API, "PUT", None).status(204))
                .rh("Access-Control-Allow-Methods", "GET, POST"),
        ),
        None,
        Some("PUT"),
        format!(
            "{}Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
            prefix("fetch", API, O)
        ),
    ));
}

#[test]
fn p17_method_case_mismatch() {
    check(g(
        "method-case-mismatch",
        alone(
            acao_ok(preflight(API, "PUT", None).status(204))
                .rh("Access-Control-Allow-Methods", "get, put"),
        ),
        None,
        Some("PUT"),
        format!(
            "{}Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
            prefix("fetch", API, O)
        ),
    ));
    check(g(
        "method-case-mismatch",
        alone(
            acao_ok(preflight(API, "patch", None).status(204))
                .rh("Access-Control-Allow-Methods", "PATCH"),
        ),
        None,
        Some("patch"),
        format!(
            "{}Method patch is not allowed by Access-Control-Allow-Methods in preflight response.",
            prefix("fetch", API, O)
        ),
    ));
}

#[test]
fn p18_method_wildcard_with_credentials() {
    let pf = acao_ok(preflight(API, "PUT", None).status(204))
        .rh("Access-Control-Allow-Credentials", "true")
        .rh("Access-Control-Allow-Methods", "*");
    check(g(
        "method-wildcard-with-credentials",
        vec![stopped("PUT", API).at(0.0), pf.at(0.001)],
        Some(0),
        Some("PUT"),
        format!(
            "{}Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
            prefix("fetch", API, O)
        ),
    ));
}

const HEADER: &str = "is not allowed by Access-Control-Allow-Headers in preflight response.";

#[test]
fn p19_header_not_allowed_first_missing_in_request_order() {
    let pf = || {
        acao_ok(preflight(API, "POST", Some("x-a,x-b")).status(204))
            .rh("Access-Control-Allow-Headers", "content-type")
    };
    // The stopped request lists X-B before X-A: Chromium names x-b.
    let pair = vec![
        pf().at(0.0),
        stopped("POST", API).h("X-B", "2").h("X-A", "1").at(0.001),
    ];
    check(g(
        "header-not-allowed",
        pair,
        Some(1),
        Some("x-b"),
        format!(
            "{}Request header field x-b {HEADER}",
            prefix("fetch", API, O)
        ),
    ));
    // Without the request, the preflight's (sorted) order is all there is.
    check(g(
        "header-not-allowed",
        alone(pf()),
        None,
        Some("x-a"),
        format!(
            "{}Request header field x-a {HEADER}",
            prefix("fetch", API, O)
        ),
    ));
}

#[test]
fn p20_header_wildcard_with_credentials() {
    let pf = acao_ok(preflight(API, "POST", Some("x-a")).status(204))
        .rh("Access-Control-Allow-Credentials", "true")
        .rh("Access-Control-Allow-Headers", "*");
    check(g(
        "header-wildcard-with-credentials",
        vec![stopped("POST", API).h("X-A", "1").at(0.0), pf.at(0.001)],
        Some(0),
        Some("x-a"),
        format!(
            "{}Request header field x-a {HEADER}",
            prefix("fetch", API, O)
        ),
    ));
}

#[test]
fn p21_authorization_not_covered_by_wildcard() {
    check(g(
        "authorization-not-covered-by-wildcard",
        alone(
            acao_ok(preflight(API, "GET", Some("authorization")).status(204))
                .rh("Access-Control-Allow-Headers", "*"),
        ),
        None,
        Some("authorization"),
        format!(
            "{}Request header field authorization {HEADER}",
            prefix("fetch", API, O)
        ),
    ));
}

fn pna_preflight(acapn: Option<&str>) -> X {
    let mut pf = acao_ok(preflight(API, "GET", None).status(204))
        .rh("Access-Control-Allow-Credentials", "true")
        .h("Access-Control-Request-Private-Network", "true")
        .server_ip("192.168.1.10");
    if let Some(v) = acapn {
        pf = pf.rh("Access-Control-Allow-Private-Network", v);
    }
    pf
}

#[test]
fn p22_pna_missing_allow_private_network() {
    check(g("pna-missing-allow-private-network", vec![stopped("GET", API).at(0.0), pna_preflight(None).at(0.001)], Some(0), None,
        format!("{}{INFIX}No 'Access-Control-Allow-Private-Network' header was present in the preflight response for this private network request targeting the `private` address space.", prefix("fetch", API, O))));
    // Chromium only warned when the request went through.
    let all = run(vec![
        pna_preflight(None).at(0.0),
        acao_ok(fetch("GET", API)).at(0.1),
    ]);
    assert_eq!(by_id(&all, 0).verdict, Verdict::Allowed);
    assert!(by_id(&all, 0)
        .warnings
        .iter()
        .any(|w| w.id.name() == "pna-preflight-failed-warning"));
    assert_eq!(by_id(&all, 1).verdict, Verdict::Allowed);
}

#[test]
fn p23_pna_invalid_allow_private_network() {
    check(g("pna-invalid-allow-private-network", vec![stopped("GET", API).at(0.0), pna_preflight(Some("yes")).at(0.001)], Some(0), Some("yes"),
        format!("{}{INFIX}The 'Access-Control-Allow-Private-Network' header in the preflight response for this private network request targeting the `private` address space had a value of 'yes',  not 'true'.", prefix("fetch", API, O))));
}

// ---- redirects, scheme -------------------------------------------------------------------

#[test]
fn r01_redirect_contains_credentials() {
    let a = check(g("redirect-contains-credentials", vec![acao_ok(fetch("GET", API).status(302)).rh("Location", "https://user:pw@api.test/v2")], Some(0), None,
        format!("{}Redirect location '' contains a username and password, which is disallowed for cross-origin requests.", prefix("fetch", API, O))));
    assert_eq!(
        first_cause(&a).evidence[0].values,
        vec!["https://user:pw@api.test/v2".to_string()]
    );
}

#[test]
fn r02_redirect_disallowed_scheme() {
    let to = "ftp://files.test/x";
    check(g("redirect-disallowed-scheme", vec![acao_ok(fetch("GET", API).status(302)).rh("Location", to)], Some(0), None,
        format!("Access to fetch at '{to}' (redirected from '{API}') from origin '{O}' has been blocked by CORS policy: {SCHEMES}")));
}

const SCHEMES: &str = "Cross origin requests are only supported for protocol schemes: chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, http, https, isolated-app.";

#[test]
fn r04_cors_disabled_scheme() {
    let url = "file:///tmp/data.json";
    let x = req("GET", url)
        .resource("fetch")
        .failed("net::ERR_FAILED")
        .page("file:///tmp/index.html");
    check(g(
        "cors-disabled-scheme",
        vec![x],
        Some(0),
        None,
        format!("{}{SCHEMES}", prefix("fetch", url, "null")),
    ));
}

#[test]
fn p21_authorization_under_wildcard_sent_by_this_browser_is_a_warning() {
    // Debian Chromium 156 sent the request: the recording proves this browser allowed it.
    let pf = acao_ok(preflight(API, "GET", Some("authorization")).status(204))
        .rh("Access-Control-Allow-Headers", "*");
    let all = run(vec![
        pf.at(0.0),
        acao_ok(fetch("GET", API).h("Authorization", "Bearer t")).at(0.01),
    ]);
    let p = by_id(&all, 0);
    assert_eq!(p.verdict, Verdict::Allowed);
    assert!(p.causes.is_empty());
    assert!(
        p.warnings
            .iter()
            .any(|w| w.id.name() == "authorization-covered-by-wildcard"),
        "{:?}",
        p.warnings
    );
    let a = by_id(&all, 1);
    assert_eq!(
        (a.verdict, a.preflight),
        (Verdict::Allowed, Some(ExchangeId(0)))
    );
}

// ---- proxy legs ---------------------------------------------------------------------------

#[test]
fn x01_allow_origin_rewritten_by_proxy() {
    let all = proxied(
        fetch("GET", API).rh("Access-Control-Allow-Origin", "https://old.test"),
        acao_ok(fetch("GET", API)),
    );
    let f = first_cause(by_id(&all, 0));
    assert_eq!(
        (f.cause, f.failed_parameter.as_deref()),
        (
            CauseId::AllowOriginRewrittenByProxy,
            Some("https://old.test")
        )
    );
    assert_eq!(f.message, format!("{}The 'Access-Control-Allow-Origin' header has a value 'https://old.test' that is not equal to the supplied origin.{FETCH_B}", prefix("fetch", API, O)));
}

#[test]
fn x02_header_duplicated_by_proxy() {
    let all = proxied(
        acao_ok(fetch("GET", API)).rh("Access-Control-Allow-Origin", "*"),
        acao_ok(fetch("GET", API)),
    );
    let f = first_cause(by_id(&all, 0));
    assert_eq!(
        (f.cause, f.failed_parameter.as_deref()),
        (
            CauseId::HeaderDuplicatedByProxy,
            Some("https://app.test, *")
        )
    );
    assert_eq!(f.cause.info().chromium, Some("MultipleAllowOriginValues"));
}

#[test]
fn proxy_preflight_stripped_gets_the_infix() {
    let all = proxied(
        preflight(API, "PUT", None).status(204),
        acao_ok(preflight(API, "PUT", None).status(204)).rh("Access-Control-Allow-Methods", "PUT"),
    );
    let f = first_cause(by_id(&all, 0));
    assert_eq!(f.cause, CauseId::AllowOriginStrippedByProxy);
    assert_eq!(
        f.message,
        format!("{}{INFIX}{MISSING}{FETCH_A}", prefix("fetch", API, O))
    );
}

// ---- causes a recording cannot show --------------------------------------------------------

/// Every scenario of this file plus look-alikes of the unrecordable causes: none of them may
/// yield disallowed-by-mode, no-cors-redirect-mode or a Local Network Access cause.
#[test]
fn unrecordable_causes_are_never_produced() {
    let never = [
        "disallowed-by-mode",
        "no-cors-redirect-mode",
        "local-network-address-space-mismatch",
    ];
    let scenarios: Vec<Vec<X>> = vec![
        // same-origin mode request seen on the wire
        vec![req("GET", API)
            .h("Origin", O)
            .h("Sec-Fetch-Mode", "same-origin")
            .status(200)],
        // a target address declared by fetch is not recorded
        vec![stopped("GET", "http://192.168.1.1/api")
            .server_ip("192.168.1.1")
            .page("http://app.test/")],
        // no-cors redirect
        vec![req("GET", API)
            .h("Sec-Fetch-Mode", "no-cors")
            .status(302)
            .rh("Location", "https://x.test/")],
        // local-network target with a passing exchange
        vec![acao_ok(fetch("GET", "http://10.0.0.2/x")).server_ip("10.0.0.2")],
    ];
    for s in scenarios {
        for a in run(s) {
            for f in &a.causes {
                assert!(
                    !never.contains(&f.cause.info().name),
                    "{} produced for {:?}",
                    f.cause.info().name,
                    a.exchange.request.url
                );
            }
        }
    }
    for name in never {
        let c = CauseId::find(name).map(|c| c.info());
        assert!(
            c.is_some_and(|c| c.explanation.contains("never reports this cause")),
            "{name} must say it is not produced"
        );
    }
}

// ---- blocks whose deciding headers the recording lacks ----------------------------------

/// The page's document, recorded with its server address.
fn page_document(url: &str, ip: &str) -> X {
    req("GET", url)
        .resource("document")
        .h("Sec-Fetch-Mode", "navigate")
        .status(200)
        .server_ip(ip)
}

#[test]
fn r06_insecure_local_network() {
    let page = "http://shop.example/page";
    let a = check(g(
        "insecure-local-network",
        vec![
            page_document(page, "203.0.113.5").at(0.0),
            stopped("GET", "http://192.168.1.1/api").page(page).at(0.5),
        ],
        Some(1),
        None,
        format!("{}The request client is not a secure context and the resource is in more-private address space `local`.", prefix("fetch", "http://192.168.1.1/api", "http://shop.example")),
    ));
    assert!(
        !a.sent,
        "Local Network Access stops the request before the network"
    );
}

#[test]
fn r07_local_network_permission_denied() {
    let page = "https://shop.example/page";
    check(g(
        "local-network-permission-denied",
        vec![
            page_document(page, "203.0.113.5").at(0.0),
            // The target host is loopback in another entry of the recording.
            req("GET", "http://printer.local:631/status")
                .resource("document")
                .status(200)
                .server_ip("127.0.0.1")
                .at(0.2),
            stopped("GET", "http://printer.local:631/api")
                .page(page)
                .at(0.5),
        ],
        Some(2),
        None,
        format!(
            "{}Permission was denied for this request to access the `loopback` address space.",
            prefix(
                "fetch",
                "http://printer.local:631/api",
                "https://shop.example"
            )
        ),
    ));
}

/// Playwright keeps no response and no preflight of a request Chromium blocked: blocked, the
/// cause not recorded, with the browser's network line.
#[test]
fn u01_blocked_cause_not_recorded() {
    let mut x = req("PUT", API)
        .h("Referer", &format!("{O}/page"))
        .resource("fetch")
        .failed("net::ERR_FAILED");
    x.0.request.headers_provisional = true;
    let a = check(g(
        "blocked-cause-not-recorded",
        vec![x],
        Some(0),
        None,
        format!("PUT {API} net::ERR_FAILED"),
    ));
    assert_eq!(first_cause(&a).chromium, None);
    // Any other failure stays what it is.
    let mut refused = req("PUT", API)
        .h("Referer", &format!("{O}/page"))
        .resource("fetch")
        .failed("net::ERR_CONNECTION_REFUSED");
    refused.0.request.headers_provisional = true;
    assert_eq!(run(vec![refused])[0].verdict, Verdict::NetworkError);
}

#[test]
fn every_catalogue_row_is_covered_here_or_documented_as_unrecordable() {
    let src = include_str!("cors_golden.rs");
    for c in CAUSES {
        let covered = src.contains(&format!("\"{}\"", c.name))
            || src
                .match_indices(&format!("CauseId::{:?}", c.cause))
                .any(|(i, m)| {
                    src[i + m.len()..]
                        .chars()
                        .next()
                        .is_some_and(|ch| !ch.is_alphanumeric())
                });
        assert!(covered, "{} has no golden scenario", c.name);
    }
}

/// Judged as Safari: WebKit checks a preflight's status before its origin, and its console
/// text is WebKit's description.
#[test]
fn safari_checks_the_preflight_status_first_and_speaks_webkit() {
    let options = corscope::cors::EngineOptions {
        browser: corscope::model::BrowserChoice::Fixed(corscope::model::Browser::Safari),
        ..Default::default()
    };
    let mut engine = Engine::with_options(&Limits::default(), options);
    let mut all = Vec::new();
    for x in [
        stopped("PUT", API).at(0.0),
        preflight(API, "PUT", None).status(401).at(0.001),
        fetch("GET", "https://api.test/v1/other")
            .rh("Access-Control-Allow-Origin", "https://app.test/")
            .failed("net::ERR_FAILED")
            .at(0.5),
    ] {
        engine.push(x.0, &mut |a| all.push(a));
    }
    engine.finish(&mut |a| all.push(a));
    let put = first_cause(by_id(&all, 0));
    assert_eq!(put.cause, CauseId::PreflightStatus401403);
    assert_eq!(
        put.message,
        "Preflight response is not successful. Status code: 401"
    );
    let get = first_cause(by_id(&all, 2));
    assert_eq!(get.cause, CauseId::AllowOriginMismatch);
    assert_eq!(
        get.message,
        "Origin https://app.test is not allowed by Access-Control-Allow-Origin. Status code: 200"
    );
}
