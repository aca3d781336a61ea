//! One finding while it is being counted: exchanges, distinct clients (exact up to
//! [`MAX_CLIENTS`]), first and last seen, its example, and for `subdomains-trusted` the hosts
//! seen (up to [`MAX_HOSTS`]).

use super::collect::MAX_CLIENTS;
use super::Example;
use crate::model::Timestamp;

/// Subdomains remembered per `subdomains-trusted` finding (more are counted as "more").
pub(super) const MAX_HOSTS: usize = 8;

/// A finding while it is being counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Tally {
    pub(super) exchanges: u64,
    /// Sorted client hashes, at most [`MAX_CLIENTS`].
    pub(super) clients: Vec<u64>,
    pub(super) clients_capped: bool,
    pub(super) first_seen: Option<Timestamp>,
    pub(super) last_seen: Option<Timestamp>,
    pub(super) example: Example,
    /// For `subdomains-trusted`: the hosts seen, sorted, and whether there were more.
    pub(super) hosts: Vec<String>,
    pub(super) hosts_more: bool,
}

impl Tally {
    pub(super) fn count(&mut self, client: u64, started: Option<Timestamp>) {
        self.exchanges += 1;
        self.add_client(client);
        if let Some(t) = started {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
    }

    pub(super) fn add_client(&mut self, client: u64) {
        if let Err(at) = self.clients.binary_search(&client) {
            if self.clients.len() < MAX_CLIENTS {
                self.clients.insert(at, client);
            } else {
                self.clients_capped = true;
            }
        }
    }

    pub(super) fn add_host(&mut self, host: &str) {
        if let Err(at) = self.hosts.binary_search_by(|h| h.as_str().cmp(host)) {
            if self.hosts.len() < MAX_HOSTS {
                self.hosts.insert(at, host.to_string());
            } else {
                self.hosts_more = true;
            }
        }
    }

    /// Adds a later tally of the same finding.
    pub(super) fn merge(&mut self, later: &Tally) {
        self.exchanges += later.exchanges;
        for c in &later.clients {
            self.add_client(*c);
        }
        self.clients_capped |= later.clients_capped;
        for (mine, theirs, pick) in [
            (
                &mut self.first_seen,
                later.first_seen,
                i64::min as fn(i64, i64) -> i64,
            ),
            (&mut self.last_seen, later.last_seen, i64::max),
        ] {
            *mine = match (*mine, theirs) {
                (Some(a), Some(b)) => Some(Timestamp(pick(a.0, b.0))),
                (a, b) => a.or(b),
            };
        }
        for h in &later.hosts {
            self.add_host(h);
        }
        self.hosts_more |= later.hosts_more;
    }
}
