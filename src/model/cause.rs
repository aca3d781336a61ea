//! The catalogue of blocking causes: one row per distinct cause (distinct fix), each with a
//! stable id that is never reused, a kebab-case name, and the Chromium `CorsError` name and
//! Firefox reason key as data. Rows follow `cors-causes.md` §2 (A = actual response, P =
//! preflight, R = redirect, mode, scheme and local network), plus X rows for proxy diagnoses
//! that need both legs and U for a block whose cause the recording does not keep.

/// A blocking cause.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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
    /// `blocked-cause-not-recorded` (U01).
    BlockedCauseNotRecorded,
}

/// The sentence Chromium appends to some console messages (`cors-causes.md` §1). What
/// Chromium 156 prints was read from its console in the recorded samples, which differ from
/// the older texts the reference quotes: the no-cors advice is gone, so `[fetch-A]` is no longer
/// printed and `[fetch-B]` is shortened to its first clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageSuffix {
    /// Nothing appended.
    None,
    /// `[fetch-A]`, missing `Access-Control-Allow-Origin`: older Chromium appended, for `fetch`,
    /// " If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch
    /// the resource with CORS disabled." Chromium 156 appends nothing.
    FetchOpaque,
    /// `[fetch-B]`, multiple, invalid or mismatched `Access-Control-Allow-Origin`: Chromium 156
    /// appends " Have the server send the header with a valid value." (older versions added
    /// the no-cors advice for `fetch`).
    FetchValidValue,
    /// `[xhr]`, wildcard-with-credentials and `Access-Control-Allow-Credentials` errors,
    /// `XMLHttpRequest` only.
    XhrCredentials,
}

impl MessageSuffix {
    /// Whether Chromium 156 appends it to a message about a request of this initiator word
    /// (`fetch`, `XMLHttpRequest`, `script`, ...).
    pub fn printed_for(self, initiator: &str) -> bool {
        match self {
            MessageSuffix::None | MessageSuffix::FetchOpaque => false,
            MessageSuffix::FetchValidValue => true,
            MessageSuffix::XhrCredentials => initiator == "XMLHttpRequest",
        }
    }

    /// The text Chromium 156 appends, verbatim, leading space included (empty when none).
    pub fn text(self) -> &'static str {
        match self {
            MessageSuffix::None | MessageSuffix::FetchOpaque => "",
            MessageSuffix::FetchValidValue => " Have the server send the header with a valid value.",
            MessageSuffix::XhrCredentials => " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.",
        }
    }

    /// The catalogue key (`fetch-A`, `fetch-B`, `xhr`, `none`).
    pub fn name(self) -> &'static str {
        match self {
            MessageSuffix::None => "none",
            MessageSuffix::FetchOpaque => "fetch-A",
            MessageSuffix::FetchValidValue => "fetch-B",
            MessageSuffix::XhrCredentials => "xhr",
        }
    }
}

/// Static facts about a cause: what `corscope explain` prints and what the engine fills in.
///
/// Placeholders: `detail` has `{hint}` (Chromium's `failed_parameter`) and, for address-space
/// rows, `{space}` / `{target}`; `fix` has `{origin}`, `{method}` and `{header}`.
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
    /// One line saying what is wrong.
    pub title: &'static str,
    /// Chromium's console DETAIL, verbatim, with `{hint}` where `failed_parameter` goes. For
    /// rows Chromium reports only as a net error it is `{hint}` (the net error).
    pub detail: &'static str,
    /// Chromium inserts "Response to preflight request doesn't pass access control check: "
    /// before the detail.
    pub preflight_infix: bool,
    /// The sentence appended for some initiators.
    pub suffix: MessageSuffix,
    /// Firefox's reason key (`security.properties`; `caps.properties` for
    /// `CheckSameOriginError`), when Firefox reports the cause; the key of its console text in
    /// [`super::reasons::FIREFOX`]. Firefox's console was read on the recorded samples.
    pub firefox: Option<&'static str>,
    /// The fix, naming the exact header and value to send.
    pub fix: &'static str,
    /// When it happens, typical root causes, and where browsers deviate from the spec.
    pub explanation: &'static str,
    /// The section of the Fetch standard (or incubation spec) that defines the rule.
    pub spec: &'static str,
}

/// Chromium's console infix for preflight errors (`cors-causes.md` §1), verbatim.
pub const PREFLIGHT_INFIX: &str =
    "Response to preflight request doesn't pass access control check: ";

const DETAIL_MISSING: &str =
    "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
const DETAIL_MULTIPLE: &str =
    "The 'Access-Control-Allow-Origin' header contains multiple values '{hint}', but only one is allowed.";
const DETAIL_INVALID: &str =
    "The 'Access-Control-Allow-Origin' header contains the invalid value '{hint}'.";
const DETAIL_MISMATCH: &str =
    "The 'Access-Control-Allow-Origin' header has a value '{hint}' that is not equal to the supplied origin.";
const DETAIL_WILDCARD: &str = "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.";
const DETAIL_CREDENTIALS: &str = "The value of the 'Access-Control-Allow-Credentials' header in the response is '{hint}' which must be 'true' when the request's credentials mode is 'include'.";
/// Chromium 156's list; it varies by build.
const DETAIL_SCHEMES: &str = "Cross origin requests are only supported for protocol schemes: chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, http, https, isolated-app.";
const DETAIL_STATUS: &str = "It does not have HTTP ok status.";
const DETAIL_METHOD: &str =
    "Method {hint} is not allowed by Access-Control-Allow-Methods in preflight response.";
const DETAIL_HEADER: &str =
    "Request header field {hint} is not allowed by Access-Control-Allow-Headers in preflight response.";

const SPEC_CORS_CHECK: &str = "https://fetch.spec.whatwg.org/#concept-cors-check";
const SPEC_PREFLIGHT: &str = "https://fetch.spec.whatwg.org/#cors-preflight-fetch-0";
const SPEC_OK_STATUS: &str = "https://fetch.spec.whatwg.org/#ok-status";
const SPEC_ACAC: &str = "https://fetch.spec.whatwg.org/#http-access-control-allow-credentials";
const SPEC_REDIRECT: &str = "https://fetch.spec.whatwg.org/#concept-http-redirect-fetch";
const SPEC_MAIN: &str = "https://fetch.spec.whatwg.org/#concept-main-fetch";
const SPEC_PNA: &str = "https://wicg.github.io/private-network-access/";
const SPEC_LNA: &str = "https://wicg.github.io/local-network-access/";

