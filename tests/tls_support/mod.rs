//! Runs captures through the flow table, the TLS layer and the HTTP/1 layer, composed here for
//! tests: every TCP connection is read as TLS, its plaintext is kept per side and fed to an
//! HTTP/1 connection.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use corscope::capture::http1::{Http1Connection, Http1Stats};
use corscope::capture::pcap::link;
use corscope::capture::pcap::reader::{self, Frame, FrameSink, SECRETS_TLS_KEY_LOG};
use corscope::capture::protocol::Ctx as LayerCtx;
use corscope::capture::tcp::{At, Close, ConnInfo, FlowTable, Side, StreamHandler};
use corscope::capture::tls::{Feed, KeyLog, Session, TlsConnection, TlsEvent, TlsStats};
use corscope::capture::{sniff, Sink};
use corscope::model::{Exchange, FileIndex, Issue, Limits};

/// Everything a run produced.
#[derive(Default)]
pub struct Run {
    pub exchanges: Vec<Exchange>,
    pub issues: Vec<Issue>,
    /// Per connection, in order of their end: the session and the plaintext of each side.
    pub connections: Vec<(Session, [Vec<u8>; 2])>,
    pub tls: TlsStats,
    pub http: Http1Stats,
}

impl Run {
    pub fn issue_ids(&self) -> Vec<&'static str> {
        self.issues.iter().map(|i| i.id).collect()
    }
    pub fn count(&self, id: &str) -> u64 {
        self.issues
            .iter()
            .filter(|i| i.id == id)
            .map(|i| i.count)
            .sum()
    }
}

#[derive(Default)]
struct Collect {
    exchanges: Vec<Exchange>,
    issues: Vec<Issue>,
}

impl Sink for Collect {
    fn exchange(&mut self, e: Exchange) {
        self.exchanges.push(e);
    }
    fn issue(&mut self, i: Issue) {
        self.issues.push(i);
    }
}

struct Ctx<'s> {
    /// Largest piece of a segment handed to the TLS layer at once (0: whole).
    chunk: usize,
    layers: LayerCtx<'s>,
    done: Vec<(Session, [Vec<u8>; 2])>,
}

struct Conn<'s> {
    tls: TlsConnection,
    http: Http1Connection<'s>,
    plain: [Vec<u8>; 2],
    reported: bool,
}

impl<'s> Conn<'s> {
    fn drain(&mut self, ctx: &mut Ctx<'s>, conn: &ConnInfo, side: Side, feed: &mut Feed<'_>) {
        let layers = &mut ctx.layers;
        while let Some(ev) = self.tls.poll(&mut layers.tls, conn, side, feed) {
            match ev {
                TlsEvent::Plaintext {
                    side: s, bytes, at, ..
                } => {
                    assert_eq!(at.offset, self.plain[s.index()].len() as u64);
                    self.plain[s.index()].extend_from_slice(bytes);
                    self.http.data(layers, conn, s, bytes, at);
                }
                TlsEvent::Issue(i) => layers.sink.issue(i),
            }
        }
    }
}

impl<'s> StreamHandler for Conn<'s> {
    type Ctx = Ctx<'s>;

    fn new_connection(ctx: &mut Self::Ctx) -> Self {
        Conn {
            tls: TlsConnection::new(),
            http: Http1Connection::new_connection(&mut ctx.layers).over_tls(),
            plain: Default::default(),
            reported: false,
        }
    }

    fn data(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, bytes: &[u8], at: At) {
        let step = if ctx.chunk == 0 {
            bytes.len().max(1)
        } else {
            ctx.chunk
        };
        for (i, piece) in bytes.chunks(step).enumerate() {
            let at = At {
                offset: at.offset + (i * step) as u64,
                ..at
            };
            self.drain(ctx, conn, side, &mut Feed::new(piece, at));
        }
    }

    fn gap(&mut self, ctx: &mut Self::Ctx, conn: &ConnInfo, side: Side, len: u64, at: At) {
        self.tls.gap(&mut ctx.layers.tls, conn, side, len, at);
        self.drain(ctx, conn, side, &mut Feed::empty());
    }

    fn close(
        &mut self,
        ctx: &mut Self::Ctx,
        conn: &ConnInfo,
        side: Option<Side>,
        how: Close,
        at: At,
    ) {
        let how = self.tls.close(&mut ctx.layers.tls, conn, side, how, at);
        self.drain(ctx, conn, side.unwrap_or(Side::Client), &mut Feed::empty());
        self.http.close(&mut ctx.layers, conn, side, how, at);
        if (self.tls.ended() || side.is_none()) && !self.reported {
            self.reported = true;
            ctx.done
                .push((self.tls.session().clone(), std::mem::take(&mut self.plain)));
        }
    }

    fn issue(ctx: &mut Self::Ctx, issue: Issue) {
        ctx.layers.sink.issue(issue);
    }
}

struct Frames<'s> {
    table: FlowTable<Conn<'s>>,
    ctx: Ctx<'s>,
}

impl FrameSink for Frames<'_> {
    fn frame(&mut self, frame: &Frame<'_>) {
        if let Ok(p) = link::decode(frame.linktype, frame.data) {
            let seg = p.segment(frame.number, frame.ts);
            self.table.segment(&seg, &mut self.ctx);
        }
    }
    fn issue(&mut self, issue: Issue) {
        self.ctx.layers.sink.issue(issue);
    }
    fn secrets(&mut self, kind: u32, data: &[u8]) {
        if kind == SECRETS_TLS_KEY_LOG {
            self.ctx.layers.tls.add_secrets(data);
        }
    }
}

/// Reads a capture's bytes with `keys`, every connection as TLS.
pub fn run_bytes(bytes: &[u8], keys: &KeyLog) -> Run {
    run_chunked(bytes, keys, 0)
}

/// The same, handing the TLS layer at most `chunk` bytes at a time.
pub fn run_chunked(bytes: &[u8], keys: &KeyLog, chunk: usize) -> Run {
    let limits = Limits::default();
    let mut sink = Collect::default();
    let (format, mut input) =
        sniff::detect(Box::new(std::io::Cursor::new(bytes.to_vec()))).unwrap();
    let (tls, http, done) = {
        let mut frames = Frames {
            table: FlowTable::new(&limits),
            ctx: Ctx {
                chunk,
                layers: LayerCtx::with_keys(&mut sink, &limits, keys),
                done: Vec::new(),
            },
        };
        reader::read_frames(
            &mut input,
            format,
            limits.packet_bytes,
            FileIndex(0),
            &mut frames,
        )
        .unwrap();
        frames.table.finish(&mut frames.ctx);
        let Ctx {
            mut layers, done, ..
        } = frames.ctx;
        layers.finish();
        (layers.tls.stats.clone(), layers.stats.http1.clone(), done)
    };
    Run {
        exchanges: sink.exchanges,
        issues: sink.issues,
        connections: done,
        tls,
        http,
    }
}

/// Reads a key log file.
pub fn keylog(path: &Path) -> KeyLog {
    let mut k = KeyLog::new();
    k.read(&mut std::io::BufReader::new(
        std::fs::File::open(path).unwrap(),
    ))
    .unwrap();
    k
}

/// Reads a capture file with the key logs given.
pub fn run_file(path: &Path, keylogs: &[&Path]) -> Run {
    let mut keys = KeyLog::new();
    for k in keylogs {
        keys.merge(&keylog(k));
    }
    run_bytes(&std::fs::read(path).unwrap(), &keys)
}

/// The public corpus, when present.
pub fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("CORSCOPE_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    dir.is_dir().then_some(dir)
}
