//! Batching what a worker sends to the rendering thread, and holding it back when that
//! thread is busy with an earlier input.
//!
//! A worker sends its input's results in batches down a bounded channel. When the channel is
//! full because the renderer is still on an earlier input, a worker whose records are laid out
//! already (JSON, JSON lines) writes them to an anonymous temporary file instead and carries
//! on: every thread keeps working, memory stays bounded, and the renderer copies the file out
//! when the input's turn comes. Other handoffs wait for room in the channel.

use std::fs::File;
use std::io::Write;
use std::sync::mpsc::{self, TrySendError};

use super::progress::Progress;
use super::project::Projector;
use crate::model::{Assessment, Issue, Verdict};
use crate::report::{Encoder, Record, Summary};

/// Batches an input may have finished ahead of the renderer. Beyond them a worker spills laid
/// out records to a temporary file, or waits: memory stays bounded whatever the input's size.
/// Waiting cannot deadlock: inputs are handed out in order, so the lowest unfinished input,
/// the one being rendered, is always being worked on.
pub(super) const BACKLOG: usize = 32;

/// Records sent at once: one channel operation (and thread wake-up) per batch, not per record.
const BATCH: usize = 512;

/// Bytes of laid-out records at which a batch is sent (a batch closes at [`BATCH`] records or
/// once it holds this many bytes, whichever comes first).
const BATCH_BYTES: usize = 64 * 1024;

/// Room for the record that closes a batch of [`BATCH_BYTES`], beyond it: larger records
/// (long evidence, a server configuration) grow the buffer once.
const RECORD_ROOM: usize = 16 * 1024;

pub(super) enum Message {
    /// Records for the renderer to lay out.
    Records(Vec<Record>),
    /// Records a worker laid out itself, with their counts.
    Encoded(Vec<u8>, Box<Summary>),
    /// Records a worker laid out and held in a temporary file: the file, how many of its
    /// first bytes to copy out, and their counts.
    Spilled(File, u64, Box<Summary>),
}

/// How far a worker takes its assessments before sending them to the rendering thread.
#[derive(Clone, Copy)]
pub(super) enum Handoff {
    /// As records, for a renderer that lays out the whole report itself.
    Records,
    /// Laid out with the renderer's encoder.
    Encoded(Encoder),
}

/// The assessments one worker has taken, told to a [`Progress`] a batch at a time (one update
/// of its counters per batch, not per assessment).
#[derive(Default)]
pub(super) struct Tally {
    /// Assessments taken, in all.
    pub(super) taken: u64,
    /// Taken since the last report, and the blocked ones among them.
    pub(super) pending: u64,
    blocked: u64,
}

impl Tally {
    /// Counts `a`.
    pub(super) fn take(&mut self, a: &Assessment) {
        self.taken += 1;
        self.pending += 1;
        self.blocked += u64::from(a.verdict == Verdict::Blocked);
    }

    /// Tells `progress`, if any, what was taken since the last report.
    pub(super) fn report(&mut self, progress: Option<&Progress>) {
        if let Some(p) = progress {
            p.judged(self.pending, self.blocked);
        }
        self.pending = 0;
        self.blocked = 0;
    }
}

/// Collects one input's assessments and sends them in batches, as far along as the handoff
/// says.
pub(super) struct Batcher<'a> {
    project: Projector<'a>,
    tx: &'a mpsc::SyncSender<Message>,
    handoff: Handoff,
    /// Records the projector let go, before they are sent or laid out.
    ready: Vec<Record>,
    records: Vec<Record>,
    bytes: Vec<u8>,
    counts: Summary,
    /// Assessments taken, told to `progress` as batches leave.
    tally: Tally,
    progress: Option<&'a Progress>,
    /// Where laid-out records go while the channel is full.
    spill: Spill,
}

/// The temporary file of a worker that could not wait.
enum Spill {
    /// Not spilling (yet).
    No,
    /// Spilling: the file, the length written in full, and the counts of what it holds.
    To(File, u64, Box<Summary>),
    /// A spill failed: wait for room in the channel from now on.
    Off,
}

impl<'a> Batcher<'a> {
    pub(super) fn new(
        project: Projector<'a>,
        tx: &'a mpsc::SyncSender<Message>,
        handoff: Handoff,
        progress: Option<&'a Progress>,
    ) -> Self {
        Self {
            project,
            tx,
            handoff,
            ready: Vec::new(),
            records: Vec::new(),
            bytes: Vec::new(),
            counts: Summary::default(),
            tally: Tally::default(),
            progress,
            spill: Spill::No,
        }
    }

    /// Takes `a`, for a caller that has one assessment at a time.
    pub(super) fn push(&mut self, a: Assessment) {
        self.push_all(std::iter::once(a));
    }

