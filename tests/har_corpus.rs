//! The public HAR files in `../shared/corpus/har/`: every entry becomes an exchange (the true
//! entry count is taken independently with `serde_json::Value`), and specific values the files
//! hold come out where the model says.
//!
//! The corpus is found at `$CARGO_MANIFEST_DIR/../shared/corpus` or `$CORSCOPE_CORPUS`; when
//! neither exists the tests print "skipped: corpus not found" and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analysis;

use std::fs::File;
use std::net::IpAddr;
use std::path::PathBuf;

use corscope::capture::har::{self, HarSummary};
use corscope::capture::Sink;
use corscope::model::{CacheSource, Exchange, FailureKind, Issue, Limits, Location};

#[derive(Default)]
struct Collect {
    exchanges: Vec<Exchange>,
    issues: Vec<Issue>,
}

impl Sink for Collect {
    fn exchange(&mut self, exchange: Exchange) {
        self.exchanges.push(exchange);
    }
    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
}

fn corpus() -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if beside.is_dir() {
        return Some(beside);
    }
    let dir = std::env::var_os("CORSCOPE_CORPUS").map(PathBuf::from);
    let found = dir.filter(|p| p.is_dir());
    if found.is_none() {
        println!("skipped: corpus not found");
    }
    found
}

fn read(path: &PathBuf) -> (HarSummary, Collect) {
    let mut file = File::open(path).unwrap();
    let mut sink = Collect::default();
    let summary = har::read(&mut file, &Limits::default(), &mut sink)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (summary, sink)
}

fn load(name: &str) -> Option<Collect> {
    Some(read(&corpus()?.join("har").join(name)).1)
}

/// `log.entries.len()` by a whole-document parse.
fn true_entry_count(path: &PathBuf) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let doc: serde_json::Value = serde_json::from_slice(text).unwrap();
    doc["log"]["entries"].as_array().unwrap().len() as u64
}

