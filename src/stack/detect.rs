//! Recognising stacks from a response's header lines. Each rule names the header line that
//! proves it; a response may show several stacks (an application behind nginx behind
//! CloudFront), listed in [`Stack::ALL`] order.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Stack;
use crate::model::{ExchangeId, HeaderList};

/// A stack seen on a response, with the header line that named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    /// Which stack.
    pub stack: Stack,
    /// The header line, e.g. `Server: nginx/1.25.3`.
    pub evidence: String,
    /// The exchange whose response showed it, when the caller knows.
    pub exchange: Option<ExchangeId>,
}

/// Lower-case words of a `Server` or `Via` value and the stacks they name.
const PRODUCTS: &[(&str, Stack)] = &[
    ("nginx", Stack::Nginx),
    ("openresty", Stack::Nginx),
    ("apache", Stack::Apache),
    ("caddy", Stack::Caddy),
    ("traefik", Stack::Traefik),
    ("haproxy", Stack::HaProxy),
    ("envoy", Stack::Envoy),
    ("istio-envoy", Stack::Envoy),
    ("kestrel", Stack::AspNetCore),
    ("werkzeug", Stack::Flask),
    ("wsgiserver", Stack::Django),
    ("amazons3", Stack::S3),
    ("cloudfront", Stack::CloudFront),
    ("cloudflare", Stack::Cloudflare),
    ("windows-azure", Stack::Azure),
    ("uploadserver", Stack::Gcs),
];

/// Header names whose presence alone names a stack.
const VENDOR_HEADERS: &[(&str, Stack)] = &[
    ("x-amzn-requestid", Stack::ApiGateway),
    ("x-amz-apigw-id", Stack::ApiGateway),
    ("x-amzn-errortype", Stack::ApiGateway),
    ("x-amz-cf-id", Stack::CloudFront),
    ("x-amz-cf-pop", Stack::CloudFront),
    ("cf-ray", Stack::Cloudflare),
    ("x-envoy-upstream-service-time", Stack::Envoy),
    ("x-ms-request-id", Stack::Azure),
    ("x-azure-ref", Stack::Azure),
    ("x-goog-generation", Stack::Gcs),
    ("x-goog-storage-class", Stack::Gcs),
    ("x-guploader-uploadid", Stack::Gcs),
    ("x-runtime", Stack::Rails),
    ("x-aspnet-version", Stack::AspNetCore),
];

/// Whether a header name may be one [`detect`] looks at, from its length and first byte
/// alone (ASCII case aside): most names of a response are passed over without being copied.
fn may_be_looked_for(name: &[u8]) -> bool {
    matches!(
        (name.len(), name.first().map(|b| b | 0x20)),
        (_, Some(b'x')) | (3 | 4, Some(b'v')) | (6, Some(b's' | b'c')) | (10, Some(b's'))
    )
}

/// The stacks of the [`PRODUCTS`] words `value` contains, ASCII case aside, in table order:
/// one pass of an Aho-Corasick automaton instead of a substring search per word, on the value
/// as recorded rather than a lower-cased copy (this runs for the `Server` line of every
/// response).
fn products_in(value: &str) -> impl Iterator<Item = Stack> {
    static WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PRODUCTS.iter().map(|(word, _)| word))
            .ok()
    });
    let mut seen = [false; PRODUCTS.len()];
    match &*WORDS {
        Some(words) => {
            for m in words.find_overlapping_iter(value) {
                if let Some(s) = seen.get_mut(m.pattern().as_usize()) {
                    *s = true;
                }
            }
        }
        // Building the automaton of a fixed table cannot fail; were it to, search word by word.
        None => {
            let lower = value.to_ascii_lowercase();
            for (s, (word, _)) in seen.iter_mut().zip(PRODUCTS) {
                *s = lower.contains(word);
            }
        }
    }
    PRODUCTS
        .iter()
        .zip(seen)
        .filter_map(|((_, stack), seen)| seen.then_some(*stack))
}

/// Whether `text` contains `word` (lower-case ASCII), ASCII case aside, without a lower-cased
/// copy.
fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// The stacks `headers` show, each once, in [`Stack::ALL`] order.
pub fn detect(headers: &HeaderList) -> Vec<Sighting> {
    let mut found = Vec::new();
    detect_into(headers, &mut found);
    found
}

