//! The records stage of a capture split over two threads, run on the reader's thread between
//! reads.
//!
//! A capture's engine judges on a thread of its own and sends its assessments back to the
//! reader's thread in small batches ([`Returner`]); the reader's thread projects and lays
//! them out between reads ([`Relay`]), so that two threads share the work of three (on two
//! cores, a third busy thread takes turns with the others and leaves the cores waiting on
//! each other). The bytes of assessments in flight between the two are bounded
//! ([`InFlight`]).
//!
//! Neither thread can wait for the other forever: the reader never waits for room in its
//! engine's channel without taking what the engine sends back ([`Relay::take`]), and the
//! bound on bytes in flight is lifted when the relay is dropped, so that an engine whose
//! reader stopped (or panicked) never waits for room that will not come.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::batch::{Batcher, Tally};
use super::progress::Progress;
use crate::model::{Assessment, Issue};

/// Assessments sent back at once. Small, so that the reader's thread takes work in small
/// steps between reads and the engine waits less for room within [`ASSESSMENT_BYTES`].
const ASSESSMENT_BATCH: usize = 64;

/// Bytes of assessments (exchanges with their header lists, and findings; see [`weight`])
/// the engine may have in flight to the reader's thread. Counted in bytes, not batches:
/// when the receiving thread falls behind, a backlog of batches of large exchanges held tens
/// of megabytes. 4 MiB keeps both threads busy and the peak resident size of a run with two
/// threads under 64 MiB.
const ASSESSMENT_BYTES: usize = 4 << 20;

/// Batches the channel back to the reader holds; the byte bound above is the tighter one
/// but for the smallest assessments.
const RETURN_BACKLOG: usize = 32;

/// How long a reader whose engine has no room waits for assessments before trying again.
const RELAY_WAIT: Duration = Duration::from_millis(1);

/// One batch of assessments on its way back, with what it weighs in [`InFlight`].
pub(super) struct Returned {
    assessments: Vec<Assessment>,
    weight: usize,
}

/// The bytes of assessments in flight from an engine to its reader's thread: the engine
/// waits while sending more would pass [`ASSESSMENT_BYTES`] (a batch always goes when nothing
/// is in flight); the reader's thread gives them back once it has laid them out.
#[derive(Default)]
pub(super) struct InFlight {
    /// Bytes in flight, and whether the receiving thread stopped taking them.
    state: Mutex<(usize, bool)>,
    room: Condvar,
}

impl InFlight {
    /// Waits for room for `bytes` more; returns at once when the receiver has gone.
    fn take(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.1 && state.0 > 0 && state.0.saturating_add(bytes) > ASSESSMENT_BYTES {
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.0 = state.0.saturating_add(bytes);
    }

    /// Gives back `bytes` the receiving thread is done with.
    fn give(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = state.0.saturating_sub(bytes);
        self.room.notify_all();
    }

    /// The receiving thread takes no more: the engine never waits again.
    fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.1 = true;
        self.room.notify_all();
    }
}

/// About how many bytes `a` holds: its exchange's header lists and texts, and its findings.
fn weight(a: &Assessment) -> usize {
    let ex = &a.exchange;
    let findings: usize = a
        .causes
        .iter()
        .map(|f| {
            std::mem::size_of::<crate::model::Finding>()
                + f.message.len()
                + f.fix.len()
                + f.evidence.len() * 256
        })
        .sum();
    std::mem::size_of::<Assessment>()
        + ex.request.url.len()
        + ex.request.headers.heap_bytes()
        + ex.response.as_ref().map_or(0, |r| r.headers.heap_bytes())
        + findings
        + a.warnings.len() * 128
}