/// Every cause, in catalogue order.
pub const CAUSES: &[CauseInfo] = &[
    CauseInfo {
        cause: CauseId::MissingAllowOrigin,
        id: "A01",
        name: "missing-allow-origin",
        chromium: Some("MissingAllowOriginHeader"),
        title: "The response to a CORS request has no Access-Control-Allow-Origin header",
        detail: DETAIL_MISSING,
        preflight_infix: false,
        suffix: MessageSuffix::FetchOpaque,
        firefox: Some("CORSMissingAllowOrigin2"),
        fix: "Send `Access-Control-Allow-Origin: {origin}` on every response of this resource (or `*` for public data read without credentials), with `Vary: Origin` when the value depends on the request.",
        explanation: "The request was cross-origin in mode cors and the final response carries no Access-Control-Allow-Origin field, so the CORS check fails at its first step. Usually the server has no CORS configuration for this route at all, or the CORS layer only runs for some paths, methods or hosts. The browser still received the full response (a HAR keeps its status and headers); only the page may not read it.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::MissingAllowOriginOnError,
        id: "A02",
        name: "missing-allow-origin-on-error",
        chromium: Some("MissingAllowOriginHeader"),
        title: "An error response lacks Access-Control-Allow-Origin although the endpoint normally sends it",
        detail: DETAIL_MISSING,
        preflight_infix: false,
        suffix: MessageSuffix::FetchOpaque,
        firefox: Some("CORSMissingAllowOrigin2"),
        fix: "Add `Access-Control-Allow-Origin: {origin}` to error responses too: nginx `add_header ... always`, CORS middleware before authentication and error handlers, CORS headers on API-gateway and load-balancer error responses.",
        explanation: "The response has status 400 or above and no Access-Control-Allow-Origin, while the preflight or other responses of the same server carry it. The CORS headers are added only on the success path: nginx `add_header` without `always` (only 2xx/3xx), exception or authentication handlers that answer before the CORS middleware (401 with WWW-Authenticate), or a gateway, WAF or CDN error page (403, 429, 502, 504). The browser hides the real status behind a CORS error, so the page sees a network error instead of the 4xx/5xx; fixing CORS on errors reveals the real failure, which then needs its own fix.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::MissingAllowOriginOnRedirect,
        id: "A03",
        name: "missing-allow-origin-on-redirect",
        chromium: Some("MissingAllowOriginHeader"),
        title: "A redirect response to a CORS request has no Access-Control-Allow-Origin header",
        detail: DETAIL_MISSING,
        preflight_infix: false,
        suffix: MessageSuffix::FetchOpaque,
        firefox: Some("CORSMissingAllowOrigin2"),
        fix: "Request the final URL directly (fix the http-to-https, trailing-slash or login redirect), or send `Access-Control-Allow-Origin: {origin}` on the redirect response as well.",
        explanation: "The browser runs the CORS check on every response of a CORS request, redirects included, before it follows the Location. A 301/302/303/307/308 without Access-Control-Allow-Origin therefore blocks the request even when the target would allow it. Typical redirects: app-level http to https, an added or removed trailing slash, a renamed path, or a 302 to a login page. The console names the redirecting URL.",
        spec: "https://fetch.spec.whatwg.org/#concept-http-fetch",
    },
    CauseInfo {
        cause: CauseId::AllowOriginStrippedByProxy,
        id: "A04",
        name: "allow-origin-stripped-by-proxy",
        chromium: Some("MissingAllowOriginHeader"),
        title: "A proxy or CDN removed the Access-Control-Allow-Origin the origin server sent",
        detail: DETAIL_MISSING,
        preflight_infix: false,
        suffix: MessageSuffix::FetchOpaque,
        firefox: Some("CORSMissingAllowOrigin2"),
        fix: "Make the proxy or CDN pass `Access-Control-Allow-Origin` through unchanged, forward the request's `Origin` to the origin server and include it in the cache key.",
        explanation: "The client-side response lacks Access-Control-Allow-Origin while the same exchange captured between the proxy and the origin server carries it. Common with CDNs that do not forward Origin (the origin then omits CORS headers, and the CDN caches that answer), header allow-lists in reverse proxies, and security appliances that strip unknown headers. It needs both legs of the proxy in the capture; on a preflight the browser reports it as PreflightMissingAllowOriginHeader with the preflight infix.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::MultipleAllowOrigin,
        id: "A05",
        name: "multiple-allow-origin",
        chromium: Some("MultipleAllowOriginValues"),
        title: "Access-Control-Allow-Origin holds more than one value",
        detail: DETAIL_MULTIPLE,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSMultipleAllowOriginNotAllowed"),
        fix: "Send exactly one `Access-Control-Allow-Origin: {origin}` field line: remove the copy added by the proxy or by the application, and never send an allow-list.",
        explanation: "The field appears on several lines (the browser joins them with \", \") or one line holds a list. Chromium reports MultipleAllowOriginValues whenever the joined value differs from the origin and contains a space or a comma. Typical: the application and a reverse proxy (nginx, Caddy, an API gateway, a dev proxy) both add the header, giving `*, *` or `https://a.example, https://a.example`, or the configured allow-list is emitted verbatim. Firefox 153 counts only field lines spelled exactly `Access-Control-Allow-Origin`: two of them are CORSMultipleAllowOriginNotAllowed; a one-line list, `*, *`, or lines in another letter case (merged into one value) are CORSAllowOriginNotMatchingOrigin. WebKit counts a comma.",
        spec: "https://fetch.spec.whatwg.org/#http-access-control-allow-origin",
    },
    CauseInfo {
        cause: CauseId::InvalidAllowOrigin,
        id: "A06",
        name: "invalid-allow-origin",
        chromium: Some("InvalidAllowOriginValue"),
        title: "Access-Control-Allow-Origin is not a valid origin",
        detail: DETAIL_INVALID,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Send `Access-Control-Allow-Origin: {origin}`: a full serialized origin (scheme, host and port), `*`, or nothing.",
        explanation: "The single value is neither `*`, `null`, the request's origin, nor a parseable absolute URL: a bare host (`example.com`), an empty value, or a typo such as `https//x`. Chromium distinguishes this from a mismatch by whether the value parses as a URL.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::AllowOriginMismatch,
        id: "A07",
        name: "allow-origin-mismatch",
        chromium: Some("AllowOriginMismatch"),
        title: "Access-Control-Allow-Origin names another origin",
        detail: DETAIL_MISMATCH,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Send `Access-Control-Allow-Origin: {origin}` exactly: no trailing slash or path, no default port, lower-case scheme and host; reflect the request's `Origin` when it is on your allow-list (with `Vary: Origin`).",
        explanation: "The value is a valid URL or `null` but not byte-for-byte the serialized request origin. Frequent forms: a trailing `/` or path, an explicit default port (`:443`), upper case, http versus https, `www.` versus the bare domain, or a constant origin of another environment (the first allow-list entry, `http://localhost:3000` in production). Comparison is case-sensitive in every engine.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::RedirectTaintedOrigin,
        id: "A08",
        name: "redirect-tainted-origin",
        chromium: Some("AllowOriginMismatch"),
        title: "After a cross-origin redirect the browser sent Origin: null, which the server does not allow",
        detail: DETAIL_MISMATCH,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Avoid the cross-origin redirect (request the final URL directly), or have the redirect target answer `Access-Control-Allow-Origin: *` (requests without credentials only).",
        explanation: "A redirect hop went from one origin to another that is not the page's origin, so the request origin became tainted and every later hop carries `Origin: null`; the CORS check then compares against `null`. The server answered with the page's origin (or another value) and the check fails. Chromium's console still names the page's origin after \"from origin\" and adds \"(redirected from ...)\". Allowing `null` is possible but lets any sandboxed document in.",
        spec: "https://fetch.spec.whatwg.org/#concept-request-tainted-origin",
    },
    CauseInfo {
        cause: CauseId::NullOriginNotAllowed,
        id: "A09",
        name: "null-origin-not-allowed",
        chromium: Some("AllowOriginMismatch"),
        title: "The page has an opaque origin (Origin: null) that the server does not allow",
        detail: DETAIL_MISMATCH,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Serve the page from a real origin (for a sandboxed iframe add `allow-same-origin`; do not open the page from `file:` or `data:`), or answer `Access-Control-Allow-Origin: *` for public data without credentials.",
        explanation: "The request carried `Origin: null` without any redirect: the document's origin is opaque (sandboxed iframe without allow-same-origin, a `data:` or `file:` document, some privacy settings). The server answered with a concrete origin. Allowing `null` works but grants access to every sandboxed document on the web.",
        spec: "https://fetch.spec.whatwg.org/#origin-header",
    },
    CauseInfo {
        cause: CauseId::WildcardWithCredentials,
        id: "A10",
        name: "wildcard-with-credentials",
        chromium: Some("WildcardOriginNotAllowed"),
        title: "Access-Control-Allow-Origin is * on a credentialed request",
        detail: DETAIL_WILDCARD,
        preflight_infix: false,
        suffix: MessageSuffix::XhrCredentials,
        firefox: Some("CORSNotSupportingCredentials"),
        fix: "Send `Access-Control-Allow-Origin: {origin}` (the exact origin, not `*`) with `Access-Control-Allow-Credentials: true` and `Vary: Origin`, or make the request without credentials.",
        explanation: "With credentials mode `include` (fetch `credentials: 'include'`, XHR `withCredentials`) the wildcard is not accepted. Recordings never show the credentials mode: a Cookie header proves it; otherwise the verdict assumes no credentials and lists this cause as conditional, unless the browser recorded a failure of a response with `*`, which proves it. Chromium raises it only for http and https response URLs.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::AllowCredentialsMissing,
        id: "A11",
        name: "allow-credentials-missing",
        chromium: Some("InvalidAllowCredentials"),
        title: "A credentialed request's response lacks Access-Control-Allow-Credentials: true",
        detail: DETAIL_CREDENTIALS,
        preflight_infix: false,
        suffix: MessageSuffix::XhrCredentials,
        firefox: Some("CORSMissingAllowCredentials"),
        fix: "Send `Access-Control-Allow-Credentials: true` together with `Access-Control-Allow-Origin: {origin}`, or make the request without credentials.",
        explanation: "The origin matched, but the request was credentialed and the response has no Access-Control-Allow-Credentials; Chromium's hint is then the empty string. Often the header is configured on the preflight only, or the client sends credentials the API does not expect. Credentials mode is inferred from cookies; without that evidence the cause is conditional.",
        spec: SPEC_ACAC,
    },
    CauseInfo {
        cause: CauseId::AllowCredentialsNotTrue,
        id: "A12",
        name: "allow-credentials-not-true",
        chromium: Some("InvalidAllowCredentials"),
        title: "Access-Control-Allow-Credentials is present but not exactly `true`",
        detail: DETAIL_CREDENTIALS,
        preflight_infix: false,
        suffix: MessageSuffix::XhrCredentials,
        firefox: Some("CORSMissingAllowCredentials"),
        fix: "Send `Access-Control-Allow-Credentials: true` exactly: lower case, on one field line.",
        explanation: "The comparison is case-sensitive on the joined value: `True`, `TRUE`, `1`, `yes` and duplicated lines (`true, true`) all fail for a credentialed request.",
        spec: SPEC_ACAC,
    },
    CauseInfo {
        cause: CauseId::CachedResponseWrongOrigin,
        id: "A13",
        name: "cached-response-wrong-origin",
        chromium: Some("AllowOriginMismatch"),
        title: "A cache served a response whose Access-Control-Allow-Origin was made for another origin",
        detail: DETAIL_MISMATCH,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Send `Vary: Origin` on every response whose `Access-Control-Allow-Origin` depends on the request (also on rejections), include `Origin` in the CDN cache key, and purge the cached copy.",
        explanation: "The response came from the browser cache (HAR `_fromCache`) or a shared cache (`Age` > 0, `X-Cache`/`CF-Cache-Status: HIT`) and its Access-Control-Allow-Origin names a different origin, while `Vary` lacks `Origin`. The cache stored the answer to another origin's request and replayed it. Libraries that add `Vary: Origin` only when the origin is allowed poison caches on the rejected path; removing `Vary` to raise the CDN hit rate causes it too.",
        spec: "https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches",
    },
    CauseInfo {
        cause: CauseId::PreflightMissingAllowOrigin,
        id: "P01",
        name: "preflight-missing-allow-origin",
        chromium: Some("PreflightMissingAllowOriginHeader"),
        title: "The preflight response has no Access-Control-Allow-Origin header",
        detail: DETAIL_MISSING,
        preflight_infix: true,
        suffix: MessageSuffix::FetchOpaque,
        firefox: Some("CORSMissingAllowOrigin2"),
        fix: "Answer `OPTIONS` with 204 and `Access-Control-Allow-Origin: {origin}`, `Access-Control-Allow-Methods: {method}` and `Access-Control-Allow-Headers` for the requested headers; let OPTIONS reach the CORS handler before authentication and routing.",
        explanation: "The OPTIONS response lacks Access-Control-Allow-Origin, whatever its status. Chromium checks the origin before the status, so a 401, 403, 404, 405 or 5xx preflight without CORS headers is reported as this error, not as a status error (WebKit reports the status first). Usually the OPTIONS never reached the CORS layer: authentication before CORS (preflights carry no cookies or Authorization), a router without an OPTIONS route, an API-gateway authorizer, or an S3 bucket rule that does not match.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightMultipleAllowOrigin,
        id: "P02",
        name: "preflight-multiple-allow-origin",
        chromium: Some("PreflightMultipleAllowOriginValues"),
        title: "The preflight's Access-Control-Allow-Origin holds more than one value",
        detail: DETAIL_MULTIPLE,
        preflight_infix: true,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSMultipleAllowOriginNotAllowed"),
        fix: "Send exactly one `Access-Control-Allow-Origin: {origin}` field line on the preflight response: let only one layer (proxy or application) add CORS headers.",
        explanation: "As multiple-allow-origin, on the OPTIONS response: several field lines or a list in one line. Usually both a proxy and the application answer the preflight's CORS headers.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowOrigin,
        id: "P03",
        name: "preflight-invalid-allow-origin",
        chromium: Some("PreflightInvalidAllowOriginValue"),
        title: "The preflight's Access-Control-Allow-Origin is not a valid origin",
        detail: DETAIL_INVALID,
        preflight_infix: true,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Send `Access-Control-Allow-Origin: {origin}` on the preflight response: a full serialized origin.",
        explanation: "As invalid-allow-origin, on the OPTIONS response: a bare host name, an empty value, or a malformed URL.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightAllowOriginMismatch,
        id: "P04",
        name: "preflight-allow-origin-mismatch",
        chromium: Some("PreflightAllowOriginMismatch"),
        title: "The preflight's Access-Control-Allow-Origin names another origin",
        detail: DETAIL_MISMATCH,
        preflight_infix: true,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Send `Access-Control-Allow-Origin: {origin}` exactly on the preflight response (no trailing slash, no default port, same scheme and host).",
        explanation: "As allow-origin-mismatch, on the OPTIONS response. Also the form a tainted (`Origin: null`) or opaque-origin preflight takes when the server answers with a concrete origin.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightWildcardWithCredentials,
        id: "P05",
        name: "preflight-wildcard-with-credentials",
        chromium: Some("PreflightWildcardOriginNotAllowed"),
        title: "The preflight answers Access-Control-Allow-Origin: * for a credentialed request",
        detail: DETAIL_WILDCARD,
        preflight_infix: true,
        suffix: MessageSuffix::XhrCredentials,
        firefox: Some("CORSNotSupportingCredentials"),
        fix: "Answer the preflight with `Access-Control-Allow-Origin: {origin}` (not `*`) and `Access-Control-Allow-Credentials: true`.",
        explanation: "The preflight itself carries no credentials, but its CORS check uses the credentials mode of the actual request. With `include` the wildcard fails. The credentials mode is not recorded, so without evidence this cause is conditional.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightAllowCredentialsInvalid,
        id: "P06",
        name: "preflight-allow-credentials-invalid",
        chromium: Some("PreflightInvalidAllowCredentials"),
        title: "The preflight lacks Access-Control-Allow-Credentials: true for a credentialed request",
        detail: DETAIL_CREDENTIALS,
        preflight_infix: true,
        suffix: MessageSuffix::XhrCredentials,
        firefox: Some("CORSMissingAllowCredentials"),
        fix: "Send `Access-Control-Allow-Credentials: true` on the preflight response too, not only on the actual response.",
        explanation: "The origin matched but, for a credentialed actual request, the OPTIONS response's Access-Control-Allow-Credentials is absent or not exactly `true`. Servers often add it only to actual responses. Conditional unless the recording proves credentials.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightStatus405,
        id: "P07",
        name: "preflight-status-405",
        chromium: Some("PreflightInvalidStatus"),
        title: "The preflight was answered 405 Method Not Allowed",
        detail: DETAIL_STATUS,
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSPreflightDidNotSucceed3"),
        fix: "Handle `OPTIONS` on this route: answer the preflight with 204 and `Access-Control-Allow-Origin: {origin}`, `Access-Control-Allow-Methods: {method}`.",
        explanation: "The CORS headers passed but the status is 405: the router or framework has no OPTIONS handler for the route (the `Allow` header usually lists only the real method). A preflight needs an ok status (200-299). Without Access-Control-Allow-Origin the same response is reported as preflight-missing-allow-origin instead, because Chromium checks the origin first.",
        spec: SPEC_OK_STATUS,
    },
    CauseInfo {
        cause: CauseId::PreflightStatus401403,
        id: "P08",
        name: "preflight-status-401-403",
        chromium: Some("PreflightInvalidStatus"),
        title: "The preflight was rejected by authentication or a firewall (401/403)",
        detail: DETAIL_STATUS,
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSPreflightDidNotSucceed3"),
        fix: "Exempt `OPTIONS` preflights from authentication (they never carry cookies or `Authorization`): answer 204 with the CORS headers before the auth layer, WAF rule or gateway authorizer.",
        explanation: "The CORS headers passed but the status is 401 or 403: authentication, an API-gateway authorizer, an S3 policy or a WAF runs before the preflight is answered. Browsers never send credentials on a preflight, so such an endpoint can never be reached from a browser until OPTIONS is exempted.",
        spec: SPEC_OK_STATUS,
    },
    CauseInfo {
        cause: CauseId::PreflightStatus404,
        id: "P09",
        name: "preflight-status-404",
        chromium: Some("PreflightInvalidStatus"),
        title: "The preflight was answered 404 Not Found",
        detail: DETAIL_STATUS,
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSPreflightDidNotSucceed3"),
        fix: "Register an `OPTIONS` handler (or global CORS middleware) for this path so the preflight gets 204 with `Access-Control-Allow-Methods: {method}`.",
        explanation: "The CORS headers passed but the status is 404: the route is registered for the real method only, so OPTIONS falls through to the not-found handler (which some CORS middleware decorates).",
        spec: SPEC_OK_STATUS,
    },
    CauseInfo {
        cause: CauseId::PreflightStatus5xx,
        id: "P10",
        name: "preflight-status-5xx",
        chromium: Some("PreflightInvalidStatus"),
        title: "The preflight was answered with a server error (5xx)",
        detail: DETAIL_STATUS,
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSPreflightDidNotSucceed3"),
        fix: "Fix the server error on `OPTIONS` for this URL and answer the preflight with 204 and the CORS headers.",
        explanation: "The CORS headers passed but the status is 500-599: the OPTIONS request reached a handler that failed, or a gateway could not reach the backend.",
        spec: SPEC_OK_STATUS,
    },
    CauseInfo {
        cause: CauseId::PreflightStatusOther,
        id: "P11",
        name: "preflight-status-other",
        chromium: Some("PreflightInvalidStatus"),
        title: "The preflight was answered with a status outside 200-299",
        detail: DETAIL_STATUS,
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSPreflightDidNotSucceed3"),
        fix: "Answer the preflight with 204 (or 200) and the CORS headers.",
        explanation: "The CORS headers passed but the status is not an ok status (for example 304, 400, 409, 429). Rate limiters and request validators that also see OPTIONS are typical.",
        spec: SPEC_OK_STATUS,
    },
    CauseInfo {
        cause: CauseId::PreflightRedirect,
        id: "P12",
        name: "preflight-redirect",
        chromium: Some("PreflightDisallowedRedirect"),
        title: "The preflight was answered with a redirect",
        detail: "Redirect is not allowed for a preflight request.",
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: Some("CORSExternalRedirectNotAllowed"),
        fix: "Do not redirect `OPTIONS`: answer the preflight at this URL with 204 and the CORS headers, and have the page call the final URL (https, trailing slash) directly.",
        explanation: "A preflight must not be redirected; Chromium checks this first. Typical: http to https, a trailing slash added, a renamed path, or an SSO redirect. Browser-internal HSTS upgrades do not count.",
        spec: "https://fetch.spec.whatwg.org/#concept-http-fetch",
    },
    CauseInfo {
        cause: CauseId::PreflightNetworkError,
        id: "P13",
        name: "preflight-network-error",
        chromium: None,
        title: "The preflight got no HTTP response (connection, TLS or DNS failure)",
        detail: "{hint}",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSDidNotSucceed2"),
        fix: "Make the server answer `OPTIONS` for this URL: check what refuses, resets or times out the preflight (firewalls and load balancers that drop OPTIONS, TLS or DNS problems).",
        explanation: "The OPTIONS request failed below HTTP. Chromium then fails the actual request with the preflight's net error and reports no CORS error at all: the console shows only the net error. The preflight itself is a network error; the actual request is blocked by it.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowMethods,
        id: "P14",
        name: "preflight-invalid-allow-methods",
        chromium: Some("InvalidAllowMethodsPreflightResponse"),
        title: "Access-Control-Allow-Methods cannot be parsed",
        detail: "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSInvalidAllowMethod"),
        fix: "Send `Access-Control-Allow-Methods` as a comma-separated list of method tokens, e.g. `Access-Control-Allow-Methods: GET, POST, {method}`.",
        explanation: "An element of the comma-separated list is not an HTTP token: space-separated lists (`GET POST PUT`), semicolons, quotes. Chromium rejects the whole field.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::PreflightInvalidAllowHeaders,
        id: "P15",
        name: "preflight-invalid-allow-headers",
        chromium: Some("InvalidAllowHeadersPreflightResponse"),
        title: "Access-Control-Allow-Headers cannot be parsed",
        detail: "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSInvalidAllowHeader"),
        fix: "Send `Access-Control-Allow-Headers` as a comma-separated list of header names, e.g. `Access-Control-Allow-Headers: {header}`.",
        explanation: "An element of the comma-separated list is not an HTTP token, e.g. `Content-Type Authorization` separated by a space. Chromium rejects the whole field.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::MethodNotAllowed,
        id: "P16",
        name: "method-not-allowed",
        chromium: Some("MethodDisallowedByPreflightResponse"),
        title: "The preflight does not allow the request's method",
        detail: DETAIL_METHOD,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSMethodNotFound"),
        fix: "Add the method to the preflight response: `Access-Control-Allow-Methods: {method}`.",
        explanation: "The method is not GET, HEAD or POST and no element of Access-Control-Allow-Methods equals it. Typical: a CORS configuration listing only GET and POST while the client sends PUT, PATCH or DELETE.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::MethodCaseMismatch,
        id: "P17",
        name: "method-case-mismatch",
        chromium: Some("MethodDisallowedByPreflightResponse"),
        title: "Access-Control-Allow-Methods lists the method in another letter case",
        detail: DETAIL_METHOD,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSMethodNotFound"),
        fix: "List the method exactly as the request sends it: `Access-Control-Allow-Methods: {method}`; better, send methods in upper case from the client (`patch` is not normalized, `PATCH` is).",
        explanation: "Method matching is case-sensitive in the spec, Firefox, WebKit and Chromium (Chromium restores its old upper-casing only under an enterprise policy). `put` does not allow `PUT`, and a request sent as `patch` is not allowed by `PATCH`: only DELETE, GET, HEAD, OPTIONS, POST and PUT are normalized to upper case.",
        spec: "https://fetch.spec.whatwg.org/#concept-method-normalize",
    },
    CauseInfo {
        cause: CauseId::MethodWildcardWithCredentials,
        id: "P18",
        name: "method-wildcard-with-credentials",
        chromium: Some("MethodDisallowedByPreflightResponse"),
        title: "Access-Control-Allow-Methods: * does not cover a credentialed request",
        detail: DETAIL_METHOD,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSMethodNotFound"),
        fix: "List the method by name: `Access-Control-Allow-Methods: {method}`; `*` is a literal method name for credentialed requests.",
        explanation: "The method is allowed only through `*`, which counts as a wildcard only for requests without credentials. Conditional unless the recording proves credentials.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::HeaderNotAllowed,
        id: "P19",
        name: "header-not-allowed",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
        title: "The preflight does not allow a header the request sets",
        detail: DETAIL_HEADER,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSMissingAllowHeaderFromPreflight2"),
        fix: "Add the header to the preflight response: `Access-Control-Allow-Headers: {header}`.",
        explanation: "A CORS-unsafe request header (listed in the preflight's Access-Control-Request-Headers) is missing from Access-Control-Allow-Headers. Typical: `content-type` for JSON bodies, `authorization`, `x-api-key`, `x-requested-with`, tracing headers added by a client library. Chromium names the first missing header in the request's header order, lower-cased; Firefox names the first in sorted order.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::HeaderWildcardWithCredentials,
        id: "P20",
        name: "header-wildcard-with-credentials",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
        title: "Access-Control-Allow-Headers: * does not cover a credentialed request",
        detail: DETAIL_HEADER,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSMissingAllowHeaderFromPreflight2"),
        fix: "List the header by name: `Access-Control-Allow-Headers: {header}`; `*` is a literal header name for credentialed requests.",
        explanation: "The headers are allowed only through `*`, which counts as a wildcard only for requests without credentials. Conditional unless the recording proves credentials.",
        spec: SPEC_PREFLIGHT,
    },
    CauseInfo {
        cause: CauseId::AuthorizationNotCoveredByWildcard,
        id: "P21",
        name: "authorization-not-covered-by-wildcard",
        chromium: Some("HeaderDisallowedByPreflightResponse"),
        title: "Access-Control-Allow-Headers: * does not cover Authorization",
        detail: DETAIL_HEADER,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "List `Authorization` explicitly: `Access-Control-Allow-Headers: authorization, *`; the wildcard never covers it.",
        explanation: "`Authorization` is the one CORS non-wildcard request-header name: `*` in Access-Control-Allow-Headers never covers it. Google Chrome enforces this (the hint is `authorization`, pref `kCorsNonWildcardRequestHeadersSupport`); Firefox and Safari allow it (Firefox 153 ESR sent the recorded request without a console message), and so does plain Chromium without Chrome's preference (Debian Chromium 156 sent the request and raised only the AuthorizationCoveredByWildcard deprecation issue). Judged as Chromium, corscope reports it as blocking when the recording shows the request was not sent, and as the `authorization-covered-by-wildcard` warning when it was; judged as Firefox or Safari it is only that warning.",
        spec: "https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name",
    },
    CauseInfo {
        cause: CauseId::PnaMissingAllowPrivateNetwork,
        id: "P22",
        name: "pna-missing-allow-private-network",
        chromium: Some("PreflightMissingAllowPrivateNetwork"),
        title: "A private-network preflight lacks Access-Control-Allow-Private-Network",
        detail: "No 'Access-Control-Allow-Private-Network' header was present in the preflight response for this private network request targeting the `{space}` address space.",
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Answer the private-network preflight with `Access-Control-Allow-Private-Network: true`.",
        explanation: "Private Network Access era Chromium (about M104 until Local Network Access replaced it) sent `Access-Control-Request-Private-Network: true` on preflights to less public address spaces and expected `Access-Control-Allow-Private-Network: true`. By default Chromium only warned (the enforcing feature stayed off), so corscope reports it as blocking only when the recording shows the request failed; otherwise it is a warning. Current Chrome sends no such preflights.",
        spec: SPEC_PNA,
    },
    CauseInfo {
        cause: CauseId::PnaInvalidAllowPrivateNetwork,
        id: "P23",
        name: "pna-invalid-allow-private-network",
        chromium: Some("PreflightInvalidAllowPrivateNetwork"),
        title: "A private-network preflight's Access-Control-Allow-Private-Network is not `true`",
        detail: "The 'Access-Control-Allow-Private-Network' header in the preflight response for this private network request targeting the `{space}` address space had a value of '{hint}',  not 'true'.",
        preflight_infix: true,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Send `Access-Control-Allow-Private-Network: true` exactly.",
        explanation: "As pna-missing-allow-private-network, with a value other than `true`. Warning-only in default Private Network Access era Chromium; blocking only when the recording shows the failure.",
        spec: SPEC_PNA,
    },
    CauseInfo {
        cause: CauseId::RedirectContainsCredentials,
        id: "R01",
        name: "redirect-contains-credentials",
        chromium: Some("RedirectContainsCredentials"),
        title: "A CORS request was redirected to a URL with a user name or password",
        detail: "Redirect location '{hint}' contains a username and password, which is disallowed for cross-origin requests.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSDidNotSucceed2"),
        fix: "Redirect to a URL without user name and password; pass credentials in a header instead.",
        explanation: "The Location of a redirect on a CORS request has userinfo (`https://user:pass@host/`, `user:@`, `:pass@`) and leads to another origin. A request that starts same-origin is a CORS request from the hop that leaves the origin, so the same-origin redirect is judged too. Chromium never fills the hint for this error, so its console shows `Redirect location ''`; the evidence names the real Location. Firefox 153 fails the request with the generic CORSDidNotSucceed2 (\"CORS request did not succeed\", status `(null)`) and names the redirecting URL.",
        spec: SPEC_REDIRECT,
    },
    CauseInfo {
        cause: CauseId::RedirectDisallowedScheme,
        id: "R02",
        name: "redirect-disallowed-scheme",
        chromium: Some("CorsDisabledScheme"),
        title: "A CORS request was redirected to a non-HTTP(S) URL",
        detail: DETAIL_SCHEMES,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSRequestNotHttp"),
        fix: "Redirect only to http or https URLs.",
        explanation: "The Location's scheme is not http or https (`ftp:`, `file:`, a custom app scheme). The Fetch standard makes it a network error; Chromium 156 reports CorsDisabledScheme on the redirected request (the console names the Location URL, \"redirected from\" the original one), not the plain net error the reference expected. The redirect response itself carries the evidence: the redirected request never reaches the network. Firefox 153 reports CORSRequestNotHttp naming the Location URL.",
        spec: SPEC_REDIRECT,
    },
    CauseInfo {
        cause: CauseId::DisallowedByMode,
        id: "R03",
        name: "disallowed-by-mode",
        chromium: Some("DisallowedByMode"),
        title: "A same-origin-mode request went to another origin",
        detail: "Cross origin requests are not allowed by request mode.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CheckSameOriginError"),
        fix: "Use `mode: 'cors'` (the default for fetch) for cross-origin URLs, or request a same-origin URL.",
        explanation: "fetch with `mode: 'same-origin'` to a cross-origin URL fails before anything is sent. A recording cannot show it reliably: the request never reaches the network and the HAR keeps only provisional headers without Sec-Fetch-Mode, so corscope never reports this cause from a recording.",
        spec: SPEC_MAIN,
    },
    CauseInfo {
        cause: CauseId::CorsDisabledScheme,
        id: "R04",
        name: "cors-disabled-scheme",
        chromium: Some("CorsDisabledScheme"),
        title: "A CORS request was made to a URL scheme that does not support CORS",
        detail: DETAIL_SCHEMES,
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: Some("CORSRequestNotHttp"),
        fix: "Serve the resource over http or https (for local development run a local web server instead of opening `file:` URLs).",
        explanation: "fetch or XHR in cors mode to a `file:` or custom-scheme URL. The scheme list in the message varies by Chromium build. corscope reports it for a recorded fetch/XHR entry whose URL is not http(s) and which the browser failed with net::ERR_FAILED.",
        spec: SPEC_MAIN,
    },
    CauseInfo {
        cause: CauseId::NoCorsRedirectMode,
        id: "R05",
        name: "no-cors-redirect-mode",
        chromium: Some("NoCorsRedirectModeNotFollow"),
        title: "A no-cors request used a redirect mode other than follow",
        detail: "No-cors requests must use redirect mode 'follow'.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Use `redirect: 'follow'` with `mode: 'no-cors'`, or use `mode: 'cors'`.",
        explanation: "Raised by Blink before the request is sent and reported only as a DevTools issue (the detail above is corscope's wording: Chromium has no console template for it). Recordings do not carry the redirect mode, so corscope never reports this cause from a recording.",
        spec: SPEC_MAIN,
    },
    CauseInfo {
        cause: CauseId::InsecureLocalNetwork,
        id: "R06",
        name: "insecure-local-network",
        chromium: Some("InsecureLocalNetwork"),
        title: "A page that is not a secure context requested a more private address space",
        detail: "The request client is not a secure context and the resource is in more-private address space `{space}`.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Serve the requesting page over https (a secure context), or serve the resource from a public address.",
        explanation: "Local Network Access: an http page on a public address requesting a local or loopback address (or a local page requesting loopback). Chromium stops such a request before it reaches the network, so recorders keep little of it (Playwright: `_failureText: net::ERR_FAILED` and no response). corscope reports this cause when the browser failed a request with net::ERR_FAILED and no response, and the recording shows the page's host at a public address and the target host at a private or loopback one (their `serverIPAddress` or capture endpoints), and the page is not https.",
        spec: SPEC_LNA,
    },
    CauseInfo {
        cause: CauseId::LocalNetworkPermissionDenied,
        id: "R07",
        name: "local-network-permission-denied",
        chromium: Some("LocalNetworkAccessPermissionDenied"),
        title: "The Local Network Access permission was denied",
        detail: "Permission was denied for this request to access the `{space}` address space.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Grant the page the Local Network Access permission, or serve the resource from a public address.",
        explanation: "Current Chrome asks the user before a secure page reaches a local or loopback address. The permission state is in no recording; corscope reports this cause when the browser failed a request with net::ERR_FAILED and no response, the recording shows the page's host at a public address and the target host at a private or loopback one, and the page is https (a secure context, so the permission is what stopped it).",
        spec: SPEC_LNA,
    },
    CauseInfo {
        cause: CauseId::LocalNetworkAddressSpaceMismatch,
        id: "R08",
        name: "local-network-address-space-mismatch",
        chromium: Some("InvalidLocalNetworkAccess"),
        title: "The resource is not in the address space the request declared",
        detail: "Request had a target IP address space of `{target}` yet the resource is in address space `{space}`.",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Pass the right `targetAddressSpace` to fetch, or fix DNS so the host resolves to the expected address space.",
        explanation: "fetch with `targetAddressSpace` connected to an address in another space. The declared target is not recorded, so corscope never reports this cause from a recording.",
        spec: SPEC_LNA,
    },
    CauseInfo {
        cause: CauseId::AllowOriginRewrittenByProxy,
        id: "X01",
        name: "allow-origin-rewritten-by-proxy",
        chromium: Some("AllowOriginMismatch"),
        title: "A proxy rewrote the Access-Control-Allow-Origin the origin server sent",
        detail: DETAIL_MISMATCH,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSAllowOriginNotMatchingOrigin"),
        fix: "Make the proxy pass the upstream `Access-Control-Allow-Origin` unchanged (the client must see `{origin}`), or let exactly one layer own the CORS headers.",
        explanation: "The upstream leg of the proxy carries a different Access-Control-Allow-Origin than the client leg, and the client's value fails the check. Typical: a proxy `add_header`/`set` rule with a fixed origin overriding the application's reflected one, or a CDN serving a cached value. Needs both legs in the capture.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::HeaderDuplicatedByProxy,
        id: "X02",
        name: "header-duplicated-by-proxy",
        chromium: Some("MultipleAllowOriginValues"),
        title: "A proxy added a second Access-Control-Allow-Origin on top of the origin server's",
        detail: DETAIL_MULTIPLE,
        preflight_infix: false,
        suffix: MessageSuffix::FetchValidValue,
        firefox: Some("CORSMultipleAllowOriginNotAllowed"),
        fix: "Let only one layer add CORS headers: remove them from the proxy (nginx `proxy_hide_header Access-Control-Allow-Origin` or drop the `add_header`) or from the application.",
        explanation: "The upstream leg has one Access-Control-Allow-Origin and the client leg more: the proxy added its own. The joined value contains a comma, so Chromium reports multiple values. Needs both legs in the capture; with one leg it shows as multiple-allow-origin.",
        spec: SPEC_CORS_CHECK,
    },
    CauseInfo {
        cause: CauseId::BlockedCauseNotRecorded,
        id: "U01",
        name: "blocked-cause-not-recorded",
        chromium: None,
        title: "The browser blocked the request, and the recording does not keep what decided it",
        detail: "{hint}",
        preflight_infix: false,
        suffix: MessageSuffix::None,
        firefox: None,
        fix: "Record the same traffic where the deciding headers are kept: a Chrome or Edge DevTools HAR export (it keeps the blocked response's headers and the preflight), or a pcap/pcapng capture of the HTTP traffic; then run corscope on that recording.",
        explanation: "A cross-origin request failed with exactly net::ERR_FAILED, which is how Chromium fails every CORS block (other failures have their own codes: ERR_CONNECTION_REFUSED, ERR_ABORTED, ERR_BLOCKED_BY_CLIENT, ...), and the recording holds no response and no preflight that would tell which check failed. Playwright's recordHar drops the response of a blocked request (status -1, `_failureText`) and never records preflights; DevTools keeps nothing of a request stopped before the network. The verdict is certain, the cause is not in the file. Where the recording shows the page's host at a public address and the target at a private or loopback one, the Local Network Access cause is named instead.",
        spec: SPEC_CORS_CHECK,
    },
];

