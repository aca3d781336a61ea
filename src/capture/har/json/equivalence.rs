//! The contract of [`super`], checked against serde_json: whenever [`from_prefix`] reads an
//! entry, serde_json's `StreamDeserializer` reads the same one (compared by `Debug`, which
//! shows every field, float bits included) and ends at the same byte. Inputs: every entry of
//! the real recordings in `tests/data/har`, `samples/` and the shared corpus (`../shared/corpus`
//! beside the checkout, or `$CORSCOPE_CORPUS`), and generated entries full of what producers
//! write and what serde_json rejects.

use std::path::Path;

use proptest::prelude::*;

use super::{from_prefix, from_slice, Decline};
use crate::capture::har::entry::RawEntry;

/// What serde_json makes of the value at the start of `bytes`: its `Debug` and its end.
fn serde_json_reads(bytes: &[u8]) -> Option<(String, usize)> {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<RawEntry<'_>>();
    let entry = values.next()?.ok()?;
    Some((format!("{entry:?}"), values.byte_offset()))
}

/// Checks one input; returns whether [`from_prefix`] read it.
fn agrees(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let theirs = serde_json_reads(bytes);
    match from_prefix::<RawEntry<'_>>(bytes) {
        Ok((entry, end)) => {
            let ours = Some((format!("{entry:?}"), end));
            prop_assert_eq!(&ours, &theirs, "{}", String::from_utf8_lossy(bytes));
            let whole = bytes.get(..end).unwrap_or_default();
            let exact = from_slice::<RawEntry<'_>>(whole).map(|e| format!("{e:?}"));
            prop_assert_eq!(exact.ok(), theirs.map(|t| t.0));
            Ok(true)
        }
        Err(Decline::OutOfInput) => {
            prop_assert!(theirs.is_none(), "{}", String::from_utf8_lossy(bytes));
            Ok(false)
        }
        Err(Decline::Unsure) => Ok(false),
    }
}

/// The start of each element of `log.entries` in a HAR (found by skipping values).
fn entry_starts(har: &[u8]) -> Vec<usize> {
    let Some(key) = memchr::memmem::find(har, b"\"entries\"") else {
        return Vec::new();
    };
    let mut at = super::whitespace(har, key + b"\"entries\"".len());
    at = super::whitespace(har, at + 1) + 1; // past ':' and '['
    let mut starts = Vec::new();
    loop {
        at = super::whitespace(har, at);
        if har.get(at) != Some(&b'{') {
            return starts;
        }
        starts.push(at);
        let Ok(end) = super::skip::value(har, at) else {
            return starts;
        };
        at = super::whitespace(har, end) + 1; // past ','
    }
}

#[test]
fn every_recorded_entry_is_read_as_serde_json_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("CORSCOPE_CORPUS").map(|c| Path::new(&c).join("har"));
    let dirs = [
        Some(root.join("tests/data/har")),
        Some(root.join("samples/recordings")),
        Some(root.join("../shared/corpus/har")),
        corpus,
    ];
    let mut read = 0;
    for dir in dirs.into_iter().flatten() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in listing.flatten() {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "har") {
                continue;
            }
            let Ok(har) = std::fs::read(&path) else {
                continue;
            };
            for start in entry_starts(&har) {
                let window = har.get(start..).unwrap_or_default();
                match agrees(window) {
                    Ok(true) => read += 1,
                    Ok(false) => {}
                    Err(e) => panic!("{}: entry at {start}: {e}", path.display()),
                }
            }
        }
    }
    assert!(read > 0, "no recorded entry was read");
}

/// Whitespace between tokens, as compact and indented producers write it.
fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", " ", "\n    ", "\n\t", "\r\n  ", "          "])
}

/// Pieces of string contents: plain, escaped, long, and broken.
fn string() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop::sample::select(vec![
        "a",
        "ab",
        "https://x.test/p?q=1",
        "é",
        "日本",
        "\\\"",
        "\\\\",
        "\\/",
        "\\n",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\udc00",
        "\\ud800\\u0041",
        "\\x",
        "\\u12",
        "\u{1}",
        "\t",
        "\u{7f}",
        "\u{fffd}",
    ]);
    let long = prop::sample::select(vec!["abcdefgh", "{\\\"k\\\":\\\"v\\\"},", "a\\nb"]);
    prop_oneof![
        6 => prop::collection::vec(piece, 0..6).prop_map(|p| p.concat().into_bytes()),
        2 => (long, 4..40usize).prop_map(|(p, n)| p.repeat(n).into_bytes()),
        1 => Just(b"a\xffb".to_vec()),
        1 => Just(b"\xe2\x82".to_vec()),
    ]
    .prop_map(|body| [b"\"".as_slice(), &body, b"\""].concat())
}

