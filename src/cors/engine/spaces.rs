//! Where hosts are: the IP address space (public, local, loopback) each host of the input was
//! seen at, from the server addresses the recording keeps (HAR `serverIPAddress`, capture
//! endpoints). A request the browser stopped keeps no address of its own; its target host's
//! space, and the page's, come from the host's other exchanges (Local Network Access).
//!
//! Memory: at most the given number of hosts, the least recently seen forgotten first.

use std::borrow::Cow;
use std::num::NonZeroUsize;

use lru::LruCache;

use super::super::origin::AddressSpace;
use crate::model::{CauseId, Exchange};

/// The address space of each host seen.
pub(super) struct Spaces {
    hosts: LruCache<String, AddressSpace>,
}

fn host_of(url: &str) -> Option<Cow<'_, str>> {
    if let Some(host) = super::super::plain_url::host(url) {
        return Some(Cow::Borrowed(host));
    }
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| Cow::Owned(h.to_ascii_lowercase())))
}

impl Spaces {
    /// Remembers at most `cap` hosts.
    pub fn new(cap: usize) -> Self {
        Self {
            hosts: LruCache::sparse(NonZeroUsize::MIN.saturating_add(cap.max(1) - 1)),
        }
    }

    /// Notes where `ex`'s server is, when the recording says.
    pub fn remember(&mut self, ex: &Exchange, server_origin: Option<&str>) {
        let ip = ex
            .endpoints
            .server
            .map(|s| s.ip())
            .or(ex.endpoints.server_ip);
        let (Some(ip), Some(origin)) = (ip, server_origin) else {
            return;
        };
        if let Some(host) = host_of(origin) {
            // Most exchanges go to a host seen before: updated in place, as a push would.
            let space = AddressSpace::of(ip);
            match self.hosts.get_mut(&*host) {
                Some(known) => *known = space,
                None => {
                    self.hosts.push(host.into_owned(), space);
                }
            }
        }
    }

    /// The space `url`'s host is in: its own address when it is one, else where it was seen.
    pub fn of_url(&self, url: &str) -> Option<AddressSpace> {
        let host = host_of(url)?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<std::net::IpAddr>() {
            return Some(AddressSpace::of(ip));
        }
        self.hosts.peek(&*host).copied()
    }

    /// The Local Network Access cause of a request from `page_origin` to `target_url`, when
    /// the recording shows the target in a more private space than the page: the page is not
    /// a secure context (`insecure-local-network`), or it is and the permission was not given
    /// (`local-network-permission-denied`). Also the target's space.
    pub fn local_network_cause(
        &self,
        page_origin: &str,
        target_url: &str,
    ) -> Option<(CauseId, AddressSpace)> {
        let page = self.of_url(page_origin)?;
        let target = self.of_url(target_url)?;
        if target >= page {
            return None;
        }
        let secure = page_origin.starts_with("https:");
        let cause = if secure {
            CauseId::LocalNetworkPermissionDenied
        } else {
            CauseId::InsecureLocalNetwork
        };
        Some((cause, target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Location, Request};

    fn at(url: &str, ip: &str) -> Exchange {
        let mut e = Exchange::new(
            Location::Entry(EntryIndex(0)),
            Request {
                url: url.into(),
                ..Request::default()
            },
        );
        e.endpoints.server_ip = ip.parse().ok();
        e
    }

    #[test]
    fn more_private_targets_name_local_network_access() {
        let mut s = Spaces::new(8);
        for (url, ip) in [
            ("http://shop.example/", "203.0.113.5"),
            ("https://secure.example/", "203.0.113.6"),
            ("http://router.lan/", "192.168.1.1"),
            ("http://public.example/", "198.51.100.9"),
        ] {
            s.remember(&at(url, ip), Some(url.trim_end_matches('/')));
        }
        let lna = |p, t| s.local_network_cause(p, t).map(|(c, _)| c);
        assert_eq!(
            lna("http://shop.example", "http://router.lan/api"),
            Some(CauseId::InsecureLocalNetwork)
        );
        assert_eq!(
            lna("https://secure.example", "http://router.lan/api"),
            Some(CauseId::LocalNetworkPermissionDenied)
        );
        assert_eq!(lna("http://shop.example", "http://public.example/x"), None);
        assert_eq!(lna("http://shop.example", "http://unknown.example/x"), None);
        assert_eq!(lna("http://router.lan", "http://shop.example/x"), None);
        assert_eq!(
            lna("http://shop.example", "http://10.1.2.3:8080/x"),
            Some(CauseId::InsecureLocalNetwork)
        );
    }
}
