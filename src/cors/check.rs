//! The CORS check on a response (<https://fetch.spec.whatwg.org/#concept-cors-check>), with
//! failures classified in Chromium's order (`cors::CheckAccess`, `cors-causes.md` §3.4):
//! `*` → absent → (≠ origin: contains SP or `,` → `null` → not a valid URL → mismatch) →
//! credentials.
//!
//! The check compares against the serialized origin that was sent (`null` after a tainting
//! redirect), byte for byte.

use url::Url;

use super::fields;
use crate::model::HeaderList;

/// `Access-Control-Allow-Origin`.
pub const ACAO: &str = "Access-Control-Allow-Origin";
/// `Access-Control-Allow-Credentials`.
pub const ACAC: &str = "Access-Control-Allow-Credentials";

/// What Chromium's `CheckAccess` reports (the `CorsError` of an actual response; a preflight
/// maps each to its `Preflight*` twin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessError {
    /// `kWildcardOriginNotAllowed`.
    WildcardOriginNotAllowed,
    /// `kMissingAllowOriginHeader`.
    MissingAllowOriginHeader,
    /// `kMultipleAllowOriginValues`.
    MultipleAllowOriginValues,
    /// `kInvalidAllowOriginValue`.
    InvalidAllowOriginValue,
    /// `kAllowOriginMismatch`.
    AllowOriginMismatch,
    /// `kInvalidAllowCredentials`.
    InvalidAllowCredentials,
}

/// A failed CORS check: the error and Chromium's `failed_parameter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessFailure {
    /// What failed.
    pub error: AccessError,
    /// The ACAO value (multiple, invalid, mismatch) or the ACAC value, empty when absent
    /// (invalid credentials); `None` otherwise.
    pub failed_parameter: Option<String>,
}

impl AccessFailure {
    fn new(error: AccessError, failed_parameter: Option<String>) -> Self {
        Self {
            error,
            failed_parameter,
        }
    }

    /// Whether the failure is about `Access-Control-Allow-Credentials` or the wildcard, i.e.
    /// it exists only because the request was credentialed.
    pub fn needs_credentials(&self) -> bool {
        matches!(
            self.error,
            AccessError::WildcardOriginNotAllowed | AccessError::InvalidAllowCredentials
        )
    }
}

/// The CORS check of `headers` (a response) for a request sent with `Origin: origin` and, when
/// `include`, credentials mode `include`. `response_url` is the URL the response is for
/// (Chromium raises the wildcard error only for http(s) URLs).
pub fn cors_check(
    headers: &HeaderList,
    origin: &str,
    include: bool,
    response_url: &str,
) -> Result<(), AccessFailure> {
    let allow_origin = fields::get(headers, ACAO);
    match allow_origin.as_deref() {
        Some("*") => {
            if !include {
                return Ok(());
            }
            let http = Url::parse(response_url)
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(true);
            if http {
                return Err(AccessFailure::new(
                    AccessError::WildcardOriginNotAllowed,
                    None,
                ));
            }
        }
        None => {
            return Err(AccessFailure::new(
                AccessError::MissingAllowOriginHeader,
                None,
            ))
        }
        Some(value) if value != origin => {
            let param = Some(value.to_string());
            if value.contains([' ', ',']) {
                return Err(AccessFailure::new(
                    AccessError::MultipleAllowOriginValues,
                    param,
                ));
            }
            if value == "null" {
                return Err(AccessFailure::new(AccessError::AllowOriginMismatch, param));
            }
            if Url::parse(value).is_err() {
                return Err(AccessFailure::new(
                    AccessError::InvalidAllowOriginValue,
                    param,
                ));
            }
            return Err(AccessFailure::new(AccessError::AllowOriginMismatch, param));
        }
        Some(_) => {}
    }
    if include {
        let allow_credentials = fields::get(headers, ACAC);
        if allow_credentials.as_deref() != Some("true") {
            return Err(AccessFailure::new(
                AccessError::InvalidAllowCredentials,
                Some(allow_credentials.unwrap_or_default().into_owned()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessError::*;

    fn headers(lines: &[(&str, &str)]) -> HeaderList {
        let mut h = HeaderList::new();
        for (n, v) in lines {
            h.push(*n, *v);
        }
        h
    }

    const O: &str = "https://app.test";
    const URL: &str = "https://api.test/x";

    #[test]
    fn chromium_check_access_order() {
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            bool,
            Option<(AccessError, Option<&'a str>)>,
        );
        let cases: &[Case] = &[
            (&[(ACAO, "*")], false, None),
            (&[(ACAO, "*")], true, Some((WildcardOriginNotAllowed, None))),
            (
                &[(ACAO, "*"), (ACAC, "true")],
                true,
                Some((WildcardOriginNotAllowed, None)),
            ),
            (&[], false, Some((MissingAllowOriginHeader, None))),
            (&[], true, Some((MissingAllowOriginHeader, None))),
            (&[(ACAO, O)], false, None),
            (
                &[(ACAO, O), (ACAO, O)],
                false,
                Some((
                    MultipleAllowOriginValues,
                    Some("https://app.test, https://app.test"),
                )),
            ),
            (
                &[(ACAO, "*"), (ACAO, "*")],
                false,
                Some((MultipleAllowOriginValues, Some("*, *"))),
            ),
            (
                &[(ACAO, "https://a.test https://b.test")],
                false,
                Some((
                    MultipleAllowOriginValues,
                    Some("https://a.test https://b.test"),
                )),
            ),
            (
                &[(ACAO, "null")],
                false,
                Some((AllowOriginMismatch, Some("null"))),
            ),
            (
                &[(ACAO, "app.test")],
                false,
                Some((InvalidAllowOriginValue, Some("app.test"))),
            ),
            (
                &[(ACAO, "")],
                false,
                Some((InvalidAllowOriginValue, Some(""))),
            ),
            (
                &[(ACAO, "https//app.test")],
                false,
                Some((InvalidAllowOriginValue, Some("https//app.test"))),
            ),
            (
                &[(ACAO, "https://app.test/")],
                false,
                Some((AllowOriginMismatch, Some("https://app.test/"))),
            ),
            (
                &[(ACAO, "https://app.test:443")],
                false,
                Some((AllowOriginMismatch, Some("https://app.test:443"))),
            ),
            (
                &[(ACAO, "HTTPS://APP.TEST")],
                false,
                Some((AllowOriginMismatch, Some("HTTPS://APP.TEST"))),
            ),
            (
                &[(ACAO, O)],
                true,
                Some((InvalidAllowCredentials, Some(""))),
            ),
            (
                &[(ACAO, O), (ACAC, "True")],
                true,
                Some((InvalidAllowCredentials, Some("True"))),
            ),
            (
                &[(ACAO, O), (ACAC, "true"), (ACAC, "true")],
                true,
                Some((InvalidAllowCredentials, Some("true, true"))),
            ),
            (&[(ACAO, O), (ACAC, "true")], true, None),
            (&[(ACAO, O), (ACAC, "false")], false, None),
        ];
        for (lines, include, want) in cases {
            let got = cors_check(&headers(lines), O, *include, URL);
            let want = want.map(|(e, p)| AccessFailure::new(e, p.map(str::to_string)));
            assert_eq!(got.err(), want, "{lines:?} include={include}");
        }
    }

    #[test]
    fn null_origin_matches_null() {
        assert_eq!(
            cors_check(&headers(&[(ACAO, "null")]), "null", false, URL),
            Ok(())
        );
        assert!(cors_check(&headers(&[(ACAO, O)]), "null", false, URL).is_err());
    }
}
