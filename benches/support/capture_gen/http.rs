//! HTTP/1.1 messages on the wire for a planned [`Call`]: request and response heads, bodies
//! framed by `Content-Length`, chunked transfer coding or the end of the connection.

use super::body::Pools;
use super::rng::Rng;
use super::scenario::Call;

/// How a response body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length`.
    Length,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Connection: close`, no length: the body ends with the connection.
    Close,
}

/// Whether the response to `call` carries a body on the wire.
pub fn response_has_body(call: &Call) -> bool {
    call.method != "HEAD" && call.status != 204 && call.status != 304 && call.status >= 200
}

/// Appends the request of `call` (head and body) to `out`.
pub fn request(call: &Call, pools: &Pools, out: &mut Vec<u8>) {
    out.extend_from_slice(call.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(call.path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(call.host.authority.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &call.req_headers {
        line(out, name, value);
    }
    if call.req_body.len > 0 {
        line(out, "Content-Type", call.req_mime);
        line(out, "Content-Length", &call.req_body.len.to_string());
    }
    out.extend_from_slice(b"\r\n");
    pools.write(&call.req_body, out);
}

/// Appends the response to `call` to `out`, its body framed as `framing` says.
pub fn response(call: &Call, framing: Framing, pools: &Pools, rng: &mut Rng, out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(call.status.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(call.reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &call.resp_headers {
        line(out, name, value);
    }
    let body = response_has_body(call);
    if !call.resp_mime.is_empty() && (body || call.method == "HEAD") {
        line(out, "Content-Type", call.resp_mime);
    }
    if call.status == 204 || call.status == 304 {
        out.extend_from_slice(b"\r\n");
        return;
    }
    match framing {
        Framing::Length => line(out, "Content-Length", &call.resp_body.len.to_string()),
        Framing::Chunked => line(out, "Transfer-Encoding", "chunked"),
        Framing::Close => line(out, "Connection", "close"),
    }
    out.extend_from_slice(b"\r\n");
    if !body {
        return;
    }
    if framing != Framing::Chunked {
        pools.write(&call.resp_body, out);
        return;
    }
    let start = out.len();
    pools.write(&call.resp_body, out);
    let data = out.split_off(start);
    let mut at = 0;
    while at < data.len() {
        let n = (*rng.pick(&[512usize, 1024, 4096, 8192, 16384])).min(data.len() - at);
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        out.extend_from_slice(&data[at..at + n]);
        out.extend_from_slice(b"\r\n");
        at += n;
    }
    out.extend_from_slice(b"0\r\n\r\n");
}

fn line(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}
