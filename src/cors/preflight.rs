//! The preflight check (<https://fetch.spec.whatwg.org/#cors-preflight-fetch-0>) in Chromium's
//! order (`PreflightController`, `PreflightResult`, `cors-causes.md` §2.2 and §3.5):
//! redirect → ACAO/ACAC (with the actual request's credentials mode) → ok status → parse
//! `Access-Control-Allow-Methods` → parse `Access-Control-Allow-Headers` → method → headers.
//! A browser profile may check the status before the origin (WebKit).
//!
//! Private Network Access (`Access-Control-Allow-Private-Network`) is evaluated beside the
//! check, not inside it: Chromium only warned about it by default.

use super::check::{cors_check, AccessError, AccessFailure, ACAO};
use super::fields;
use super::redirect::is_redirect;
use super::safelist::is_cors_safelisted_method;
use crate::model::{BrowserProfile, CauseId, Response};

/// `Access-Control-Allow-Methods`.
pub const ACAM: &str = "Access-Control-Allow-Methods";
/// `Access-Control-Allow-Headers`.
pub const ACAH: &str = "Access-Control-Allow-Headers";
/// `Access-Control-Max-Age`.
pub const ACMA: &str = "Access-Control-Max-Age";
/// `Access-Control-Request-Method`.
pub const ACRM: &str = "Access-Control-Request-Method";
/// `Access-Control-Request-Headers`.
pub const ACRH: &str = "Access-Control-Request-Headers";
/// `Access-Control-Request-Private-Network`.
pub const ACRPN: &str = "Access-Control-Request-Private-Network";
/// `Access-Control-Allow-Private-Network`.
pub const ACAPN: &str = "Access-Control-Allow-Private-Network";

/// What the preflight is asked to authorise: the actual request's method and CORS-unsafe
/// header names.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ActualRequest {
    /// The method as sent (normalized).
    pub method: String,
    /// CORS-unsafe request-header names, lower case, in request order.
    pub unsafe_names: Vec<String>,
}

impl ActualRequest {
    /// Whether the request sets `Authorization`.
    pub fn has_authorization(&self) -> bool {
        self.unsafe_names.iter().any(|n| n == "authorization")
    }
}

/// A successful preflight: what it allows and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightResult {
    /// Allowed methods, as sent (byte-exact matching).
    pub methods: Vec<String>,
    /// Allowed header names, lower case.
    pub headers: Vec<String>,
    /// Whether the result was made for a credentialed request.
    pub credentials: bool,
    /// `Access-Control-Max-Age` as sent (every line joined); each browser reads its own
    /// lifetime from it.
    pub max_age: Option<String>,
}

/// A failed preflight: the cause, Chromium's `failed_parameter`, and the guilty response
/// header (`None`: the status line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightFailure {
    /// Which cause.
    pub cause: CauseId,
    /// Chromium's `failed_parameter`.
    pub failed_parameter: Option<String>,
    /// The response header at fault, `None` for the status.
    pub header: Option<&'static str>,
    /// The first element of an unparsable allow-list that is not a token (what Firefox names).
    pub token: Option<String>,
}

impl PreflightFailure {
    fn new(cause: CauseId, failed_parameter: Option<String>, header: Option<&'static str>) -> Self {
        Self {
            cause,
            failed_parameter,
            header,
            token: None,
        }
    }

    fn invalid_list(cause: CauseId, header: &'static str, value: &str) -> Self {
        let mut f = Self::new(cause, None, Some(header));
        f.token = fields::split_list(value)
            .find(|t| !fields::is_token(t))
            .map(str::to_string);
        f
    }

    /// Whether the failure exists only because the request was credentialed.
    pub fn needs_credentials(&self) -> bool {
        matches!(
            self.cause,
            CauseId::PreflightWildcardWithCredentials
                | CauseId::PreflightAllowCredentialsInvalid
                | CauseId::MethodWildcardWithCredentials
                | CauseId::HeaderWildcardWithCredentials
        )
    }
}

/// The preflight twin of an access error.
pub fn preflight_access_cause(error: AccessError) -> CauseId {
    match error {
        AccessError::WildcardOriginNotAllowed => CauseId::PreflightWildcardWithCredentials,
        AccessError::MissingAllowOriginHeader => CauseId::PreflightMissingAllowOrigin,
        AccessError::MultipleAllowOriginValues => CauseId::PreflightMultipleAllowOrigin,
        AccessError::InvalidAllowOriginValue => CauseId::PreflightInvalidAllowOrigin,
        AccessError::AllowOriginMismatch => CauseId::PreflightAllowOriginMismatch,
        AccessError::InvalidAllowCredentials => CauseId::PreflightAllowCredentialsInvalid,
    }
}

