//! Findings: the exchanges of a run grouped into what is broken, where, for whom and since
//! when. One finding per (server origin, route, page origin, rule) and kind, where the route
//! is the URL path with its identifiers collapsed ([`route()`]), with the number of exchanges,
//! of distinct clients, the first and last time seen (capture time), an example exchange with
//! its message, evidence and fix, and a stable [`fingerprint()`].
//!
//! Kinds, in the order of impact reports sort by:
//! - `blocked`: requests the browser blocked, by the cause it reports (a failed preflight is
//!   counted through the request it stopped, as the summary counts it);
//! - `security`: an allow-list that trusts too much ([`security`]): credentialed origin
//!   reflection and `null` allowed (engine warnings), `http:` origins trusted by an `https:`
//!   server and credentials for many subdomains (judged here);
//! - `if-credentialed`: allowed requests that would be blocked if they were credentialed,
//!   where the recording cannot tell whether they were;
//! - `latent`: requests the recording proves were not blocked (their recorder marks or drops
//!   every failed request) that would be blocked if they were credentialed: a latent risk, at
//!   the level of a warning;
//! - `warning`: every other engine warning.
//!
//! Within a kind, findings with more exchanges come first, then more clients, then by rule,
//! server, route and page, so that the order is total and reports are deterministic.
//!
//! Clients are client IP addresses where the recording has them (captures); a HAR is one
//! browser, so each HAR input counts as one client.
//!
//! Memory is bounded by the number of distinct findings, never by exchanges: at most
//! [`MAX_FINDINGS`] findings are kept (exchanges of further ones are counted in
//! [`Findings::folded`]), each counting at most [`MAX_CLIENTS`] distinct clients exactly
//! (then "at least") and keeping one example. Findings built on different threads merge in
//! report order, so the same run gives the same findings with any number of threads.

mod collect;
pub mod fingerprint;
mod key;
pub mod route;
pub mod security;
mod tally;

pub use collect::{Findings, Observation, MAX_CLIENTS, MAX_FINDINGS};
pub use fingerprint::{fingerprint, FINGERPRINT_VERSION};
pub use route::route;
pub use security::{Grant, SecurityId, SecurityInfo, SECURITY};

use crate::model::{CauseId, Evidence, Location, StackFix, Timestamp, WarningId};

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// Requests the browser blocked.
    Blocked,
    /// An allow-list that trusts too much.
    Security,
    /// Allowed requests that would be blocked if credentialed, where the recording cannot
    /// tell whether they were.
    IfCredentialed,
    /// Requests the recording proves completed that would be blocked if credentialed.
    Latent,
    /// Other non-blocking warnings.
    Warning,
}

impl FindingKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Blocked => "blocked",
            FindingKind::Security => "security",
            FindingKind::IfCredentialed => "if-credentialed",
            FindingKind::Latent => "latent",
            FindingKind::Warning => "warning",
        }
    }
}

/// The catalogue row a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A blocking cause.
    Cause(CauseId),
    /// An engine warning.
    Warning(WarningId),
    /// A security class judged over the run.
    Security(SecurityId),
}

impl Rule {
    /// Stable rule id: a cause's short id (`A01`), a warning's or security class's name.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Cause(c) => c.info().id,
            Rule::Warning(w) => w.name(),
            Rule::Security(s) => s.name(),
        }
    }

    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Cause(c) => c.info().name,
            Rule::Warning(w) => w.name(),
            Rule::Security(s) => s.name(),
        }
    }

    /// One line saying what the rule is about.
    pub fn title(self) -> &'static str {
        match self {
            Rule::Cause(c) => c.info().title,
            Rule::Warning(w) => w.info().title,
            Rule::Security(s) => s.info().title,
        }
    }

    /// Chromium's `CorsError` name, for causes that have one.
    pub fn chromium(self) -> Option<&'static str> {
        match self {
            Rule::Cause(c) => c.info().chromium,
            _ => None,
        }
    }
}

/// The first exchange of a finding, in report order, with what it showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// Input index.
    pub input: usize,
    /// Sequence number within the input.
    pub seq: u64,
    /// Where it is in its input.
    pub location: Location,
    /// Method as sent.
    pub method: String,
    /// URL.
    pub url: String,
    /// The console message (causes) or the warning's message.
    pub message: String,
    /// The fix.
    pub fix: String,
    /// The evidence, primary first (empty for warnings, which carry none).
    pub evidence: Vec<Evidence>,
    /// The fix in the configuration of the server stack the recording shows, when known.
    pub stack_fix: Option<StackFix>,
}

/// One finding: a problem of one kind and rule, between one page origin and one route of one
/// server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteFinding {
    /// Kind.
    pub kind: FindingKind,
    /// Rule.
    pub rule: Rule,
    /// Server origin (`https://api.example.com`).
    pub server: String,
    /// Templated route (`/v1/items/{id}`), or `*` for a server-wide finding.
    pub route: String,
    /// Page origin (`https://app.example.com`), a pattern (`*.example.com`) for
    /// `subdomains-trusted`, or empty when the recording has none.
    pub page: String,
    /// Exchanges of this finding (blocked requests for `blocked`).
    pub exchanges: u64,
    /// Distinct clients, exact up to [`MAX_CLIENTS`].
    pub clients: u64,
    /// Whether `clients` reached [`MAX_CLIENTS`] (so it is a lower bound).
    pub clients_capped: bool,
    /// Start time of the earliest exchange.
    pub first_seen: Option<Timestamp>,
    /// Start time of the latest exchange.
    pub last_seen: Option<Timestamp>,
    /// The first exchange.
    pub example: Example,
}

impl RouteFinding {
    /// The finding's stable fingerprint (see [`fingerprint()`]).
    pub fn fingerprint(&self) -> String {
        fingerprint(
            self.kind.as_str(),
            self.rule.id(),
            &self.server,
            &self.route,
            &self.page,
        )
    }
}

#[cfg(test)]
mod tests;
