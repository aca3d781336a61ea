//! HTTP/2 (RFC 9113) for a planned [`Call`]: the connection preface and SETTINGS, then per
//! call a HEADERS frame (HPACK with a dynamic table per direction, the `loona-hpack`
//! encoder) and DATA frames of at most 16 KiB, on one client-initiated stream.

use loona_hpack::Encoder;

use crate::capture_gen::body::Pools;
use crate::capture_gen::http::response_has_body;
use crate::capture_gen::scenario::Call;

/// The client connection preface (§3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0;
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;
const WINDOW_UPDATE: u8 = 8;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const ACK: u8 = 0x1;
/// SETTINGS_MAX_FRAME_SIZE's initial value.
const MAX_FRAME: usize = 16 << 10;

/// Appends one frame.
pub fn frame(ty: u8, flags: u8, stream: u32, payload: &[u8], out: &mut Vec<u8>) {
    let n = payload.len() as u32;
    out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8, ty, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// The client's first bytes: preface, SETTINGS (as Chromium sends them), WINDOW_UPDATE.
pub fn client_start(out: &mut Vec<u8>) {
    out.extend_from_slice(PREFACE);
    let settings = [
        0, 1, 0, 0, 0x10, 0, // HEADER_TABLE_SIZE 65536
        0, 2, 0, 0, 0, 0, // ENABLE_PUSH 0
        0, 4, 0, 0x60, 0, 0, // INITIAL_WINDOW_SIZE 6291456
        0, 6, 0, 4, 0, 0, // MAX_HEADER_LIST_SIZE 262144
    ];
    frame(SETTINGS, 0, 0, &settings, out);
    frame(WINDOW_UPDATE, 0, 0, &15_663_105u32.to_be_bytes(), out);
}

/// The server's first bytes: SETTINGS as nginx sends them, and the ACK of the client's.
pub fn server_start(out: &mut Vec<u8>) {
    let settings = [
        0, 3, 0, 0, 0, 128, // MAX_CONCURRENT_STREAMS 128
        0, 4, 0, 1, 0, 0, // INITIAL_WINDOW_SIZE 65536
        0, 5, 0, 0, 0x40, 0, // MAX_FRAME_SIZE 16384
    ];
    frame(SETTINGS, 0, 0, &settings, out);
    frame(WINDOW_UPDATE, 0, 0, &2_147_418_112u32.to_be_bytes(), out);
    frame(SETTINGS, ACK, 0, &[], out);
}

/// The client's ACK of the server's SETTINGS.
pub fn settings_ack(out: &mut Vec<u8>) {
    frame(SETTINGS, ACK, 0, &[], out);
}

/// Header fields that are specific to an HTTP/1.1 connection (§8.2.2) or carried by
/// pseudo-header fields, left out of HTTP/2 messages.
fn h1_only(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "host",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

fn lower(fields: &mut Vec<(Vec<u8>, Vec<u8>)>, name: &str, value: &str) {
    if !h1_only(name) {
        fields.push((
            name.to_ascii_lowercase().into_bytes(),
            value.as_bytes().to_vec(),
        ));
    }
}

/// HEADERS and DATA frames carrying `body` (when any) on `stream`.
fn message(
    enc: &mut Encoder<'static>,
    fields: &[(Vec<u8>, Vec<u8>)],
    body: Option<&[u8]>,
    stream: u32,
    out: &mut Vec<u8>,
) {
    let block = enc.encode(fields.iter().map(|(n, v)| (&n[..], &v[..])));
    let body = body.filter(|b| !b.is_empty());
    let flags = END_HEADERS | if body.is_none() { END_STREAM } else { 0 };
    frame(HEADERS, flags, stream, &block, out);
    if let Some(body) = body {
        let mut chunks = body.chunks(MAX_FRAME).peekable();
        while let Some(c) = chunks.next() {
            let last = chunks.peek().is_none();
            frame(DATA, if last { END_STREAM } else { 0 }, stream, c, out);
        }
    }
}

/// Appends the request of `call` on `stream` to the server at `authority`.
pub fn request(
    call: &Call,
    authority: &str,
    stream: u32,
    enc: &mut Encoder<'static>,
    pools: &Pools,
    out: &mut Vec<u8>,
) {
    let mut fields = Vec::with_capacity(call.req_headers.len() + 6);
    for (n, v) in [
        (":method", call.method),
        (":authority", authority),
        (":scheme", "https"),
        (":path", call.path.as_str()),
    ] {
        fields.push((n.as_bytes().to_vec(), v.as_bytes().to_vec()));
    }
    for (name, value) in &call.req_headers {
        lower(&mut fields, name, value);
    }
    let mut body = Vec::new();
    if call.req_body.len > 0 {
        lower(&mut fields, "content-type", call.req_mime);
        lower(
            &mut fields,
            "content-length",
            &call.req_body.len.to_string(),
        );
        pools.write(&call.req_body, &mut body);
    }
    message(enc, &fields, Some(&body), stream, out);
}

/// Appends the response to `call` on `stream`.
pub fn response(
    call: &Call,
    stream: u32,
    enc: &mut Encoder<'static>,
    pools: &Pools,
    out: &mut Vec<u8>,
) {
    let mut fields = vec![(b":status".to_vec(), call.status.to_string().into_bytes())];
    for (name, value) in &call.resp_headers {
        lower(&mut fields, name, value);
    }
    let has_body = response_has_body(call);
    if !call.resp_mime.is_empty() && (has_body || call.method == "HEAD") {
        lower(&mut fields, "content-type", call.resp_mime);
    }
    let mut body = Vec::new();
    if has_body {
        lower(
            &mut fields,
            "content-length",
            &call.resp_body.len.to_string(),
        );
        pools.write(&call.resp_body, &mut body);
    }
    message(enc, &fields, Some(&body), stream, out);
}
