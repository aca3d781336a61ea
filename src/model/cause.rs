//! The catalogue of blocking causes: one row per distinct cause (distinct fix), each with a
//! stable id that is never reused, a kebab-case name, and the Chromium `CorsError` name as
//! data. Rows follow `cors-causes.md` §2 (A = actual response, P = preflight, R = redirect,
//! mode, scheme and local network) plus X rows for proxy diagnoses that need both legs.

/// A blocking cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CauseId {
    /// `missing-allow-origin` (A01).
    MissingAllowOrigin,
    /// `missing-allow-origin-on-error` (A02).
    MissingAllowOriginOnError,
    /// `missing-allow-origin-on-redirect` (A03).
    MissingAllowOriginOnRedirect,
    /// `allow-origin-stripped-by-proxy` (A04).
    AllowOriginStrippedByProxy,
    /// `multiple-allow-origin` (A05).
    MultipleAllowOrigin,
    /// `invalid-allow-origin` (A06).
    InvalidAllowOrigin,
    /// `allow-origin-mismatch` (A07).
    AllowOriginMismatch,
    /// `redirect-tainted-origin` (A08).
    RedirectTaintedOrigin,
    /// `null-origin-not-allowed` (A09).
    NullOriginNotAllowed,
    /// `wildcard-with-credentials` (A10).
    WildcardWithCredentials,
    /// `allow-credentials-missing` (A11).
    AllowCredentialsMissing,
    /// `allow-credentials-not-true` (A12).
    AllowCredentialsNotTrue,
    /// `cached-response-wrong-origin` (A13).
    CachedResponseWrongOrigin,
    /// `preflight-missing-allow-origin` (P01).
    PreflightMissingAllowOrigin,
    /// `preflight-multiple-allow-origin` (P02).
    PreflightMultipleAllowOrigin,
    /// `preflight-invalid-allow-origin` (P03).
    PreflightInvalidAllowOrigin,
    /// `preflight-allow-origin-mismatch` (P04).
    PreflightAllowOriginMismatch,
    /// `preflight-wildcard-with-credentials` (P05).
    PreflightWildcardWithCredentials,
    /// `preflight-allow-credentials-invalid` (P06).
    PreflightAllowCredentialsInvalid,
    /// `preflight-status-405` (P07).
    PreflightStatus405,
    /// `preflight-status-401-403` (P08).
    PreflightStatus401403,
    /// `preflight-status-404` (P09).
    PreflightStatus404,
    /// `preflight-status-5xx` (P10).
    PreflightStatus5xx,
    /// `preflight-status-other` (P11).
    PreflightStatusOther,
    /// `preflight-redirect` (P12).
    PreflightRedirect,
    /// `preflight-network-error` (P13).
    PreflightNetworkError,
    /// `preflight-invalid-allow-methods` (P14).
    PreflightInvalidAllowMethods,
    /// `preflight-invalid-allow-headers` (P15).
    PreflightInvalidAllowHeaders,
    /// `method-not-allowed` (P16).
    MethodNotAllowed,
    /// `method-case-mismatch` (P17).
    MethodCaseMismatch,
    /// `method-wildcard-with-credentials` (P18).
    MethodWildcardWithCredentials,
    /// `header-not-allowed` (P19).
    HeaderNotAllowed,
    /// `header-wildcard-with-credentials` (P20).
    HeaderWildcardWithCredentials,
    /// `authorization-not-covered-by-wildcard` (P21).
    AuthorizationNotCoveredByWildcard,
    /// `pna-missing-allow-private-network` (P22).
    PnaMissingAllowPrivateNetwork,
    /// `pna-invalid-allow-private-network` (P23).
    PnaInvalidAllowPrivateNetwork,
    /// `redirect-contains-credentials` (R01).
    RedirectContainsCredentials,
    /// `redirect-disallowed-scheme` (R02).
    RedirectDisallowedScheme,
    /// `disallowed-by-mode` (R03).
    DisallowedByMode,
    /// `cors-disabled-scheme` (R04).
    CorsDisabledScheme,
    /// `no-cors-redirect-mode` (R05).
    NoCorsRedirectMode,
    /// `insecure-local-network` (R06).
    InsecureLocalNetwork,
    /// `local-network-permission-denied` (R07).
    LocalNetworkPermissionDenied,
    /// `local-network-address-space-mismatch` (R08).
    LocalNetworkAddressSpaceMismatch,
    /// `allow-origin-rewritten-by-proxy` (X01).
    AllowOriginRewrittenByProxy,
    /// `header-duplicated-by-proxy` (X02).
    HeaderDuplicatedByProxy,
}

