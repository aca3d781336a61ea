//! `corscope sanitize` on every sample HAR and every HAR of the public corpus
//! (`../shared/corpus/har`, or `$CORSCOPE_CORPUS/har`; skipped with a message when absent):
//! the output is a valid HAR holding everything the input held except bodies and secrets,
//! no secret value of the input is left in it, and `corscope analyze` reports it exactly as
//! it reports the original under the same redaction key. Plus the edge cases: member order,
//! numbers as written, escapes, secrets in odd places, bodies kept, broken inputs.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const KEY: &str = "sanitize-test-key";

fn corscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CORSCOPE_REDACT_KEY")
        .output()
        .expect("run corscope")
}

fn corpus_hars() -> Vec<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let dir = if beside.is_dir() {
        Some(beside)
    } else {
        std::env::var_os("CORSCOPE_CORPUS")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
    };
    let Some(dir) = dir else {
        println!("skipped: corpus not found (the sample HARs are still checked)");
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("har"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    files
}

fn sample_hars() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/recordings");
    [
        "chromium-devtools.har",
        "chromium-devtools-sanitized.har",
        "playwright.har",
    ]
    .iter()
    .map(|n| dir.join(n))
    .collect()
}

fn parse(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    serde_json::from_slice(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The values of a HAR that are secrets by their place (cookie values, `Authorization`
/// credentials, values of secret query parameters), each occurrence, and those of at least
/// 8 bytes.
fn secrets(doc: &Value) -> (Vec<String>, BTreeSet<String>) {
    let mut places = Vec::new();
    let mut values = BTreeSet::new();
    for e in doc["log"]["entries"].as_array().unwrap() {
        for side in ["request", "response"] {
            for h in e[side]["headers"].as_array().into_iter().flatten() {
                let name = h["name"].as_str().unwrap_or("").to_ascii_lowercase();
                let Some(v) = h["value"].as_str() else {
                    continue;
                };
                let found: Vec<String> = match name.as_str() {
                    "cookie" => v
                        .split(';')
                        .filter_map(|p| p.split_once('=').map(|(_, v)| v.trim().into()))
                        .collect(),
                    "set-cookie" => v
                        .lines()
                        .filter_map(|l| l.split(';').next()?.split_once('='))
                        .map(|(_, v)| v.trim().to_string())
                        .collect(),
                    "authorization" | "proxy-authorization" => v
                        .split_once(' ')
                        .map(|(_, c)| c.to_string())
                        .into_iter()
                        .collect(),
                    _ => continue,
                };
                places.extend(found.iter().cloned());
                values.extend(found);
            }
            for c in e[side]["cookies"].as_array().into_iter().flatten() {
                if let Some(v) = c["value"].as_str() {
                    places.push(v.to_string());
                    values.insert(v.to_string());
                }
            }
        }
        for q in e["request"]["queryString"].as_array().into_iter().flatten() {
            let name = q["name"].as_str().unwrap_or("");
            if corscope::redact::url::is_secret_param(name) {
                if let Some(v) = q["value"].as_str() {
                    places.push(v.to_string());
                    values.insert(v.to_string());
                }
            }
        }
    }
    values.retain(|s| s.len() >= 8 && !corscope::redact::is_marker(s));
    (places, values)
}

/// Checks `b` (sanitized) holds what `a` (original) holds: the same members and elements in
/// the same order, equal values except markers, bodies gone.
fn same_shape(a: &Value, b: &Value, path: &str, bodies_kept: bool) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let here = format!("{path}.{k}");
                let body = (path.ends_with(".response.content") && k == "text")
                    || (path.ends_with(".request.postData") && (k == "text" || k == "params"));
                match y.get(k) {
                    None if body && !bodies_kept => {}
                    None => panic!("{here} was dropped"),
                    Some(vb) => same_shape(va, vb, &here, bodies_kept),
                }
            }
            for k in y.keys() {
                assert!(
                    x.contains_key(k) || (path == ".log" && k == "_sanitized"),
                    "{path}.{k} was added"
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                same_shape(va, vb, &format!("{path}[{i}]"), bodies_kept);
            }
        }
        (x, Value::String(s)) if x != b => {
            assert!(
                s.contains("redacted-"),
                "{path}: {x} became {s} without a marker"
            );
        }
        (x, y) => assert_eq!(x, y, "{path}"),
    }
}