impl CauseId {
    /// Static facts about this cause.
    pub fn info(self) -> &'static CauseInfo {
        // CAUSES is in declaration order; the test below keeps it so.
        &CAUSES[self as usize]
    }

    /// Looks a cause up by id (`A01`), name (`missing-allow-origin`) or Chromium name
    /// (`MissingAllowOriginHeader`, first row holding it), ASCII-case-insensitive.
    pub fn find(key: &str) -> Option<CauseId> {
        CAUSES
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key))
            .or_else(|| {
                CAUSES
                    .iter()
                    .find(|c| c.chromium.is_some_and(|n| n.eq_ignore_ascii_case(key)))
            })
            .map(|c| c.cause)
    }
}

/// A non-blocking warning.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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
    /// `authorization-covered-by-wildcard`: `Authorization` was allowed only through
    /// `Access-Control-Allow-Headers: *` (blocked by Google Chrome and the spec).
    AuthorizationCoveredByWildcard,
    /// `pna-preflight-failed-warning`: a Private Network Access preflight lacked
    /// `Access-Control-Allow-Private-Network: true` (warning-only in Chromium by default).
    PnaPreflightFailed,
    /// `recorded-completion-overrides-check`: the recorder shows the request completed, though
    /// its recorded headers fail the CORS check.
    RecordedCompletionOverridesCheck,
}

