//! Pairing preflights with the requests they authorised (`cors-causes.md` §7,
//! `har-producers.md` §1.6, §7): same URL (fragment aside), the requested method equal to the
//! request's, the same `Origin` (a never-sent request has none and takes the preflight's), and
//! close in time, in either order (a DevTools HAR may list the preflight just after its
//! request). A recorder's explicit link wins: Chrome's `_initiator.url`, chrome-har's
//! `_initiator_detail.requestId` = `_requestId`.

use std::borrow::Cow;

use super::fields;
use super::origin::without_fragment;
use super::preflight::{ActualRequest, ACRH, ACRM};
use super::safelist::{normalize_method, parse_request_headers};
use crate::model::Exchange;

/// What a preflight asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightAsk {
    /// The URL, without fragment.
    pub url: String,
    /// The `Origin` it was sent with.
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`, as sent.
    pub method: String,
    /// `Access-Control-Request-Headers`, lower case, in order.
    pub headers: Vec<String>,
}

impl PreflightAsk {
    /// Reads what a preflight exchange asks for.
    pub fn of(p: &Exchange) -> Self {
        let h = &p.request.headers;
        Self {
            url: without_fragment(&p.request.url).to_string(),
            origin: fields::get(h, "origin").map(Cow::into_owned),
            method: fields::get(h, ACRM).unwrap_or_default().into_owned(),
            headers: fields::get(h, ACRH)
                .map(|v| parse_request_headers(&v))
                .unwrap_or_default(),
        }
    }

    /// The request this preflight asks about, with the names in the order the actual
    /// request sent them when it is known (Chromium reports the first missing one in request
    /// order), else in the preflight's (sorted) order.
    pub fn actual_request(&self, actual: Option<&Exchange>) -> ActualRequest {
        let mut names: Vec<String> = Vec::new();
        if let Some(a) = actual {
            for h in a.request.headers.iter() {
                // The asked names are lower case: one equal to the name ignoring ASCII case is
                // the name lower-cased, found without a lower-cased copy of every name.
                let name = h.name_str();
                let asked = self.headers.iter().find(|n| n.eq_ignore_ascii_case(&name));
                if let Some(n) = asked {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
        }
        for n in &self.headers {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        ActualRequest {
            method: self.method.clone(),
            unsafe_names: names,
        }
    }
}

/// What the recorder's own ids say: `Some(true)` when preflight `p` names request `a`,
/// `Some(false)` when it names another request, `None` when the recording has no such ids.
pub fn recorder_link(p: &Exchange, a: &Exchange) -> Option<bool> {
    let pid = p.recorder.initiator.as_ref()?.request_id.as_deref()?;
    let aid = a.recorder.request_id.as_deref()?;
    Some(pid == aid)
}

/// Whether preflight `p` (asking `ask`) can be the one for request `a` sent with `a_origin`
/// (`None` when `a` never reached the network and carries no `Origin`).
pub fn could_pair(p: &Exchange, ask: &PreflightAsk, a: &Exchange, a_origin: Option<&str>) -> bool {
    if let Some(linked) = recorder_link(p, a) {
        return linked;
    }
    if without_fragment(&a.request.url) != ask.url {
        return false;
    }
    if let Some(init_url) = p.recorder.initiator.as_ref().and_then(|i| i.url.as_deref()) {
        if p.recorder
            .initiator
            .as_ref()
            .is_some_and(|i| i.kind == "preflight")
            && without_fragment(init_url) != without_fragment(&a.request.url)
        {
            return false;
        }
    }
    if normalize_method(&a.request.method) != ask.method.as_str() && a.request.method != ask.method
    {
        return false;
    }
    match (a_origin, ask.origin.as_deref()) {
        (Some(ao), Some(po)) => ao == po,
        _ => true,
    }
}

/// Whether every name `a` needs is among those the preflight asked for (the request's
/// reconstructed names may hold extras the browser added; only a missing asked name rules the
/// pair out when the request was sent).
pub fn covers(ask: &PreflightAsk, unsafe_names: &[String]) -> bool {
    unsafe_names.iter().all(|n| ask.headers.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Initiator, Location, Request};

    fn ex(method: &str, url: &str, headers: &[(&str, &str)]) -> Exchange {
        let mut request = Request {
            method: method.into(),
            url: url.into(),
            ..Request::default()
        };
        for (n, v) in headers {
            request.headers.push(*n, *v);
        }
        Exchange::new(Location::Entry(EntryIndex(0)), request)
    }

    #[test]
    fn pairs_on_url_method_origin() {
        let p = ex(
            "OPTIONS",
            "https://api.test/x",
            &[
                ("Origin", "https://app.test"),
                (ACRM, "PUT"),
                (ACRH, "x-b,content-type"),
            ],
        );
        let ask = PreflightAsk::of(&p);
        assert_eq!(
            ask.headers,
            vec!["x-b".to_string(), "content-type".to_string()]
        );
        let a = ex(
            "PUT",
            "https://api.test/x#frag",
            &[("Content-Type", "application/json"), ("X-B", "1")],
        );
        assert!(could_pair(&p, &ask, &a, Some("https://app.test")));
        assert!(could_pair(&p, &ask, &a, None));
        assert!(!could_pair(&p, &ask, &a, Some("https://other.test")));
        assert!(!could_pair(
            &p,
            &ask,
            &ex("DELETE", "https://api.test/x", &[]),
            None
        ));
        assert!(!could_pair(
            &p,
            &ask,
            &ex("PUT", "https://api.test/x?q", &[]),
            None
        ));
        // header order follows the actual request when known
        assert_eq!(
            ask.actual_request(Some(&a)).unsafe_names,
            vec!["content-type".to_string(), "x-b".to_string()]
        );
        assert_eq!(
            ask.actual_request(None).unsafe_names,
            vec!["x-b".to_string(), "content-type".to_string()]
        );
    }

    #[test]
    fn recorder_links_win() {
        let mut p = ex("OPTIONS", "https://api.test/x", &[(ACRM, "PUT")]);
        p.recorder.initiator = Some(Initiator {
            kind: "preflight".into(),
            url: Some("https://api.test/x".into()),
            request_id: Some("7".into()),
        });
        let ask = PreflightAsk::of(&p);
        let mut a = ex("PUT", "https://api.test/other", &[]);
        a.recorder.request_id = Some("7".into());
        assert!(could_pair(&p, &ask, &a, None));
        a.recorder.request_id = Some("8".into());
        assert!(!could_pair(&p, &ask, &a, None));
    }
}
