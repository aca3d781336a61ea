//! The whole pipeline over the public corpus (`../shared/corpus`, or `CORSCOPE_CORPUS`):
//! what a user would see on real third-party recordings. Skipped, saying so, when the corpus
//! is not beside the checkout.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

mod analysis;

use corscope::model::{Assessment, ExchangeKind, Location, Verdict};

fn corpus() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let dir = std::env::var_os("CORSCOPE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or(beside);
    dir.is_dir().then_some(dir)
}

fn analyse(name: &str) -> Option<Vec<Assessment>> {
    let Some(dir) = corpus() else {
        eprintln!("skipped: corpus not found");
        return None;
    };
    Some(analysis::analyse_file(&dir.join(name)).0)
}

#[test]
fn failed_503_preflight_blocks_the_post_that_never_appears() {
    let Some(all) = analyse("har/webpagetest-1.1-failed-preflight-503.har") else {
        return;
    };
    let url = "http://int-promos.nytimes.com/hp-watching/serves";
    let preflight = all
        .iter()
        .find(|a| a.kind == ExchangeKind::Preflight && a.exchange.request.url == url)
        .expect("the OPTIONS entry");
    assert_eq!(preflight.verdict, Verdict::Blocked);
    let post = all
        .iter()
        .find(|a| a.exchange.request.method == "POST" && a.exchange.request.url == url)
        .expect("the inferred POST");
    assert!(!post.sent);
    assert!(matches!(post.exchange.location, Location::InferredFrom(_)));
    assert_eq!(post.verdict, Verdict::Blocked);
    assert_eq!(post.preflight, Some(preflight.id));
    let cause = post.primary_cause().expect("a cause");
    // A 503 without Access-Control-Allow-Origin: Chromium checks the header before the status.
    assert_eq!(cause.cause.info().name, "preflight-missing-allow-origin");
    assert_eq!(
        cause.cause.info().chromium,
        Some("PreflightMissingAllowOriginHeader")
    );
}

#[test]
fn successful_preflights_authorise_their_posts() {
    let Some(all) = analyse("har/webpagetest-1.1-credentialed-preflight.har") else {
        return;
    };
    let preflights: Vec<&Assessment> = all
        .iter()
        .filter(|a| a.kind == ExchangeKind::Preflight)
        .collect();
    assert!(preflights.len() >= 2, "two preflights in the file");
    for p in &preflights {
        assert_eq!(p.verdict, Verdict::Allowed, "{}", p.exchange.request.url);
        let real = all
            .iter()
            .find(|a| a.preflight == Some(p.id))
            .unwrap_or_else(|| panic!("a request paired with {}", p.exchange.request.url));
        assert_eq!(real.verdict, Verdict::Allowed);
        assert!(real.sent);
    }
    assert!(all.iter().all(|a| a.verdict != Verdict::Blocked));
}

#[test]
fn one_preflight_covers_three_posts_through_the_cache() {
    let Some(all) = analyse("har/chrome-har-0.2.3-preflight-reused.har") else {
        return;
    };
    let url = "https://api.ascend.ai/v1/log";
    let preflight = all
        .iter()
        .find(|a| a.kind == ExchangeKind::Preflight && a.exchange.request.url == url)
        .expect("the preflight");
    let posts: Vec<&Assessment> = all
        .iter()
        .filter(|a| a.exchange.request.method == "POST" && a.exchange.request.url == url)
        .collect();
    assert_eq!(posts.len(), 3);
    for p in posts {
        assert_eq!(p.verdict, Verdict::Allowed);
        assert!(
            p.preflight == Some(preflight.id) || p.preflight_cached_from == Some(preflight.id),
            "each POST is covered by the one preflight"
        );
    }
}

#[test]
fn disconnected_request_is_a_network_error_not_cors() {
    let Some(all) = analyse("har/chrome-devtools-err-internet-disconnected.har") else {
        return;
    };
    let failed: Vec<&Assessment> = all
        .iter()
        .filter(|a| {
            a.exchange
                .failure
                .as_ref()
                .is_some_and(|f| f.text.contains("INTERNET_DISCONNECTED"))
        })
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].verdict, Verdict::NetworkError);
    assert!(failed[0].causes.is_empty());
}

/// A request seen on the wire reached the network, whatever follows it: the POST of a TSO
/// capture that ends before its response (tshark lists it too).
#[test]
fn a_request_on_the_wire_was_sent() {
    let Some(all) = analyse("pcap/tcpdump-ipv4_tcp_http_xml_tso.pcap") else {
        return;
    };
    let post = all
        .iter()
        .find(|a| a.exchange.request.method == "POST")
        .expect("the POST tshark lists");
    assert!(post.exchange.response.is_none());
    assert!(post.sent, "on the wire, so sent: {:?}", post.note);
}

/// A request that failed before a connection existed never reached the network.
#[test]
fn a_disconnected_request_was_not_sent() {
    let Some(all) = analyse("har/chrome-devtools-err-internet-disconnected.har") else {
        return;
    };
    let failed = all
        .iter()
        .find(|a| {
            a.exchange
                .failure
                .as_ref()
                .is_some_and(|f| f.text.contains("INTERNET_DISCONNECTED"))
        })
        .expect("the failed request");
    assert!(!failed.sent);
}

/// chrome-har lists request headers twice (1.3.0 with Chrome 148): each is read once, so
/// nothing joins a header with itself.
#[test]
fn chrome_har_request_headers_are_read_once() {
    let Some(all) = analyse("har/chrome-har-1.3.0-chrome148.har") else {
        return;
    };
    assert!(!all.is_empty());
    for a in &all {
        analysis::assert_no_repeated_request_lines(&a.exchange, "chrome-har 1.3.0");
    }
}