/// The status cause of a non-ok preflight status.
pub fn status_cause(status: u16) -> CauseId {
    match status {
        405 => CauseId::PreflightStatus405,
        401 | 403 => CauseId::PreflightStatus401403,
        404 => CauseId::PreflightStatus404,
        500..=599 => CauseId::PreflightStatus5xx,
        _ => CauseId::PreflightStatusOther,
    }
}

/// Runs the preflight check on `response` for a request from `origin` (as sent on the
/// preflight) asking to authorise `actual`, with the actual request's credentials mode, in the
/// order `profile` checks. `Authorization` is judged as the Fetch standard does (never covered
/// by `*`); the engine relaxes that where the browser or the recording says otherwise.
pub fn preflight_check(
    response: &Response,
    origin: &str,
    actual: &ActualRequest,
    include: bool,
    url: &str,
    profile: &BrowserProfile,
) -> Result<PreflightResult, PreflightFailure> {
    let headers = &response.headers;
    if is_redirect(response) {
        return Err(PreflightFailure::new(
            CauseId::PreflightRedirect,
            None,
            None,
        ));
    }
    let ok_status = (200..=299).contains(&response.status);
    if profile.preflight_status_first && !ok_status {
        return Err(PreflightFailure::new(
            status_cause(response.status),
            None,
            None,
        ));
    }
    if let Err(AccessFailure {
        error,
        failed_parameter,
    }) = cors_check(headers, origin, include, url)
    {
        let header = if error == AccessError::InvalidAllowCredentials {
            super::check::ACAC
        } else {
            ACAO
        };
        return Err(PreflightFailure::new(
            preflight_access_cause(error),
            failed_parameter,
            Some(header),
        ));
    }
    if !ok_status {
        return Err(PreflightFailure::new(
            status_cause(response.status),
            None,
            None,
        ));
    }
    let methods = match fields::get(headers, ACAM) {
        None => Vec::new(),
        Some(v) => fields::parse_token_list(&v)
            .ok_or_else(|| {
                PreflightFailure::invalid_list(CauseId::PreflightInvalidAllowMethods, ACAM, &v)
            })?
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    let allowed_headers: Vec<String> = match fields::get(headers, ACAH) {
        None => Vec::new(),
        Some(v) => fields::parse_token_list(&v)
            .ok_or_else(|| {
                PreflightFailure::invalid_list(CauseId::PreflightInvalidAllowHeaders, ACAH, &v)
            })?
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
    };
    let result = PreflightResult {
        methods,
        headers: allowed_headers,
        credentials: include,
        max_age: fields::get(headers, ACMA).map(std::borrow::Cow::into_owned),
    };
    check_method(&result.methods, &actual.method, include)?;
    check_headers(&result.headers, actual, include, false)?;
    Ok(result)
}

/// Chromium `PreflightResult::EnsureAllowedCrossOriginMethod` (spec-conformant: byte-exact).
pub fn check_method(
    methods: &[String],
    method: &str,
    include: bool,
) -> Result<(), PreflightFailure> {
    if methods.iter().any(|m| m == method) || is_cors_safelisted_method(method) {
        return Ok(());
    }
    let wildcard = methods.iter().any(|m| m == "*");
    if !include && wildcard {
        return Ok(());
    }
    let cause = if methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
        CauseId::MethodCaseMismatch
    } else if wildcard {
        CauseId::MethodWildcardWithCredentials
    } else {
        CauseId::MethodNotAllowed
    };
    Err(PreflightFailure::new(
        cause,
        Some(method.to_string()),
        Some(ACAM),
    ))
}

/// Chromium `PreflightResult::EnsureAllowedCrossOriginHeaders`; with
/// `wildcard_covers_authorization` false, Chrome's default (`Authorization` is never covered by
/// `*`).
pub fn check_headers(
    allowed: &[String],
    actual: &ActualRequest,
    include: bool,
    wildcard_covers_authorization: bool,
) -> Result<(), PreflightFailure> {
    let wildcard = allowed.iter().any(|h| h == "*");
    if !include && wildcard {
        if !wildcard_covers_authorization
            && actual.has_authorization()
            && !allowed.iter().any(|h| h == "authorization")
        {
            return Err(PreflightFailure::new(
                CauseId::AuthorizationNotCoveredByWildcard,
                Some("authorization".to_string()),
                Some(ACAH),
            ));
        }
        return Ok(());
    }
    for name in &actual.unsafe_names {
        if !allowed.iter().any(|h| h == name) {
            let cause = if wildcard {
                CauseId::HeaderWildcardWithCredentials
            } else {
                CauseId::HeaderNotAllowed
            };
            return Err(PreflightFailure::new(cause, Some(name.clone()), Some(ACAH)));
        }
    }
    Ok(())
}

