//! What must change for a cause, independent of the stack ([`Remedy`]), the values a snippet
//! is filled with ([`Params`]), and the choice of the stack whose configuration is shown.

use super::detect::Sighting;
use super::snippets;
use crate::model::{CauseId, StackFix};

/// What must change on the server for a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Remedy {
    /// Send `Access-Control-Allow-Origin` with the request's origin.
    AllowOrigin,
    /// Send the exact origin with `Access-Control-Allow-Credentials: true`.
    AllowCredentials,
    /// Send the CORS headers on error (and redirect) responses too.
    OnErrors,
    /// Let only one layer add `Access-Control-Allow-Origin`.
    OneLayer,
    /// Make the proxy pass the application's CORS headers through.
    ProxyPassThrough,
    /// Answer `OPTIONS` preflights with 2xx and the CORS headers, before authentication and
    /// routing.
    AnswerPreflight,
    /// Answer preflights without redirecting.
    NoPreflightRedirect,
    /// List the request's method in `Access-Control-Allow-Methods`.
    AllowMethods,
    /// List the request's headers in `Access-Control-Allow-Headers`.
    AllowHeaders,
    /// Vary on `Origin` and key caches on it.
    VaryOrigin,
    /// Send `Access-Control-Allow-Private-Network: true` on preflights.
    PrivateNetwork,
}

impl Remedy {
    /// Every remedy.
    pub const ALL: [Remedy; 11] = [
        Remedy::AllowOrigin,
        Remedy::AllowCredentials,
        Remedy::OnErrors,
        Remedy::OneLayer,
        Remedy::ProxyPassThrough,
        Remedy::AnswerPreflight,
        Remedy::NoPreflightRedirect,
        Remedy::AllowMethods,
        Remedy::AllowHeaders,
        Remedy::VaryOrigin,
        Remedy::PrivateNetwork,
    ];

    /// The remedy of a cause, when a server's configuration can fix it.
    pub fn of(cause: CauseId) -> Option<Remedy> {
        Some(match cause.info().id {
            "A01" | "A06" | "A07" | "A09" | "P01" | "P03" | "P04" => Remedy::AllowOrigin,
            "A10" | "A11" | "A12" | "P05" | "P06" => Remedy::AllowCredentials,
            "A02" | "A03" => Remedy::OnErrors,
            "A05" | "P02" | "X02" => Remedy::OneLayer,
            "A04" | "X01" => Remedy::ProxyPassThrough,
            "P07" | "P08" | "P09" | "P10" | "P11" => Remedy::AnswerPreflight,
            "P12" => Remedy::NoPreflightRedirect,
            "P14" | "P16" | "P17" | "P18" => Remedy::AllowMethods,
            "P15" | "P19" | "P20" | "P21" => Remedy::AllowHeaders,
            "A13" => Remedy::VaryOrigin,
            "P22" | "P23" => Remedy::PrivateNetwork,
            _ => return None,
        })
    }
}

/// The values a snippet is filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Params {
    /// The origin to allow.
    pub origin: String,
    /// Methods to allow, complete (what was allowed plus what the request needs).
    pub methods: Vec<String>,
    /// Request headers to allow, complete, lower case.
    pub headers: Vec<String>,
    /// The request was (or must be allowed to be) credentialed.
    pub credentials: bool,
}

impl Params {
    /// Methods, `GET, POST` when none are known.
    pub(super) fn methods(&self) -> Vec<&str> {
        if self.methods.is_empty() {
            vec!["GET", "POST"]
        } else {
            self.methods.iter().map(String::as_str).collect()
        }
    }

    /// Headers, `content-type` when none are known.
    pub(super) fn headers(&self) -> Vec<&str> {
        if self.headers.is_empty() {
            vec!["content-type"]
        } else {
            self.headers.iter().map(String::as_str).collect()
        }
    }

    /// Adds names to a list, once each (ASCII-case-insensitive), `*` left out.
    pub fn extend<'a>(list: &mut Vec<String>, names: impl IntoIterator<Item = &'a str>) {
        for n in names {
            let n = n.trim();
            if !n.is_empty() && n != "*" && !list.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                list.push(n.to_string());
            }
        }
    }
}

/// A snippet of one stack.
#[derive(Clone)]
pub(super) struct Snippet {
    pub(super) language: super::Language,
    pub(super) config: String,
}

/// The snippet of `stack` for `remedy`, as (language, configuration).
pub fn snippet_for(
    stack: super::Stack,
    remedy: Remedy,
    params: &Params,
) -> Option<(super::Language, String)> {
    snippets::snippet(stack, remedy, params).map(|s| (s.language, s.config))
}

/// The configuration fixing `cause` on the first of `sightings` that has one, with the
/// evidence that named the stack.
pub fn stack_fix(sightings: &[Sighting], cause: CauseId, params: &Params) -> Option<StackFix> {
    stack_fix_with(sightings, cause, |stack, remedy| {
        snippets::snippet(stack, remedy, params)
    })
}

/// [`stack_fix`] with the snippets `snippet` gives.
pub(super) fn stack_fix_with(
    sightings: &[Sighting],
    cause: CauseId,
    mut snippet: impl FnMut(super::Stack, Remedy) -> Option<Snippet>,
) -> Option<StackFix> {
    let remedy = Remedy::of(cause)?;
    sightings.iter().find_map(|s| {
        let snippet = snippet(s.stack, remedy)?;
        Some(StackFix {
            stack: s.stack.id(),
            name: s.stack.name(),
            evidence: s.evidence.clone(),
            exchange: s.exchange,
            language: snippet.language.as_str(),
            config: snippet.config,
        })
    })
}
