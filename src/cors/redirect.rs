//! Redirects of CORS requests (<https://fetch.spec.whatwg.org/#concept-http-redirect-fetch>,
//! Chromium `CorsURLLoader::OnReceiveRedirect` / `CheckRedirectLocation`, `cors-causes.md`
//! §3.7): what counts as a redirect, the checks on its `Location`, and the chains a recording
//! holds as consecutive exchanges (the next hop's URL is the previous hop's `Location`).
//!
//! The CORS check runs on the redirect response first (in `verdict`); then the `Location` may
//! not carry credentials nor leave http(s). A cross-origin hop taints the request origin
//! (`origin::hop_taints`), so later hops are sent with `Origin: null`.
//!
//! Memory: [`RedirectChains`] holds at most the engine window's count of open chains and
//! forgets a chain once it is followed or older than the window.

use url::Url;

use super::footprint::Weighed;
use super::origin::has_credentials;
use crate::model::{CauseId, ExchangeId, Response, Timestamp};

/// A redirect response: 301, 302, 303, 307 or 308 with a `Location` (what the network stack
/// follows).
pub fn is_redirect(response: &Response) -> bool {
    matches!(response.status, 301 | 302 | 303 | 307 | 308) && response.headers.contains("location")
}

/// The `Location` of a redirect, resolved against the request URL.
pub fn location(response: &Response, base: &str) -> Option<Url> {
    let raw = super::fields::get(&response.headers, "location")?;
    let base = Url::parse(base).ok();
    match base {
        Some(b) => b.join(&raw).ok(),
        None => Url::parse(&raw).ok(),
    }
}

/// The cause a redirect's `Location` raises for a CORS request, checked after the CORS check
/// on the redirect response: userinfo → `redirect-contains-credentials`, a scheme other than
/// http(s) → `redirect-disallowed-scheme`.
pub fn location_cause(location: &Url) -> Option<CauseId> {
    if has_credentials(location) {
        Some(CauseId::RedirectContainsCredentials)
    } else if !matches!(location.scheme(), "http" | "https") {
        Some(CauseId::RedirectDisallowedScheme)
    } else {
        None
    }
}

/// What is known about a redirect chain when its next hop is expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The first URL of the chain.
    pub initial_url: String,
    /// The requesting page's origin.
    pub page_origin: String,
    /// Whether some hop so far tainted the request origin.
    pub tainted: bool,
    /// The last hop's exchange.
    pub previous: ExchangeId,
    /// The last hop's URL.
    pub previous_url: String,
    /// When the last hop happened.
    pub at: Timestamp,
    /// The browser refused to follow the redirect (its `Location` failed the checks): a
    /// recorded next hop never reached the network, and the block is the redirect's.
    pub refused: bool,
}

/// Open redirect chains keyed by the URL their next hop will request; the oldest is
/// forgotten first.
#[derive(Debug)]
pub struct RedirectChains {
    /// The chains, with their estimated bytes.
    open: Weighed<String, Chain>,
    cap: usize,
}

/// Estimated bytes an open chain awaiting `next_url` holds (see [`super::footprint`]).
fn chain_bytes(next_url: &str, c: &Chain) -> usize {
    use super::footprint::{lru_entry, string};
    lru_entry::<(String, Chain)>()
        + string(next_url)
        + string(&c.initial_url)
        + string(&c.page_origin)
        + string(&c.previous_url)
}

impl Default for RedirectChains {
    fn default() -> Self {
        Self::new(1)
    }
}

impl RedirectChains {
    /// Holds at most `cap` open chains.
    pub fn new(cap: usize) -> Self {
        Self {
            open: Weighed::new(|url, c| chain_bytes(url, c)),
            cap: cap.max(1),
        }
    }

    /// Expects a next hop to `next_url`.
    pub fn expect(&mut self, next_url: &str, chain: Chain) {
        let key = super::origin::without_fragment(next_url).to_string();
        self.open.push(key, chain, self.cap);
    }

    /// Estimated bytes of the open chains.
    pub fn bytes(&self) -> usize {
        self.open.bytes()
    }

    /// Open chains held.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no chain is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The chain an exchange to `url` started at `at` continues, if one is open and not older
    /// than `max_secs`; it is removed.
    pub fn follow(&mut self, url: &str, at: Option<Timestamp>, max_secs: f64) -> Option<Chain> {
        let key = super::origin::without_fragment(url);
        let fresh = match (self.open.peek(key), at) {
            (Some(c), Some(at)) => {
                let d = at.secs_since(c.at);
                (-1.0..=max_secs).contains(&d)
            }
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !fresh {
            return None;
        }
        self.open.pop(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderList;

    fn redirect(status: u16, location: Option<&str>) -> Response {
        let mut headers = HeaderList::new();
        if let Some(l) = location {
            headers.push("Location", l);
        }
        Response {
            status,
            headers,
            ..Response::default()
        }
    }

    #[test]
    fn redirect_statuses() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(&redirect(s, Some("/x"))), "{s}");
            assert!(!is_redirect(&redirect(s, None)), "{s} without Location");
        }
        for s in [300, 304, 305, 200] {
            assert!(!is_redirect(&redirect(s, Some("/x"))), "{s}");
        }
    }

    #[test]
    fn location_checks() {
        let r = redirect(302, Some("https://u:p@b.test/"));
        let l = location(&r, "https://a.test/x");
        assert_eq!(
            l.as_ref().and_then(location_cause),
            Some(CauseId::RedirectContainsCredentials)
        );
        let r = redirect(302, Some("/y"));
        let l = location(&r, "https://a.test/x");
        assert_eq!(l.as_ref().map(Url::as_str), Some("https://a.test/y"));
        assert_eq!(l.as_ref().and_then(location_cause), None);
        let r = redirect(302, Some("data:text/plain,x"));
        let l = location(&r, "https://a.test/x");
        assert_eq!(
            l.as_ref().and_then(location_cause),
            Some(CauseId::RedirectDisallowedScheme)
        );
    }

    #[test]
    fn chains_follow_once_and_expire() {
        let mut c = RedirectChains::new(2);
        let chain = Chain {
            initial_url: "https://a.test/1".into(),
            page_origin: "https://p.test".into(),
            tainted: false,
            previous: ExchangeId(0),
            previous_url: "https://a.test/1".into(),
            at: Timestamp::from_parts(10, 0),
            refused: false,
        };
        c.expect("https://a.test/2#f", chain.clone());
        assert_eq!(
            c.follow("https://a.test/2", Some(Timestamp::from_parts(50, 0)), 30.0),
            None
        );
        assert!(c
            .follow("https://a.test/2", Some(Timestamp::from_parts(11, 0)), 30.0)
            .is_some());
        assert!(c
            .follow("https://a.test/2", Some(Timestamp::from_parts(11, 0)), 30.0)
            .is_none());
        for i in 0..3 {
            c.expect(&format!("https://a.test/{i}"), chain.clone());
        }
        assert!(
            c.follow("https://a.test/0", None, 30.0).is_none(),
            "evicted"
        );
    }
}