/// The report of `har` with the test key, with its input path blanked.
fn report(har: &Path) -> String {
    let out = corscope(&[
        "analyze",
        "--format",
        "jsonl",
        "--fail-on",
        "never",
        "--redact-key",
        KEY,
        har.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().replace(
        &format!("\"path\":{}", serde_json::json!(har.to_str().unwrap())),
        "\"path\":\"\"",
    )
}

fn check(input: &Path, dir: &Path, keep_bodies: bool) {
    let name = input.file_name().unwrap().to_str().unwrap();
    let output = dir.join(format!("{name}.sanitized.har"));
    let mut args = vec![
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--redact-key",
        KEY,
    ];
    if keep_bodies {
        args.push("--keep-bodies");
    }
    let run = corscope(&args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&run.stderr)
    );

    let original = parse(input);
    let sanitized = parse(&output);
    same_shape(&original, &sanitized, "", keep_bodies);
    assert_eq!(sanitized["log"]["_sanitized"]["redaction_key"], "given");
    // Valid HAR by an independent reader whenever the original is.
    if har::from_path(input).is_ok() {
        har::from_path(&output).unwrap_or_else(|e| panic!("{name}: not a valid HAR: {e}"));
    }
    // Redaction is by place: a secret value is gone from every secret place. It stays only
    // where the original also holds it in a place whose name says nothing (a cookie value
    // synced into a tracking pixel's `uid` parameter), never more often than there.
    let before = std::fs::read_to_string(input).unwrap();
    let after = std::fs::read_to_string(&output).unwrap();
    let (places, values) = secrets(&original);
    for s in &values {
        let in_places: usize = places.iter().map(|p| p.matches(s.as_str()).count()).sum();
        let elsewhere = before.matches(s.as_str()).count().saturating_sub(in_places);
        let left = after.matches(s.as_str()).count();
        assert!(
            left <= elsewhere,
            "{name}: {s} left {left} times, {elsewhere} outside secret places"
        );
    }
    assert_eq!(report(input), report(&output), "{name}: the reports differ");
}

#[test]
fn every_sample_and_corpus_har_sanitizes_to_the_same_verdicts_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = sample_hars().into_iter().chain(corpus_hars()).collect();
    for f in &files {
        check(f, dir.path(), false);
    }
    // The samples hold cookies and bearer tokens; they must have been found and removed.
    let samples = parse(&sample_hars()[0]);
    assert!(secrets(&samples).1.len() >= 7);
    check(&sample_hars()[0], dir.path(), true);
}

/// Runs sanitize on `har` text; returns the output text or the error.
fn sanitize_text(har: &str, extra: &[&str]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.har");
    let output = dir.path().join("out.har");
    std::fs::write(&input, har).unwrap();
    let mut args = vec![
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--redact-key",
        "k",
    ];
    args.extend(extra);
    let run = corscope(&args);
    match run.status.code() {
        Some(0) => Ok(std::fs::read_to_string(&output).unwrap()),
        _ => {
            assert!(!output.exists(), "a failed run leaves no output");
            Err(String::from_utf8_lossy(&run.stderr).into_owned())
        }
    }
}