#[test]
fn every_corpus_entry_becomes_an_exchange() {
    let Some(dir) = corpus() else { return };
    let expected: &[(&str, u64, &str)] = &[
        (
            "chrome-devtools-err-internet-disconnected.har",
            3,
            "WebInspector 537.36",
        ),
        ("chrome-devtools-utf8-bom.har", 1, "WebInspector 537.36"),
        (
            "chrome-har-0.2.3-preflight-reused.har",
            169,
            "chrome-har 0.2.3",
        ),
        ("chrome-har-1.3.0-chrome148.har", 7, "chrome-har 1.3.0"),
        ("firefox-111-devtools.har", 14, "Firefox 111.0.1"),
        ("mitmproxy-savehar-connect-error.har", 2, "mitmproxy 1.2.3"),
        (
            "playwright-1.23-chromium-redirects.har",
            3,
            "Playwright 1.23.0-next",
        ),
        ("safari-web-inspector.har", 19, "WebKit Web Inspector 1.0"),
        (
            "webpagetest-1.1-credentialed-preflight.har",
            175,
            "WebPagetest 2.17",
        ),
        (
            "webpagetest-1.1-failed-preflight-503.har",
            328,
            "WebPagetest 2.17",
        ),
    ];
    let mut files: Vec<_> = std::fs::read_dir(dir.join("har"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        expected.len(),
        "a corpus file was added or removed"
    );
    for (path, (name, count, producer)) in files.iter().zip(expected) {
        assert!(path.ends_with(name), "{} vs {name}", path.display());
        let (summary, sink) = read(path);
        let truth = true_entry_count(path);
        assert_eq!(truth, *count, "{name}");
        assert_eq!(summary.entries, truth, "{name}");
        assert_eq!(
            sink.exchanges.len() as u64,
            truth,
            "{name}: {:?}",
            sink.issues
        );
        // chrome-har lists request headers twice; the repeats are dropped and counted.
        let repeated = corscope::capture::har::HAR_REQUEST_HEADERS_REPEATED;
        let chrome_har = name.starts_with("chrome-har");
        assert!(
            sink.issues.iter().all(|i| chrome_har && i.id == repeated),
            "{name}: {:?}",
            sink.issues
        );
        if chrome_har {
            for e in &sink.exchanges {
                analysis::assert_no_repeated_request_lines(e, name);
            }
        }
        assert_eq!(summary.producer.as_deref(), Some(*producer), "{name}");
        for (i, e) in sink.exchanges.iter().enumerate() {
            assert_eq!(
                e.location,
                Location::Entry(corscope::model::EntryIndex(i as u64))
            );
        }
    }
}

#[test]
fn chrome_devtools_failed_request_has_provisional_headers_and_no_response() {
    let Some(c) = load("chrome-devtools-err-internet-disconnected.har") else {
        return;
    };
    let ok = &c.exchanges[0];
    assert_eq!(ok.request.url, "https://mitmproxy.org/");
    assert_eq!(ok.request.http_version.as_deref(), Some("http/2.0"));
    assert!(!ok.request.headers_provisional);
    let resp = ok.response.as_ref().unwrap();
    assert_eq!(resp.status, 304);
    assert_eq!(resp.body_size, Some(23866));
    assert_eq!(
        ok.endpoints.server_ip,
        Some("108.138.246.80".parse::<IpAddr>().unwrap())
    );
    assert_eq!(
        ok.recorder.page_url.as_deref(),
        Some("https://mitmproxy.org/")
    );
    assert_eq!(ok.recorder.resource_type.as_deref(), Some("document"));
    assert_eq!(ok.recorder.initiator.as_ref().unwrap().kind, "other");
    // 2023-03-30T00:00:54.250Z
    let started = ok.timing.started.unwrap();
    assert_eq!(started.0, 1_680_134_454_250_000_000);
    let finished = ok.timing.finished.unwrap();
    assert!((finished.secs_since(started) - 0.014666).abs() < 1e-5);
    assert!(ok.timing.response_started.unwrap() < finished);

    let failed = &c.exchanges[1];
    assert_eq!(failed.request.url, "https://www.google.com/");
    assert!(failed.response.is_none());
    let failure = failed.failure.as_ref().unwrap();
    assert_eq!(failure.text, "net::ERR_INTERNET_DISCONNECTED");
    assert_eq!(failure.kind, FailureKind::Connection);
    assert!(failed.request.headers_provisional);
    assert_eq!(failed.request.http_version, None);
    assert_eq!(failed.endpoints.server_ip, None);
    assert!(!failed.request.headers.contains("origin"));

    let image = &c.exchanges[2];
    assert!(image.request.cookies_recorded);
    let init = image.recorder.initiator.as_ref().unwrap();
    assert_eq!(
        (init.kind.as_str(), init.url.as_deref()),
        ("parser", Some("https://www.google.com/"))
    );
    assert_eq!(
        image.request.headers.first(":authority"),
        Some(&b"www.google.com"[..])
    );
}

#[test]
fn firefox_cache_hits_and_local_offsets() {
    let Some(c) = load("firefox-111-devtools.har") else {
        return;
    };
    let first = &c.exchanges[0];
    assert_eq!(first.response.as_ref().unwrap().status_text, "Not Modified");
    assert_eq!(first.response.as_ref().unwrap().from_cache, None);
    assert_eq!(first.recorder.connection.as_deref(), Some("443"));
    // 2023-03-29T16:58:59.303-07:00 = 2023-03-29T23:58:59.303Z
    assert_eq!(first.timing.started.unwrap().0, 1_680_134_339_303_000_000);
    for i in 1..=5 {
        let cached = &c.exchanges[i];
        assert_eq!(
            cached.response.as_ref().unwrap().from_cache,
            Some(CacheSource::Unspecified),
            "{i}"
        );
        assert_eq!(cached.request.http_version, None);
        assert!(!cached.request.headers_provisional);
    }
}

#[test]
fn safari_fetch_type_and_bom_file() {
    let Some(c) = load("safari-web-inspector.har") else {
        return;
    };
    assert_eq!(c.exchanges[0].response.as_ref().unwrap().from_cache, None);
    assert_eq!(c.exchanges[0].recorder.connection.as_deref(), Some("1"));
    assert_eq!(
        c.exchanges[1].response.as_ref().unwrap().from_cache,
        Some(CacheSource::Memory)
    );
    assert_eq!(
        c.exchanges[1].recorder.resource_type.as_deref(),
        Some("Memory Cache")
    );
    let Some(bom) = load("chrome-devtools-utf8-bom.har") else {
        return;
    };
    let e = &bom.exchanges[0];
    assert_eq!(e.request.method, "POST");
    assert!(e.request.headers.contains("origin"));
    assert!(e
        .response
        .as_ref()
        .unwrap()
        .headers
        .contains("access-control-allow-origin"));
}

#[test]
fn mitmproxy_error_and_microsecond_dates() {
    let Some(c) = load("mitmproxy-savehar-connect-error.har") else {
        return;
    };
    let failed = &c.exchanges[0];
    assert!(failed.response.is_none());
    assert!(failed
        .failure
        .as_ref()
        .unwrap()
        .text
        .starts_with("Multiple exceptions: [Errno 60] Connect call failed"));
    assert!(
        !failed.request.headers_provisional,
        "mitmproxy saw the request on the wire"
    );
    // 2023-07-25T11:03:15.216374+00:00
    assert_eq!(failed.timing.started.unwrap().0, 1_690_282_995_216_374_000);
    let e = &c.exchanges[1];
    assert_eq!(
        (
            e.request.method.as_str(),
            e.response.as_ref().unwrap().status
        ),
        ("POST", 405)
    );
    assert_eq!(e.request.body_size, Some(23));
}

#[test]
fn chrome_har_request_ids_initiators_and_page_urls() {
    let Some(c) = load("chrome-har-1.3.0-chrome148.har") else {
        return;
    };
    let doc = &c.exchanges[1];
    assert_eq!(
        doc.recorder.request_id.as_deref(),
        Some("058E1B56062207FEC0C471DEBE0F5AB7")
    );
    assert_eq!(doc.recorder.initiator.as_ref().unwrap().kind, "script");
    assert_eq!(
        doc.recorder.page_url.as_deref(),
        Some("https://www.wikpedia.org")
    );
    assert_eq!(doc.recorder.connection.as_deref(), Some("115"));
    let img = &c.exchanges[2];
    let init = img.recorder.initiator.as_ref().unwrap();
    assert_eq!(
        (init.kind.as_str(), init.url.as_deref()),
        ("parser", Some("https://www.wikipedia.org/"))
    );

    let Some(old) = load("chrome-har-0.2.3-preflight-reused.har") else {
        return;
    };
    let preflight = &old.exchanges[126];
    assert_eq!(
        (
            preflight.request.method.as_str(),
            preflight.request.url.as_str()
        ),
        ("OPTIONS", "https://api.ascend.ai/v1/log")
    );
    assert_eq!(
        preflight
            .request
            .headers
            .first_str("access-control-request-method")
            .as_deref(),
        Some("POST")
    );
    let resp = preflight.response.as_ref().unwrap();
    assert_eq!(
        resp.headers
            .first_str("Access-Control-Allow-Origin")
            .as_deref(),
        Some("*")
    );
    let posts = old.exchanges[127..]
        .iter()
        .filter(|e| e.request.method == "POST" && e.request.url == "https://api.ascend.ai/v1/log");
    assert_eq!(posts.count(), 3);
}

#[test]
fn webpagetest_failed_preflight() {
    let Some(c) = load("webpagetest-1.1-failed-preflight-503.har") else {
        return;
    };
    let options: Vec<_> = c
        .exchanges
        .iter()
        .filter(|e| e.request.method == "OPTIONS")
        .collect();
    assert_eq!(options.len(), 1);
    let p = options[0];
    assert_eq!(
        p.location,
        Location::Entry(corscope::model::EntryIndex(174))
    );
    assert_eq!(
        p.request.url,
        "http://int-promos.nytimes.com/hp-watching/serves"
    );
    let resp = p.response.as_ref().unwrap();
    assert_eq!(resp.status, 503);
    assert!(!resp.headers.contains("access-control-allow-origin"));
    assert_eq!(
        p.endpoints.server_ip,
        Some("54.235.141.149".parse::<IpAddr>().unwrap())
    );
    assert_eq!(
        p.recorder.page_url.as_deref(),
        Some("http://www.nytimes.com/")
    );
    assert_eq!(p.request.http_version.as_deref(), Some("1.1"));
    // started 14:43:46.872, blocked -1 ignored: dns 357 + connect 14 + send 0 + wait 22
    let started = p.timing.started.unwrap();
    assert!((p.timing.response_started.unwrap().secs_since(started) - 0.393).abs() < 1e-9);
    assert!((p.timing.finished.unwrap().secs_since(started) - 0.393).abs() < 1e-9);
}

#[test]
fn playwright_pages_are_titles_not_urls() {
    let Some(c) = load("playwright-1.23-chromium-redirects.har") else {
        return;
    };
    let first = &c.exchanges[0];
    assert_eq!(first.response.as_ref().unwrap().status, 301);
    assert_eq!(
        first.recorder.page_url, None,
        "title \"Microsoft\" is not a URL"
    );
    assert_eq!(
        first.endpoints.server_ip,
        Some("151.101.65.52".parse::<IpAddr>().unwrap())
    );
    assert_eq!(
        first.response.as_ref().unwrap().body_size,
        Some(0),
        "content.size -1 falls back to bodySize"
    );
}
