//! Bytes → the two ciphertext streams of one TLS connection, fed to the TLS layer in pieces,
//! with a key log taken from the input, so that fuzzing reaches the handshake and decryption
//! and not only record framing. Layout: a u16 (big-endian) key log length and the key log
//! text, a piece size byte, then chunks of `side byte` (bit 0: server; bit 1: a gap before it),
//! `u16 length`, bytes.
//!
//! Invariants: nothing panics; plaintext is handed out in order, each side's offsets
//! contiguous, each piece at most one record; every issue has a position; the records counted
//! decrypted per connection add up to the input's counter; after a gap or a close a side yields
//! no more plaintext.

use corscope::capture::tcp::{At, Close, ConnInfo, Side};
use corscope::capture::tls::record::MAX_CIPHERTEXT;
use corscope::capture::tls::{Feed, KeyLog, TlsConnection, TlsCtx, TlsEvent, TlsStats};
use corscope::model::{FileIndex, FrameNumber, FrameRef, Limits, Timestamp};

fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(data.len());
    let (head, rest) = data.split_at(n);
    *data = rest;
    head
}

fn u16_of(data: &mut &[u8]) -> usize {
    let b = take(data, 2);
    usize::from(*b.first().unwrap_or(&0)) << 8 | usize::from(*b.get(1).unwrap_or(&0))
}

/// Feeds `data`, as laid out above, to one TLS connection.
pub fn tls_records(data: &[u8]) {
    run_tls(data);
}

/// The same, returning the TLS layer's counters.
pub fn run_tls(data: &[u8]) -> TlsStats {
    let mut data = data;
    let keylog_len = u16_of(&mut data);
    let mut keys = KeyLog::new();
    keys.add_text(take(&mut data, keylog_len));
    let step = 1 + usize::from(*take(&mut data, 1).first().unwrap_or(&0));
    let limits = small_limits_tls();
    let mut ctx = TlsCtx::new(&keys, &limits);
    let conn = ConnInfo {
        client: "10.0.0.1:50000".parse().unwrap(),
        server: "10.0.0.2:443".parse().unwrap(),
        from_syn: [true, true],
    };
    let mut tls = TlsConnection::new();
    let mut offsets = [0u64; 2];
    let mut plain = [0u64; 2];
    let mut ended = [false; 2];
    let mut frame = 0u64;
    let check = |ev: TlsEvent<'_>, ended: &[bool; 2], plain: &mut [u64; 2]| match ev {
        TlsEvent::Plaintext {
            side, bytes, at, ..
        } => {
            assert!(!ended[side.index()], "plaintext after the side ended");
            assert_eq!(at.offset, plain[side.index()], "plaintext out of order");
            assert!(!bytes.is_empty() && bytes.len() <= MAX_CIPHERTEXT);
            plain[side.index()] += bytes.len() as u64;
        }
        TlsEvent::Issue(i) => assert!(i.at.is_some(), "issue without a position: {i:?}"),
    };
    while !data.is_empty() {
        let op = take(&mut data, 1).first().copied().unwrap_or(0);
        let len = u16_of(&mut data);
        let bytes = take(&mut data, len);
        let side = if op & 1 == 0 {
            Side::Client
        } else {
            Side::Server
        };
        frame += 1;
        let at = At {
            frame: FrameRef::new(FileIndex(0), FrameNumber(frame)),
            ts: Timestamp(0),
            offset: offsets[side.index()],
        };
        if op & 2 != 0 {
            tls.gap(&mut ctx, &conn, side, 100, at);
            offsets[side.index()] += 100;
            ended[side.index()] = true;
            while let Some(ev) = tls.poll(&mut ctx, &conn, side, &mut Feed::empty()) {
                check(ev, &ended, &mut plain);
            }
        }
        for piece in bytes.chunks(step) {
            let at = At {
                offset: offsets[side.index()],
                ..at
            };
            offsets[side.index()] += piece.len() as u64;
            let mut feed = Feed::new(piece, at);
            while let Some(ev) = tls.poll(&mut ctx, &conn, side, &mut feed) {
                check(ev, &ended, &mut plain);
            }
            assert!(feed.is_empty(), "poll stopped before the feed was read");
        }
    }
    let at = At {
        frame: FrameRef::new(FileIndex(0), FrameNumber(frame + 1)),
        ts: Timestamp(0),
        offset: 0,
    };
    tls.close(&mut ctx, &conn, None, Close::Fin, at);
    ended = [true; 2];
    while let Some(ev) = tls.poll(&mut ctx, &conn, Side::Client, &mut Feed::empty()) {
        check(ev, &ended, &mut plain);
    }
    let per_side = tls.session().records_decrypted;
    assert_eq!(ctx.stats.records_decrypted, per_side[0] + per_side[1]);
    assert_eq!(ctx.stats.plaintext_bytes, plain[0] + plain[1]);
    for issue in ctx.finish() {
        assert!(issue.count >= 1 && issue.at.is_some());
    }
    ctx.stats
}

fn small_limits_tls() -> Limits {
    Limits {
        tls_handshake_bytes: 2048,
        ..Limits::default()
    }
}
