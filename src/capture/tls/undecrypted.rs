//! TLS connections that could not be decrypted, counted per reason and server name (SNI, else
//! address) for the input's issues: "41 TLS connections to api.example.com:443 not decrypted:
//! no key for their client random; pass --keylog".
//!
//! Memory: one counter per reason and server name, at most [`MAX_SERVERS`] names; the
//! connections to further names are counted under one "other servers" entry.

use std::collections::BTreeMap;

use crate::model::{FrameRef, Issue, Position};

use super::{ISSUE_HANDSHAKE_MISSING, ISSUE_NO_KEY, ISSUE_UNSUPPORTED};

/// Server names counted one by one per input.
pub const MAX_SERVERS: usize = 4096;

/// Why a connection was not decrypted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// No secret for its client random.
    NoKey,
    /// The handshake (its ClientHello or ServerHello) is not in the capture.
    HandshakeMissing,
    /// A version or cipher suite that is not decrypted, by name.
    Unsupported(String),
}

#[derive(Clone, Copy)]
struct Tally {
    count: u64,
    first: FrameRef,
}

/// Connections not decrypted, by reason and server name.
#[derive(Default)]
pub struct Undecrypted {
    by: BTreeMap<(Reason, String), Tally>,
    names: usize,
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        "connection"
    } else {
        "connections"
    }
}

impl Undecrypted {
    /// Counts one connection to `server` (its SNI and port, or its address) first seen at
    /// `frame`.
    pub fn add(&mut self, reason: Reason, server: String, frame: FrameRef) {
        let mut key = (reason, server);
        if !self.by.contains_key(&key) {
            if self.names >= MAX_SERVERS {
                key.1 = "other servers".into();
            } else {
                self.names += 1;
            }
        }
        let t = self.by.entry(key).or_insert(Tally {
            count: 0,
            first: frame,
        });
        t.count += 1;
        t.first = t.first.min(frame);
    }

    /// One issue per reason and server, most connections first. `keyed` says whether any key
    /// material was given, which changes the advice.
    pub fn issues(self, keyed: bool) -> Vec<Issue> {
        let mut rows: Vec<_> = self.by.into_iter().collect();
        rows.sort_by(|((ra, sa), ta), ((rb, sb), tb)| {
            ra.cmp(rb).then(tb.count.cmp(&ta.count)).then(sa.cmp(sb))
        });
        rows.into_iter()
            .map(|((reason, server), t)| {
                let n = t.count;
                let head = format!("{n} TLS {} to {server} not decrypted", plural(n));
                let (id, message) = match reason {
                    Reason::NoKey if keyed => (
                        ISSUE_NO_KEY,
                        format!("{head}: the key log has no key for their client random"),
                    ),
                    Reason::NoKey => (
                        ISSUE_NO_KEY,
                        format!("{head}: no key for their client random; pass --keylog"),
                    ),
                    Reason::HandshakeMissing => (
                        ISSUE_HANDSHAKE_MISSING,
                        format!(
                            "{head}: their handshake is missing from the capture or unreadable"
                        ),
                    ),
                    Reason::Unsupported(what) => (
                        ISSUE_UNSUPPORTED,
                        format!("{head}: {what} is not decrypted"),
                    ),
                };
                Issue::at(id, Position::Frame(t.first), message).times(n)
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::{FileIndex, FrameNumber};

    #[test]
    fn counted_per_reason_and_server_most_first() {
        let mut u = Undecrypted::default();
        for i in 0..41 {
            u.add(
                Reason::NoKey,
                "api.example.com:443".into(),
                FrameRef::new(FileIndex(0), FrameNumber(10 + i)),
            );
        }
        u.add(
            Reason::NoKey,
            "cdn.example.com:443".into(),
            FrameRef::new(FileIndex(0), FrameNumber(3)),
        );
        u.add(
            Reason::Unsupported("TLS_RSA_WITH_3DES_EDE_CBC_SHA".into()),
            "10.0.0.1:443".into(),
            FrameRef::new(FileIndex(0), FrameNumber(7)),
        );
        let issues = u.issues(false);
        let got: Vec<(&str, u64, &str)> = issues
            .iter()
            .map(|i| (i.id, i.count, i.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ISSUE_NO_KEY, 41, "41 TLS connections to api.example.com:443 not decrypted: no key for their client random; pass --keylog"),
                (ISSUE_NO_KEY, 1, "1 TLS connection to cdn.example.com:443 not decrypted: no key for their client random; pass --keylog"),
                (ISSUE_UNSUPPORTED, 1, "1 TLS connection to 10.0.0.1:443 not decrypted: TLS_RSA_WITH_3DES_EDE_CBC_SHA is not decrypted"),
            ]
        );
        assert_eq!(
            issues[0].at,
            Some(Position::Frame(FrameRef::new(
                FileIndex(0),
                FrameNumber(10)
            )))
        );
    }

    #[test]
    fn names_beyond_the_cap_are_lumped() {
        let mut u = Undecrypted::default();
        for i in 0..MAX_SERVERS + 5 {
            u.add(
                Reason::HandshakeMissing,
                format!("h{i}:443"),
                FrameRef::new(FileIndex(0), FrameNumber(1)),
            );
        }
        let issues = u.issues(true);
        assert_eq!(issues.len(), MAX_SERVERS + 1);
        let other = issues
            .iter()
            .find(|i| i.message.contains("other servers"))
            .unwrap();
        assert_eq!(other.count, 5);
    }
}