/// Static facts about a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CauseInfo {
    /// The cause.
    pub cause: CauseId,
    /// Stable short id, never reused (`A01`, `P07`, ...).
    pub id: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Chromium `CorsError` name as DevTools reports it in `corsErrorStatus.corsError`, or
    /// `None` where Chromium reports only a net error.
    pub chromium: Option<&'static str>,
}

/// Every cause, in catalogue order.
pub const CAUSES: &[CauseInfo] = &[
    CauseInfo {
        cause: CauseId::MissingAllowOrigin,
        id: "A01",
        name: "missing-allow-origin",
        chromium: Some("MissingAllowOriginHeader"),
    },
    CauseInfo {
        cause: CauseId::MissingAllowOriginOnError,
        id: "A02",
        name: "missing-allow-origin-on-error",
        chromium: Some("MissingAllowOriginHeader"),
    },
    CauseInfo {
        cause: CauseId::MissingAllowOriginOnRedirect,
        id: "A03",
        name: "missing-allow-origin-on-redirect",
        chromium: Some("MissingAllowOriginHeader"),
    },
    CauseInfo {
        cause: CauseId::AllowOriginStrippedByProxy,
        id: "A04",
        name: "allow-origin-stripped-by-proxy",
        chromium: Some("MissingAllowOriginHeader"),
    },
    CauseInfo {
        cause: CauseId::MultipleAllowOrigin,
        id: "A05",
        name: "multiple-allow-origin",
        chromium: Some("MultipleAllowOriginValues"),
    },
    CauseInfo {
        cause: CauseId::InvalidAllowOrigin,
        id: "A06",
        name: "invalid-allow-origin",
        chromium: Some("InvalidAllowOriginValue"),
    },
    CauseInfo {
        cause: CauseId::AllowOriginMismatch,
        id: "A07",
        name: "allow-origin-mismatch",
        chromium: Some("AllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::RedirectTaintedOrigin,
        id: "A08",
        name: "redirect-tainted-origin",
        chromium: Some("AllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::NullOriginNotAllowed,
        id: "A09",
        name: "null-origin-not-allowed",
        chromium: Some("AllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::WildcardWithCredentials,
        id: "A10",
        name: "wildcard-with-credentials",
        chromium: Some("WildcardOriginNotAllowed"),
    },
    CauseInfo {
        cause: CauseId::AllowCredentialsMissing,
        id: "A11",
        name: "allow-credentials-missing",
        chromium: Some("InvalidAllowCredentials"),
    },
    CauseInfo {
        cause: CauseId::AllowCredentialsNotTrue,
        id: "A12",
        name: "allow-credentials-not-true",
        chromium: Some("InvalidAllowCredentials"),
    },
    CauseInfo {
        cause: CauseId::CachedResponseWrongOrigin,
        id: "A13",
        name: "cached-response-wrong-origin",
        chromium: Some("AllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::PreflightMissingAllowOrigin,
        id: "P01",
        name: "preflight-missing-allow-origin",
        chromium: Some("PreflightMissingAllowOriginHeader"),
    },
    CauseInfo {
        cause: CauseId::PreflightMultipleAllowOrigin,
        id: "P02",
        name: "preflight-multiple-allow-origin",
        chromium: Some("PreflightMultipleAllowOriginValues"),
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowOrigin,
        id: "P03",
        name: "preflight-invalid-allow-origin",
        chromium: Some("PreflightInvalidAllowOriginValue"),
    },
    CauseInfo {
        cause: CauseId::PreflightAllowOriginMismatch,
        id: "P04",
        name: "preflight-allow-origin-mismatch",
        chromium: Some("PreflightAllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::PreflightWildcardWithCredentials,
        id: "P05",
        name: "preflight-wildcard-with-credentials",
        chromium: Some("PreflightWildcardOriginNotAllowed"),
    },
    CauseInfo {
        cause: CauseId::PreflightAllowCredentialsInvalid,
        id: "P06",
        name: "preflight-allow-credentials-invalid",
        chromium: Some("PreflightInvalidAllowCredentials"),
    },
    CauseInfo {
        cause: CauseId::PreflightStatus405,
        id: "P07",
        name: "preflight-status-405",
        chromium: Some("PreflightInvalidStatus"),
    },
    CauseInfo {
        cause: CauseId::PreflightStatus401403,
        id: "P08",
        name: "preflight-status-401-403",
        chromium: Some("PreflightInvalidStatus"),
    },
    CauseInfo {
        cause: CauseId::PreflightStatus404,
        id: "P09",
        name: "preflight-status-404",
        chromium: Some("PreflightInvalidStatus"),
    },
    CauseInfo {
        cause: CauseId::PreflightStatus5xx,
        id: "P10",
        name: "preflight-status-5xx",
        chromium: Some("PreflightInvalidStatus"),
    },
    CauseInfo {
        cause: CauseId::PreflightStatusOther,
        id: "P11",
        name: "preflight-status-other",
        chromium: Some("PreflightInvalidStatus"),
    },
    CauseInfo {
        cause: CauseId::PreflightRedirect,
        id: "P12",
        name: "preflight-redirect",
        chromium: Some("PreflightDisallowedRedirect"),
    },
    CauseInfo {
        cause: CauseId::PreflightNetworkError,
        id: "P13",
        name: "preflight-network-error",
        chromium: None,
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowMethods,
        id: "P14",
        name: "preflight-invalid-allow-methods",
        chromium: Some("InvalidAllowMethodsPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowHeaders,
        id: "P15",
        name: "preflight-invalid-allow-headers",
        chromium: Some("InvalidAllowHeadersPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::MethodNotAllowed,
        id: "P16",
        name: "method-not-allowed",
        chromium: Some("MethodDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::MethodCaseMismatch,
        id: "P17",
        name: "method-case-mismatch",
        chromium: Some("MethodDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::MethodWildcardWithCredentials,
        id: "P18",
        name: "method-wildcard-with-credentials",
        chromium: Some("MethodDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::HeaderNotAllowed,
        id: "P19",
        name: "header-not-allowed",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::HeaderWildcardWithCredentials,
        id: "P20",
        name: "header-wildcard-with-credentials",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::AuthorizationNotCoveredByWildcard,
        id: "P21",
        name: "authorization-not-covered-by-wildcard",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
    },
    CauseInfo {
        cause: CauseId::PnaMissingAllowPrivateNetwork,
        id: "P22",
        name: "pna-missing-allow-private-network",
        chromium: Some("PreflightMissingAllowPrivateNetwork"),
    },
    CauseInfo {
        cause: CauseId::PnaInvalidAllowPrivateNetwork,
        id: "P23",
        name: "pna-invalid-allow-private-network",
        chromium: Some("PreflightInvalidAllowPrivateNetwork"),
    },
    CauseInfo {
        cause: CauseId::RedirectContainsCredentials,
        id: "R01",
        name: "redirect-contains-credentials",
        chromium: Some("RedirectContainsCredentials"),
    },
    CauseInfo {
        cause: CauseId::RedirectDisallowedScheme,
        id: "R02",
        name: "redirect-disallowed-scheme",
        chromium: None,
    },
    CauseInfo {
        cause: CauseId::DisallowedByMode,
        id: "R03",
        name: "disallowed-by-mode",
        chromium: Some("DisallowedByMode"),
    },
    CauseInfo {
        cause: CauseId::CorsDisabledScheme,
        id: "R04",
        name: "cors-disabled-scheme",
        chromium: Some("CorsDisabledScheme"),
    },
    CauseInfo {
        cause: CauseId::NoCorsRedirectMode,
        id: "R05",
        name: "no-cors-redirect-mode",
        chromium: Some("NoCorsRedirectModeNotFollow"),
    },
    CauseInfo {
        cause: CauseId::InsecureLocalNetwork,
        id: "R06",
        name: "insecure-local-network",
        chromium: Some("InsecureLocalNetwork"),
    },
    CauseInfo {
        cause: CauseId::LocalNetworkPermissionDenied,
        id: "R07",
        name: "local-network-permission-denied",
        chromium: Some("LocalNetworkAccessPermissionDenied"),
    },
    CauseInfo {
        cause: CauseId::LocalNetworkAddressSpaceMismatch,
        id: "R08",
        name: "local-network-address-space-mismatch",
        chromium: Some("InvalidLocalNetworkAccess"),
    },
    CauseInfo {
        cause: CauseId::AllowOriginRewrittenByProxy,
        id: "X01",
        name: "allow-origin-rewritten-by-proxy",
        chromium: Some("AllowOriginMismatch"),
    },
    CauseInfo {
        cause: CauseId::HeaderDuplicatedByProxy,
        id: "X02",
        name: "header-duplicated-by-proxy",
        chromium: Some("MultipleAllowOriginValues"),
    },
];

impl CauseId {
    /// Static facts about this cause.
    pub fn info(self) -> &'static CauseInfo {
        // CAUSES is in declaration order; the test below keeps it so.
        &CAUSES[self as usize]
    }

    /// Looks a cause up by id (`A01`) or name (`missing-allow-origin`), ASCII-case-insensitive.
    pub fn find(key: &str) -> Option<CauseId> {
        CAUSES
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key))
            .map(|c| c.cause)
    }
}

/// A non-blocking warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningId {
    /// `vary-origin-missing`: ACAO depends on the origin but `Vary` lacks `Origin`.
    VaryOriginMissing,
    /// `origin-reflection-with-credentials`: any origin is echoed with credentials allowed.
    OriginReflectionWithCredentials,
    /// `allows-null-origin`: ACAO `null`.
    AllowsNullOrigin,
    /// `wildcard-with-acac-true`: ACAO `*` together with ACAC `true`.
    WildcardWithAcacTrue,
    /// `max-age-above-cap`: Access-Control-Max-Age above the browser's cap.
    MaxAgeAboveCap,
    /// `max-age-invalid`: Access-Control-Max-Age is not a number.
    MaxAgeInvalid,
    /// `allow-methods-not-uppercase`: ACAM tokens in lower or mixed case.
    AllowMethodsNotUppercase,
    /// `method-not-normalized`: a method outside the six normalized ones sent in lower case.
    MethodNotNormalized,
    /// `cors-redirect`: a CORS request was redirected.
    CorsRedirect,
    /// `preflight-missing`: a request that needed a preflight has none in the recording and no
    /// cached one covers it.
    PreflightMissing,
    /// `credentialed-without-cookies`: credentials were requested but no cookie was sent.
    CredentialedWithoutCookies,
}

impl WarningId {
    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            WarningId::VaryOriginMissing => "vary-origin-missing",
            WarningId::OriginReflectionWithCredentials => "origin-reflection-with-credentials",
            WarningId::AllowsNullOrigin => "allows-null-origin",
            WarningId::WildcardWithAcacTrue => "wildcard-with-acac-true",
            WarningId::MaxAgeAboveCap => "max-age-above-cap",
            WarningId::MaxAgeInvalid => "max-age-invalid",
            WarningId::AllowMethodsNotUppercase => "allow-methods-not-uppercase",
            WarningId::MethodNotNormalized => "method-not-normalized",
            WarningId::CorsRedirect => "cors-redirect",
            WarningId::PreflightMissing => "preflight-missing",
            WarningId::CredentialedWithoutCookies => "credentialed-without-cookies",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_in_declaration_order_with_unique_ids_and_names() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for (i, c) in CAUSES.iter().enumerate() {
            assert_eq!(c.cause as usize, i, "{} out of order", c.name);
            assert!(ids.insert(c.id), "duplicate id {}", c.id);
            assert!(names.insert(c.name), "duplicate name {}", c.name);
            assert_eq!(CauseId::find(c.name), Some(c.cause));
            assert_eq!(CauseId::find(c.id), Some(c.cause));
        }
        let blocking = CAUSES.iter().filter(|c| !c.id.starts_with('X')).count();
        assert_eq!(blocking, 44);
    }
}
