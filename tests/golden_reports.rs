//! Golden reports, one recording per cause: a DevTools-style HAR (or, for the proxy causes, a
//! pcap of both legs of a reverse proxy) pushed through the real pipeline, and the text report
//! (no colour), the JSON report and the JSON-lines report snapshotted under the cause's id and
//! name. Each test also checks that the recording yields the cause it is named after, so a
//! snapshot never silently documents another cause.
//!
//! Not covered, because the catalogue says no recording can show them: disallowed-by-mode
//! (R03), no-cors-redirect-mode (R05), local-network-address-space-mismatch (R08);
//! `cors_golden.rs` checks they are never produced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod golden;

use corscope::model::CauseId;
use corscope::report::ReportFormat;
use golden::*;
use serde_json::Value;

/// What a recording is.
enum Recording {
    /// A HAR of a page at `PAGE` (or another page URL) with these entries.
    Har(&'static str, Vec<Entry>),
    /// A HAR written by a producer that keeps no outcome of the browser (a proxy's).
    ProxyHar(Vec<Entry>),
    /// Raw capture bytes.
    Bytes(Vec<u8>),
}

/// Runs `recording` through every format, checks that a blocked (or, with `conditional`,
/// credential-conditional) exchange has `cause` as its reported cause, and snapshots all three.
fn golden(cause: &str, recording: Recording, conditional: bool) {
    golden_named(cause, "", recording, conditional);
}

fn golden_named(cause: &str, variant: &str, recording: Recording, conditional: bool) {
    let info = CauseId::find(cause)
        .unwrap_or_else(|| panic!("{cause} is not in the catalogue"))
        .info();
    assert_eq!(info.name, cause);
    let (bytes, ext) = match recording {
        Recording::Har(page, entries) => (har(page, &entries), "har"),
        Recording::ProxyHar(entries) => (har_by("mitmproxy", "12.1.1", PAGE, &entries), "har"),
        Recording::Bytes(b) => (b, "pcap"),
    };
    let snap = format!("{}-{}{variant}", info.id, info.name);
    let file = format!("{snap}.{ext}");
    let inputs = [(file.as_str(), bytes.as_slice())];

    let json = report(&inputs, ReportFormat::Json);
    let doc: Value = serde_json::from_str(&json).expect("the JSON report parses");
    let exchanges = doc["exchanges"].as_array().expect("exchanges");
    let hit = exchanges.iter().any(|x| {
        let first = &x["causes"][0];
        let verdict = x["verdict"].as_str();
        first["name"] == cause
            && if conditional {
                verdict == Some("allowed") && first["if_credentialed"] == true
            } else {
                verdict == Some("blocked") && first["if_credentialed"] == false
            }
    });
    assert!(
        hit,
        "{snap}: no exchange reports {cause}:\n{}",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    );

    let text = report(&inputs, ReportFormat::Text);
    insta::assert_snapshot!(format!("{snap}__text"), text);
    insta::assert_json_snapshot!(format!("{snap}__json"), doc);
    let jsonl = report(&inputs, ReportFormat::Jsonl);
    insta::assert_snapshot!(format!("{snap}__jsonl"), jsonl);
    jsonl_agrees_with_json(&jsonl, &doc);
}

/// Snapshots a recording without asserting its cause (shapes the engine judges otherwise).
fn snapshot_only(snap: &str, recording: Recording) {
    let Recording::Har(page, entries) = recording else {
        panic!("HAR only");
    };
    let bytes = har(page, &entries);
    let file = format!("{snap}.har");
    let inputs = [(file.as_str(), bytes.as_slice())];
    insta::assert_snapshot!(format!("{snap}__text"), report(&inputs, ReportFormat::Text));
    let json = report(&inputs, ReportFormat::Json);
    let doc: Value = serde_json::from_str(&json).expect("the JSON report parses");
    insta::assert_json_snapshot!(format!("{snap}__json"), doc);
}

/// The JSON-lines report holds the JSON report's exchanges one per line, then its findings
/// one per line (`{"finding": ...}`), then one line with everything else.
fn jsonl_agrees_with_json(jsonl: &str, doc: &Value) {
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("each JSON line parses"))
        .collect();
    let (last, rest) = lines.split_last().expect("a summary line");
    let split = rest
        .iter()
        .position(|l| l.get("finding").is_some())
        .unwrap_or(rest.len());
    let (exchanges, findings) = rest.split_at(split);
    assert_eq!(
        Some(exchanges),
        doc["exchanges"].as_array().map(Vec::as_slice)
    );
    let findings: Vec<Value> = findings.iter().map(|l| l["finding"].clone()).collect();
    assert_eq!(Some(&findings), doc["findings"].as_array());
    for key in ["schema_version", "tool", "inputs", "summary"] {
        assert_eq!(last[key], doc[key], "{key}");
    }
    assert!(last.get("exchanges").is_none());
}

