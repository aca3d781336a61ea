//! The wire form of one exchange written straight into bytes: byte for byte what serde_json
//! writes for [`WireExchange`], for the JSON and JSON-lines reports, which write one such
//! object per exchange.
//!
//! Why not through serde: an exchange object has some thirty keys, and serde hands each one to
//! the serializer as a string to escape and quote, with a comma before it. Here each key is
//! one constant slice (`,"url":`) copied as it is; values go through the same string escaper,
//! and numbers and floats are written as serde_json writes them (floats by serde_json itself).
//! The serde derive stays the reference: the tests compare both on every record of the real
//! recordings in `samples/` and on generated records with every optional field set and unset.

use super::string::write_str;
use super::{
    cause, evidence, warning, Each, WireCause, WireEvidence, WireExchange, WireLocation,
    WireStackFix, WireWarning,
};
use crate::model::{Evidence, Finding, Warning};
use crate::report::record::{decimal, ExchangeRef};

/// The error of a float serde_json would not write (never, in practice).
pub type Error = serde_json::Error;

/// Appends the compact JSON of `w`.
pub fn write_exchange(w: &WireExchange<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, w.id.as_str());
    out.extend_from_slice(b",\"input\":");
    uint(out, w.input as u64);
    out.extend_from_slice(b",\"location\":");
    location(out, &w.location);
    out.extend_from_slice(b",\"method\":");
    write_str(out, w.method);
    out.extend_from_slice(b",\"url\":");
    write_str(out, w.url);
    out.extend_from_slice(b",\"origin\":");
    str_or_null(out, w.origin);
    if let Some(p) = w.page_origin {
        out.extend_from_slice(b",\"page_origin\":");
        write_str(out, p);
    }
    out.extend_from_slice(b",\"kind\":");
    write_str(out, w.kind);
    out.extend_from_slice(b",\"sent\":");
    boolean(out, w.sent);
    out.extend_from_slice(b",\"status\":");
    match w.status {
        Some(s) => uint(out, u64::from(s)),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"started\":");
    match w.started {
        Some(t) => serde_json::to_writer(&mut *out, &t)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"preflight\":");
    str_or_null(out, w.preflight.as_ref().map(ExchangeRef::as_str));
    if let Some(p) = &w.preflight_cached_from {
        out.extend_from_slice(b",\"preflight_cached_from\":");
        write_str(out, p.as_str());
    }
    out.extend_from_slice(b",\"verdict\":");
    write_str(out, w.verdict);
    out.extend_from_slice(b",\"causes\":");
    causes(out, &w.causes);
    out.extend_from_slice(b",\"warnings\":");
    warnings(out, &w.warnings);
    for (key, value) in [
        (&b",\"note\":"[..], w.note),
        (b",\"failure\":", w.failure),
        (b",\"client\":", w.client),
        (b",\"server\":", w.server),
    ] {
        if let Some(v) = value {
            out.extend_from_slice(key);
            write_str(out, v);
        }
    }
    out.push(b'}');
    Ok(())
}

fn location(out: &mut Vec<u8>, l: &WireLocation) {
    out.push(b'{');
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &[u8]| {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(k);
    };
    for (k, v) in [
        (&b"\"entry\":"[..], l.entry),
        (b"\"file\":", l.file.map(u64::from)),
        (b"\"frame\":", l.frame),
        (b"\"response_file\":", l.response_file.map(u64::from)),
        (b"\"response_frame\":", l.response_frame),
    ] {
        if let Some(v) = v {
            key(out, k);
            uint(out, v);
        }
    }
    if l.inferred {
        key(out, b"\"inferred\":true");
    }
    out.push(b'}');
}

/// `items` as a JSON array, each written by `write`.
fn array<T>(out: &mut Vec<u8>, items: &[T], mut write: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

fn causes(out: &mut Vec<u8>, each: &Each<'_, Finding>) {
    array(out, each.items, |out, f| {
        write_cause(out, &cause(each.input, f))
    });
}

fn write_cause(out: &mut Vec<u8>, c: &WireCause<'_>) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, c.id);
    out.extend_from_slice(b",\"name\":");
    write_str(out, c.name);
    out.extend_from_slice(b",\"chromium\":");
    str_or_null(out, c.chromium);
    out.extend_from_slice(b",\"firefox\":");
    str_or_null(out, c.firefox);
    out.extend_from_slice(b",\"failed_parameter\":");
    str_or_null(out, c.failed_parameter);
    out.extend_from_slice(b",\"message\":");
    write_str(out, c.message);
    out.extend_from_slice(b",\"fix\":");
    write_str(out, c.fix);
    out.extend_from_slice(b",\"if_credentialed\":");
    boolean(out, c.if_credentialed);
    out.extend_from_slice(b",\"latent\":");
    boolean(out, c.latent);
    out.extend_from_slice(b",\"evidence\":");
    evidences(out, &c.evidence);
    if let Some(s) = &c.stack_fix {
        out.extend_from_slice(b",\"stack_fix\":");
        stack_fix(out, s);
    }
    out.push(b'}');
}

fn evidences(out: &mut Vec<u8>, each: &Each<'_, Evidence>) {
    array(out, each.items, |out, e| {
        write_evidence(out, &evidence(each.input, e))
    });
}

fn write_evidence(out: &mut Vec<u8>, e: &WireEvidence<'_>) {
    out.extend_from_slice(b"{\"source\":");
    write_str(out, e.source);
    out.extend_from_slice(b",\"exchange\":");
    write_str(out, e.exchange.as_str());
    out.extend_from_slice(b",\"header\":");
    str_or_null(out, e.header);
    out.extend_from_slice(b",\"values\":");
    array(out, e.values, |out, v| write_str(out, v));
    out.extend_from_slice(b",\"primary\":");
    boolean(out, e.primary);
    out.extend_from_slice(b",\"note\":");
    write_str(out, e.note);
    out.push(b'}');
}

fn stack_fix(out: &mut Vec<u8>, s: &WireStackFix<'_>) {
    out.extend_from_slice(b"{\"stack\":");
    write_str(out, s.stack);
    out.extend_from_slice(b",\"name\":");
    write_str(out, s.name);
    out.extend_from_slice(b",\"evidence\":");
    write_str(out, s.evidence);
    if let Some(x) = &s.exchange {
        out.extend_from_slice(b",\"exchange\":");
        write_str(out, x.as_str());
    }
    out.extend_from_slice(b",\"language\":");
    write_str(out, s.language);
    out.extend_from_slice(b",\"config\":");
    write_str(out, s.config);
    out.push(b'}');
}

fn warnings(out: &mut Vec<u8>, each: &Each<'_, Warning>) {
    array(out, each.items, |out, w| {
        let w: WireWarning<'_> = warning(w);
        out.extend_from_slice(b"{\"id\":");
        write_str(out, w.id);
        out.extend_from_slice(b",\"message\":");
        write_str(out, w.message);
        out.push(b'}');
    });
}

fn str_or_null(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// `n` in decimal, as serde_json writes integers.
fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(decimal(n, &mut [0; 20]));
}

#[cfg(test)]
mod tests;