/// The link from an engine back to its reader's thread, over `in_flight`: the engine's end
/// and the reader's end, which lays out into `out`.
pub(super) fn link<'a>(
    in_flight: &'a InFlight,
    progress: Option<&'a Progress>,
    out: Batcher<'a>,
) -> (Returner<'a>, Relay<'a>) {
    let (tx, rx) = mpsc::sync_channel(RETURN_BACKLOG);
    let returner = Returner {
        tx,
        assessments: Vec::with_capacity(ASSESSMENT_BATCH),
        weight: 0,
        in_flight,
        tally: Tally::default(),
        progress,
    };
    let relay = Relay {
        rx,
        out,
        open: Open(in_flight),
    };
    (returner, relay)
}

/// The engine's end: collects assessments and sends them back in batches, within the bytes
/// in flight allowed. Counts the exchanges judged, as they leave.
pub(super) struct Returner<'a> {
    tx: SyncSender<Returned>,
    assessments: Vec<Assessment>,
    /// What `assessments` weigh.
    weight: usize,
    in_flight: &'a InFlight,
    /// Assessments taken, told to `progress` as batches leave.
    tally: Tally,
    progress: Option<&'a Progress>,
}

impl Returner<'_> {
    /// Takes one assessment; sends a batch when it is full.
    pub(super) fn push(&mut self, a: Assessment) {
        self.tally.take(&a);
        self.weight += weight(&a);
        self.assessments.push(a);
        if self.assessments.len() >= ASSESSMENT_BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.tally.report(self.progress);
        if self.assessments.is_empty() {
            return;
        }
        let weight = std::mem::take(&mut self.weight);
        self.in_flight.take(weight);
        let assessments =
            std::mem::replace(&mut self.assessments, Vec::with_capacity(ASSESSMENT_BATCH));
        // A closed channel means the reader has stopped; nothing left to tell.
        let _ = self.tx.send(Returned {
            assessments,
            weight,
        });
    }

    /// Sends what is left; returns how many assessments were taken. The relay then sees the
    /// end of the engine's assessments.
    pub(super) fn close(mut self) -> u64 {
        self.flush();
        self.tally.taken
    }
}

/// The reader's end: lays out what the engine sends back, between reads.
pub(super) struct Relay<'a> {
    rx: Receiver<Returned>,
    out: Batcher<'a>,
    /// Lifts the bound on bytes in flight when the relay is dropped.
    open: Open<'a>,
}

/// Closes an [`InFlight`] when dropped.
struct Open<'a>(&'a InFlight);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Relay<'_> {
    /// Lays out what the engine has sent so far. A reader calls this after each batch it
    /// sends.
    pub(super) fn take(&mut self) {
        while let Ok(returned) = self.rx.try_recv() {
            self.lay_out(returned);
        }
    }

    /// Waits up to [`RELAY_WAIT`] for the engine to send something, then lays out what has
    /// arrived. A reader calls this while its engine has no room.
    pub(super) fn wait_and_take(&mut self) {
        if let Ok(returned) = self.rx.recv_timeout(RELAY_WAIT) {
            self.lay_out(returned);
            self.take();
        }
    }

    fn lay_out(&mut self, returned: Returned) {
        self.out.push_all(returned.assessments);
        self.open.0.give(returned.weight);
    }

    /// Lays out everything until the engine is done; returns the projection's issue.
    pub(super) fn finish(mut self) -> Option<Issue> {
        while let Ok(returned) = self.rx.recv() {
            self.lay_out(returned);
        }
        self.out.close().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn an_engine_waits_for_room_and_goes_on_when_the_receiver_is_gone() {
        let in_flight = Arc::new(InFlight::default());
        in_flight.take(ASSESSMENT_BYTES);
        // Nothing in flight yet would have let any batch go; now a second must wait.
        let waiting = {
            let in_flight = Arc::clone(&in_flight);
            std::thread::spawn(move || in_flight.take(1))
        };
        std::thread::sleep(Duration::from_millis(20));
        assert!(!waiting.is_finished(), "took room that was not there");
        in_flight.give(ASSESSMENT_BYTES);
        waiting.join().unwrap();

        // A closed bound never makes anyone wait again.
        let full = InFlight::default();
        full.take(ASSESSMENT_BYTES);
        full.close();
        full.take(ASSESSMENT_BYTES);
    }
}
