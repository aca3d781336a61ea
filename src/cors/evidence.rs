//! Faults (a cause with its evidence, before the console message is known) and the helpers
//! that read evidence out of messages: a header's field lines or its absence, the status line.

use super::message::{browser_message, fill_fix, MessageParts};
use crate::model::{
    BrowserProfile, CauseId, Evidence, EvidenceSource, ExchangeId, Finding, HeaderList, Response,
};

/// A cause found on an exchange, with its evidence; becomes a [`Finding`] once the request it
/// is reported on is known (the message names that request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Which cause.
    pub cause: CauseId,
    /// Chromium's `failed_parameter`.
    pub failed_parameter: Option<String>,
    /// Applies only if the request was credentialed.
    pub if_credentialed: bool,
    /// Evidence, primary first.
    pub evidence: Vec<Evidence>,
    /// What fills `{header}` in the fix.
    pub header_hint: String,
    /// What fills `{method}` in the fix, when not the request's method (a complete
    /// `Access-Control-Allow-Methods` value).
    pub method_hint: Option<String>,
    /// The net error, for causes Chromium reports only as one.
    pub net_error: Option<String>,
    /// Found on a preflight response.
    pub on_preflight: bool,
    /// The URL the console names instead of the request's (a redirect's target that never
    /// reached the network); the request's URL is then the "redirected from" one.
    pub url: Option<String>,
    /// The cause whose `CorsError` Chromium reports: the cause itself, or for a proxy row the
    /// check the browser saw fail (its preflight form on a preflight).
    pub reported_as: CauseId,
    /// Firefox's reason key for this failure (see [`Finding::firefox`]).
    pub firefox: Option<&'static str>,
    /// What Firefox and WebKit print where Chromium prints `failed_parameter`.
    pub detail: OtherDetail,
}

/// What the consoles of Firefox and WebKit name about a failure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtherDetail {
    /// The status of the response the check ran on.
    pub status: Option<u16>,
    /// The first element of an unparsable allow-list that is not a token (Firefox).
    pub token: Option<String>,
    /// The decisive header's whole value (WebKit's invalid allow-lists).
    pub value: Option<String>,
    /// The header Firefox names: the first one not allowed in sorted order.
    pub header: Option<String>,
}

impl Fault {
    /// A fault with no evidence yet.
    pub fn new(cause: CauseId, failed_parameter: Option<String>) -> Self {
        Self {
            cause,
            failed_parameter,
            if_credentialed: false,
            evidence: Vec::new(),
            header_hint: String::new(),
            method_hint: None,
            net_error: None,
            on_preflight: false,
            url: None,
            reported_as: cause,
            firefox: cause.info().firefox,
            detail: OtherDetail::default(),
        }
    }

    /// [`Fault::finding`], moving the evidence rather than copying it.
    pub fn into_finding(mut self, ctx: &ReportContext<'_>) -> Finding {
        let evidence = std::mem::take(&mut self.evidence);
        let mut f = self.finding(ctx);
        f.evidence = evidence;
        f
    }

    /// The finding as reported on a request described by `ctx`.
    pub fn finding(&self, ctx: &ReportContext<'_>) -> Finding {
        let (url, initial_url) = match &self.url {
            Some(u) => (u.as_str(), ctx.initial_url.or(Some(ctx.url))),
            None => (ctx.url, ctx.initial_url),
        };
        let parts = MessageParts {
            kind: ctx.kind,
            url,
            initial_url,
            origin: ctx.page_origin,
            hint: self.failed_parameter.as_deref(),
            on_preflight: self.on_preflight,
            method: ctx.method,
            net_error: self.net_error.as_deref(),
            space: ctx.space,
        };
        Finding {
            cause: self.cause,
            chromium: self.reported_as.info().chromium,
            firefox: self.firefox,
            failed_parameter: self.failed_parameter.clone(),
            message: browser_message(self, ctx, &parts),
            fix: fill_fix(
                self.cause,
                ctx.request_origin,
                self.method_hint.as_deref().unwrap_or(ctx.method),
                &self.header_hint,
            ),
            if_credentialed: self.if_credentialed,
            latent: false,
            evidence: self.evidence.clone(),
            stack_fix: None,
        }
    }
}

/// The request a finding is reported on, as the console names it.
#[derive(Clone, Copy, Debug)]
pub struct ReportContext<'a> {
    /// Chromium's initiator word.
    pub kind: &'a str,
    /// The URL whose response failed.
    pub url: &'a str,
    /// The first URL of the redirect chain.
    pub initial_url: Option<&'a str>,
    /// The page's origin.
    pub page_origin: &'a str,
    /// The origin the request was sent with (what the fix must allow).
    pub request_origin: &'a str,
    /// The actual request's method.
    pub method: &'a str,
    /// The server's address space, when known.
    pub space: Option<&'a str>,
    /// The browser the request is judged as: whose console text the finding carries.
    pub profile: &'a BrowserProfile,
}

/// Evidence of one header (its field lines, or its absence).
pub fn header(
    source: EvidenceSource,
    exchange: ExchangeId,
    headers: &HeaderList,
    name: &str,
    primary: bool,
    note: impl Into<String>,
) -> Evidence {
    Evidence {
        source,
        exchange,
        header: Some(name.to_string()),
        values: super::fields::lines(headers, name),
        primary,
        note: note.into(),
    }
}

/// Evidence of a status line.
pub fn status(
    source: EvidenceSource,
    exchange: ExchangeId,
    response: &Response,
    primary: bool,
    note: impl Into<String>,
) -> Evidence {
    let line = if response.status_text.is_empty() {
        response.status.to_string()
    } else {
        format!("{} {}", response.status, response.status_text)
    };
    Evidence {
        source,
        exchange,
        header: None,
        values: vec![line],
        primary,
        note: note.into(),
    }
}

/// Evidence of a whole message or a fact about it (a failure text, a cache hit).
pub fn fact(
    source: EvidenceSource,
    exchange: ExchangeId,
    value: impl Into<String>,
    primary: bool,
    note: impl Into<String>,
) -> Evidence {
    Evidence {
        source,
        exchange,
        header: None,
        values: vec![value.into()],
        primary,
        note: note.into(),
    }
}

/// "absent" or the joined value, for notes.
pub fn shown(headers: &HeaderList, name: &str) -> String {
    match super::fields::get(headers, name) {
        None => "absent".to_string(),
        Some(v) => format!("'{v}'"),
    }
}