/// The Private Network Access check of a preflight that asked for it
/// (`Access-Control-Request-Private-Network: true`): `Some` failure when the response lacks
/// `Access-Control-Allow-Private-Network: true`.
pub fn private_network_check(
    request: &crate::model::Request,
    response: &Response,
) -> Option<PreflightFailure> {
    let asked = fields::get(&request.headers, ACRPN).is_some_and(|v| v == "true");
    if !asked {
        return None;
    }
    match fields::get(&response.headers, ACAPN) {
        None => Some(PreflightFailure::new(
            CauseId::PnaMissingAllowPrivateNetwork,
            None,
            Some(ACAPN),
        )),
        Some(v) if v == "true" => None,
        Some(v) => Some(PreflightFailure::new(
            CauseId::PnaInvalidAllowPrivateNetwork,
            Some(v.into_owned()),
            Some(ACAPN),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cors::check::ACAC;
    use crate::model::HeaderList;
    use CauseId::*;

    const O: &str = "https://app.test";
    const URL: &str = "https://api.test/x";

    fn response(status: u16, lines: &[(&str, &str)]) -> Response {
        let mut headers = HeaderList::new();
        for (n, v) in lines {
            headers.push(*n, *v);
        }
        Response {
            status,
            headers,
            ..Response::default()
        }
    }

    fn actual(method: &str, names: &[&str]) -> ActualRequest {
        ActualRequest {
            method: method.to_string(),
            unsafe_names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn chromium_preflight_check_order() {
        type Case<'a> = (
            u16,
            &'a [(&'a str, &'a str)],
            &'a str,
            &'a [&'a str],
            bool,
            Option<(CauseId, Option<&'a str>)>,
        );
        let ok: &[(&str, &str)] = &[(ACAO, O), (ACAM, "PUT"), (ACAH, "x-a")];
        let cases: &[Case] = &[
            // redirect first, even with nothing else right
            (
                302,
                &[("Location", "https://api.test/y")],
                "PUT",
                &[],
                false,
                Some((PreflightRedirect, None)),
            ),
            // 3xx without Location is a status, not a redirect
            (
                302,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatusOther, None)),
            ),
            // ACAO before status
            (
                405,
                &[],
                "PUT",
                &[],
                false,
                Some((PreflightMissingAllowOrigin, None)),
            ),
            (
                401,
                &[],
                "PUT",
                &[],
                false,
                Some((PreflightMissingAllowOrigin, None)),
            ),
            (
                405,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatus405, None)),
            ),
            (
                403,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatus401403, None)),
            ),
            (
                401,
                &[(ACAO, "*")],
                "PUT",
                &[],
                false,
                Some((PreflightStatus401403, None)),
            ),
            (
                404,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatus404, None)),
            ),
            (
                503,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatus5xx, None)),
            ),
            (
                429,
                &[(ACAO, O)],
                "PUT",
                &[],
                false,
                Some((PreflightStatusOther, None)),
            ),
            (
                200,
                &[(ACAO, "https://other.test")],
                "PUT",
                &[],
                false,
                Some((PreflightAllowOriginMismatch, Some("https://other.test"))),
            ),
            (
                200,
                &[(ACAO, "a, b")],
                "PUT",
                &[],
                false,
                Some((PreflightMultipleAllowOrigin, Some("a, b"))),
            ),
            (
                200,
                &[(ACAO, "nope")],
                "PUT",
                &[],
                false,
                Some((PreflightInvalidAllowOrigin, Some("nope"))),
            ),
            (
                204,
                &[(ACAO, "*")],
                "PUT",
                &[],
                true,
                Some((PreflightWildcardWithCredentials, None)),
            ),
            (
                204,
                &[(ACAO, O), (ACAM, "PUT")],
                "PUT",
                &[],
                true,
                Some((PreflightAllowCredentialsInvalid, Some(""))),
            ),
            // ACAC only after ACAO passes, status after both
            (
                500,
                &[(ACAO, O)],
                "PUT",
                &[],
                true,
                Some((PreflightAllowCredentialsInvalid, Some(""))),
            ),
            // parse ACAM before ACAH, both before the method
            (
                204,
                &[(ACAO, O), (ACAM, "GET POST"), (ACAH, "a b")],
                "PUT",
                &["x"],
                false,
                Some((PreflightInvalidAllowMethods, None)),
            ),
            (
                204,
                &[(ACAO, O), (ACAM, "PATCH"), (ACAH, "a b")],
                "PUT",
                &["x"],
                false,
                Some((PreflightInvalidAllowHeaders, None)),
            ),
            // method before headers
            (
                204,
                &[(ACAO, O), (ACAM, "GET")],
                "PUT",
                &["x-a"],
                false,
                Some((MethodNotAllowed, Some("PUT"))),
            ),
            (
                204,
                &[(ACAO, O), (ACAM, "put")],
                "PUT",
                &[],
                false,
                Some((MethodCaseMismatch, Some("PUT"))),
            ),
            (
                204,
                &[(ACAO, O), (ACAM, "PATCH")],
                "patch",
                &[],
                false,
                Some((MethodCaseMismatch, Some("patch"))),
            ),
            (204, &[(ACAO, O), (ACAM, "*")], "PUT", &[], false, None),
            (
                204,
                &[(ACAO, O), (ACAC, "true"), (ACAM, "*")],
                "PUT",
                &[],
                true,
                Some((MethodWildcardWithCredentials, Some("PUT"))),
            ),
            // safelisted methods need no listing
            (204, &[(ACAO, O)], "POST", &[], false, None),
            // headers: first missing in request order
            (
                204,
                &[(ACAO, O), (ACAH, "x-b")],
                "POST",
                &["x-c", "x-a", "x-b"],
                false,
                Some((HeaderNotAllowed, Some("x-c"))),
            ),
            (
                204,
                &[(ACAO, O), (ACAH, "X-A, x-c")],
                "POST",
                &["x-c", "x-a"],
                false,
                None,
            ),
            (
                204,
                &[(ACAO, O), (ACAH, "*")],
                "POST",
                &["x-a", "authorization"],
                false,
                Some((AuthorizationNotCoveredByWildcard, Some("authorization"))),
            ),
            (
                204,
                &[(ACAO, O), (ACAH, "*, Authorization")],
                "POST",
                &["x-a", "authorization"],
                false,
                None,
            ),
            (
                204,
                &[(ACAO, O), (ACAC, "true"), (ACAH, "*")],
                "POST",
                &["x-a"],
                true,
                Some((HeaderWildcardWithCredentials, Some("x-a"))),
            ),
            (204, ok, "PUT", &["x-a"], false, None),
        ];
        for (status, lines, method, names, include, want) in cases {
            let got = preflight_check(
                &response(*status, lines),
                O,
                &actual(method, names),
                *include,
                URL,
                &crate::model::browser::CHROMIUM,
            );
            let got = got.err().map(|f| (f.cause, f.failed_parameter));
            let want = want.map(|(c, p)| (c, p.map(str::to_string)));
            assert_eq!(
                got, want,
                "{status} {lines:?} {method} {names:?} include={include}"
            );
        }
    }

    #[test]
    fn webkit_checks_the_status_first_and_tokens_are_kept() {
        use crate::model::browser::{CHROMIUM, SAFARI};
        let r = response(401, &[]);
        let a = actual("PUT", &[]);
        let cause = |p| {
            preflight_check(&r, O, &a, false, URL, p)
                .err()
                .map(|f| f.cause)
        };
        assert_eq!(cause(&CHROMIUM), Some(PreflightMissingAllowOrigin));
        assert_eq!(cause(&SAFARI), Some(PreflightStatus401403));
        let r = response(204, &[(ACAO, O), (ACAM, "GET, POST PUT, DELETE")]);
        let f = preflight_check(&r, O, &a, false, URL, &CHROMIUM).err();
        assert_eq!(
            f.map(|f| (f.cause, f.token)),
            Some((PreflightInvalidAllowMethods, Some("POST PUT".to_string())))
        );
    }

    #[test]
    fn private_network_access() {
        let mut req = crate::model::Request::default();
        req.headers.push(ACRPN, "true");
        let missing = private_network_check(&req, &response(204, &[]));
        assert_eq!(
            missing.map(|f| f.cause),
            Some(PnaMissingAllowPrivateNetwork)
        );
        let invalid = private_network_check(&req, &response(204, &[(ACAPN, "TRUE")]));
        assert_eq!(
            invalid.map(|f| (f.cause, f.failed_parameter)),
            Some((PnaInvalidAllowPrivateNetwork, Some("TRUE".to_string())))
        );
        assert_eq!(
            private_network_check(&req, &response(204, &[(ACAPN, "true")])),
            None
        );
        assert_eq!(
            private_network_check(&crate::model::Request::default(), &response(204, &[])),
            None
        );
    }
}