fn number() -> impl Strategy<Value = Vec<u8>> {
    let text = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (any::<i32>(), 0u32..100_000).prop_map(|(i, f)| format!("{i}.{f}")),
        (any::<i16>(), -30i32..30).prop_map(|(i, e)| format!("{i}e{e}")),
        (0u32..1000, 0u32..1000, -25i32..25).prop_map(|(i, f, e)| format!("-{i}.{f:03}E{e:+}")),
        prop::sample::select(vec![
            "0",
            "-0",
            "-0.0",
            "01",
            "1.",
            "1e",
            "-",
            "1e400",
            "1e-400",
            "2.5e22",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "0.0000000000000000000000001",
            "1.7976931348623157e308",
        ])
        .prop_map(str::to_owned),
    ];
    text.prop_map(String::into_bytes)
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    let known = prop::sample::select(vec![
        "startedDateTime",
        "time",
        "request",
        "response",
        "timings",
        "serverIPAddress",
        "_initiator",
        "_resourceType",
        "_fromCache",
        "method",
        "url",
        "httpVersion",
        "headers",
        "cookies",
        "headersSize",
        "bodySize",
        "status",
        "statusText",
        "content",
        "size",
        "text",
        "_error",
        "_failureText",
        "fromDiskCache",
        "name",
        "value",
        "type",
        "wait",
        "send",
        "pageref",
        "connection",
        "u\\u0072l",
        "naïve",
        "x",
    ]);
    known.prop_map(|k| format!("\"{k}\"").into_bytes())
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        4 => string(),
        3 => number(),
        1 => prop::sample::select(vec!["null", "true", "false", "nul", "truex"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let member = (space(), key(), space(), inner.clone(), space());
        prop_oneof![
            prop::collection::vec((space(), inner), 0..6).prop_map(|items| {
                let items: Vec<Vec<u8>> = items
                    .into_iter()
                    .map(|(s, v)| [s.as_bytes(), &v].concat())
                    .collect();
                [b"[".as_slice(), &items.join(b",".as_slice()), b"]"].concat()
            }),
            prop::collection::vec(member, 0..6).prop_map(object),
        ]
    })
}

/// One generated member: whitespace, key, whitespace, value, whitespace.
type Member = (&'static str, Vec<u8>, &'static str, Vec<u8>, &'static str);

fn object(members: Vec<Member>) -> Vec<u8> {
    let members: Vec<Vec<u8>> = members
        .into_iter()
        .map(|(a, k, b, v, c)| [a.as_bytes(), &k, b.as_bytes(), b":", &v, c.as_bytes()].concat())
        .collect();
    [b"{".as_slice(), &members.join(b",".as_slice()), b"}"].concat()
}

/// Slips in one syntax error: a byte dropped, doubled or replaced.
fn damage(entry: Vec<u8>, at: usize, how: u8) -> Vec<u8> {
    let mut out = entry;
    let at = at % out.len().max(1);
    match how % 4 {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, b','),
        2 => out.insert(at, b'"'),
        _ => {
            if let Some(b) = out.get_mut(at) {
                *b = b'}';
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn generated_entries_are_read_as_serde_json_reads_them(
        members in prop::collection::vec((space(), key(), space(), value(), space()), 0..10),
        tail in prop::sample::select(vec!["", ",", " ,\n {", "]", "x"]),
        broken in proptest::option::weighted(0.2, (any::<usize>(), any::<u8>())),
    ) {
        let mut entry = object(members);
        if let Some((at, how)) = broken {
            entry = damage(entry, at, how);
        }
        entry.extend_from_slice(tail.as_bytes());
        agrees(&entry)?;
        // The same entry cut short anywhere is never read.
        let cut = entry.len() / 2;
        if let Ok((_, end)) = from_prefix::<RawEntry<'_>>(entry.get(..cut).unwrap_or_default()) {
            prop_assert!(end <= cut);
            agrees(entry.get(..cut).unwrap_or_default())?;
        }
    }
}
