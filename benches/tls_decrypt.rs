//! The TLS layer alone: one generated TLS 1.3 connection (a handshake, then 32 MiB of
//! application data from the server in full-size records) fed to `capture::tls` in pieces of a
//! segment's payload (1448 bytes), as the reassembler delivers them. Decryption is in place in
//! the direction's record buffer; the bench measures record framing, AEAD and the hand-out.
//! Throughput is the ciphertext fed.
//!
//! The stream is sealed with RustCrypto's AEADs (`support/tls_capture/records.rs`) from secrets
//! written into a key log, so the layer derives every key itself and opens the records with
//! ring's: two implementations check each other.
//!
//! Asserts: every record opens, and the plaintext handed out is every byte that was encrypted.

// Benches are not input paths: a bench that cannot build its own input must stop loudly.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use corscope::capture::tcp::{At, ConnInfo, Side};
use corscope::capture::tls::{Feed, KeyLog, TlsConnection, TlsCtx, TlsEvent};
use corscope::model::{FileIndex, FrameNumber, FrameRef, Limits, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use records::handshake;

#[allow(dead_code)]
#[path = "support/tls_capture/records.rs"]
mod records;

const RANDOM: [u8; 32] = [0x42; 32];
const RECORD: usize = 16 << 10;
const APP_BYTES: usize = 32 << 20;
const PIECE: usize = 1448;

fn record(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    records::record(ty, body, &mut r);
    r
}

/// Seals TLS 1.3 records with one traffic secret.
struct Sealer(records::Sealer);

impl Sealer {
    fn new(suite: u16, secret: &[u8; 32]) -> Self {
        Self(records::Sealer::new(suite, secret))
    }

    fn seal(&mut self, inner_type: u8, plaintext: &[u8]) -> Vec<u8> {
        let mut r = Vec::with_capacity(plaintext.len() + 22);
        self.0.seal(inner_type, plaintext, &mut r);
        r
    }
}

/// Both streams of one connection and its key log.
struct Connection {
    client: Vec<u8>,
    server_handshake: Vec<u8>,
    server_data: Vec<u8>,
    keys: KeyLog,
}

fn connection(suite: u16) -> Connection {
    let secrets = [[1u8; 32], [2; 32], [3; 32], [4; 32]];
    let labels = [
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_TRAFFIC_SECRET_0",
        "CLIENT_TRAFFIC_SECRET_0",
    ];
    let mut text = String::new();
    for (l, s) in labels.iter().zip(&secrets) {
        records::keylog_line(l, &RANDOM, s, &mut text);
    }
    let mut keys = KeyLog::new();
    keys.add_text(text.as_bytes());

    let mut hello = vec![3, 3];
    hello.extend_from_slice(&RANDOM);
    hello.extend_from_slice(&[0, 0, 2]);
    hello.extend_from_slice(&suite.to_be_bytes());
    hello.extend_from_slice(&[1, 0, 0, 0]);
    let mut client = record(22, &handshake(1, &hello));
    client.extend(Sealer::new(suite, &secrets[1]).seal(22, &handshake(20, &[0; 32])));
    client.extend(Sealer::new(suite, &secrets[3]).seal(23, b"GET / HTTP/1.1\r\n\r\n"));

    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[0x24; 32]);
    sh.push(0);
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.extend_from_slice(&[0, 0, 6, 0, 43, 0, 2, 3, 4]);
    let mut server_handshake = record(22, &handshake(2, &sh));
    let flight = [handshake(8, &[0, 0]), handshake(20, &[0; 32])].concat();
    server_handshake.extend(Sealer::new(suite, &secrets[0]).seal(22, &flight));
    let mut app = Sealer::new(suite, &secrets[2]);
    let chunk = vec![0x61u8; RECORD];
    let mut server_data = Vec::with_capacity(APP_BYTES + APP_BYTES / RECORD * 22);
    for _ in 0..APP_BYTES / RECORD {
        server_data.extend(app.seal(23, &chunk));
    }
    Connection {
        client,
        server_handshake,
        server_data,
        keys,
    }
}

/// Feeds the connection to a fresh TLS state; returns the application bytes handed out.
fn decrypt(c: &Connection, limits: &Limits) -> u64 {
    let mut ctx = TlsCtx::new(&c.keys, limits);
    let conn = ConnInfo {
        client: "10.0.0.1:50000".parse().unwrap(),
        server: "10.0.0.2:443".parse().unwrap(),
        from_syn: [true, true],
    };
    let mut tls = TlsConnection::new();
    let mut plain = 0u64;
    let mut offsets = [0u64; 2];
    let mut feed = |tls: &mut TlsConnection, ctx: &mut TlsCtx<'_>, side: Side, bytes: &[u8]| {
        for piece in bytes.chunks(PIECE) {
            let at = At {
                frame: FrameRef::new(FileIndex(0), FrameNumber(1)),
                ts: Timestamp(0),
                offset: offsets[side.index()],
            };
            offsets[side.index()] += piece.len() as u64;
            let mut f = Feed::new(piece, at);
            while let Some(ev) = tls.poll(ctx, &conn, side, &mut f) {
                match ev {
                    TlsEvent::Plaintext { bytes, .. } => plain += black_box(bytes).len() as u64,
                    TlsEvent::Issue(i) => panic!("{i:?}"),
                }
            }
        }
    };
    let hello_len = 5 + 4 + c.client[8] as usize;
    feed(&mut tls, &mut ctx, Side::Client, &c.client[..hello_len]);
    feed(&mut tls, &mut ctx, Side::Server, &c.server_handshake);
    feed(&mut tls, &mut ctx, Side::Client, &c.client[hello_len..]);
    feed(&mut tls, &mut ctx, Side::Server, &c.server_data);
    assert_eq!(ctx.stats.failures, 0);
    plain
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("tls_decrypt");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, suite) in [("tls13_aes128gcm", 0x1301u16), ("tls13_chacha20", 0x1303)] {
        let conn = connection(suite);
        let expected = (APP_BYTES + 18) as u64;
        assert_eq!(
            decrypt(&conn, &limits),
            expected,
            "{name}: every byte decrypted"
        );
        group.throughput(Throughput::Bytes(conn.server_data.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| assert_eq!(decrypt(&conn, &limits), expected));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
