//! Progress of a run on standard error (indicatif): bytes read of the total, exchanges judged,
//! blocked so far, rate and time left. Workers add to atomic counters (bytes as they are read,
//! exchanges a batch at a time); a thread of its own draws them ten times a second, so the
//! counting costs the workers next to nothing. The report never goes through it: it is drawn
//! on standard error only, and a report written to the same terminal is written with the bar
//! cleared first ([`Progress::writer`]).
//!
//! Whether to show progress at all (standard error is a terminal, `--quiet` not given) is the
//! caller's choice; the library draws only when handed a [`Progress`].

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the display is refreshed.
const TICK: Duration = Duration::from_millis(100);

/// A progress display, shared by the threads of a run (cloning shares it).
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    bar: ProgressBar,
    bytes: AtomicU64,
    exchanges: AtomicU64,
    blocked: AtomicU64,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("bytes", &self.inner.bytes.load(Ordering::Relaxed))
            .field("exchanges", &self.inner.exchanges.load(Ordering::Relaxed))
            .field("blocked", &self.inner.blocked.load(Ordering::Relaxed))
            .finish()
    }
}

impl Progress {
    /// A display on standard error, drawn from the start of a run to its end.
    pub fn stderr() -> Self {
        Self::with_target(ProgressDrawTarget::stderr())
    }

    /// A display that counts but draws nothing.
    pub fn hidden() -> Self {
        Self::with_target(ProgressDrawTarget::hidden())
    }

    fn with_target(target: ProgressDrawTarget) -> Self {
        Self {
            inner: Arc::new(Inner {
                bar: ProgressBar::with_draw_target(None, target),
                bytes: AtomicU64::new(0),
                exchanges: AtomicU64::new(0),
                blocked: AtomicU64::new(0),
            }),
        }
    }

    /// Counts bytes read from the inputs.
    pub fn read(&self, bytes: u64) {
        self.inner.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts exchanges judged, `blocked` of them blocked.
    pub fn judged(&self, exchanges: u64, blocked: u64) {
        self.inner.exchanges.fetch_add(exchanges, Ordering::Relaxed);
        self.inner.blocked.fetch_add(blocked, Ordering::Relaxed);
    }

    /// Bytes read, exchanges judged and blocked so far.
    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.inner.bytes.load(Ordering::Relaxed),
            self.inner.exchanges.load(Ordering::Relaxed),
            self.inner.blocked.load(Ordering::Relaxed),
        )
    }

    /// `reader` counting what is read through it.
    pub fn reader<R: Read>(&self, reader: R) -> Counted<R> {
        Counted {
            inner: reader,
            progress: self.clone(),
        }
    }

    /// `writer` clearing the display around each write, for a report written to the terminal
    /// the display is drawn on.
    pub fn writer<W: Write>(&self, writer: W) -> Suspending<W> {
        Suspending {
            inner: writer,
            bar: self.inner.bar.clone(),
        }
    }

    /// Starts drawing: `total` bytes to read, when known. The display is cleared when the
    /// returned guard is dropped.
    pub fn start(&self, total: Option<u64>) -> Drawing {
        let bar = &self.inner.bar;
        let style = match total {
            Some(n) => {
                bar.set_length(n);
                "{wide_bar} {bytes}/{total_bytes} · {msg} · {binary_bytes_per_sec} · {eta} left"
            }
            None => "{spinner} {bytes} read · {msg} · {binary_bytes_per_sec}",
        };
        if let Ok(style) = ProgressStyle::with_template(style) {
            bar.set_style(style.progress_chars("=> "));
        }
        self.draw();
        let (stop, stopped) = mpsc::channel::<()>();
        let progress = self.clone();
        let ticker = std::thread::spawn(move || loop {
            progress.draw();
            if !matches!(
                stopped.recv_timeout(TICK),
                Err(mpsc::RecvTimeoutError::Timeout)
            ) {
                return;
            }
        });
        Drawing {
            progress: self.clone(),
            stop: Some(stop),
            ticker: Some(ticker),
        }
    }

    fn draw(&self) {
        let (bytes, exchanges, blocked) = self.counts();
        let bar = &self.inner.bar;
        bar.set_position(bytes);
        bar.set_message(format!("{exchanges} exchanges, {blocked} blocked"));
    }
}

/// Draws a [`Progress`] until dropped, then clears it.
pub struct Drawing {
    progress: Progress,
    stop: Option<mpsc::Sender<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl Drop for Drawing {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.progress.inner.bar.finish_and_clear();
    }
}

/// A reader that counts its bytes into a [`Progress`].
pub struct Counted<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.read(n as u64);
        Ok(n)
    }
}

/// A writer that clears the progress display while it writes.
pub struct Suspending<W> {
    inner: W,
    bar: ProgressBar,
}

impl<W: Write> Write for Suspending<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        self.bar.suspend(|| inner.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let inner = &mut self.inner;
        self.bar.suspend(|| inner.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_goes_through() {
        let p = Progress::hidden();
        let drawing = p.start(Some(10));
        let mut data = Vec::new();
        p.reader(&b"0123456789"[..]).read_to_end(&mut data).unwrap();
        p.judged(3, 1);
        p.judged(2, 0);
        assert_eq!(p.counts(), (10, 5, 1));
        drop(drawing);
        let mut out = Vec::new();
        p.writer(&mut out).write_all(b"report").unwrap();
        assert_eq!(out, b"report");
    }
}