    /// Takes a run of assessments: projects them all, then lays out the records let go.
    /// Each stage's code runs over the run at once, which keeps it in the instruction cache.
    pub(super) fn push_all(&mut self, assessments: impl IntoIterator<Item = Assessment>) {
        let mut ready = std::mem::take(&mut self.ready);
        for a in assessments {
            self.tally.take(&a);
            self.project.push(a, &mut ready);
        }
        // Laid-out records went as each batch filled ([`BATCH_BYTES`]); what is counted here
        // is the assessments taken.
        self.take_ready(&mut ready);
        self.ready = ready;
        if self.tally.pending >= BATCH as u64 {
            self.flush();
        }
    }

    /// Sends or lays out the records the projector let go.
    fn take_ready(&mut self, ready: &mut Vec<Record>) {
        for record in ready.drain(..) {
            let Handoff::Encoded(encode) = self.handoff else {
                self.records.push(record);
                continue;
            };
            if self.bytes.capacity() == 0 {
                self.bytes.reserve(BATCH_BYTES + RECORD_ROOM);
            }
            let mark = self.bytes.len();
            if encode(&record, &mut self.bytes).is_ok() {
                self.counts.add(&record);
                // Sent as soon as it is full, so that the buffer is never grown (and copied)
                // while a long run of records is laid out.
                if self.bytes.len() >= BATCH_BYTES {
                    self.flush();
                }
            } else {
                // Laying out into memory fails only on a broken invariant: hand this record
                // and the rest to the renderer, in order, rather than lose them.
                self.bytes.truncate(mark);
                self.records.push(record);
                self.handoff = Handoff::Records;
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        // Records the projector held back may be let go after their assessments were counted.
        if self.tally.pending == 0 && self.records.is_empty() && self.bytes.is_empty() {
            return;
        }
        self.tally.report(self.progress);
        let send = |msg| {
            // A closed channel means the run is over; nothing left to tell.
            let _ = self.tx.send(msg);
        };
        if !self.bytes.is_empty() {
            let bytes = std::mem::take(&mut self.bytes);
            let counts = Box::new(self.counts.take_counts());
            self.send_encoded(bytes, counts);
        }
        if !self.records.is_empty() {
            self.end_spill();
            send(Message::Records(std::mem::take(&mut self.records)));
        }
    }

    /// Sends laid-out records, or writes them to the spill file when the channel is full (and
    /// from then on, to keep them in order).
    fn send_encoded(&mut self, bytes: Vec<u8>, counts: Box<Summary>) {
        let (bytes, counts) = match &mut self.spill {
            Spill::To(file, written, held) => match file.write_all(&bytes) {
                Ok(()) => {
                    *written += bytes.len() as u64;
                    held.merge(&counts);
                    return;
                }
                Err(_) => (bytes, counts),
            },
            Spill::No => match self.tx.try_send(Message::Encoded(bytes, counts)) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => return,
                Err(TrySendError::Full(Message::Encoded(bytes, counts))) => {
                    match tempfile::tempfile() {
                        Ok(mut file) => match file.write_all(&bytes) {
                            Ok(()) => {
                                self.spill = Spill::To(file, bytes.len() as u64, counts);
                                return;
                            }
                            Err(_) => (bytes, counts),
                        },
                        Err(_) => (bytes, counts),
                    }
                }
                // Only `Encoded` was sent.
                Err(TrySendError::Full(_)) => return,
            },
            Spill::Off => (bytes, counts),
        };
        // The spill failed (a full disk): hand over what it holds, then wait for room.
        self.end_spill();
        self.spill = Spill::Off;
        let _ = self.tx.send(Message::Encoded(bytes, counts));
    }

    /// Sends the spill file, if any, with the length of the records written in full.
    fn end_spill(&mut self) {
        if let Spill::To(file, written, counts) = std::mem::replace(&mut self.spill, Spill::No) {
            let _ = self.tx.send(Message::Spilled(file, written, counts));
        }
    }

    /// Sends everything still held; returns how many assessments were taken, and the issue of
    /// the projection, if any.
    pub(super) fn close(mut self) -> (u64, Option<Issue>) {
        let mut ready = std::mem::take(&mut self.ready);
        self.project.finish(&mut ready);
        self.take_ready(&mut ready);
        self.flush();
        self.end_spill();
        if !self.counts.findings.is_empty() {
            // The input's findings, built here over all its batches.
            let _ = self.tx.send(Message::Encoded(
                Vec::new(),
                Box::new(std::mem::take(&mut self.counts)),
            ));
        }
        (self.tally.taken, self.project.issue())
    }
}
