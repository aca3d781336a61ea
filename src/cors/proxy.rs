//! The two legs of one proxied exchange: the response the client got (client leg) against the
//! response the origin server sent the proxy (upstream leg). Differences in the CORS headers
//! explain a client-side failure as the proxy's doing: `allow-origin-stripped-by-proxy` (A04),
//! `allow-origin-rewritten-by-proxy` (X01), `header-duplicated-by-proxy` (X02).
//!
//! The capture stage decides which exchanges are legs of one proxied exchange (same request
//! on both sides of a proxy, joined on a request id or timing); this module only compares.

use super::fields;
use crate::model::{CauseId, Exchange, ExchangeId, Location};

/// The response headers compared.
pub const COMPARED: [&str; 6] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Vary",
];

/// What the proxy did to one header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyChange {
    /// Upstream sent it, the client did not get it.
    Stripped,
    /// The client got it, upstream did not send it.
    Added,
    /// Both have it with different values.
    Rewritten,
    /// The client got more field lines than upstream sent, the upstream value among them.
    Duplicated,
}

/// One difference between the legs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyDifference {
    /// The header, as in [`COMPARED`].
    pub header: &'static str,
    /// What changed.
    pub change: ProxyChange,
    /// The upstream field lines.
    pub upstream: Vec<String>,
    /// The client-side field lines.
    pub client: Vec<String>,
    /// The upstream leg, once the engine has numbered it.
    pub upstream_leg: Option<(ExchangeId, Location)>,
}

/// Compares the CORS response headers of the two legs of one proxied exchange. Empty when
/// either leg has no response or nothing differs.
pub fn compare_proxy_legs(client_leg: &Exchange, upstream_leg: &Exchange) -> Vec<ProxyDifference> {
    let (Some(client), Some(upstream)) = (&client_leg.response, &upstream_leg.response) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for header in COMPARED {
        let c = fields::lines(&client.headers, header);
        let u = fields::lines(&upstream.headers, header);
        let trimmed = |v: &[String]| {
            v.iter()
                .map(|s| fields::trim_ows(s).to_string())
                .collect::<Vec<_>>()
        };
        let (ct, ut) = (trimmed(&c), trimmed(&u));
        if ct == ut {
            continue;
        }
        let change = if ct.is_empty() {
            ProxyChange::Stripped
        } else if ut.is_empty() {
            ProxyChange::Added
        } else if ct.len() > ut.len() && ut.iter().all(|v| ct.contains(v)) {
            ProxyChange::Duplicated
        } else {
            ProxyChange::Rewritten
        };
        out.push(ProxyDifference {
            header,
            change,
            upstream: u,
            client: c,
            upstream_leg: None,
        });
    }
    out
}

