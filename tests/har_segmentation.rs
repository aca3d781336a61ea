//! Property: however the input is cut into reads (1 to 7 bytes at a time), the reader emits
//! exactly what it emits when the whole input arrives in one buffer: same exchanges, same
//! issues with the same positions, same summary, same error. Entries carry strings full of
//! braces, brackets, quotes, backslashes and non-ASCII text, bodies, lone surrogates, entries
//! that are not objects, entries over the size cap, and inputs cut short.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};

use corscope::capture::har;
use corscope::capture::Sink;
use corscope::model::{Exchange, Issue, Limits};
use proptest::prelude::*;

#[derive(Debug, PartialEq)]
enum Event {
    Exchange(Box<Exchange>),
    Issue(Issue),
}

#[derive(Default)]
struct Events(Vec<Event>);

impl Sink for Events {
    fn exchange(&mut self, exchange: Exchange) {
        self.0.push(Event::Exchange(Box::new(exchange)));
    }
    fn issue(&mut self, issue: Issue) {
        self.0.push(Event::Issue(issue));
    }
}

/// Returns the input a few bytes per read, sizes taken in turn from `sizes`.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = want.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn outcome(input: &mut dyn Read, limits: &Limits) -> (String, Vec<Event>) {
    let mut sink = Events::default();
    let result = har::read(input, limits, &mut sink);
    (format!("{result:?}"), sink.0)
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[derive(Debug, Clone)]
struct Spec {
    kind: u8,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    status: u16,
}

fn text() -> impl Strategy<Value = String> {
    "[a-z{}\\[\\]\"\\\\/:, é😀\n]{0,24}"
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..10,
        text(),
        prop::collection::vec((text(), text()), 0..4),
        "[a-z{}\\[\\]\"\\\\ ]{0,300}",
        0u16..600,
    )
        .prop_map(|(kind, url, headers, body, status)| Spec {
            kind,
            url,
            headers,
            body,
            status,
        })
}

fn render(spec: &Spec, sep: &str) -> String {
    let headers: Vec<String> = spec
        .headers
        .iter()
        .map(|(n, v)| format!(r#"{{"name":{},{sep}"value":{}}}"#, json(n), json(v)))
        .collect();
    let lone = if spec.kind == 1 { r#"\ud800"# } else { "" };
    let url = json(&format!("https://h.test/{}", spec.url));
    let url = format!("{}{lone}\"", &url[..url.len() - 1]);
    let status = if spec.kind == 2 {
        format!("\"{}\"", spec.status)
    } else {
        spec.status.to_string()
    };
    match spec.kind {
        3 => return spec.status.to_string(),
        4 => return format!(r#"{{"response":{{"status":{status}}}}}"#),
        _ => {}
    }
    format!(
        r#"{{"startedDateTime":"2024-01-01T00:00:0{}Z",{sep}"request":{{"method":"GET","url":{url},"headers":[{}]}},{sep}"response":{{"status":{status},"headers":[{}],"content":{{"size":1,"text":{}}}}}}}"#,
        spec.status % 10,
        headers.join(","),
        headers.join(&format!(",{sep}")),
        json(&spec.body)
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_segmentation_reads_the_same(
        specs in prop::collection::vec(spec(), 0..8),
        pretty in any::<bool>(),
        sizes in prop::collection::vec(1usize..=7, 1..16),
        cap in prop_oneof![Just(usize::MAX), 100usize..900],
        cut in prop::option::of(0.0f64..1.0),
    ) {
        let sep = if pretty { "\n    " } else { "" };
        let entries: Vec<String> = specs.iter().map(|s| render(s, sep)).collect();
        let doc = format!(
            r#"{{"log":{{"version":"1.2",{sep}"creator":{{"name":"t","version":"1"}},{sep}"pages":[{{"id":"p","title":"https://p.test/"}}],{sep}"entries":[{sep}{}{sep}],{sep}"comment":"}}]"}}}}"#,
            entries.join(&format!(",{sep}"))
        );
        let mut bytes = doc.into_bytes();
        if let Some(f) = cut {
            bytes.truncate((bytes.len() as f64 * f) as usize);
        }
        let limits = Limits { har_entry_bytes: cap, ..Limits::default() };
        let whole = outcome(&mut Cursor::new(&bytes), &limits);
        let pieces = outcome(&mut Pieces { data: &bytes, sizes, turn: 0 }, &limits);
        prop_assert_eq!(&whole, &pieces);
        if cut.is_none() {
            prop_assert!(whole.0.starts_with("Ok"), "{}", whole.0);
            prop_assert!(whole.1.len() == specs.len());
        }
    }
}
