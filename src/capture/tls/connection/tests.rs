//! Bad input at the record layer: each case is counted with its location, nothing panics,
//! and what follows in that direction is not read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::capture::tcp::Close;
use crate::capture::tls::{
    KeyLog, ISSUE_HANDSHAKE_MISSING, ISSUE_RECORD_MALFORMED, ISSUE_RECORD_TRUNCATED,
};
use crate::model::{FileIndex, FrameNumber, FrameRef, Limits, Timestamp};

fn conn() -> ConnInfo {
    ConnInfo {
        client: "10.0.0.1:50000".parse().unwrap(),
        server: "10.0.0.2:443".parse().unwrap(),
        from_syn: [true, true],
    }
}

fn record(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ty, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A ClientHello offering TLS_AES_128_GCM_SHA256 with SNI `api.example.com`.
fn client_hello() -> Vec<u8> {
    let name = b"api.example.com";
    let mut sni = vec![0, 0];
    let list_len = (name.len() + 3) as u16;
    sni.extend_from_slice(&(list_len + 2).to_be_bytes());
    sni.extend_from_slice(&list_len.to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni);
    let mut msg = vec![1, 0, 0, body.len() as u8];
    msg.extend_from_slice(&body);
    record(22, &msg)
}

struct Fed {
    plaintext: Vec<u8>,
    issues: Vec<Issue>,
    close: Close,
    undecrypted: Vec<Issue>,
}

/// Feeds each (side, bytes) in turn, in pieces of `step` bytes, then closes with FIN.
fn feed(streams: &[(Side, Vec<u8>)], step: usize) -> Fed {
    let keys = KeyLog::new();
    let mut ctx = TlsCtx::new(&keys, &Limits::default());
    let mut tls = TlsConnection::new();
    let c = conn();
    let mut offsets = [0u64; 2];
    let mut out = Fed {
        plaintext: Vec::new(),
        issues: Vec::new(),
        close: Close::Fin,
        undecrypted: Vec::new(),
    };
    let mut frame = 0;
    for (side, bytes) in streams {
        for piece in bytes.chunks(step.max(1)) {
            frame += 1;
            let at = At {
                frame: FrameRef::new(FileIndex(0), FrameNumber(frame)),
                ts: Timestamp(0),
                offset: offsets[side.index()],
            };
            offsets[side.index()] += piece.len() as u64;
            let mut f = Feed::new(piece, at);
            while let Some(ev) = tls.poll(&mut ctx, &c, *side, &mut f) {
                match ev {
                    TlsEvent::Plaintext { bytes, .. } => out.plaintext.extend_from_slice(bytes),
                    TlsEvent::Issue(i) => out.issues.push(i),
                }
            }
        }
    }
    let at = At {
        frame: FrameRef::new(FileIndex(0), FrameNumber(frame + 1)),
        ts: Timestamp(0),
        offset: 0,
    };
    out.close = tls.close(&mut ctx, &c, None, Close::Fin, at);
    while let Some(TlsEvent::Issue(i)) = tls.poll(&mut ctx, &c, Side::Client, &mut Feed::empty()) {
        out.issues.push(i);
    }
    out.undecrypted = ctx.finish();
    out
}

#[test]
fn a_connection_that_starts_mid_stream_is_counted_not_decrypted() {
    for step in [1, 7, 1000] {
        // An application data record with no handshake before it.
        let r = feed(&[(Side::Client, record(23, &[1; 40]))], step);
        assert!(r.issues.is_empty());
        assert_eq!(r.undecrypted.len(), 1);
        assert_eq!(r.undecrypted[0].id, ISSUE_HANDSHAKE_MISSING);
        assert_eq!(
            r.undecrypted[0].message,
            "1 TLS connection to 10.0.0.2:443 not decrypted: their handshake is missing from the capture or unreadable"
        );
        // Bytes from the middle of a record: not even a record header.
        let r = feed(&[(Side::Server, vec![0xab; 300])], step);
        assert!(r.issues.is_empty());
        assert_eq!(r.undecrypted[0].id, ISSUE_HANDSHAKE_MISSING);
    }
}

#[test]
fn garbage_after_the_handshake_is_malformed_at_its_offset() {
    let hello = client_hello();
    for step in [1, 5, 4096] {
        let r = feed(
            &[
                (Side::Client, hello.clone()),
                (Side::Client, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            ],
            step,
        );
        assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
        let i = &r.issues[0];
        assert_eq!(i.id, ISSUE_RECORD_MALFORMED);
        assert!(
            matches!(i.at, Some(Position::Stream { offset, .. }) if offset == hello.len() as u64)
        );
        assert!(i.message.contains("47 45 54 20 2f"), "{}", i.message);
        assert_eq!(r.close, Close::Abandoned);
    }
}

#[test]
fn an_oversize_record_is_malformed_and_ends_the_direction() {
    let mut stream = client_hello();
    let at = stream.len() as u64;
    stream.extend_from_slice(&[23, 3, 3, 0x48, 0x01]);
    stream.extend_from_slice(&[0; 100]);
    let r = feed(&[(Side::Client, stream)], 3);
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].id, ISSUE_RECORD_MALFORMED);
    assert!(r.issues[0]
        .message
        .contains("a record of 18433 bytes, over the limit of 18432"));
    assert!(matches!(r.issues[0].at, Some(Position::Stream { offset, .. }) if offset == at));
}

#[test]
fn a_stream_ending_inside_a_record_is_truncated() {
    let mut stream = client_hello();
    let at = stream.len() as u64;
    stream.extend_from_slice(&record(22, &[0; 100])[..15]);
    let r = feed(&[(Side::Client, stream)], 4);
    assert_eq!(r.issues.len(), 1, "{:?}", r.issues);
    assert_eq!(r.issues[0].id, ISSUE_RECORD_TRUNCATED);
    assert!(
        r.issues[0].message.contains("(15 of its 105 bytes)"),
        "{}",
        r.issues[0].message
    );
    assert!(matches!(r.issues[0].at, Some(Position::Stream { offset, .. }) if offset == at));
    assert_eq!(r.close, Close::Abandoned);
}

#[test]
fn the_handshake_names_the_server_even_without_keys() {
    let mut tls = TlsConnection::new();
    let keys = KeyLog::new();
    let mut ctx = TlsCtx::new(&keys, &Limits::default());
    let hello = client_hello();
    let at = At {
        frame: FrameRef::new(FileIndex(0), FrameNumber(1)),
        ts: Timestamp(0),
        offset: 0,
    };
    let mut f = Feed::new(&hello, at);
    assert!(tls.poll(&mut ctx, &conn(), Side::Client, &mut f).is_none());
    assert_eq!(tls.server_name(), Some("api.example.com"));
    assert_eq!(tls.session().client_random, Some([7; 32]));
    assert_eq!(tls.alpn(), None);
}
