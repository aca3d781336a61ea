//! The flow table: canonical 5-tuple to connection, client/server roles, lifetime.
//!
//! A connection is created by its first segment. The client is the sender of a SYN (or the
//! receiver of a SYN-ACK); without a handshake (a capture started mid-connection) the side
//! whose first bytes look like a request line, else the side on the higher, non-service port.
//! A RST ends both directions; after a RST or both FINs the connection stays as a tombstone so
//! stragglers do not open a new one, until a new SYN reuses the 5-tuple, it is evicted, or
//! `Limits::tcp_closed_flows` later connections have closed (the oldest tombstone goes first).
//!
//! Memory bound: at most `max_flows` connections; when full, the least recently active one is
//! closed and dropped (counted). Idle connections (no segment for `idle` capture seconds) are
//! closed on the way. Least-recently-used order is kept in a queue with one entry per
//! connection, refreshed lazily when popped, so a segment costs no queue work; the entries of
//! connections gone are dropped from it whenever it has grown to twice the table. Without the
//! bound on tombstones, a capture of short connections would keep one per connection of the
//! last `idle` seconds, a number that grows with the capture's rate and length.
//!
//! Layout: this file holds the table and connection lifetimes; `conn` holds one connection's
//! handshake, roles and the dispatch of its two directions to the handler.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::model::{FrameRef, Timestamp};

mod conn;

use super::key::{FlowHash, Key};
use super::reassembler::Budget;
use super::{Close, ConnInfo, Segment, StreamHandler};

use conn::{Conn, Live};

/// Counters of one input's TCP layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpStats {
    /// Connections seen.
    pub connections: u64,
    /// Connections refused (SYN answered by RST).
    pub refused: u64,
    /// The first refused connection: the server's address and the frame of its RST.
    pub first_refused: Option<(SocketAddr, FrameRef)>,
    /// Connections evicted because the table was full.
    pub evicted: u64,
    /// Connections closed after an idle period.
    pub idle_closed: u64,
    /// Gaps declared.
    pub gaps: u64,
    /// Bytes skipped in gaps.
    pub gap_bytes: u64,
    /// Gaps declared because an out-of-order buffer was full.
    pub overflows: u64,
    /// Bytes received more than once.
    pub duplicate_bytes: u64,
}

/// Connections of one input, fed segment by segment.
pub struct FlowTable<H> {
    conns: HashMap<Key, Conn<H>, FlowHash>,
    lru: VecDeque<(Key, u64, u64)>,
    /// Tombstones in the order their connections closed (key and connection id); entries of
    /// connections gone since are skipped when popped.
    tombstones: VecDeque<(Key, u64)>,
    max_tombstones: usize,
    tick: u64,
    next_id: u64,
    budget: Budget,
    max_flows: usize,
    idle_ns: i64,
    last_sweep: Timestamp,
    /// Counters.
    pub stats: TcpStats,
}

/// Ports that name a service: the side using one is the server when nothing else says.
fn is_service_port(port: u16) -> bool {
    matches!(
        port,
        80 | 443 | 591 | 3000 | 3128 | 5000 | 8000 | 8008 | 8080 | 8081 | 8443 | 8888
    )
}

impl<H: StreamHandler> FlowTable<H> {
    /// An empty table with the caps of [`crate::model::Limits`].
    pub fn new(limits: &crate::model::Limits) -> Self {
        Self {
            conns: HashMap::default(),
            lru: VecDeque::new(),
            tombstones: VecDeque::new(),
            max_tombstones: limits.tcp_closed_flows.max(1),
            tick: 0,
            next_id: 0,
            budget: Budget {
                per_direction: limits.tcp_out_of_order_bytes,
                total_cap: limits.tcp_buffered_bytes,
                total_used: 0,
            },
            max_flows: limits.tcp_flows.max(1),
            idle_ns: i64::try_from(limits.tcp_idle_secs.saturating_mul(1_000_000_000))
                .unwrap_or(i64::MAX),
            last_sweep: Timestamp(i64::MIN),
            stats: TcpStats::default(),
        }
    }

    /// Connections tracked now (tombstones included).
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    /// Whether no connection is tracked.
    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// Out-of-order bytes buffered now across all connections.
    pub fn buffered(&self) -> usize {
        self.budget.total_used
    }