/// [`detect`] into `found`, whose sightings are replaced. Their evidence strings are written
/// over rather than allocated again: this runs for every response, and most show the same
/// stacks as the one before.
pub fn detect_into(headers: &HeaderList, found: &mut Vec<Sighting>) {
    // Sightings made so far; those after them are spare, their strings kept for reuse.
    let mut made = 0;
    let mut add = |stack: Stack, evidence: &[&str]| {
        let seen = found.get(..made).unwrap_or_default();
        if seen.iter().any(|s| s.stack == stack) {
            return;
        }
        match found.get_mut(made) {
            Some(slot) => {
                slot.stack = stack;
                slot.evidence.clear();
                evidence
                    .iter()
                    .for_each(|part| slot.evidence.push_str(part));
                slot.exchange = None;
            }
            None => found.push(Sighting {
                stack,
                evidence: evidence.concat(),
                exchange: None,
            }),
        }
        made += 1;
    };
    // Spring's and Go's CORS handlers vary on these three names, each a `Vary` element.
    let shape = [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ];
    let mut varies = [false; 3];
    for h in headers.iter() {
        if !may_be_looked_for(h.name) {
            continue;
        }
        // Every name looked for is short and ASCII: lower-case the recorded bytes on the stack
        // (this runs for every header of every response); a longer name, or one that is not
        // ASCII, matches nothing. Only a line whose name is looked for is read as text.
        let mut buf = [0u8; 32];
        let Some(lower) = buf.get_mut(..h.name.len()) else {
            continue;
        };
        lower.copy_from_slice(h.name);
        lower.make_ascii_lowercase();
        let lower = match &*lower {
            b"server" | b"via" | b"x-served-by" | b"x-powered-by" | b"x-cache"
            | b"x-amz-request-id" | b"set-cookie" | b"vary" => {
                std::str::from_utf8(lower).unwrap_or("")
            }
            other => {
                if let Some((_, stack)) = VENDOR_HEADERS.iter().find(|(n, _)| n.as_bytes() == other)
                {
                    add(*stack, &[&h.name_str(), ": ", &h.value_str()]);
                }
                continue;
            }
        };
        let name = h.name_str();
        let value = h.value_str();
        let line = [&*name, ": ", &value];
        match lower {
            "server" | "via" | "x-served-by" => {
                for stack in products_in(&value) {
                    add(stack, &line);
                }
            }
            "x-powered-by" => {
                let has = |word: &str| contains_ignoring_case(&value, word);
                if has("express") {
                    add(Stack::Express, &line);
                } else if has("asp.net") {
                    add(Stack::AspNetCore, &line);
                } else if has("phusion") || has("rails") {
                    add(Stack::Rails, &line);
                }
            }
            "x-cache" if contains_ignoring_case(&value, "cloudfront") => {
                add(Stack::CloudFront, &line);
            }
            "x-amz-request-id" if headers.contains("x-amz-id-2") => add(Stack::S3, &line),
            "set-cookie" => {
                let cookie = value.split('=').next().unwrap_or("").trim();
                if cookie == "csrftoken" || cookie == "django_language" {
                    add(Stack::Django, &[&name, ": ", cookie, "=..."]);
                }
            }
            "vary" => {
                for element in value.split(',').map(str::trim) {
                    for (seen, n) in varies.iter_mut().zip(shape) {
                        *seen |= element.eq_ignore_ascii_case(n);
                    }
                }
            }
            _ => {}
        }
    }
    // Spring's DefaultCorsProcessor and rs/cors both vary on the origin and both request
    // headers: told apart by what else the response shows.
    if varies.iter().all(|v| *v) {
        let spring_security = headers.contains("x-content-type-options")
            && headers
                .first_str("x-xss-protection")
                .is_some_and(|v| v.trim() == "0");
        if spring_security || !headers.contains("server") {
            // Every element of every `Vary` line, lower-cased, spelt only for a sighting.
            let mut evidence = String::from("Vary: ");
            let names = evidence.len();
            for h in headers.get_all("vary") {
                let value = h.value_str();
                for element in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                    if evidence.len() > names {
                        evidence.push_str(", ");
                    }
                    evidence.push_str(element);
                }
            }
            if let Some(names) = evidence.get_mut(names..) {
                names.make_ascii_lowercase();
            }
            add(
                if spring_security {
                    Stack::Spring
                } else {
                    Stack::Go
                },
                &[&evidence],
            );
        }
    }
    found.truncate(made);
    found.sort_by_key(|s| Stack::ALL.iter().position(|a| *a == s.stack));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name looked at passes the quick test, in any case.
    #[test]
    fn names_looked_for_pass_the_quick_test() {
        let looked = ["server", "via", "x-served-by", "x-powered-by", "x-cache"]
            .into_iter()
            .chain(["x-amz-request-id", "set-cookie", "vary"])
            .chain(VENDOR_HEADERS.iter().map(|(n, _)| *n));
        for name in looked {
            assert!(may_be_looked_for(name.as_bytes()), "{name}");
            assert!(
                may_be_looked_for(name.to_ascii_uppercase().as_bytes()),
                "{name}"
            );
        }
        assert!(!may_be_looked_for(b"content-type"));
        assert!(!may_be_looked_for(b""));
    }

    fn headers(lines: &[(&str, &str)]) -> HeaderList {
        let mut h = HeaderList::new();
        for (n, v) in lines {
            h.push(n, v);
        }
        h
    }

    fn stacks(lines: &[(&str, &str)]) -> Vec<Stack> {
        detect(&headers(lines))
            .into_iter()
            .map(|s| s.stack)
            .collect()
    }

    /// Header lines, and the stacks they show.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [Stack]);

    #[test]
    fn each_stack_from_its_own_evidence() {
        let table: &[Case] = &[
            (&[("Server", "nginx/1.25.3")], &[Stack::Nginx]),
            (&[("server", "openresty")], &[Stack::Nginx]),
            (&[("Server", "Apache/2.4.57 (Debian)")], &[Stack::Apache]),
            (&[("X-Powered-By", "Express")], &[Stack::Express]),
            (&[("Set-Cookie", "csrftoken=abc; Path=/")], &[Stack::Django]),
            (
                &[("Server", "Werkzeug/3.0.1 Python/3.12.1")],
                &[Stack::Flask],
            ),
            (
                &[
                    ("Vary", "Origin"),
                    ("Vary", "Access-Control-Request-Method"),
                    ("Vary", "Access-Control-Request-Headers"),
                    ("X-Content-Type-Options", "nosniff"),
                    ("X-XSS-Protection", "0"),
                ],
                &[Stack::Spring],
            ),
            (&[("Server", "Kestrel")], &[Stack::AspNetCore]),
            (&[("X-Runtime", "0.012")], &[Stack::Rails]),
            (
                &[(
                    "Vary",
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                )],
                &[Stack::Go],
            ),
            (&[("Server", "Caddy")], &[Stack::Caddy]),
            (&[("Via", "1.1 traefik")], &[Stack::Traefik]),
            (&[("server", "haproxy")], &[Stack::HaProxy]),
            (&[("x-envoy-upstream-service-time", "3")], &[Stack::Envoy]),
            (
                &[("cf-ray", "8a1b-AMS"), ("Server", "cloudflare")],
                &[Stack::Cloudflare],
            ),
            (
                &[("x-amzn-RequestId", "1f2e"), ("x-amz-apigw-id", "Ab=")],
                &[Stack::ApiGateway],
            ),
            (
                &[
                    ("Via", "1.1 abc.cloudfront.net (CloudFront)"),
                    ("X-Cache", "Hit from cloudfront"),
                ],
                &[Stack::CloudFront],
            ),
            (
                &[
                    ("Server", "AmazonS3"),
                    ("x-amz-request-id", "R"),
                    ("x-amz-id-2", "I"),
                ],
                &[Stack::S3],
            ),
            (
                &[
                    ("Server", "Windows-Azure-Blob/1.0"),
                    ("x-ms-request-id", "1"),
                ],
                &[Stack::Azure],
            ),
            (
                &[("x-goog-generation", "1"), ("Server", "UploadServer")],
                &[Stack::Gcs],
            ),
            (
                &[("Server", "gunicorn"), ("Content-Type", "text/html")],
                &[],
            ),
        ];
        for (lines, want) in table {
            assert_eq!(stacks(lines), *want, "{lines:?}");
        }
    }

    /// The stacks `lines` show, with their evidence.
    fn with_evidence(lines: &[(&str, &str)]) -> Vec<(Stack, String)> {
        detect(&headers(lines))
            .into_iter()
            .map(|s| (s.stack, s.evidence))
            .collect()
    }

    /// `want` with owned evidence, as [`with_evidence`] gives it.
    fn owned(want: &[(Stack, &str)]) -> Vec<(Stack, String)> {
        want.iter().map(|(s, e)| (*s, e.to_string())).collect()
    }

    #[test]
    fn layers_come_application_first_with_their_evidence() {
        let got = with_evidence(&[
            ("Via", "1.1 abc.cloudfront.net (CloudFront)"),
            ("Server", "nginx"),
            ("X-Powered-By", "Express"),
        ]);
        assert_eq!(
            got,
            owned(&[
                (Stack::Express, "X-Powered-By: Express"),
                (Stack::Nginx, "Server: nginx"),
                (
                    Stack::CloudFront,
                    "Via: 1.1 abc.cloudfront.net (CloudFront)"
                ),
            ])
        );
    }

    #[test]
    fn vary_evidence_lists_every_element_lower_cased() {
        let got = with_evidence(&[
            ("Vary", "Origin, Access-Control-Request-Method"),
            ("Vary", "ACCESS-CONTROL-REQUEST-HEADERS, , Accept-Encoding"),
        ]);
        assert_eq!(
            got,
            owned(&[(
                Stack::Go,
                "Vary: origin, access-control-request-method, access-control-request-headers, accept-encoding"
            )])
        );
    }

    /// Sightings written over those of an earlier response equal those found afresh, whether
    /// the earlier response showed more stacks, fewer or others.
    #[test]
    fn sightings_written_over_equal_fresh_ones() {
        let responses: [&[(&str, &str)]; 5] = [
            &[("Server", "nginx"), ("X-Powered-By", "Express")],
            &[("Server", "envoy")],
            &[
                ("Via", "1.1 x.cloudfront.net (CloudFront)"),
                ("cf-ray", "1"),
                ("Server", "Kestrel"),
            ],
            &[("Content-Type", "text/plain")],
            &[
                ("Set-Cookie", "csrftoken=abc; Path=/"),
                ("Server", "WSGIServer/0.2"),
            ],
        ];
        let mut reused = Vec::new();
        for first in responses {
            for second in responses {
                detect_into(&headers(first), &mut reused);
                detect_into(&headers(second), &mut reused);
                assert_eq!(
                    reused,
                    detect(&headers(second)),
                    "{first:?} then {second:?}"
                );
            }
        }
    }
}
