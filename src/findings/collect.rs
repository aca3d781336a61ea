//! Folding exchanges into findings, merging folds made on different threads, and the final
//! list in order of impact.

use std::collections::HashMap;

use foldhash::fast::FixedState;
use indexmap::IndexMap;

use super::key::{client_hash, server_origin, Key, KeyRef};
use super::route::route_into;
use super::security::{self, Grant, SecurityId, SUBDOMAINS_TRUSTED};
use super::tally::Tally;
use super::{Example, FindingKind, RouteFinding, Rule};
use crate::model::{
    Evidence, EvidenceSource, ExchangeId, ExchangeKind, Finding, Location, StackFix, Timestamp,
    Verdict, Warning, WarningId,
};

/// Findings kept at most; exchanges of further findings are counted in
/// [`Findings::folded`].
pub const MAX_FINDINGS: usize = 10_000;

/// Distinct clients counted exactly per finding; past it the count is a lower bound.
pub const MAX_CLIENTS: usize = 1_000;

/// What the fold reads of one judged exchange.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// Input index.
    pub input: usize,
    /// Sequence number within the input.
    pub seq: u64,
    /// Where it is in its input.
    pub location: Location,
    /// Method as sent.
    pub method: &'a str,
    /// URL.
    pub url: &'a str,
    /// Origin the request was made with.
    pub origin: Option<&'a str>,
    /// The page's origin when it differs (tainted `null`).
    pub page_origin: Option<&'a str>,
    /// Kind.
    pub kind: ExchangeKind,
    /// Verdict.
    pub verdict: Verdict,
    /// Blocking causes, the browser's reported one first.
    pub causes: &'a [Finding],
    /// Warnings.
    pub warnings: &'a [Warning],
    /// Start time.
    pub started: Option<Timestamp>,
    /// Client address (`ip:port`), when recorded.
    pub client: Option<&'a str>,
    /// What the server granted, for an allowed CORS request.
    pub grant: Option<Grant>,
}

/// Findings by key, in the order first seen. Hashed with foldhash: keys are a few short
/// strings, looked up for most exchanges.
type Map = IndexMap<Key, Tally, FixedState>;

/// Registrable domains already looked up (`subdomains-trusted`), emptied when full.
const DOMAIN_CACHE: usize = 1024;

/// The findings of a run (or of part of it), in the order first seen.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    map: Map,
    folded: u64,
    scratch: Scratch,
}

/// Buffers reused from one exchange to the next; not part of what was found.
#[derive(Clone, Debug, Default)]
struct Scratch {
    server: String,
    route: String,
    /// Origin → (`*.domain`, host) when the origin's host is a subdomain.
    domains: HashMap<String, Option<(String, String)>, FixedState>,
}

impl PartialEq for Findings {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map && self.folded == other.folded
    }
}

impl Eq for Findings {}

/// What an observation contributes, before its key's strings are known.
struct Contribution<'a> {
    kind: FindingKind,
    rule: Rule,
    message: &'a str,
    fix: &'a str,
    evidence: &'a [Evidence],
    stack_fix: Option<&'a StackFix>,
}

impl Findings {
    /// An empty fold.
    pub fn new() -> Self {
        Self::default()
    }

    /// Findings held (before the `subdomains-trusted` threshold is applied).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Exchanges that belonged to findings beyond [`MAX_FINDINGS`]: counted, not grouped.
    pub fn folded(&self) -> u64 {
        self.folded
    }

