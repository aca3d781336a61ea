//! Secrets in URLs: the userinfo (`user:pass@`) and the values of query and fragment
//! parameters whose names say they carry a secret. Absolute and relative references alike
//! (a relative `Location` names the same secret as the absolute URL the browser requests
//! next); every other byte stays as recorded (RFC 3986 §3 delimiters, split by hand: see the
//! module doc of [`crate::redact`]).

use std::borrow::Cow;

use super::Redactor;

/// Parameter names (compared case-insensitively, after percent-decoding) whose values are
/// secrets: OAuth and OpenID Connect, API keys, signatures, sessions, SAML, and the
/// credential and signature parameters of AWS SigV2/SigV4, CloudFront, Google Cloud Storage
/// and Azure SAS signed URLs.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api-key",
    "assertion",
    "auth",
    "authenticity_token",
    "awsaccesskeyid",
    "client_secret",
    "code",
    "code_challenge",
    "code_verifier",
    "csrfmiddlewaretoken",
    "email",
    "googleaccessid",
    "id_token",
    "jwt",
    "key",
    "passwd",
    "password",
    "pwd",
    "refresh_token",
    "samlrequest",
    "samlresponse",
    "secret",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "sig",
    "signature",
    "state",
    "token",
    "x-amz-credential",
    "x-amz-security-token",
    "x-amz-signature",
    "x-goog-credential",
    "x-goog-signature",
];

/// Names that contain a secret word but describe rather than carry a secret.
const NOT_SECRET_PARAMS: &[&str] = &["token_type", "token_type_hint"];

/// Whether a parameter of this name carries a secret: a listed name, or one that contains
/// `token`, `secret`, `password`, `signature` or `apikey`.
pub fn is_secret_param(name: &str) -> bool {
    let decoded = percent_decode(name);
    // Names are short: lower-cased on the stack (this runs for every parameter of every URL
    // a report shows); a longer one in a buffer of its own.
    let mut buf = [0u8; 40];
    let owned;
    let lower: &[u8] = match buf.get_mut(..decoded.len()) {
        Some(b) => {
            b.copy_from_slice(decoded.as_bytes());
            b.make_ascii_lowercase();
            b
        }
        None => {
            owned = decoded.to_ascii_lowercase();
            owned.as_bytes()
        }
    };
    if NOT_SECRET_PARAMS.iter().any(|n| n.as_bytes() == lower) {
        return false;
    }
    SECRET_PARAMS.iter().any(|n| n.as_bytes() == lower)
        || ["token", "secret", "password", "signature", "apikey"]
            .iter()
            .any(|w| lower.windows(w.len()).any(|part| part == w.as_bytes()))
}

/// `s` split at the first `delimiter` (an ASCII byte): the part before it and, when there is
/// one, the part after it.
fn split_at_byte(s: &str, delimiter: u8) -> (&str, Option<&str>) {
    match memchr::memchr(delimiter, s.as_bytes()) {
        Some(i) => (s.get(..i).unwrap_or(s), s.get(i + 1..)),
        None => (s, None),
    }
}

impl Redactor {
    /// `url` with its userinfo and secret parameter values replaced by markers.
    pub fn url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        if !self.is_on() || memchr::memchr3(b'@', b'?', b'#', url.as_bytes()).is_none() {
            return Cow::Borrowed(url);
        }
        let (before_fragment, fragment) = split_at_byte(url, b'#');
        let (before_query, query) = split_at_byte(before_fragment, b'?');
        let head = self.userinfo(before_query);
        let query = query.map(|q| self.params(q));
        let fragment = fragment.map(|f| self.params(f));
        let changed = matches!(head, Cow::Owned(_))
            || matches!(query, Some(Cow::Owned(_)))
            || matches!(fragment, Some(Cow::Owned(_)));
        if !changed {
            return Cow::Borrowed(url);
        }
        let mut out = String::with_capacity(url.len() + 32);
        out.push_str(&head);
        if let Some(q) = query {
            out.push('?');
            out.push_str(&q);
        }
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(&f);
        }
        Cow::Owned(out)
    }

    /// The part before the query with the userinfo of its authority redacted.
    fn userinfo<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let Some(start) = authority_start(s) else {
            return Cow::Borrowed(s);
        };
        let rest = s.get(start..).unwrap_or("");
        let end = memchr::memchr(b'/', rest.as_bytes()).unwrap_or(rest.len());
        let authority = rest.get(..end).unwrap_or("");
        let Some(at) = memchr::memrchr(b'@', authority.as_bytes()) else {
            return Cow::Borrowed(s);
        };
        let info = authority.get(..at).unwrap_or("");
        let redacted = match info.split_once(':') {
            Some((user, pass)) => format!("{}:{}", self.secret(user), self.secret(pass)),
            None => self.secret(info).into_owned(),
        };
        if redacted == info {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len() + 32);
        out.push_str(s.get(..start).unwrap_or(""));
        out.push_str(&redacted);
        out.push_str(rest.get(at..).unwrap_or(""));
        Cow::Owned(out)
    }

    /// `name=value&...` with the values of secret names redacted (the form of a query, of an
    /// OAuth fragment and of an `application/x-www-form-urlencoded` body).
    pub fn params<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if !self.is_on() || !s.contains('=') {
            return Cow::Borrowed(s);
        }
        let mut out: Option<String> = None;
        let mut done = 0;
        let mut pos = 0;
        for pair in s.split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                if is_secret_param(name) {
                    let decoded = percent_decode(value);
                    let marker = self.secret(&decoded);
                    if marker != decoded {
                        let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 32));
                        let value_at = pos + name.len() + 1;
                        o.push_str(s.get(done..value_at).unwrap_or(""));
                        o.push_str(&marker);
                        done = pos + pair.len();
                    }
                }
            }
            pos += pair.len() + 1;
        }
        match out {
            Some(mut o) => {
                o.push_str(s.get(done..).unwrap_or(""));
                Cow::Owned(o)
            }
            None => Cow::Borrowed(s),
        }
    }

    /// The value of one parameter given apart from its URL (HAR `queryString` and
    /// `postData.params` items), redacted when its name carries a secret, as in the URL.
    pub fn param_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        if !is_secret_param(name) {
            return Cow::Borrowed(value);
        }
        match percent_decode(value) {
            Cow::Borrowed(_) => self.secret(value),
            Cow::Owned(decoded) => match self.secret(&decoded) {
                Cow::Borrowed(_) => Cow::Borrowed(value),
                Cow::Owned(m) => Cow::Owned(m),
            },
        }
    }
}

