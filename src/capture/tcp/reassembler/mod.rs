//! One direction of a TCP connection: sequence numbers to 64-bit stream offsets, in-order
//! delivery, a bounded out-of-order buffer, first-copy-wins overlaps and explicit gaps.
//!
//! Invariants: `next` only grows; every byte offset below `next` has been delivered exactly
//! once, as data or as part of a gap; buffered segments all end after `next` once drained.
//! Sequence numbers are compared with serial arithmetic (RFC 1982): a 32-bit sequence number
//! is read as the offset nearest to `next`, which also carries the stream across wrap-around.
//! Memory: only out-of-order payload is copied, bounded by [`Budget`].
//!
//! Layout: this file delivers and buffers segments; `gaps` declares missing bytes (on an
//! acknowledgment, at the end) and ends the stream.

mod gaps;
#[cfg(test)]
mod tests;

use crate::model::{FrameRef, Timestamp};

use super::At;

/// Why bytes were skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapCause {
    /// The peer acknowledged them or the connection ended: they were sent but not captured.
    NotCaptured,
    /// The out-of-order buffer was full: they may still arrive later, too late.
    Overflow,
    /// The capture cut the packet short (snaplen).
    Snaplen,
}

/// What the reassembler delivers, in stream order.
#[derive(Debug)]
pub enum Chunk<'a> {
    /// Bytes at `at.offset`.
    Data(&'a [u8], At),
    /// `len` bytes at `at.offset` that will never be delivered.
    Gap(u64, At, GapCause),
    /// Every byte before the FIN was delivered.
    End(At),
}

/// Caps on buffered out-of-order bytes.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    /// Cap per direction.
    pub per_direction: usize,
    /// Cap across all directions of one input.
    pub total_cap: usize,
    /// Bytes buffered across all directions now.
    pub total_used: usize,
}

struct Pending {
    off: u64,
    data: Vec<u8>,
    missing: u64,
    frame: FrameRef,
    ts: Timestamp,
}

impl Pending {
    fn end(&self) -> u64 {
        self.off + self.data.len() as u64 + self.missing
    }
}

/// Reassembly state of one direction.
#[derive(Default)]
pub struct Reassembler {
    base: Option<u32>,
    next: u64,
    pending: Vec<Pending>,
    pending_bytes: usize,
    fin: Option<u64>,
    ended: bool,
    /// Bytes received again after they were delivered (retransmissions, overlaps).
    pub duplicate_bytes: u64,
}

impl Reassembler {
    /// Sets the sequence number of stream offset 0 (ISN + 1 after a SYN), if not set yet.
    pub fn set_base(&mut self, seq: u32) {
        if self.base.is_none() {
            self.base = Some(seq);
        }
    }

    /// Whether offset 0 is known.
    pub fn has_base(&self) -> bool {
        self.base.is_some()
    }

    /// Offset of the next byte to deliver.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Whether the FIN and everything before it were delivered.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Bytes buffered out of order.
    pub fn buffered(&self) -> usize {
        self.pending_bytes
    }

    /// The offset of `seq`, read as the one nearest to `next` (may be negative: before start).
    fn rel(&self, seq: u32) -> Option<i64> {
        let base = self.base?;
        let next32 = base.wrapping_add(self.next as u32);
        let delta = i64::from(seq.wrapping_sub(next32) as i32);
        Some((self.next as i64).saturating_add(delta))
    }

    /// One segment of this direction. `missing` bytes follow `payload` in sequence space but
    /// were cut off by the capture.
    #[allow(clippy::too_many_arguments)]
    pub fn push<F: FnMut(Chunk<'_>)>(
        &mut self,
        seq: u32,
        payload: &[u8],
        missing: u32,
        fin: bool,
        frame: FrameRef,
        ts: Timestamp,
        budget: &mut Budget,
        out: &mut F,
    ) {
        if self.ended {
            return;
        }
        self.set_base(seq);
        let Some(start) = self.rel(seq) else { return };
        let len = payload.len() as u64 + u64::from(missing);
        let end = start.saturating_add(len as i64);
        if fin && self.fin.is_none() && end >= self.next as i64 {
            self.fin = Some(end as u64);
        }
        if len > 0 {
            if end <= self.next as i64 {
                self.duplicate_bytes += len;
            } else if start <= self.next as i64 {
                self.deliver_now(start, payload, u64::from(missing), frame, ts, out);
                self.drain(budget, out);
            } else {
                self.buffer(start as u64, payload, missing, frame, ts, budget, out);
            }
        }
        self.check_end(frame, ts, out);
    }

    /// Delivers a segment that starts at or before `next`, trimming what was delivered already.
    fn deliver_now<F: FnMut(Chunk<'_>)>(
        &mut self,
        start: i64,
        payload: &[u8],
        missing: u64,
        frame: FrameRef,
        ts: Timestamp,
        out: &mut F,
    ) {
        let skip = (self.next as i64 - start) as u64;
        self.duplicate_bytes += skip.min((payload.len() as u64).saturating_add(missing));
        let at = |offset| At { frame, ts, offset };
        if let Some(fresh) = payload.get(skip as usize..) {
            if !fresh.is_empty() {
                out(Chunk::Data(fresh, at(self.next)));
                self.next += fresh.len() as u64;
            }
        }
        let end = (start as u64)
            .saturating_add(payload.len() as u64)
            .saturating_add(missing);
        if end > self.next {
            out(Chunk::Gap(
                end - self.next,
                at(self.next),
                GapCause::Snaplen,
            ));
            self.next = end;
        }
    }

    /// Delivers buffered segments that became contiguous.
    fn drain<F: FnMut(Chunk<'_>)>(&mut self, budget: &mut Budget, out: &mut F) {
        while self.pending.first().is_some_and(|p| p.off <= self.next) {
            let p = self.pending.remove(0);
            self.pending_bytes -= p.data.len();
            budget.total_used = budget.total_used.saturating_sub(p.data.len());
            if p.end() <= self.next {
                self.duplicate_bytes += p.data.len() as u64;
                continue;
            }
            self.deliver_now(p.off as i64, &p.data, p.missing, p.frame, p.ts, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn buffer<F: FnMut(Chunk<'_>)>(
        &mut self,
        start: u64,
        payload: &[u8],
        missing: u32,
        frame: FrameRef,
        ts: Timestamp,
        budget: &mut Budget,
        out: &mut F,
    ) {
        let end = start + payload.len() as u64 + u64::from(missing);
        if self
            .pending
            .iter()
            .any(|p| p.off <= start && p.end() >= end)
        {
            self.duplicate_bytes += end - start;
            return;
        }
        while self.pending_bytes + payload.len() > budget.per_direction
            || budget.total_used + payload.len() > budget.total_cap
        {
            let target = self.pending.first().map_or(start, |p| p.off.min(start));
            out(Chunk::Gap(
                target - self.next,
                At {
                    frame,
                    ts,
                    offset: self.next,
                },
                GapCause::Overflow,
            ));
            self.next = target;
            if start <= self.next {
                self.deliver_now(start as i64, payload, u64::from(missing), frame, ts, out);
                self.drain(budget, out);
                return;
            }
            self.drain(budget, out);
        }
        let at = self.pending.partition_point(|p| p.off <= start);
        self.pending.insert(
            at,
            Pending {
                off: start,
                data: payload.to_vec(),
                missing: u64::from(missing),
                frame,
                ts,
            },
        );
        self.pending_bytes += payload.len();
        budget.total_used += payload.len();
    }
}