    /// Counts one judged exchange into its findings (none for most allowed exchanges).
    pub fn add(&mut self, o: &Observation<'_>) {
        let mut found: [Option<Contribution<'_>>; 2] = [None, None];
        if o.kind != ExchangeKind::Preflight {
            let primary = o
                .causes
                .iter()
                .find(|f| !f.if_credentialed)
                .or(o.causes.first());
            let conditional = !o.causes.is_empty() && o.causes.iter().all(|f| f.if_credentialed);
            let latent = conditional && o.causes.iter().all(|f| f.latent);
            let kind = match o.verdict {
                Verdict::Blocked => Some(FindingKind::Blocked),
                Verdict::Allowed | Verdict::NotApplicable if latent => Some(FindingKind::Latent),
                Verdict::Allowed | Verdict::NotApplicable if conditional => {
                    Some(FindingKind::IfCredentialed)
                }
                _ => None,
            };
            if let (Some(kind), Some(f)) = (kind, primary) {
                found[0] = Some(Contribution {
                    kind,
                    rule: Rule::Cause(f.cause),
                    message: &f.message,
                    fix: &f.fix,
                    evidence: &f.evidence,
                    stack_fix: f.stack_fix.as_ref(),
                });
            }
        }
        let http_trusted = o.grant.zip(o.origin).and_then(|(g, origin)| {
            security::http_origin_trusted(o.url, origin, g).then_some((g, origin))
        });
        let credentialed = o.grant.is_some_and(|g| g.credentials);
        if found[0].is_none() && o.warnings.is_empty() && http_trusted.is_none() && !credentialed {
            return;
        }
        let Findings {
            map,
            folded,
            scratch,
        } = self;
        let server = server_origin(o.url, &mut scratch.server);
        let client = client_hash(o.client, o.input);
        if found[0].is_some() || !o.warnings.is_empty() || http_trusted.is_some() {
            route_into(o.url, &mut scratch.route);
            let page = o.page_origin.or(o.origin).unwrap_or_default();
            let at = |kind, rule| KeyRef {
                kind,
                rule,
                server,
                route: &scratch.route,
                page,
            };
            for c in found.iter().flatten() {
                Self::count(map, folded, at(c.kind, c.rule), o, client, c);
            }
            for (i, w) in o.warnings.iter().enumerate() {
                if o.warnings
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .any(|e| e.id == w.id)
                {
                    continue;
                }
                let kind = if matches!(
                    w.id,
                    WarningId::OriginReflectionWithCredentials | WarningId::AllowsNullOrigin
                ) {
                    FindingKind::Security
                } else {
                    FindingKind::Warning
                };
                let c = Contribution {
                    kind,
                    rule: Rule::Warning(w.id),
                    message: &w.message,
                    fix: w.id.info().explanation,
                    evidence: &[],
                    stack_fix: None,
                };
                Self::count(map, folded, at(kind, c.rule), o, client, &c);
            }
            if let Some((g, origin)) = http_trusted {
                let message = security::http_origin_message(origin, g.credentials);
                let evidence = [Evidence {
                    source: EvidenceSource::Response,
                    exchange: ExchangeId(o.seq),
                    header: Some("Access-Control-Allow-Origin".into()),
                    values: vec![origin.to_string()],
                    primary: true,
                    note: "echoes an http: origin on an https: resource".into(),
                }];
                let rule = Rule::Security(SecurityId::HttpOriginTrusted);
                let c = Contribution {
                    kind: FindingKind::Security,
                    rule,
                    message: &message,
                    fix: SecurityId::HttpOriginTrusted.info().fix,
                    evidence: &evidence,
                    stack_fix: None,
                };
                Self::count(map, folded, at(c.kind, rule), o, client, &c);
            }
        }
        if let (true, Some(origin)) = (credentialed, o.origin) {
            if !scratch.domains.contains_key(origin) {
                if scratch.domains.len() >= DOMAIN_CACHE {
                    scratch.domains.clear();
                }
                let looked_up = security::subdomain_of(origin)
                    .map(|(domain, host)| (format!("*.{domain}"), host));
                scratch.domains.insert(origin.to_string(), looked_up);
            }
            if let Some(Some((pattern, host))) = scratch.domains.get(origin) {
                let rule = Rule::Security(SecurityId::SubdomainsTrusted);
                let key = KeyRef {
                    kind: FindingKind::Security,
                    rule,
                    server,
                    route: "*",
                    page: pattern,
                };
                let c = Contribution {
                    kind: FindingKind::Security,
                    rule,
                    message: "",
                    fix: SecurityId::SubdomainsTrusted.info().fix,
                    evidence: &[],
                    stack_fix: None,
                };
                if let Some(t) = Self::count(map, folded, key, o, client, &c) {
                    t.add_host(host);
                }
            }
        }
    }

    fn count<'m>(
        map: &'m mut Map,
        folded: &mut u64,
        key: KeyRef<'_>,
        o: &Observation<'_>,
        client: u64,
        c: &Contribution<'_>,
    ) -> Option<&'m mut Tally> {
        let index = match map.get_index_of(&key) {
            Some(i) => i,
            None if map.len() < MAX_FINDINGS => {
                let tally = Tally {
                    exchanges: 0,
                    clients: Vec::new(),
                    clients_capped: false,
                    first_seen: None,
                    last_seen: None,
                    example: Example {
                        input: o.input,
                        seq: o.seq,
                        location: o.location,
                        method: o.method.to_string(),
                        url: o.url.to_string(),
                        message: c.message.to_string(),
                        fix: c.fix.to_string(),
                        evidence: c.evidence.to_vec(),
                        stack_fix: c.stack_fix.cloned(),
                    },
                    hosts: Vec::new(),
                    hosts_more: false,
                };
                map.insert_full(key.to_owned(), tally).0
            }
            None => {
                *folded += 1;
                return None;
            }
        };
        let (_, tally) = map.get_index_mut(index)?;
        tally.count(client, o.started);
        Some(tally)
    }

    /// Adds the findings of exchanges that come after this fold's, in report order.
    pub fn merge(&mut self, later: &Findings) {
        self.folded += later.folded;
        for (key, tally) in &later.map {
            if let Some(mine) = self.map.get_mut(key) {
                mine.merge(tally);
            } else if self.map.len() < MAX_FINDINGS {
                self.map.insert(key.clone(), tally.clone());
            } else {
                self.folded += tally.exchanges;
            }
        }
    }

    /// Every finding, in order of impact (see the module documentation).
    /// `subdomains-trusted` appears only from [`SUBDOMAINS_TRUSTED`] hosts on.
    pub fn sorted(&self) -> Vec<RouteFinding> {
        let mut out: Vec<RouteFinding> = self
            .map
            .iter()
            .filter(|(k, t)| {
                k.rule != Rule::Security(SecurityId::SubdomainsTrusted)
                    || t.hosts.len() >= SUBDOMAINS_TRUSTED
            })
            .map(|(k, t)| {
                let mut example = t.example.clone();
                if k.rule == Rule::Security(SecurityId::SubdomainsTrusted) {
                    let domain = k.page.trim_start_matches("*.");
                    example.message = security::subdomains_message(domain, &t.hosts, t.hosts_more);
                }
                RouteFinding {
                    kind: k.kind,
                    rule: k.rule,
                    server: k.server.clone(),
                    route: k.route.clone(),
                    page: k.page.clone(),
                    exchanges: t.exchanges,
                    clients: t.clients.len() as u64,
                    clients_capped: t.clients_capped,
                    first_seen: t.first_seen,
                    last_seen: t.last_seen,
                    example,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(b.exchanges.cmp(&a.exchanges))
                .then(b.clients.cmp(&a.clients))
                .then_with(|| a.rule.id().cmp(b.rule.id()))
                .then_with(|| a.server.cmp(&b.server))
                .then_with(|| a.route.cmp(&b.route))
                .then_with(|| a.page.cmp(&b.page))
        });
        out
    }
}