/// Where the authority of a URL or network-path reference starts (after `scheme://` or a
/// leading `//`), if it has one.
fn authority_start(s: &str) -> Option<usize> {
    if s.starts_with("//") {
        return Some(2);
    }
    let colon = s.find(':')?;
    let scheme = s.get(..colon)?;
    let valid = scheme.bytes().next()?.is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (valid && s.get(colon + 1..)?.starts_with("//")).then_some(colon + 3)
}

/// `+` as space and `%XX` decoded (form encoding); invalid escapes and invalid UTF-8 kept
/// as they are.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |k: usize| bytes.get(k).and_then(|c| char::from(*c).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b);
            }
            _ => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(d) => Cow::Owned(d),
        Err(_) => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::with_key(b"test")
    }

    #[test]
    fn userinfo_and_secret_params_are_redacted_the_rest_kept() {
        let out = r()
            .url("https://u:p4ss@api.test:8443/a/b?x=1&token=abc&Key=zz#frag")
            .into_owned();
        assert!(out.starts_with("https://redacted-1to7-"), "{out}");
        assert!(!out.contains("p4ss") && !out.contains("abc") && !out.contains("zz#"));
        assert!(
            out.contains("@api.test:8443/a/b?x=1&token=redacted-1to7-"),
            "{out}"
        );
        assert!(out.ends_with("#frag"), "{out}");
        assert!(out.contains("&Key=redacted-1to7-"), "{out}");
    }

    #[test]
    fn urls_without_secrets_are_borrowed() {
        for u in [
            "http://api.test/x",
            "http://api.test/x?page=2&q=token",
            "/relative?x=1",
            "mailto:a@b.test",
            "http://api.test/x?novalue&token",
        ] {
            assert!(matches!(r().url(u), Cow::Borrowed(_)), "{u}");
        }
    }

    #[test]
    fn relative_and_absolute_references_give_the_same_marker() {
        let rel = r().url("/login?next=%2F&access_token=eyJ.a.b").into_owned();
        let abs = r()
            .url("http://api.test/login?next=%2F&access_token=eyJ.a.b")
            .into_owned();
        let marker = |s: &str| s.rsplit('=').next().unwrap_or("").to_string();
        assert_eq!(marker(&rel), marker(&abs));
        assert!(rel.starts_with("/login?next=%2F&access_token=redacted-"));
    }

    #[test]
    fn signed_url_parameters_are_redacted() {
        let s3 = "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=deadbeef&X-Amz-Security-Token=FQo";
        let out = r().url(s3).into_owned();
        for secret in ["AKIA", "deadbeef", "FQo"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(out.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        let gcs = "https://storage.googleapis.com/b/o?X-Goog-Signature=abcd&GoogleAccessId=sa%40p.iam&Expires=1";
        let out = r().url(gcs).into_owned();
        assert!(!out.contains("abcd") && !out.contains("sa%40p"), "{out}");
        assert!(out.ends_with("&Expires=1"));
        let azure = "https://a.blob.core.windows.net/c/b?sv=2022&se=2026&sig=Zm9v%3D";
        assert!(!r().url(azure).contains("Zm9v"));
    }

    #[test]
    fn oauth_fragments_are_redacted() {
        let out = r()
            .url("https://app.test/cb#access_token=xyz&token_type=bearer")
            .into_owned();
        assert!(!out.contains("xyz"));
        assert!(
            out.ends_with("&token_type=bearer"),
            "token_type is no secret: {out}"
        );
    }

    #[test]
    fn form_values_are_hashed_decoded() {
        let a = r().param_value("token", "a%20b").into_owned();
        let b = r().param_value("token", "a b").into_owned();
        assert_eq!(a, b);
        assert_eq!(r().param_value("page", "2"), "2");
        assert!(is_secret_param("X-Amz-Signature"));
        assert!(is_secret_param("my_refresh_token"));
        assert!(!is_secret_param("token_type"));
    }

    #[test]
    fn off_changes_nothing() {
        let u = "https://u:p@h/?token=1";
        assert_eq!(Redactor::off().url(u), u);
    }
}