fn har_at_page(entries: Vec<Entry>) -> Recording {
    Recording::Har(PAGE, std::iter::once(document()).chain(entries).collect())
}

/// A request Chromium stopped and its failed preflight, in DevTools order.
fn stopped_by(request: Entry, preflight: Entry) -> Recording {
    har_at_page(vec![request, preflight])
}

// ---- actual responses ------------------------------------------------------------------------

#[test]
fn a01_missing_allow_origin() {
    golden(
        "missing-allow-origin",
        har_at_page(vec![fetch("GET", API).status(200).blocked()]),
        false,
    );
}

#[test]
fn a01_missing_allow_origin_xhr() {
    golden_named(
        "missing-allow-origin",
        "-xhr",
        har_at_page(vec![fetch("GET", API).xhr().status(200).blocked()]),
        false,
    );
}

#[test]
fn a02_missing_allow_origin_on_error() {
    golden(
        "missing-allow-origin-on-error",
        har_at_page(vec![
            fetch("POST", API)
                .h("Content-Type", "application/json")
                .status(500)
                .rh("Server", "nginx")
                .blocked(),
            preflight(API, "POST", Some("content-type"))
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "POST")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ]),
        false,
    );
}

#[test]
fn a03_missing_allow_origin_on_redirect() {
    golden(
        "missing-allow-origin-on-redirect",
        har_at_page(vec![fetch("GET", API)
            .status(301)
            .rh("Location", "https://api.test/v1/items/")
            .blocked()]),
        false,
    );
}

#[test]
fn a04_allow_origin_stripped_by_proxy() {
    golden(
        "allow-origin-stripped-by-proxy",
        Recording::Bytes(proxy_pcap(&[], &[("Access-Control-Allow-Origin", O)])),
        false,
    );
}

#[test]
fn a05_multiple_allow_origin() {
    golden(
        "multiple-allow-origin",
        har_at_page(vec![fetch("GET", API).acao_ok().acao_ok().blocked()]),
        false,
    );
}

#[test]
fn a06_invalid_allow_origin() {
    golden(
        "invalid-allow-origin",
        har_at_page(vec![fetch("GET", API)
            .rh("Access-Control-Allow-Origin", "app.test")
            .blocked()]),
        false,
    );
}

#[test]
fn a07_allow_origin_mismatch() {
    golden(
        "allow-origin-mismatch",
        har_at_page(vec![fetch("GET", API)
            .rh("Access-Control-Allow-Origin", "https://app.test/")
            .blocked()]),
        false,
    );
}

#[test]
fn a08_redirect_tainted_origin() {
    let cdn = "https://cdn.test/v1/items";
    golden(
        "redirect-tainted-origin",
        har_at_page(vec![
            fetch("GET", API).status(302).acao_ok().rh("Location", cdn),
            fetch("GET", cdn)
                .h("Origin", "null")
                .acao_ok()
                .ip("198.51.100.9")
                .blocked()
                .after(30),
        ]),
        false,
    );
}

#[test]
fn a09_null_origin_not_allowed() {
    golden(
        "null-origin-not-allowed",
        har_at_page(vec![fetch("GET", API)
            .h("Origin", "null")
            .acao_ok()
            .blocked()]),
        false,
    );
}

#[test]
fn a10_wildcard_with_credentials() {
    golden(
        "wildcard-with-credentials",
        har_at_page(vec![fetch("GET", API)
            .xhr()
            .h("Cookie", "sid=1")
            .rh("Access-Control-Allow-Origin", "*")
            .blocked()]),
        false,
    );
}

