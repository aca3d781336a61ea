//! Header field values as Chromium reads them: each field line trimmed of optional
//! whitespace, all lines of a name joined with `", "` (Fetch "get",
//! <https://fetch.spec.whatwg.org/#concept-header-list-get>; Chromium
//! `HttpResponseHeaders::GetNormalizedHeader`), and the comma-separated list and token
//! grammars the CORS headers use (RFC 9110 §5.6).
//!
//! Values are bytes on the wire; they are read as text lossily, which cannot change a
//! comparison against an ASCII origin, token or `true`.

use std::borrow::Cow;

use crate::model::HeaderList;

/// The value of `name`: every field line trimmed of SP/HTAB and joined with `", "`; `None`
/// when the header is absent. Borrowed when the header is one line of UTF-8.
pub fn get<'h>(headers: &'h HeaderList, name: &str) -> Option<Cow<'h, str>> {
    let mut out: Option<Cow<'h, str>> = None;
    for h in headers.get_all(name) {
        let v = match crate::model::headers::text(h.value) {
            Cow::Borrowed(v) => Cow::Borrowed(trim_ows(v)),
            Cow::Owned(v) => Cow::Owned(trim_ows(&v).to_string()),
        };
        match &mut out {
            None => out = Some(v),
            Some(s) => {
                let s = s.to_mut();
                s.push_str(", ");
                s.push_str(&v);
            }
        }
    }
    out
}

/// Every field line of `name`, as recorded (lossy text), for evidence.
pub fn lines(headers: &HeaderList, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .map(|h| h.value_str().into_owned())
        .collect()
}

/// Trims optional whitespace (SP, HTAB) at both ends.
pub fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Splits a `#element` list on commas, trimming OWS and skipping empty elements (Chromium
/// `HttpUtil::ValuesIterator` with empty values ignored). An iterator: most callers look for
/// one element, and a list collected for each would be an allocation per header read.
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(trim_ows).filter(|s| !s.is_empty())
}

/// Whether `Vary` lists `Origin` (or `*`): a cache keeps responses to different origins
/// apart.
pub fn varies_on_origin(headers: &HeaderList) -> bool {
    get(headers, "vary")
        .is_some_and(|v| split_list(&v).any(|t| t.eq_ignore_ascii_case("origin") || t == "*"))
}

/// `s` in ASCII lower case, copied only when it has an upper-case letter (values and hosts
/// nearly always come lower-cased already).
pub fn ascii_lowercase(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// Whether `s` is an RFC 9110 token: one or more tchar.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Parses a token list (`Access-Control-Allow-Methods`, `-Headers`): `Some(tokens)` when every
/// element is a token, `None` when one is not (Chromium `ParseAccessControlAllowList`).
pub fn parse_token_list(value: &str) -> Option<Vec<&str>> {
    split_list(value)
        .map(|t| is_token(t).then_some(t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_trims_each_line_and_joins() {
        let mut h = HeaderList::new();
        h.push("Access-Control-Allow-Origin", " https://a.test ");
        h.push("access-control-allow-origin", "*\t");
        assert_eq!(
            get(&h, "access-control-allow-origin").as_deref(),
            Some("https://a.test, *")
        );
        assert_eq!(get(&h, "vary"), None);
    }

    #[test]
    fn vary_lists_origin_in_any_line_and_case() {
        let cases: &[(&[&str], bool)] = &[
            (&[], false),
            (&["Accept-Encoding"], false),
            (&["Origins, X-Origin"], false),
            (&["Accept-Encoding, Origin"], true),
            (&["Accept", "ORIGIN"], true),
            (&["*"], true),
        ];
        for (lines, want) in cases {
            let mut h = HeaderList::new();
            for l in *lines {
                h.push("Vary", *l);
            }
            assert_eq!(varies_on_origin(&h), *want, "{lines:?}");
        }
    }

    #[test]
    fn lower_case_is_copied_only_when_needed() {
        let kept = ascii_lowercase(Cow::Borrowed("max-age=60, no-cache"));
        assert!(matches!(kept, Cow::Borrowed("max-age=60, no-cache")));
        let lowered = ascii_lowercase(Cow::Borrowed("Max-Age=60, É"));
        assert_eq!(lowered, "max-age=60, É");
        assert!(matches!(lowered, Cow::Owned(_)));
    }

    #[test]
    fn token_lists() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("GET, POST", Some(&["GET", "POST"])),
            ("GET,,POST ,", Some(&["GET", "POST"])),
            ("", Some(&[])),
            ("*", Some(&["*"])),
            ("GET POST PUT", None),
            ("GET;POST", None),
            ("\"GET\"", None),
            ("Content-Type Authorization", None),
        ];
        for (input, want) in cases {
            let got = parse_token_list(input);
            assert_eq!(got.as_deref(), *want, "{input:?}");
        }
    }
}