#[test]
fn member_order_numbers_and_escapes_are_kept_and_secrets_found_anywhere() {
    let har = r#"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"_custom":{"n":1.50e+3},
"pages":[{"id":"p","title":"https://app.test/cb?code=AUTHCODE123&x=1"}],
"entries":[{"_initiator":{"type":"script","url":"https://u:hunter22@app.test/app.js"},
"request":{"method":"GET","url":"https://api.test/v1?access_token=TOKEN1234&page=2","headers":[
{"value":"Bearer BEARER987","name":"Authorization","comment":"\u00e9\ud83d\ude00"},
{"name":"X-Api-Key","value":12345678},
{"name":"Accept","value":"*\/*"}],
"queryString":[{"value":"TOKEN1234","name":"access_token"},{"name":"page","value":"2"}],
"cookies":[],"postData":{"mimeType":"application/x-www-form-urlencoded","text":"password=PW999999","params":[{"name":"password","value":"PW999999"}]}},
"response":{"status":302,"headers":[{"name":"Location","value":"/next?sig=SIGSIGSIG"},{"name":"Set-Cookie","value":"sid=SESSION42; Path=/; HttpOnly"}],
"content":{"size":4,"mimeType":"text/plain","text":"BODYTEXT"},"redirectURL":"/next?sig=SIGSIGSIG"}}]}}"#;
    let out = sanitize_text(har, &[]).unwrap();
    for secret in [
        "AUTHCODE123",
        "hunter22",
        "TOKEN1234",
        "BEARER987",
        "12345678",
        "SIGSIGSIG",
        "SESSION42",
        "PW999999",
        "BODYTEXT",
    ] {
        assert!(!out.contains(secret), "{secret} left in:\n{out}");
    }
    // Member order, numbers as written and untouched escapes are kept.
    assert!(out.contains(r#""_custom":{"n":1.50e+3}"#), "{out}");
    assert!(out.contains(r#"{"value":"Bearer redacted-8to15-"#), "{out}");
    assert!(out.contains(r#""name":"Authorization","comment":"\u00e9\ud83d\ude00"}"#));
    assert!(out.contains(r#"{"name":"Accept","value":"*\/*"}"#), "{out}");
    assert!(out.contains(r#"&page=2""#) && out.contains(r#"{"name":"page","value":"2"}"#));
    assert!(out.contains(r#""Set-Cookie","value":"sid=redacted-8to15-"#));
    assert!(out.contains(r#"; Path=/; HttpOnly"}"#));
    assert!(out.contains(r#""postData":{"mimeType":"application/x-www-form-urlencoded"}"#));
    assert!(out.contains(r#""content":{"size":4,"mimeType":"text/plain"}"#));
    // The same secret gets the same marker wherever it is.
    let doc: Value = serde_json::from_str(&out).unwrap();
    let url = doc["log"]["entries"][0]["request"]["url"].as_str().unwrap();
    let q = doc["log"]["entries"][0]["request"]["queryString"][0]["value"]
        .as_str()
        .unwrap();
    assert!(url.contains(q), "{url} / {q}");
    let loc = doc["log"]["entries"][0]["response"]["headers"][0]["value"]
        .as_str()
        .unwrap();
    assert_eq!(loc, doc["log"]["entries"][0]["response"]["redirectURL"]);
    // Sanitizing again changes nothing.
    assert_eq!(sanitize_text(&out, &[]).unwrap(), out);
    // A lone surrogate escape (Chrome writes them) is copied as it is.
    let lone = har.replace(r#"\ud83d\ude00"#, r#"\ud800"#);
    assert!(sanitize_text(&lone, &[])
        .unwrap()
        .contains(r#""comment":"\u00e9\ud800"}"#));

    let kept = sanitize_text(har, &["--keep-bodies"]).unwrap();
    assert!(kept.contains("BODYTEXT") && kept.contains(r#""text":"password=PW999999""#));
    assert!(
        kept.contains(r#"{"name":"password","value":"redacted-8to15-"#),
        "{kept}"
    );
    let doc: Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(doc["log"]["_sanitized"]["bodies"], "kept");
}

#[test]
fn inputs_that_are_not_whole_hars_are_errors_with_an_offset() {
    let cases = [
        (
            r#"{"log":{"entries":[{"request":{"url":"http://a/"}}"#,
            "offset",
        ),
        (
            r#"{"log":{"entries":[{"request":{"url":"http://a/}}]}}"#,
            "string",
        ),
        (r#"{"log":{"pages":[]}}"#, "not a HAR"),
        (r#"[1,2]"#, "not a HAR"),
        (r#"{"log":{"entries":[]}} trailing"#, "offset 23"),
        (r#"{"log":{"entries":[]}} {}"#, "after the HAR document"),
    ];
    for (input, want) in cases {
        let e = sanitize_text(input, &[]).unwrap_err();
        assert!(e.contains(want), "{input}: {e}");
    }
    let deep = format!("{{\"log\":{{\"entries\":[{}", "[".repeat(1_000_000));
    let e = sanitize_text(&deep, &[]).unwrap_err();
    assert!(e.contains("nesting"), "{e}");
    let pcap = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/recordings/loopback.pcap"
    );
    let run = corscope(&["sanitize", pcap, "-o", "-"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("HAR files only"));
}