/// The proxy cause that explains a client-side `Access-Control-Allow-Origin` failure, given
/// the cause the client leg alone shows.
pub fn proxy_cause(differences: &[ProxyDifference], cause: CauseId) -> Option<CauseId> {
    let acao = differences.iter().find(|d| d.header == COMPARED[0])?;
    use CauseId::*;
    match (acao.change, cause) {
        (
            ProxyChange::Stripped,
            MissingAllowOrigin | MissingAllowOriginOnError | PreflightMissingAllowOrigin,
        ) => Some(AllowOriginStrippedByProxy),
        (ProxyChange::Duplicated, MultipleAllowOrigin | PreflightMultipleAllowOrigin) => {
            Some(HeaderDuplicatedByProxy)
        }
        (ProxyChange::Added, MultipleAllowOrigin | PreflightMultipleAllowOrigin) => None,
        (ProxyChange::Rewritten, MultipleAllowOrigin | PreflightMultipleAllowOrigin) => {
            Some(HeaderDuplicatedByProxy)
        }
        (
            ProxyChange::Rewritten,
            AllowOriginMismatch
            | InvalidAllowOrigin
            | PreflightAllowOriginMismatch
            | PreflightInvalidAllowOrigin,
        ) => Some(AllowOriginRewrittenByProxy),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryIndex, Location, Request, Response};

    fn leg(lines: &[(&str, &str)]) -> Exchange {
        let mut e = Exchange::new(Location::Entry(EntryIndex(0)), Request::default());
        let mut r = Response {
            status: 200,
            ..Response::default()
        };
        for (n, v) in lines {
            r.headers.push(*n, *v);
        }
        e.response = Some(r);
        e
    }

    const ACAO: &str = "Access-Control-Allow-Origin";

    #[test]
    fn differences() {
        let up = leg(&[(ACAO, "https://a.test"), ("Vary", "Origin")]);
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, ProxyChange)]);
        let cases: &[Case] = &[
            (&[(ACAO, "https://a.test"), ("Vary", "Origin")], &[]),
            (&[("Vary", "Origin")], &[(ACAO, ProxyChange::Stripped)]),
            (
                &[(ACAO, "*"), ("Vary", "Origin")],
                &[(ACAO, ProxyChange::Rewritten)],
            ),
            (
                &[
                    (ACAO, "https://a.test"),
                    (ACAO, "https://a.test"),
                    ("Vary", "Origin"),
                ],
                &[(ACAO, ProxyChange::Duplicated)],
            ),
            (
                &[(ACAO, "https://a.test")],
                &[("Vary", ProxyChange::Stripped)],
            ),
            (
                &[
                    (ACAO, "https://a.test"),
                    ("Vary", "Origin"),
                    ("Access-Control-Allow-Credentials", "true"),
                ],
                &[("Access-Control-Allow-Credentials", ProxyChange::Added)],
            ),
        ];
        for (client, want) in cases {
            let got: Vec<(&str, ProxyChange)> = compare_proxy_legs(&leg(client), &up)
                .iter()
                .map(|d| (d.header, d.change))
                .collect();
            assert_eq!(got, want.to_vec(), "{client:?}");
        }
    }

    #[test]
    fn an_http2_leg_compares_with_an_http1_leg_whatever_the_case_of_names() {
        // h2 sends names in lower case, with pseudo-headers; HTTP/1.1 keeps the server's case.
        let h2 = leg(&[
            (":status", "200"),
            ("access-control-allow-origin", "https://a.test"),
            ("vary", "Origin"),
        ]);
        let h1 = leg(&[(ACAO, "https://a.test"), ("Vary", "Origin")]);
        assert_eq!(compare_proxy_legs(&h2, &h1), Vec::new());
        assert_eq!(compare_proxy_legs(&h1, &h2), Vec::new());
        let stripped = leg(&[(":status", "200"), ("vary", "Origin")]);
        let d = compare_proxy_legs(&stripped, &h1);
        assert_eq!((d[0].header, d[0].change), (ACAO, ProxyChange::Stripped));
    }

    #[test]
    fn causes() {
        let up = leg(&[(ACAO, "https://a.test")]);
        let d = compare_proxy_legs(&leg(&[]), &up);
        assert_eq!(
            proxy_cause(&d, CauseId::MissingAllowOrigin),
            Some(CauseId::AllowOriginStrippedByProxy)
        );
        let d = compare_proxy_legs(&leg(&[(ACAO, "https://b.test")]), &up);
        assert_eq!(
            proxy_cause(&d, CauseId::AllowOriginMismatch),
            Some(CauseId::AllowOriginRewrittenByProxy)
        );
        let d = compare_proxy_legs(&leg(&[(ACAO, "https://a.test"), (ACAO, "*")]), &up);
        assert_eq!(
            proxy_cause(&d, CauseId::MultipleAllowOrigin),
            Some(CauseId::HeaderDuplicatedByProxy)
        );
        assert_eq!(proxy_cause(&[], CauseId::MissingAllowOrigin), None);
    }
}
