//! `--fail-on` decides the exit status: 1 when something at the named level (or a named cause
//! or warning) was found, 0 otherwise, 2 for a usage error.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

/// A HAR whose one cross-origin fetch is allowed, answered with its exact origin but neither
/// `Access-Control-Allow-Credentials` nor `Vary: Origin`: blocked only if it were
/// credentialed (allow-credentials-missing), with a vary-origin-missing warning. Its
/// recorder (mitmproxy) keeps no browser outcome, so the recording cannot tell.
const ALLOWED_IF_UNCREDENTIALED: &str = r#"{"log":{"version":"1.2","creator":{"name":"mitmproxy","version":"10.1.5"},
 "pages":[{"startedDateTime":"2026-11-01T10:00:00.000Z","id":"page_1","title":"http://app.test:8000/","pageTimings":{}}],
 "entries":[
  {"pageref":"page_1","startedDateTime":"2026-11-01T10:00:01.000Z","time":5,
   "_resourceType":"fetch","_initiator":{"type":"script"},
   "request":{"method":"GET","url":"http://api.test:8001/data","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"api.test:8001"},{"name":"Origin","value":"http://app.test:8000"},{"name":"Sec-Fetch-Mode","value":"cors"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
   "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/json"},{"name":"Access-Control-Allow-Origin","value":"http://app.test:8000"}],"cookies":[],"content":{"size":2,"mimeType":"application/json"},"redirectURL":"","headersSize":-1,"bodySize":2},
   "cache":{},"timings":{"send":1,"wait":2,"receive":2}}
 ]}}"#;

fn status(input: &str, fail_on: &[&str]) -> Option<i32> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corscope"));
    cmd.args(["analyze", "--format", "json", input]);
    for f in fail_on {
        cmd.args(["--fail-on", f]);
    }
    cmd.output().expect("run corscope").status.code()
}

#[test]
fn levels_causes_and_warnings_decide_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = dir.path().join("allowed.har");
    std::fs::write(&allowed, ALLOWED_IF_UNCREDENTIALED).unwrap();
    let allowed = allowed.to_str().unwrap();
    // The same entry from Chrome DevTools, which marks every failed request: it completed, so
    // the credentials cause is a latent risk (warning level), not an if-credentialed finding.
    let devtools = dir.path().join("devtools.har");
    std::fs::write(
        &devtools,
        ALLOWED_IF_UNCREDENTIALED.replace(
            r#""name":"mitmproxy","version":"10.1.5""#,
            r#""name":"WebInspector","version":"537.36""#,
        ),
    )
    .unwrap();
    let devtools = devtools.to_str().unwrap();
    let samples = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/recordings/chromium-devtools.har"
    );
    let table: &[(&str, &[&str], Option<i32>)] = &[
        (allowed, &[], Some(0)),
        (allowed, &["blocked"], Some(0)),
        (allowed, &["if-credentialed"], Some(1)),
        (allowed, &["warning"], Some(1)),
        (allowed, &["vary-origin-missing"], Some(1)),
        (allowed, &["A01,allows-null-origin"], Some(0)),
        (devtools, &["if-credentialed"], Some(0)),
        (devtools, &["warning"], Some(1)),
        (samples, &[], Some(1)),
        (samples, &["never"], Some(0)),
        (samples, &["missing-allow-origin-on-error"], Some(1)),
        (samples, &["PreflightInvalidStatus"], Some(1)),
        (samples, &["R03"], Some(0)),
        (samples, &["A01", "never"], Some(2)),
        (samples, &["blocked,no-such-cause"], Some(2)),
    ];
    for (input, fail_on, want) in table {
        assert_eq!(
            status(input, fail_on),
            *want,
            "{input} --fail-on {fail_on:?}"
        );
    }
}