/// Static facts about a warning, for `corscope explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarningInfo {
    /// The warning.
    pub warning: WarningId,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// One line saying what was seen.
    pub title: &'static str,
    /// Why it matters and what to change.
    pub explanation: &'static str,
}

/// Every warning, in declaration order.
pub const WARNINGS: &[WarningInfo] = &[
    WarningInfo {
        warning: WarningId::VaryOriginMissing,
        name: "vary-origin-missing",
        title: "Access-Control-Allow-Origin echoes the request origin but Vary lacks Origin",
        explanation: "A cache (the browser's, a CDN's) may store this response and serve it to a page of another origin, whose request then fails with cached-response-wrong-origin. Send `Vary: Origin` on every response whose CORS headers depend on the request, rejections included.",
    },
    WarningInfo {
        warning: WarningId::OriginReflectionWithCredentials,
        name: "origin-reflection-with-credentials",
        title: "The server reflects any Origin with Access-Control-Allow-Credentials: true",
        explanation: "Several origins (or `null`) were echoed back with credentials allowed: any site can read this API with the user's cookies. Check the Origin against an allow-list before reflecting it.",
    },
    WarningInfo {
        warning: WarningId::AllowsNullOrigin,
        name: "allows-null-origin",
        title: "Access-Control-Allow-Origin: null",
        explanation: "Sandboxed iframes and data: or file: documents of any site send `Origin: null`, so allowing `null` allows them all, dangerously so with credentials.",
    },
    WarningInfo {
        warning: WarningId::WildcardWithAcacTrue,
        name: "wildcard-with-acac-true",
        title: "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true",
        explanation: "This works only for requests without credentials; a credentialed caller hits wildcard-with-credentials. Reflect the allowed origin instead of `*` if credentials are meant to work.",
    },
    WarningInfo {
        warning: WarningId::MaxAgeAboveCap,
        name: "max-age-above-cap",
        title: "Access-Control-Max-Age exceeds what browsers keep",
        explanation: "Browsers clamp the preflight cache lifetime: WebKit at 600 s, Chromium at 7200 s, Firefox at 86400 s. Larger values are silently reduced.",
    },
    WarningInfo {
        warning: WarningId::MaxAgeInvalid,
        name: "max-age-invalid",
        title: "Access-Control-Max-Age is not a non-negative integer",
        explanation: "Chromium and WebKit fall back to 5 s for an unparsable value and use 0 for a negative one; Firefox does not cache the preflight at all. Send one field line with digits only.",
    },
    WarningInfo {
        warning: WarningId::AllowMethodsNotUppercase,
        name: "allow-methods-not-uppercase",
        title: "Access-Control-Allow-Methods lists methods in lower or mixed case",
        explanation: "Method matching is case-sensitive: `put` does not allow `PUT`. List methods in upper case.",
    },
    WarningInfo {
        warning: WarningId::MethodNotNormalized,
        name: "method-not-normalized",
        title: "The request method is not upper case and is not normalized by the browser",
        explanation: "Only DELETE, GET, HEAD, OPTIONS, POST and PUT are upper-cased by the browser; `patch` goes out as `patch`, servers often reject it and Access-Control-Allow-Methods must match it byte for byte. Use `PATCH` in the client.",
    },
    WarningInfo {
        warning: WarningId::CorsRedirect,
        name: "cors-redirect",
        title: "A CORS request was redirected",
        explanation: "Every hop is checked separately, may need its own preflight, and a cross-origin hop taints the origin to `null` and drops Authorization. Call the final URL directly.",
    },
    WarningInfo {
        warning: WarningId::PreflightMissing,
        name: "preflight-missing",
        title: "The request needed a preflight but none was recorded",
        explanation: "No preflight for this request is in the recording and none recorded earlier still covers it. The browser may have had one cached from before the recording started, or the recorder does not record preflights (Playwright); the request itself is judged on its response.",
    },
    WarningInfo {
        warning: WarningId::CredentialedWithoutCookies,
        name: "credentialed-without-cookies",
        title: "The request was credentialed but no cookie was sent",
        explanation: "The browser's failure proves credentials mode include, yet no Cookie header was recorded: third-party cookie blocking, SameSite or a sanitized export. Not a CORS problem in itself, but the request may not be authenticated once CORS is fixed.",
    },
    WarningInfo {
        warning: WarningId::AuthorizationCoveredByWildcard,
        name: "authorization-covered-by-wildcard",
        title: "Authorization is allowed only through Access-Control-Allow-Headers: *",
        explanation: "The recorded browser sent the request, but the Fetch standard and Google Chrome never let `*` cover `Authorization`: there the request fails with authorization-not-covered-by-wildcard. List `authorization` explicitly in Access-Control-Allow-Headers.",
    },
    WarningInfo {
        warning: WarningId::PnaPreflightFailed,
        name: "pna-preflight-failed-warning",
        title: "A Private Network Access preflight was not answered with Access-Control-Allow-Private-Network: true",
        explanation: "Private Network Access era Chromium only warned about this by default. Answer such preflights with `Access-Control-Allow-Private-Network: true`; current Chrome uses Local Network Access permissions instead.",
    },
    WarningInfo {
        warning: WarningId::RecordedCompletionOverridesCheck,
        name: "recorded-completion-overrides-check",
        title: "The recorder shows the request completed, though its recorded headers fail the CORS check",
        explanation: "Chrome and Edge DevTools, Playwright and Safari mark every request the browser failed, and chrome-har leaves them out: this one completed, so the browser did not block it, and the verdict follows the recording. The recorded headers are then not the ones the browser checked (chrome-har writes a redirect's response headers on the final hop of the redirect), or the request was not a CORS request (a form submission, a request made by an extension).",
    },
];