/// A recording that keeps no outcome of the browser (a proxy's HAR): whether the request was
/// credentialed, and so blocked, cannot be told; one line per request.
#[test]
fn a10_wildcard_with_credentials_if_credentialed() {
    golden_named(
        "wildcard-with-credentials",
        "-if-credentialed",
        Recording::ProxyHar(vec![
            document(),
            fetch("GET", API).rh("Access-Control-Allow-Origin", "*"),
        ]),
        true,
    );
}

/// DevTools marks every request it failed: these completed, so they were not blocked, and what
/// credentials would break is a latent risk, folded into one line per origin pair. A font is
/// never credentialed across origins: no risk at all.
#[test]
fn a10_wildcard_with_credentials_latent() {
    let recording = har_at_page(vec![
        fetch("GET", API).rh("Access-Control-Allow-Origin", "*"),
        fetch("GET", "https://api.test/v1/users")
            .xhr()
            .rh("Access-Control-Allow-Origin", "*"),
        fetch("GET", "https://api.test/v1/me")
            .acao_ok()
            .rh("Vary", "Origin"),
        fetch("GET", "https://api.test/fonts/inter.woff2")
            .resource("font")
            .rh("Access-Control-Allow-Origin", "*"),
    ]);
    golden_named("wildcard-with-credentials", "-latent", recording, true);
}

#[test]
fn a11_allow_credentials_missing() {
    golden(
        "allow-credentials-missing",
        har_at_page(vec![fetch("GET", API)
            .xhr()
            .h("Cookie", "sid=1")
            .acao_ok()
            .blocked()]),
        false,
    );
}

#[test]
fn a12_allow_credentials_not_true() {
    golden(
        "allow-credentials-not-true",
        har_at_page(vec![fetch("GET", API)
            .h("Cookie", "sid=1")
            .acao_ok()
            .rh("Access-Control-Allow-Credentials", "True")
            .blocked()]),
        false,
    );
}

#[test]
fn a13_cached_response_wrong_origin() {
    golden(
        "cached-response-wrong-origin",
        har_at_page(vec![fetch("GET", API)
            .rh("Access-Control-Allow-Origin", "https://other.test")
            .cached()
            .blocked()]),
        false,
    );
}

// ---- preflights ------------------------------------------------------------------------------

/// A JSON PUT stopped by its preflight.
fn put_json() -> Entry {
    stopped("PUT", API).h("Content-Type", "application/json")
}

fn put_json_preflight() -> Entry {
    preflight(API, "PUT", Some("content-type"))
}

#[test]
fn p01_preflight_missing_allow_origin() {
    golden(
        "preflight-missing-allow-origin",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(401)
                .rh("WWW-Authenticate", "Bearer realm=\"api\""),
        ),
        false,
    );
}

#[test]
fn p02_preflight_multiple_allow_origin() {
    golden(
        "preflight-multiple-allow-origin",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(204)
                .acao_ok()
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ),
        false,
    );
}

#[test]
fn p03_preflight_invalid_allow_origin() {
    golden(
        "preflight-invalid-allow-origin",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(204)
                .rh("Access-Control-Allow-Origin", "app.test")
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ),
        false,
    );
}

#[test]
fn p04_preflight_allow_origin_mismatch() {
    golden(
        "preflight-allow-origin-mismatch",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(204)
                .rh("Access-Control-Allow-Origin", "http://app.test")
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ),
        false,
    );
}

#[test]
fn p05_preflight_wildcard_with_credentials() {
    golden(
        "preflight-wildcard-with-credentials",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(204)
                .rh("Access-Control-Allow-Origin", "*")
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ),
        false,
    );
}

#[test]
fn p06_preflight_allow_credentials_invalid() {
    golden(
        "preflight-allow-credentials-invalid",
        stopped_by(
            put_json(),
            put_json_preflight()
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "content-type"),
        ),
        false,
    );
}

/// A DELETE whose preflight passes the CORS headers but answers `status`.
fn status_case(cause: &str, status: u16, extra: &[(&str, &str)]) {
    let mut pf = preflight(API, "DELETE", None)
        .status(status)
        .acao_ok()
        .rh("Access-Control-Allow-Methods", "GET, POST, DELETE");
    for (n, v) in extra {
        pf = pf.rh(n, v);
    }
    golden(cause, stopped_by(stopped("DELETE", API), pf), false);
}

#[test]
fn p07_preflight_status_405() {
    status_case("preflight-status-405", 405, &[("Allow", "GET, DELETE")]);
}