    /// One captured segment.
    pub fn segment(&mut self, seg: &Segment<'_>, ctx: &mut H::Ctx) {
        self.tick += 1;
        if seg.ts.0.saturating_sub(self.last_sweep.0) >= 1_000_000_000 {
            self.last_sweep = seg.ts;
            self.expire_idle(seg.ts, ctx);
        }
        let key = Key::of(seg.src, seg.dst);
        let opening = seg.flags.syn && !seg.flags.ack;
        let tick = self.tick;
        // The common case, one lookup: a segment of a live connection that does not reuse it.
        if let Some(conn) = self.conns.get_mut(&key) {
            let reused =
                opening && (conn.closed || conn.client_isn.is_some_and(|isn| isn != seg.seq));
            if !reused {
                conn.touch = tick;
                conn.last_ts = seg.ts;
                conn.last_frame = seg.frame;
                if !conn.closed {
                    conn.on_segment(seg, &mut self.budget, &mut self.stats, ctx);
                    if conn.closed {
                        let id = conn.id;
                        self.bury(key, id, ctx);
                    }
                }
                return;
            }
            self.remove(key, Close::Abandoned, ctx);
        }
        if seg.flags.rst {
            return;
        }
        while self.conns.len() >= self.max_flows {
            if !self.evict_one(ctx) {
                break;
            }
        }
        self.insert(key, seg, ctx);
        let Self {
            conns,
            budget,
            stats,
            ..
        } = self;
        let Some(conn) = conns.get_mut(&key) else {
            return;
        };
        conn.on_segment(seg, budget, stats, ctx);
        if conn.closed {
            let id = conn.id;
            self.bury(key, id, ctx);
        }
    }

    /// The connection `id` at `key` has just closed: keeps its tombstone, and forgets the
    /// oldest beyond the bound.
    fn bury(&mut self, key: Key, id: u64, ctx: &mut H::Ctx) {
        self.tombstones.push_back((key, id));
        while self.tombstones.len() > self.max_tombstones {
            let Some((old, old_id)) = self.tombstones.pop_front() else {
                break;
            };
            if self
                .conns
                .get(&old)
                .is_some_and(|c| c.id == old_id && c.closed)
            {
                self.remove(old, Close::Abandoned, ctx);
            }
        }
        if self.lru.len() > 2 * self.conns.len() + 1024 {
            let conns = &self.conns;
            self.lru
                .retain(|(k, id, _)| conns.get(k).is_some_and(|c| c.id == *id));
        }
    }

    fn insert(&mut self, key: Key, seg: &Segment<'_>, ctx: &mut H::Ctx) {
        let client_is_src = if seg.flags.syn {
            !seg.flags.ack
        } else if is_service_port(seg.dst.port()) != is_service_port(seg.src.port()) {
            is_service_port(seg.dst.port())
        } else {
            seg.src.port() > seg.dst.port()
        };
        let (client, server) = if client_is_src {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        self.next_id += 1;
        self.stats.connections += 1;
        let conn = Conn {
            id: self.next_id,
            info: ConnInfo {
                client,
                server,
                from_syn: [false; 2],
            },
            role_known: seg.flags.syn,
            any_data: false,
            syn_seen: false,
            syn_ack_seen: false,
            client_isn: None,
            closed: false,
            live: Some(Box::new(Live {
                dirs: Default::default(),
                handler: H::new_connection(ctx),
            })),
            touch: self.tick,
            last_ts: seg.ts,
            last_frame: seg.frame,
        };
        self.lru.push_back((key, self.next_id, self.tick));
        self.conns.insert(key, conn);
    }

    /// Closes and drops the least recently active connection; false when there is none.
    fn evict_one(&mut self, ctx: &mut H::Ctx) -> bool {
        while let Some((key, id, tick)) = self.lru.pop_front() {
            match self.conns.get(&key) {
                Some(c) if c.id == id && c.touch != tick => {
                    self.lru.push_back((key, id, c.touch));
                }
                Some(c) if c.id == id => {
                    if !c.closed {
                        self.stats.evicted += 1;
                    }
                    self.remove(key, Close::Abandoned, ctx);
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    fn expire_idle(&mut self, now: Timestamp, ctx: &mut H::Ctx) {
        while let Some(&(key, id, tick)) = self.lru.front() {
            match self.conns.get(&key) {
                Some(c) if c.id == id => {
                    if c.last_ts.0.saturating_add(self.idle_ns) >= now.0 {
                        if c.touch == tick {
                            return;
                        }
                        self.lru.pop_front();
                        self.lru.push_back((key, id, c.touch));
                        continue;
                    }
                    self.lru.pop_front();
                    if !c.closed {
                        self.stats.idle_closed += 1;
                    }
                    self.remove(key, Close::Abandoned, ctx);
                }
                _ => {
                    self.lru.pop_front();
                }
            }
        }
    }

    fn remove(&mut self, key: Key, how: Close, ctx: &mut H::Ctx) {
        if let Some(mut c) = self.conns.remove(&key) {
            c.finish(how, &mut self.budget, &mut self.stats, ctx);
        }
    }

    /// The capture ended: closes every open connection, oldest first (tombstones have
    /// nothing left to close).
    pub fn finish(&mut self, ctx: &mut H::Ctx) {
        let mut open: Vec<(u64, Key)> = (self.conns.iter())
            .filter(|(_, c)| !c.closed)
            .map(|(k, c)| (c.id, *k))
            .collect();
        open.sort_unstable_by_key(|(id, _)| *id);
        for (_, key) in open {
            self.remove(key, Close::Abandoned, ctx);
        }
        self.conns.clear();
        self.lru.clear();
        self.tombstones.clear();
    }
}
