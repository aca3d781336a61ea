//! Security findings: what an allowed exchange says about whom a server trusts.
//!
//! Two engine warnings are security findings as they stand (`origin-reflection-with-credentials`
//! and `allows-null-origin`). Two more classes are judged here, from what a server granted
//! to the origins that actually called it (a recording only shows those; see
//! `reference/landscape.md` §3, classes 9 and 10):
//!
//! - [`SecurityId::HttpOriginTrusted`]: an `https:` server answered an `http:` origin with
//!   `Access-Control-Allow-Origin` echoing it. A page served over plain HTTP can be rewritten
//!   by anyone on the network path, who then reads the API as that origin.
//! - [`SecurityId::SubdomainsTrusted`]: one server granted credentials to
//!   [`SUBDOMAINS_TRUSTED`] or more different hosts under one registrable domain (Public
//!   Suffix List, `psl` crate): the allow-list looks like a pattern over every subdomain, so a
//!   taken-over or XSS-prone subdomain can read the API with the user's cookies. Legitimate
//!   allow-lists of a few named subdomains look the same from the wire, which is why the
//!   threshold is three and the finding says "looks like".
//!
//! These rows are catalogued here, beside the judgement that raises them, in the same shape as
//! the cause and warning catalogue.

use std::borrow::Cow;

use crate::cors::fields;
use crate::model::{Assessment, ExchangeKind, Verdict};

/// A security class judged over the exchanges of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecurityId {
    /// `http-origin-trusted`: an `https:` server echoed an `http:` origin.
    HttpOriginTrusted,
    /// `subdomains-trusted`: credentials granted to many subdomains of one domain.
    SubdomainsTrusted,
}

/// Static facts about a security class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityInfo {
    /// The class.
    pub security: SecurityId,
    /// Stable kebab-case name, also its rule id.
    pub name: &'static str,
    /// One line saying what was seen.
    pub title: &'static str,
    /// Why it matters.
    pub explanation: &'static str,
    /// What to change.
    pub fix: &'static str,
}

/// Every security class judged here, in declaration order.
pub const SECURITY: &[SecurityInfo] = &[
    SecurityInfo {
        security: SecurityId::HttpOriginTrusted,
        name: "http-origin-trusted",
        title: "An https: server allows an http: origin",
        explanation: "The server echoed an origin served over plain HTTP in Access-Control-Allow-Origin. Anyone on the network path of that page (public Wi-Fi, a compromised router) can inject script into it and read this API as that origin, with the user's cookies when credentials are allowed.",
        fix: "Allow only https: origins: remove the http: origin from the allow-list, and serve that page over HTTPS.",
    },
    SecurityInfo {
        security: SecurityId::SubdomainsTrusted,
        name: "subdomains-trusted",
        title: "Credentials are allowed to many subdomains of one domain",
        explanation: "The server granted credentialed access to several different subdomains of one registrable domain, as an allow-list pattern such as *.example.com does. Then every subdomain, including a forgotten one that can be taken over or one with an XSS flaw, can read this API with the user's cookies.",
        fix: "Allow an explicit list of the origins that need access instead of every subdomain.",
    },
];

/// Different hosts under one registrable domain granted credentials by one server before it
/// is a [`SecurityId::SubdomainsTrusted`] finding.
pub const SUBDOMAINS_TRUSTED: usize = 3;

impl SecurityId {
    /// Static facts about this class.
    pub fn info(self) -> &'static SecurityInfo {
        match self {
            SecurityId::HttpOriginTrusted => &SECURITY[0],
            SecurityId::SubdomainsTrusted => &SECURITY[1],
        }
    }

    /// Stable kebab-case name.
    pub fn name(self) -> &'static str {
        self.info().name
    }
}

/// What a server granted an allowed CORS request: whether `Access-Control-Allow-Origin`
/// echoed its origin (rather than `*`) and whether `Access-Control-Allow-Credentials` was
/// `true`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// The allow-origin value was the request's origin.
    pub echoed: bool,
    /// Credentials were allowed.
    pub credentials: bool,
}