#[test]
fn p08_preflight_status_401_403() {
    status_case("preflight-status-401-403", 403, &[]);
}

#[test]
fn p09_preflight_status_404() {
    status_case("preflight-status-404", 404, &[]);
}

#[test]
fn p10_preflight_status_5xx() {
    status_case("preflight-status-5xx", 502, &[("Server", "awselb/2.0")]);
}

#[test]
fn p11_preflight_status_other() {
    status_case("preflight-status-other", 429, &[("Retry-After", "30")]);
}

#[test]
fn p12_preflight_redirect() {
    golden(
        "preflight-redirect",
        stopped_by(
            stopped("POST", API).h("Content-Type", "application/json"),
            preflight(API, "POST", Some("content-type"))
                .status(301)
                .rh("Location", "https://api.test/v1/items/")
                .failed("net::ERR_INVALID_REDIRECT"),
        ),
        false,
    );
}

#[test]
fn p13_preflight_network_error() {
    // As chrome-har, Playwright-less proxies and pcap record it: the preflight, no request.
    golden(
        "preflight-network-error",
        har_at_page(vec![preflight(API, "PUT", None)
            .failed("net::ERR_CONNECTION_RESET")
            .after(100)]),
        false,
    );
}

/// DevTools records the stopped request too, failed with the preflight's net error.
#[test]
fn p13_preflight_network_error_devtools_shape() {
    let recording = stopped_by(
        stopped("PUT", API).failed("net::ERR_CONNECTION_RESET"),
        preflight(API, "PUT", None).failed("net::ERR_CONNECTION_RESET"),
    );
    snapshot_only("P13-preflight-network-error-devtools-shape", recording);
}

#[test]
fn p14_preflight_invalid_allow_methods() {
    golden(
        "preflight-invalid-allow-methods",
        stopped_by(
            stopped("PUT", API),
            preflight(API, "PUT", None)
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "GET POST PUT"),
        ),
        false,
    );
}

#[test]
fn p15_preflight_invalid_allow_headers() {
    golden(
        "preflight-invalid-allow-headers",
        stopped_by(
            stopped("PUT", API)
                .h("Authorization", "Bearer t0k3n")
                .h("Content-Type", "application/json"),
            preflight(API, "PUT", Some("authorization,content-type"))
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "PUT")
                .rh("Access-Control-Allow-Headers", "Content-Type Authorization"),
        ),
        false,
    );
}

#[test]
fn p16_method_not_allowed() {
    golden(
        "method-not-allowed",
        stopped_by(
            stopped("PUT", API),
            preflight(API, "PUT", None)
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "GET, POST"),
        ),
        false,
    );
}

#[test]
fn p17_method_case_mismatch() {
    golden(
        "method-case-mismatch",
        stopped_by(
            stopped("patch", API),
            preflight(API, "patch", None)
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "GET, PATCH"),
        ),
        false,
    );
}

#[test]
fn p18_method_wildcard_with_credentials() {
    golden(
        "method-wildcard-with-credentials",
        stopped_by(
            stopped("PUT", API),
            preflight(API, "PUT", None)
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Credentials", "true")
                .rh("Access-Control-Allow-Methods", "*"),
        ),
        false,
    );
}

#[test]
fn p19_header_not_allowed() {
    golden(
        "header-not-allowed",
        stopped_by(
            stopped("POST", API)
                .h("Content-Type", "text/plain")
                .h("X-Request-Id", "7f3a")
                .h("X-Api-Key", "k"),
            preflight(API, "POST", Some("x-api-key,x-request-id"))
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Methods", "GET, POST")
                .rh("Access-Control-Allow-Headers", "content-type, x-api-key"),
        ),
        false,
    );
}

#[test]
fn p20_header_wildcard_with_credentials() {
    golden(
        "header-wildcard-with-credentials",
        stopped_by(
            stopped("GET", API).h("X-Api-Key", "k"),
            preflight(API, "GET", Some("x-api-key"))
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Credentials", "true")
                .rh("Access-Control-Allow-Headers", "*"),
        ),
        false,
    );
}

#[test]
fn p21_authorization_not_covered_by_wildcard() {
    golden(
        "authorization-not-covered-by-wildcard",
        stopped_by(
            stopped("GET", API).h("Authorization", "Bearer t0k3n"),
            preflight(API, "GET", Some("authorization"))
                .status(204)
                .acao_ok()
                .rh("Access-Control-Allow-Headers", "*"),
        ),
        false,
    );
}

