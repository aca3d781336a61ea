//! Where the reassembler gives up on missing bytes: the peer acknowledged data never captured,
//! or the connection ended with holes; and the end of the stream once the FIN is reached.

use crate::model::{FrameRef, Timestamp};

use super::{Budget, Chunk, GapCause, Reassembler};
use crate::capture::tcp::At;

impl Reassembler {
    /// The peer acknowledged `ack`: bytes before it that were never captured become a gap.
    pub fn acknowledged<F: FnMut(Chunk<'_>)>(
        &mut self,
        ack: u32,
        frame: FrameRef,
        ts: Timestamp,
        budget: &mut Budget,
        out: &mut F,
    ) {
        if self.ended {
            return;
        }
        let Some(mut target) = self.rel(ack) else {
            return;
        };
        if let Some(fin) = self.fin {
            target = target.min(fin as i64);
        }
        while target > self.next as i64 {
            let target = target as u64;
            let hole_end = self.pending.first().map_or(target, |p| p.off.min(target));
            if hole_end > self.next {
                let at = At {
                    frame,
                    ts,
                    offset: self.next,
                };
                out(Chunk::Gap(hole_end - self.next, at, GapCause::NotCaptured));
                self.next = hole_end;
            }
            let before = self.next;
            self.drain(budget, out);
            if self.next == before && self.pending.is_empty() {
                break;
            }
        }
        self.check_end(frame, ts, out);
    }

    /// The connection ended: delivers everything buffered, with gaps for the holes.
    pub fn flush<F: FnMut(Chunk<'_>)>(
        &mut self,
        frame: FrameRef,
        ts: Timestamp,
        budget: &mut Budget,
        out: &mut F,
    ) {
        while let Some(first) = self.pending.first() {
            if first.off > self.next {
                let at = At {
                    frame,
                    ts,
                    offset: self.next,
                };
                out(Chunk::Gap(first.off - self.next, at, GapCause::NotCaptured));
                self.next = first.off;
            }
            self.drain(budget, out);
        }
        if let Some(fin) = self.fin {
            if fin > self.next && !self.ended {
                let at = At {
                    frame,
                    ts,
                    offset: self.next,
                };
                out(Chunk::Gap(fin - self.next, at, GapCause::NotCaptured));
                self.next = fin;
            }
        }
        self.check_end(frame, ts, out);
    }

    /// Releases the buffer without delivering it (the connection is dropped).
    pub fn release(&mut self, budget: &mut Budget) {
        budget.total_used = budget.total_used.saturating_sub(self.pending_bytes);
        self.pending_bytes = 0;
        self.pending.clear();
    }

    pub(super) fn check_end<F: FnMut(Chunk<'_>)>(
        &mut self,
        frame: FrameRef,
        ts: Timestamp,
        out: &mut F,
    ) {
        if !self.ended && self.fin.is_some_and(|f| self.next >= f) {
            self.ended = true;
            out(Chunk::End(At {
                frame,
                ts,
                offset: self.next,
            }));
        }
    }
}
