//! Secrets in header values. Credential headers lose their values (cookie names, `Set-Cookie`
//! attributes and the `Authorization` scheme are kept: they say what was sent without giving
//! it away); headers that hold URLs lose the secrets of those URLs; every header CORS is
//! decided on is kept as recorded.

use std::borrow::Cow;

use super::Redactor;

/// Headers that are never redacted, whatever their names contain: the ones CORS and caches
/// are judged on (the `Access-Control-*` and `Sec-*` families are kept as well).
const NEVER: &[&str] = &[
    "age",
    "allow",
    "cache-control",
    "cf-cache-status",
    "content-type",
    "host",
    "origin",
    "server",
    "vary",
    "via",
    "www-authenticate",
    "x-cache",
];

/// Headers whose whole value is a credential.
const CREDENTIAL: &[&str] = &[
    "api-key",
    "apikey",
    "dpop",
    "ocp-apim-subscription-key",
    "private-token",
    "x-api-key",
    "x-client-data",
    "x-functions-key",
    "x-goog-api-key",
];

/// Headers whose value is, or starts with, a URL.
const URL_VALUED: &[&str] = &["content-location", "location", "referer"];

/// How a header's value is redacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderRule {
    /// Kept as recorded, except secrets inside URLs it mentions.
    Keep,
    /// A URL (possibly relative): its secrets redacted.
    Url,
    /// `Cookie`: each cookie's value.
    Cookie,
    /// `Set-Cookie`: the cookie's value; attributes kept.
    SetCookie,
    /// `Authorization`, `Proxy-Authorization`: the credentials after the scheme.
    Credentials,
    /// The whole value.
    Secret,
}

/// The rule for a header name (any case).
pub fn rule(name: &str) -> HeaderRule {
    let lower = name.to_ascii_lowercase();
    let n = lower.as_str();
    if NEVER.contains(&n) || n.starts_with("access-control-") || n.starts_with("sec-") {
        return HeaderRule::Keep;
    }
    match n {
        "cookie" | "cookie2" => return HeaderRule::Cookie,
        "set-cookie" | "set-cookie2" => return HeaderRule::SetCookie,
        "authorization" | "proxy-authorization" => return HeaderRule::Credentials,
        _ => {}
    }
    if URL_VALUED.contains(&n) {
        return HeaderRule::Url;
    }
    let secret_word = [
        "token",
        "secret",
        "password",
        "session",
        "signature",
        "api-key",
    ]
    .iter()
    .any(|w| n.contains(w));
    if CREDENTIAL.contains(&n) || secret_word {
        HeaderRule::Secret
    } else {
        HeaderRule::Keep
    }
}