impl WarningId {
    /// Static facts about this warning.
    pub fn info(self) -> &'static WarningInfo {
        // WARNINGS is in declaration order; the test below keeps it so.
        &WARNINGS[self as usize]
    }

    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a warning up by name, ASCII-case-insensitive.
    pub fn find(key: &str) -> Option<WarningId> {
        WARNINGS
            .iter()
            .find(|w| w.name.eq_ignore_ascii_case(key))
            .map(|w| w.warning)
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
        assert_eq!(blocking, 45);
    }

    #[test]
    fn every_row_is_documented() {
        for c in CAUSES {
            assert!(!c.title.is_empty(), "{} title", c.name);
            assert!(!c.detail.is_empty(), "{} detail", c.name);
            assert!(!c.fix.is_empty(), "{} fix", c.name);
            assert!(c.explanation.len() > 40, "{} explanation", c.name);
            assert!(c.spec.starts_with("https://"), "{} spec", c.name);
            assert!(
                c.detail.ends_with('.') || c.detail == "{hint}",
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn every_firefox_key_has_firefox_s_text() {
        for c in CAUSES {
            if let Some(key) = c.firefox {
                assert!(
                    super::super::reasons::firefox(key).is_some(),
                    "{}: {key}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn preflight_infix_follows_chromium_is_preflight_error() {
        for c in CAUSES {
            let chromium_preflight = c.chromium.is_some_and(|n| n.starts_with("Preflight"));
            assert_eq!(c.preflight_infix, chromium_preflight, "{}", c.name);
        }
    }

    #[test]
    fn warnings_are_in_declaration_order_and_documented() {
        let mut names = HashSet::new();
        for (i, w) in WARNINGS.iter().enumerate() {
            assert_eq!(w.warning as usize, i, "{} out of order", w.name);
            assert!(names.insert(w.name));
            assert!(!w.title.is_empty() && !w.explanation.is_empty());
            assert_eq!(WarningId::find(w.name), Some(w.warning));
        }
    }

    #[test]
    fn find_accepts_chromium_names() {
        assert_eq!(
            CauseId::find("PreflightInvalidStatus"),
            Some(CauseId::PreflightStatus405)
        );
        assert_eq!(CauseId::find("no-such-cause"), None);
    }
}