impl Grant {
    /// The grant of an allowed CORS request's response; `None` for anything else (only
    /// these are read, so the cost is two header look-ups per allowed CORS request).
    pub fn of(a: &Assessment) -> Option<Grant> {
        if a.kind != ExchangeKind::Cors || a.verdict != Verdict::Allowed {
            return None;
        }
        let response = a.exchange.response.as_ref()?;
        let origin = a.origin.as_deref()?;
        let acao = fields::get(&response.headers, "access-control-allow-origin")?;
        let echoed = acao.as_ref() == origin && origin != "*";
        let credentials = echoed
            && fields::get(&response.headers, "access-control-allow-credentials").as_deref()
                == Some("true");
        Some(Grant {
            echoed,
            credentials,
        })
    }
}

/// Whether an `https:` URL echoed an `http:` origin.
pub fn http_origin_trusted(url: &str, origin: &str, grant: Grant) -> bool {
    grant.echoed
        && starts_with_ignore_case(url, "https:")
        && starts_with_ignore_case(origin, "http:")
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// The message of a [`SecurityId::HttpOriginTrusted`] finding.
pub fn http_origin_message(origin: &str, credentials: bool) -> String {
    format!(
        "Access-Control-Allow-Origin echoes the http: origin '{origin}' on an https: resource{}",
        if credentials {
            " with credentials allowed"
        } else {
            ""
        }
    )
}

/// The registrable domain of an origin's host and the host, when the host is a strict
/// subdomain of it (`https://a.b.example.co.uk:8443` → (`example.co.uk`, `a.b.example.co.uk`)).
pub fn subdomain_of(origin: &str) -> Option<(String, String)> {
    let host = origin.split_once("://")?.1;
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    if host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let host = fields::ascii_lowercase(Cow::Borrowed(host));
    let domain = psl::domain_str(&host)?.to_string();
    (domain.len() < host.len()).then(|| (domain, host.into_owned()))
}

/// The message of a [`SecurityId::SubdomainsTrusted`] finding.
pub fn subdomains_message(domain: &str, hosts: &[String], more: bool) -> String {
    format!(
        "credentials are allowed to {}{} subdomains of {domain} ({}{}): the allow-list looks like *.{domain}",
        hosts.len(),
        if more { "+" } else { "" },
        hosts.join(", "),
        if more { ", ..." } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_declaration_order() {
        for (i, row) in SECURITY.iter().enumerate() {
            assert_eq!(row.security as usize, i);
            assert_eq!(row.security.info().name, row.name);
        }
    }

    #[test]
    fn http_origin_on_https_resource() {
        let echo = Grant {
            echoed: true,
            credentials: false,
        };
        assert!(http_origin_trusted(
            "https://api.x/v1",
            "http://app.x",
            echo
        ));
        assert!(http_origin_trusted(
            "HTTPS://api.x/v1",
            "HTTP://app.x",
            echo
        ));
        assert!(!http_origin_trusted(
            "http://api.x/v1",
            "http://app.x",
            echo
        ));
        assert!(!http_origin_trusted(
            "https://api.x/v1",
            "https://app.x",
            echo
        ));
        assert!(!http_origin_trusted(
            "https://api.x/v1",
            "http://app.x",
            Grant::default()
        ));
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            subdomain_of("https://a.example.com"),
            Some(("example.com".into(), "a.example.com".into()))
        );
        assert_eq!(
            subdomain_of("https://A.B.Example.co.uk:8443"),
            Some(("example.co.uk".into(), "a.b.example.co.uk".into()))
        );
        assert_eq!(subdomain_of("https://example.com"), None);
        assert_eq!(subdomain_of("https://example.co.uk"), None);
        assert_eq!(subdomain_of("http://10.0.0.2:8080"), None);
        assert_eq!(subdomain_of("http://[::1]:8080"), None);
        assert_eq!(subdomain_of("null"), None);
    }
}