impl Redactor {
    /// The value of header `name` as reports and sanitized files show it.
    pub fn header_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        if !self.is_on() {
            return Cow::Borrowed(value);
        }
        match rule(name) {
            HeaderRule::Keep => self.text(value),
            HeaderRule::Url => self.url(value),
            HeaderRule::Cookie => self.lines(value, usize::MAX),
            HeaderRule::SetCookie => self.lines(value, 1),
            HeaderRule::Credentials => self.credentials(value),
            HeaderRule::Secret => self.secret(value),
        }
    }

    /// Cookie lines joined by newlines (how Chrome's HAR export writes several `Set-Cookie`
    /// field lines), each redacted by [`Redactor::cookie_pairs`].
    fn lines<'a>(&self, value: &'a str, limit: usize) -> Cow<'a, str> {
        if !value.contains('\n') {
            return self.cookie_pairs(value, limit);
        }
        let lines: Vec<Cow<'_, str>> = value
            .split('\n')
            .map(|l| self.cookie_pairs(l, limit))
            .collect();
        if lines.iter().all(|l| matches!(l, Cow::Borrowed(_))) {
            return Cow::Borrowed(value);
        }
        Cow::Owned(lines.join("\n"))
    }

    /// `a=1; b=2` with the values of the first `limit` pairs redacted (RFC 6265 §4.2.1, and
    /// §4.1.1 for `Set-Cookie`, whose later pairs are attributes). A pair without `=` is a
    /// value with an empty name.
    fn cookie_pairs<'a>(&self, value: &'a str, limit: usize) -> Cow<'a, str> {
        let mut out = String::with_capacity(value.len() + 32);
        let mut changed = false;
        for (i, pair) in value.split(';').enumerate() {
            if i > 0 {
                out.push(';');
            }
            if i >= limit {
                out.push_str(pair);
                continue;
            }
            let (head, v) = match pair.find('=') {
                Some(eq) => pair.split_at(eq + 1),
                None => pair.split_at(pair.len() - pair.trim_start().len()),
            };
            let trimmed = v.trim();
            let lead = v.len() - v.trim_start().len();
            let marker = self.secret(trimmed);
            changed |= matches!(marker, Cow::Owned(_));
            out.push_str(head);
            out.push_str(v.get(..lead).unwrap_or(""));
            out.push_str(&marker);
            out.push_str(v.get(lead + trimmed.len()..).unwrap_or(""));
        }
        if changed {
            Cow::Owned(out)
        } else {
            Cow::Borrowed(value)
        }
    }

    /// `Scheme credentials` with the credentials redacted; a value without a scheme whole.
    fn credentials<'a>(&self, value: &'a str) -> Cow<'a, str> {
        let trimmed = value.trim_start();
        match trimmed.split_once(' ') {
            Some((scheme, rest)) if !rest.trim().is_empty() => {
                let rest = rest.trim();
                match self.secret(rest) {
                    Cow::Owned(m) => Cow::Owned(format!("{scheme} {m}")),
                    Cow::Borrowed(_) => Cow::Borrowed(value),
                }
            }
            _ => self.secret(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::with_key(b"test")
    }

    #[test]
    fn rules_by_name() {
        for (name, want) in [
            ("Cookie", HeaderRule::Cookie),
            ("set-cookie", HeaderRule::SetCookie),
            ("Authorization", HeaderRule::Credentials),
            ("Proxy-Authorization", HeaderRule::Credentials),
            ("X-Api-Key", HeaderRule::Secret),
            ("X-Amz-Security-Token", HeaderRule::Secret),
            ("X-CSRF-Token", HeaderRule::Secret),
            ("X-Session-Id", HeaderRule::Secret),
            ("X-Client-Data", HeaderRule::Secret),
            ("Location", HeaderRule::Url),
            ("Referer", HeaderRule::Url),
            ("Origin", HeaderRule::Keep),
            ("Access-Control-Request-Headers", HeaderRule::Keep),
            ("Access-Control-Allow-Headers", HeaderRule::Keep),
            ("Sec-WebSocket-Key", HeaderRule::Keep),
            ("WWW-Authenticate", HeaderRule::Keep),
            ("Vary", HeaderRule::Keep),
            ("Content-Type", HeaderRule::Keep),
        ] {
            assert_eq!(rule(name), want, "{name}");
        }
    }

    #[test]
    fn cookies_keep_names_and_separators() {
        let out = r()
            .header_value("Cookie", "sid=s-acac-missing; theme=dark;flag")
            .into_owned();
        assert!(out.starts_with("sid=redacted-8to15-"), "{out}");
        assert!(out.contains("; theme=redacted-1to7-"), "{out}");
        assert!(out.contains(";redacted-1to7-"), "{out}");
        assert!(!out.contains("acac") && !out.contains("dark"));
        assert_eq!(r().header_value("Cookie", &out), out, "idempotent");
    }

    #[test]
    fn set_cookie_keeps_attributes() {
        let out = r()
            .header_value(
                "Set-Cookie",
                "sid=abc123; Path=/; SameSite=None; Secure; HttpOnly",
            )
            .into_owned();
        assert!(out.starts_with("sid=redacted-1to7-"), "{out}");
        assert!(
            out.ends_with("; Path=/; SameSite=None; Secure; HttpOnly"),
            "{out}"
        );
    }

    #[test]
    fn authorization_keeps_the_scheme() {
        let out = r()
            .header_value("Authorization", "Bearer t0k3n")
            .into_owned();
        assert!(out.starts_with("Bearer redacted-1to7-"), "{out}");
        let bare = r().header_value("Authorization", "t0k3n").into_owned();
        assert!(bare.starts_with("redacted-1to7-"));
        assert_eq!(
            out.strip_prefix("Bearer "),
            Some(bare.as_str()),
            "the same token, the same marker"
        );
    }

    #[test]
    fn url_headers_and_kept_headers() {
        let loc = r()
            .header_value("Location", "/cb?code=123&next=/")
            .into_owned();
        assert!(loc.starts_with("/cb?code=redacted-1to7-") && loc.ends_with("&next=/"));
        assert_eq!(
            r().header_value("Access-Control-Allow-Origin", "http://a.test"),
            "http://a.test"
        );
        assert_eq!(r().header_value("Origin", "null"), "null");
    }
}
