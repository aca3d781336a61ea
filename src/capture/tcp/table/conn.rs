//! One connection of the flow table: handshake state, roles, its two reassemblers and its
//! handler; each segment goes to the acknowledged direction first, then to its own.

use crate::model::{FrameRef, Issue, Position, Timestamp};

use super::TcpStats;
use crate::capture::tcp::reassembler::{Budget, Chunk, GapCause, Reassembler};
use crate::capture::tcp::{
    sniff_role, At, Close, ConnInfo, Segment, Side, StreamHandler, ISSUE_GAP,
    ISSUE_OUT_OF_ORDER_OVERFLOW,
};

pub(super) struct Live<H> {
    pub(super) dirs: [Reassembler; 2],
    pub(super) handler: H,
}

pub(super) struct Conn<H> {
    pub(super) id: u64,
    pub(super) info: ConnInfo,
    pub(super) role_known: bool,
    pub(super) any_data: bool,
    pub(super) syn_seen: bool,
    pub(super) syn_ack_seen: bool,
    pub(super) client_isn: Option<u32>,
    pub(super) closed: bool,
    /// Reassembly and handler state, boxed so that tombstones stay small; `None` once closed.
    pub(super) live: Option<Box<Live<H>>>,
    pub(super) touch: u64,
    pub(super) last_ts: Timestamp,
    pub(super) last_frame: FrameRef,
}

impl<H: StreamHandler> Conn<H> {
    pub(super) fn on_segment(
        &mut self,
        seg: &Segment<'_>,
        budget: &mut Budget,
        stats: &mut TcpStats,
        ctx: &mut H::Ctx,
    ) {
        let side = if seg.src == self.info.client {
            Side::Client
        } else {
            Side::Server
        };
        if seg.flags.rst {
            if self.syn_seen && !self.syn_ack_seen && !self.any_data && side == Side::Server {
                stats.refused += 1;
                stats
                    .first_refused
                    .get_or_insert((self.info.server, seg.frame));
                self.release(budget, stats);
                return;
            }
            self.finish(Close::Reset, budget, stats, ctx);
            return;
        }
        let mut seq = seg.seq;
        if seg.flags.syn {
            seq = seq.wrapping_add(1);
            match side {
                Side::Client if !seg.flags.ack => {
                    self.syn_seen = true;
                    self.info.from_syn[0] = true;
                    self.client_isn = Some(seg.seq);
                }
                Side::Server if seg.flags.ack => {
                    self.syn_ack_seen = true;
                    self.info.from_syn[1] = true;
                }
                _ => {}
            }
        }
        let Some(live) = self.live.as_deref_mut() else {
            return;
        };
        // Without a handshake, the first segment that starts with a request or status line
        // settles the roles; what came before only reached framers still seeking a start.
        let side = match (self.role_known, seg.payload.is_empty()) {
            (false, false) => match sniff_role(seg.payload) {
                Some(sniffed) => {
                    self.role_known = true;
                    if sniffed != side {
                        std::mem::swap(&mut self.info.client, &mut self.info.server);
                        live.dirs.swap(0, 1);
                        live.handler = H::new_connection(ctx);
                    }
                    sniffed
                }
                None => side,
            },
            _ => side,
        };
        self.any_data |= !seg.payload.is_empty();
        let info = &self.info;
        let Live { dirs, handler } = live;
        let [client_dir, server_dir] = dirs;
        let (dir, peer) = match side {
            Side::Client => (client_dir, server_dir),
            Side::Server => (server_dir, client_dir),
        };
        // The acknowledgment first: what the sender had received precedes what it sends now.
        if seg.flags.ack && peer.has_base() {
            let mut out = |c: Chunk<'_>| dispatch(handler, ctx, info, side.peer(), c, stats);
            peer.acknowledged(seg.ack, seg.frame, seg.ts, budget, &mut out);
        }
        let carries = !seg.payload.is_empty() || seg.missing > 0 || seg.flags.fin;
        if carries || !dir.has_base() {
            let mut out = |c: Chunk<'_>| dispatch(handler, ctx, info, side, c, stats);
            dir.push(
                seq,
                seg.payload,
                seg.missing,
                seg.flags.fin,
                seg.frame,
                seg.ts,
                budget,
                &mut out,
            );
        }
        if live.dirs.iter().all(Reassembler::ended) {
            self.release(budget, stats);
        }
    }

    /// Delivers what is buffered and tells the handler the connection is over.
    pub(super) fn finish(
        &mut self,
        how: Close,
        budget: &mut Budget,
        stats: &mut TcpStats,
        ctx: &mut H::Ctx,
    ) {
        let (frame, ts) = (self.last_frame, self.last_ts);
        let info = &self.info;
        let Some(live) = self.live.as_deref_mut() else {
            return;
        };
        let Live { dirs, handler } = live;
        for (dir, side) in dirs.iter_mut().zip([Side::Client, Side::Server]) {
            if how != Close::Reset {
                dir.flush(frame, ts, budget, &mut |c| {
                    dispatch(handler, ctx, info, side, c, stats)
                });
            }
        }
        let at = At {
            frame,
            ts,
            offset: 0,
        };
        handler.close(ctx, info, None, how, at);
        self.release(budget, stats);
    }

    /// A closed connection stays as a tombstone: keep nothing but its identity.
    pub(super) fn release(&mut self, budget: &mut Budget, stats: &mut TcpStats) {
        self.closed = true;
        if let Some(mut live) = self.live.take() {
            for dir in &mut live.dirs {
                stats.duplicate_bytes += dir.duplicate_bytes;
                dir.release(budget);
            }
        }
    }
}

fn dispatch<H: StreamHandler>(
    handler: &mut H,
    ctx: &mut H::Ctx,
    info: &ConnInfo,
    side: Side,
    chunk: Chunk<'_>,
    stats: &mut TcpStats,
) {
    match chunk {
        Chunk::Data(bytes, at) => handler.data(ctx, info, side, bytes, at),
        Chunk::Gap(len, at, cause) => {
            stats.gaps += 1;
            stats.gap_bytes = stats.gap_bytes.saturating_add(len);
            let (id, why) = match cause {
                GapCause::Overflow => {
                    stats.overflows += 1;
                    (ISSUE_OUT_OF_ORDER_OVERFLOW, "out-of-order buffer full")
                }
                GapCause::NotCaptured => (ISSUE_GAP, "not captured"),
                GapCause::Snaplen => (ISSUE_GAP, "cut by the capture's snapshot length"),
            };
            let side_name = match side {
                Side::Client => "client",
                Side::Server => "server",
            };
            let message = format!(
                "{len} bytes of the {side_name} stream {} -> {} skipped: {why}",
                if side == Side::Client {
                    info.client
                } else {
                    info.server
                },
                if side == Side::Client {
                    info.server
                } else {
                    info.client
                },
            );
            let pos = Position::Stream {
                frame: at.frame,
                offset: at.offset,
            };
            H::issue(ctx, Issue::at(id, pos, message));
            handler.gap(ctx, info, side, len, at);
        }
        Chunk::End(at) => handler.close(ctx, info, Some(side), Close::Fin, at),
    }
}
