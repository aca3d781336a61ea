//! What the CORS engine concludes about an exchange: its kind, verdict, causes with evidence,
//! and non-blocking warnings. Produced by `cors`, laid out by `report`.

use super::cause::{CauseId, WarningId};
use super::exchange::Exchange;

/// Sequence number of an exchange within one input, in the order the engine received it
/// (inferred exchanges get their own numbers).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ExchangeId(pub u64);

/// How the Fetch standard treats an exchange.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ExchangeKind {
    /// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
    Preflight,
    /// A CORS request: cross-origin, mode `cors`.
    Cors,
    /// Same-origin with the requesting page.
    SameOrigin,
    /// Not subject to CORS: navigation, no-cors, no `Origin`, non-browser client.
    NotCors,
}

impl ExchangeKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeKind::Preflight => "preflight",
            ExchangeKind::Cors => "cors",
            ExchangeKind::SameOrigin => "same-origin",
            ExchangeKind::NotCors => "not-cors",
        }
    }
}

/// The verdict on one exchange.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Verdict {
    /// The browser let the page read the response.
    Allowed,
    /// The browser blocked it (CORS).
    Blocked,
    /// The recording cannot decide; the assessment says why.
    Indeterminate,
    /// It failed for a reason that is not CORS (connection, DNS, TLS, client block, abort).
    NetworkError,
    /// CORS does not apply.
    NotApplicable,
}

impl Verdict {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Blocked => "blocked",
            Verdict::Indeterminate => "indeterminate",
            Verdict::NetworkError => "network-error",
            Verdict::NotApplicable => "not-applicable",
        }
    }
}

/// Which response or request a piece of evidence was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EvidenceSource {
    /// The request of the exchange being judged.
    Request,
    /// The response of the exchange being judged.
    Response,
    /// The preflight's request.
    PreflightRequest,
    /// The preflight's response.
    PreflightResponse,
    /// A redirect response on the way.
    Redirect,
    /// The same exchange on the far side of a proxy (backend leg).
    Upstream,
    /// Another exchange, named by `exchange`.
    Other,
}

impl EvidenceSource {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceSource::Request => "request",
            EvidenceSource::Response => "response",
            EvidenceSource::PreflightRequest => "preflight-request",
            EvidenceSource::PreflightResponse => "preflight-response",
            EvidenceSource::Redirect => "redirect",
            EvidenceSource::Upstream => "upstream",
            EvidenceSource::Other => "other",
        }
    }
}

/// One fact a cause rests on: a header (or its absence) of one message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Which message.
    pub source: EvidenceSource,
    /// The exchange it belongs to.
    pub exchange: ExchangeId,
    /// Header name as it should be read (`Access-Control-Allow-Origin`), or `None` for the
    /// status line or the message as a whole.
    pub header: Option<String>,
    /// The recorded value(s), each field line separately; empty when the header is absent.
    pub values: Vec<String>,
    /// The decisive fact (the guilty header) rather than context.
    pub primary: bool,
    /// One line saying what this shows.
    pub note: String,
}

/// A blocking cause found on an exchange.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// Which cause.
    pub cause: CauseId,
    /// The `CorsError` Chromium reports for it here: the row's, or its preflight form when a
    /// proxy row is found on a preflight (`None` where Chromium reports only a net error).
    #[serde(deserialize_with = "super::interned::static_str_opt")]
    pub chromium: Option<super::interned::StaticName>,
    /// The reason key Firefox reports for it here (`security.properties`), when it has one:
    /// the row's, or the one Firefox's own check reaches where it counts differently
    /// (several `Access-Control-Allow-Origin` values).
    #[serde(deserialize_with = "super::interned::static_str_opt")]
    pub firefox: Option<super::interned::StaticName>,
    /// Chromium's `CorsErrorStatus.failed_parameter`, when it has one.
    pub failed_parameter: Option<String>,
    /// The console message of the browser the exchange is judged as, filled in.
    pub message: String,
    /// A concrete fix naming the header and value to send.
    pub fix: String,
    /// This cause applies only if the request was credentialed, which the recording does not
    /// show.
    pub if_credentialed: bool,
    /// A latent risk rather than a block: the cause applies only if the request was
    /// credentialed, and the recording proves it was not blocked (the recorder marks or drops
    /// every request the browser failed, and this one completed). Always with
    /// `if_credentialed`.
    pub latent: bool,
    /// Evidence, primary first.
    pub evidence: Vec<Evidence>,
    /// The fix in the configuration of the server stack the recording shows, when one was
    /// recognised (filled in after judging; the engine leaves it `None`).
    pub stack_fix: Option<StackFix>,
}

/// The fix of a cause in one server stack's configuration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StackFix {
    /// The stack's id (`nginx`, `express`, `aws-cloudfront`).
    #[serde(deserialize_with = "super::interned::static_str")]
    pub stack: super::interned::StaticName,
    /// The stack's name as shown.
    #[serde(deserialize_with = "super::interned::static_str")]
    pub name: super::interned::StaticName,
    /// The header line that named the stack.
    pub evidence: String,
    /// The exchange whose response showed it.
    pub exchange: Option<ExchangeId>,
    /// The configuration's language (`nginx`, `javascript`, `yaml`).
    #[serde(deserialize_with = "super::interned::static_str")]
    pub language: super::interned::StaticName,
    /// The configuration, filled with the request's origin, methods and headers.
    pub config: String,
}

/// A non-blocking observation worth fixing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    /// Which warning.
    pub id: WarningId,
    /// One line, filled in.
    pub message: String,
}

/// The engine's judgement of one exchange (recorded or inferred).
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// Sequence number within the input.
    pub id: ExchangeId,
    /// The exchange (for an inferred one, what the browser would have sent).
    pub exchange: Exchange,
    /// Kind.
    pub kind: ExchangeKind,
    /// The origin the request was made from (sent `Origin`, or inferred from its preflight or
    /// page), serialized.
    pub origin: Option<String>,
    /// The page's own origin when it differs from `origin` (a tainted `null` after a redirect).
    pub page_origin: Option<String>,
    /// Whether it reached the network. `false` for a request a failed preflight stopped.
    pub sent: bool,
    /// The preflight that authorised (or refused) it.
    pub preflight: Option<ExchangeId>,
    /// The preflight-cache entry it was served from, when no preflight was recorded for it.
    pub preflight_cached_from: Option<ExchangeId>,
    /// Verdict.
    pub verdict: Verdict,
    /// Blocking causes, the browser's reported one first.
    pub causes: Vec<Finding>,
    /// Non-blocking warnings.
    pub warnings: Vec<Warning>,
    /// Why the verdict is indeterminate or a network error, or other context, in one line.
    pub note: Option<String>,
    /// The CORS-unsafe request-header names the request was judged by (lower case, in request
    /// order; what the browser adds by itself, such as a revalidation's conditional headers,
    /// left out), when it was judged as a CORS request.
    pub unsafe_names: Option<Vec<String>>,
}

impl Assessment {
    /// The cause the browser reports: the first one that is not conditional on credentials,
    /// else the first.
    pub fn primary_cause(&self) -> Option<&Finding> {
        self.causes
            .iter()
            .find(|f| !f.if_credentialed)
            .or_else(|| self.causes.first())
    }

    /// Whether every cause is a latent risk (see [`Finding::latent`]).
    pub fn only_latent(&self) -> bool {
        !self.causes.is_empty() && self.causes.iter().all(|f| f.latent)
    }
}