/// A preflight to a private address with the Private Network Access request header.
fn pna_preflight() -> Entry {
    preflight(API, "GET", None)
        .h("Access-Control-Request-Private-Network", "true")
        .ip("192.168.1.10")
        .status(204)
        .acao_ok()
        .rh("Access-Control-Allow-Credentials", "true")
}

#[test]
fn p22_pna_missing_allow_private_network() {
    golden(
        "pna-missing-allow-private-network",
        stopped_by(stopped("GET", API), pna_preflight()),
        false,
    );
}

#[test]
fn p23_pna_invalid_allow_private_network() {
    golden(
        "pna-invalid-allow-private-network",
        stopped_by(
            stopped("GET", API),
            pna_preflight().rh("Access-Control-Allow-Private-Network", "yes"),
        ),
        false,
    );
}

// ---- redirects, schemes ----------------------------------------------------------------------

#[test]
fn r01_redirect_contains_credentials() {
    golden(
        "redirect-contains-credentials",
        har_at_page(vec![fetch("GET", API)
            .status(302)
            .acao_ok()
            .rh("Location", "https://user:pw@api.test/v2/items")
            .blocked()]),
        false,
    );
}

#[test]
fn r02_redirect_disallowed_scheme() {
    golden(
        "redirect-disallowed-scheme",
        har_at_page(vec![fetch("GET", API)
            .status(302)
            .acao_ok()
            .rh("Location", "ftp://files.test/items.json")
            .blocked()]),
        false,
    );
}

#[test]
fn r04_cors_disabled_scheme() {
    let mut req = stopped("GET", "file:///home/dev/site/data.json");
    req = req.h("Referer", "");
    golden(
        "cors-disabled-scheme",
        Recording::Har("file:///home/dev/site/index.html", vec![req]),
        false,
    );
}

// ---- blocks whose deciding headers the recording lacks --------------------------------------

#[test]
fn r06_insecure_local_network() {
    let page = "http://shop.example/";
    golden(
        "insecure-local-network",
        Recording::Har(
            page,
            vec![
                page_document(page),
                stopped("GET", "http://192.168.1.20/api/status").h("Referer", page),
            ],
        ),
        false,
    );
}

#[test]
fn r07_local_network_permission_denied() {
    golden(
        "local-network-permission-denied",
        har_at_page(vec![stopped("GET", "http://192.168.1.20/api/status")]),
        false,
    );
}

/// A stopped request and nothing that explains it (a Playwright HAR keeps no preflight and no
/// response; here a DevTools HAR without the preflight): blocked, the cause not recorded.
#[test]
fn u01_blocked_cause_not_recorded() {
    golden(
        "blocked-cause-not-recorded",
        har_at_page(vec![stopped("PUT", API)]),
        false,
    );
}

// ---- proxy legs ------------------------------------------------------------------------------

#[test]
fn x01_allow_origin_rewritten_by_proxy() {
    golden(
        "allow-origin-rewritten-by-proxy",
        Recording::Bytes(proxy_pcap(
            &[("Access-Control-Allow-Origin", "https://staging.app.test")],
            &[("Access-Control-Allow-Origin", O), ("Vary", "Origin")],
        )),
        false,
    );
}

#[test]
fn x02_header_duplicated_by_proxy() {
    golden(
        "header-duplicated-by-proxy",
        Recording::Bytes(proxy_pcap(
            &[
                ("Access-Control-Allow-Origin", O),
                ("Access-Control-Allow-Origin", "*"),
            ],
            &[("Access-Control-Allow-Origin", O)],
        )),
        false,
    );
}

/// Every catalogue row has a golden report here, except the rows the catalogue documents as
/// never produced from a recording.
#[test]
fn every_recordable_cause_has_a_golden_report() {
    let src = include_str!("golden_reports.rs");
    for c in corscope::model::CAUSES {
        let unrecordable = c.explanation.contains("never reports this cause");
        let covered = src.contains(&format!("\"{}\"", c.name));
        assert!(
            covered != unrecordable,
            "{} {}: covered {covered}, unrecordable {unrecordable}",
            c.id,
            c.name
        );
    }
}
