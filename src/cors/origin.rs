//! Origins: serialization (<https://fetch.spec.whatwg.org/#origin-header>, `scheme://host[:port]`
//! lower case, default port omitted, opaque origins as `null`), same-origin comparison, redirect
//! taint (<https://fetch.spec.whatwg.org/#concept-request-tainted-origin>, Chromium
//! `CheckTainted`) and the IP address space of a server (Local/Private Network Access).
//!
//! URL parsing is the `url` crate's WHATWG parser, the same algorithm browsers use.

use std::net::IpAddr;

use url::Url;

/// The serialized origin of `url`, or `None` when it does not parse. Opaque origins (`data:`,
/// `file:`, custom schemes) serialize as `null`.
pub fn serialize_url_origin(url: &str) -> Option<String> {
    if let Some(origin) = super::plain_url::origin(url) {
        return Some(origin);
    }
    Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// `url` without its fragment, for comparing request URLs (fragments are never sent).
pub fn without_fragment(url: &str) -> &str {
    match memchr::memchr(b'#', url.as_bytes()) {
        Some(i) => url.get(..i).unwrap_or(url),
        None => url,
    }
}

/// Whether two URLs have the same (tuple) origin. Opaque origins are never the same.
pub fn same_origin(a: &str, b: &str) -> bool {
    if let Some(same) = super::plain_url::same_origin(a, b) {
        return same;
    }
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            let (oa, ob) = (a.origin(), b.origin());
            oa.is_tuple() && oa == ob
        }
        _ => false,
    }
}

/// Whether a redirect hop `from` → `to` taints a request made by `request_origin` (serialized):
/// the hop changes origin and the request origin is not the origin of `from` (Chromium
/// `!IsSameOriginWith(new_url, current_url) && !initiator.IsSameOriginWith(current_url)`).
pub fn hop_taints(request_origin: &str, from: &str, to: &str) -> bool {
    !same_origin(from, to) && serialize_url_origin(from).as_deref() != Some(request_origin)
}

/// Whether `url` carries a user name or password.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// An IP address space (Local Network Access `public` / `local` / `loopback`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressSpace {
    /// Loopback (127/8, ::1).
    Loopback,
    /// Private or link-local (RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10).
    Local,
    /// Everything else.
    Public,
}

impl AddressSpace {
    /// The space of an address.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                if v4.is_loopback() {
                    AddressSpace::Loopback
                } else if v4.is_private()
                    || v4.is_link_local()
                    || (o[0] == 100 && (o[1] & 0xC0) == 64)
                {
                    AddressSpace::Local
                } else {
                    AddressSpace::Public
                }
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return Self::of(IpAddr::V4(v4));
                }
                let first = v6.segments()[0];
                if v6.is_loopback() {
                    AddressSpace::Loopback
                } else if (first & 0xFE00) == 0xFC00 || (first & 0xFFC0) == 0xFE80 {
                    AddressSpace::Local
                } else {
                    AddressSpace::Public
                }
            }
        }
    }

    /// The word Chromium prints (`loopback`, `local`, `public`).
    pub fn as_str(self) -> &'static str {
        match self {
            AddressSpace::Loopback => "loopback",
            AddressSpace::Local => "local",
            AddressSpace::Public => "public",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_serialization() {
        let cases: &[(&str, Option<&str>)] = &[
            ("https://a.example/x?y#z", Some("https://a.example")),
            ("HTTPS://A.Example:443/", Some("https://a.example")),
            ("http://a.example:80/", Some("http://a.example")),
            ("http://a.example:8080/", Some("http://a.example:8080")),
            ("https://[::1]:8443/", Some("https://[::1]:8443")),
            ("https://user:pw@a.example/", Some("https://a.example")),
            ("data:text/plain,x", Some("null")),
            ("file:///tmp/x", Some("null")),
            ("not a url", None),
        ];
        for (url, want) in cases {
            assert_eq!(serialize_url_origin(url).as_deref(), *want, "{url}");
        }
    }

    #[test]
    fn same_origin_and_taint() {
        assert!(same_origin("https://a.test/x", "https://a.test:443/y"));
        assert!(!same_origin("https://a.test/", "http://a.test/"));
        assert!(!same_origin("data:,x", "data:,x"));
        // page a → api b → c: the hop b→c taints.
        assert!(hop_taints(
            "https://a.test",
            "https://b.test/",
            "https://c.test/"
        ));
        // page a → a → b: the request origin is the origin of `from`, no taint.
        assert!(!hop_taints(
            "https://a.test",
            "https://a.test/",
            "https://b.test/"
        ));
        // page a → b → a also taints (a cross-origin resource redirecting back).
        assert!(hop_taints(
            "https://a.test",
            "https://b.test/",
            "https://a.test/"
        ));
        // same-origin hop never taints.
        assert!(!hop_taints(
            "https://a.test",
            "https://b.test/1",
            "https://b.test/2"
        ));
    }

    #[test]
    fn address_spaces() {
        let cases = [
            ("127.0.0.1", AddressSpace::Loopback),
            ("::1", AddressSpace::Loopback),
            ("10.1.2.3", AddressSpace::Local),
            ("192.168.0.1", AddressSpace::Local),
            ("100.64.0.1", AddressSpace::Local),
            ("169.254.1.1", AddressSpace::Local),
            ("fd00::1", AddressSpace::Local),
            ("8.8.8.8", AddressSpace::Public),
            ("2001:db8::1", AddressSpace::Public),
        ];
        for (ip, want) in cases {
            let ip: IpAddr = ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert_eq!(AddressSpace::of(ip), want, "{ip}");
        }
    }
}
