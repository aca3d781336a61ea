//! Start line and header section of one HTTP/1.x message, parsed with httparse, and the body
//! length rules of RFC 9112 §6.3.
//!
//! Header names and values are kept as bytes, in order, duplicates kept. Bare-LF line endings
//! are accepted (httparse does); obsolete line folding (RFC 9112 §5.2) is replaced by spaces
//! before a second attempt, in requests and responses alike. Control bytes in a header value
//! (which the Fetch standard allows and Chromium sends: only NUL, CR and LF are excluded)
//! make httparse reject the head; a second attempt reads it with them masked and keeps the
//! values' real bytes.

use std::mem::MaybeUninit;

use crate::model::HeaderList;

/// How the body of a message is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLength {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the connection closes (responses only).
    UntilClose,
}

/// A parsed request head.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestHead {
    /// Method as sent.
    pub method: String,
    /// Request target as sent.
    pub target: String,
    /// Minor version: `HTTP/1.0` is 0, `HTTP/1.1` is 1.
    pub minor: u8,
    /// Header lines.
    pub headers: HeaderList,
    /// How its body is delimited.
    pub body: BodyLength,
}

/// A parsed response head.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseHead {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: crate::model::common_text::SharedText,
    /// Minor version.
    pub minor: u8,
    /// Header lines.
    pub headers: HeaderList,
    /// Body framing from the headers alone (before HEAD, 1xx, 204, 304, CONNECT).
    pub framing: BodyLength,
}

/// What the request a response answers changes about the response's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answering {
    /// A HEAD request: no body whatever the headers say.
    Head,
    /// A CONNECT request: a 2xx turns the connection into a tunnel.
    Connect,
    /// Any other request, or none known.
    Other,
}

impl ResponseHead {
    /// The body length of this response to a request of the given kind.
    pub fn body(&self, answering: Answering) -> BodyLength {
        response_body(self.status, self.framing, answering)
    }

    /// Whether the connection stops carrying HTTP/1 after this response.
    pub fn switches(&self, answering: Answering) -> bool {
        switches(self.status, answering)
    }
}

/// The body length of a response (RFC 9112 §6.3 rules 1, 2 and 6): none after HEAD, for 1xx,
/// 204 and 304, and for a 2xx to CONNECT; otherwise what the headers say.
pub fn response_body(status: u16, framing: BodyLength, answering: Answering) -> BodyLength {
    let no_body = answering == Answering::Head
        || (100..200).contains(&status)
        || status == 204
        || status == 304
        || (answering == Answering::Connect && (200..300).contains(&status));
    if no_body {
        BodyLength::None
    } else {
        framing
    }
}

/// Whether HTTP/1 stops after this response: 101 Switching Protocols, or a 2xx to CONNECT.
pub fn switches(status: u16, answering: Answering) -> bool {
    status == 101 || (answering == Answering::Connect && (200..300).contains(&status))
}

/// Header lines parsed without an allocation; the slots are left uninitialised for httparse
/// to fill, as most heads use a fraction of them.
const SLOTS: usize = 96;
const MAX_SLOTS: usize = 1024;

fn config() -> httparse::ParserConfig {
    let mut c = httparse::ParserConfig::default();
    c.allow_multiple_spaces_in_request_line_delimiters(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_spaces_after_header_name_in_responses(true);
    c
}

/// `head` with obs-fold line breaks replaced by spaces, when it has any.
fn unfold(head: &[u8]) -> Option<Vec<u8>> {
    let folded = head
        .windows(2)
        .any(|w| w[0] == b'\n' && (w[1] == b' ' || w[1] == b'\t'));
    if !folded {
        return None;
    }
    let mut out = Vec::with_capacity(head.len());
    for (i, &b) in head.iter().enumerate() {
        let fold = b == b'\n' && matches!(head.get(i + 1), Some(b' ' | b'\t'));
        if fold {
            if out.last() == Some(&b'\r') {
                out.pop();
                out.push(b' ');
            }
            out.push(b' ');
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// A head parsed from a copy with control bytes masked, and the bytes it was copied from.
#[derive(Clone, Copy)]
struct Masked<'a> {
    copy: &'a [u8],
    original: &'a [u8],
}

impl Masked<'_> {
    /// The original bytes where `part` (a slice of the copy) lies.
    fn original<'o>(&self, part: &'o [u8], original: &'o [u8]) -> &'o [u8] {
        let at = (part.as_ptr() as usize).wrapping_sub(self.copy.as_ptr() as usize);
        original.get(at..at + part.len()).unwrap_or(part)
    }
}

/// Control bytes Fetch allows in a header value: all but NUL, CR, LF (and HTAB, which
/// httparse accepts).
fn is_value_control(b: u8) -> bool {
    matches!(b, 0x01..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F)
}

/// `head` with such control bytes replaced by an obs-text byte httparse accepts in values,
/// when it has any.
fn mask_controls(head: &[u8]) -> Option<Vec<u8>> {
    head.iter().any(|&b| is_value_control(b)).then(|| {
        head.iter()
            .map(|&b| if is_value_control(b) { 0x80 } else { b })
            .collect()
    })
}

fn headers_of(raw: &[httparse::Header<'_>], masked: Option<Masked<'_>>) -> HeaderList {
    let bytes = raw.iter().map(|h| h.name.len() + h.value.len()).sum();
    let mut list = HeaderList::with_capacity(raw.len(), bytes);
    for h in raw {
        let value = match masked {
            Some(m) => m.original(h.value, m.original),
            None => h.value,
        };
        list.push(h.name.as_bytes(), value);
    }
    list
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    v.get(start..end).unwrap_or_default()
}

/// Transfer-Encoding and Content-Length of a header section.
fn framing(raw: &[httparse::Header<'_>], is_request: bool) -> Result<BodyLength, String> {
    let mut last_coding: Option<&[u8]> = None;
    let mut length: Option<u64> = None;
    for h in raw {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if let Some(c) = h
                .value
                .rsplit(|&b| b == b',')
                .map(trim)
                .find(|c| !c.is_empty())
            {
                last_coding = Some(c);
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            for part in h.value.split(|&b| b == b',') {
                let part = trim(part);
                let n = std::str::from_utf8(part)
                    .ok()
                    .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| "invalid Content-Length".to_string())?;
                if length.is_some_and(|l| l != n) {
                    return Err("conflicting Content-Length values".into());
                }
                length = Some(n);
            }
        }
    }
    match (last_coding, length) {
        (Some(c), _) if c.eq_ignore_ascii_case(b"chunked") => Ok(BodyLength::Chunked),
        (Some(_), _) if is_request => {
            Err("request Transfer-Encoding does not end in chunked".into())
        }
        (Some(_), _) => Ok(BodyLength::UntilClose),
        (None, Some(0)) => Ok(BodyLength::None),
        (None, Some(n)) => Ok(BodyLength::Length(n)),
        (None, None) if is_request => Ok(BodyLength::None),
        (None, None) => Ok(BodyLength::UntilClose),
    }
}

/// Parses `head` with `once`; when that fails, once more with obs-fold line breaks unfolded,
/// or with control bytes in values masked (their real bytes kept).
fn with_second_attempt<T>(
    head: &[u8],
    once: impl Fn(&[u8], Option<Masked<'_>>) -> Result<T, String>,
) -> Result<T, String> {
    let first = once(head, None);
    if first.is_ok() {
        return first;
    }
    if let Some(unfolded) = unfold(head) {
        return once(&unfolded, None);
    }
    match mask_controls(head) {
        Some(copy) => once(
            &copy,
            Some(Masked {
                copy: &copy,
                original: head,
            }),
        ),
        None => first,
    }
}

/// Parses a complete request head (start line through the empty line).
pub fn parse_request(head: &[u8]) -> Result<RequestHead, String> {
    with_second_attempt(head, parse_request_once)
}

fn parse_request_once(head: &[u8], masked: Option<Masked<'_>>) -> Result<RequestHead, String> {
    let mut slots = [const { MaybeUninit::uninit() }; SLOTS];
    let mut req = httparse::Request::new(&mut []);
    match config().parse_request_with_uninit_headers(&mut req, head, &mut slots) {
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; MAX_SLOTS];
            let mut req = httparse::Request::new(&mut many);
            let r = config().parse_request(&mut req, head);
            request_of(&req, r, masked)
        }
        r => request_of(&req, r, masked),
    }
}

fn request_of(
    req: &httparse::Request<'_, '_>,
    r: Result<httparse::Status<usize>, httparse::Error>,
    masked: Option<Masked<'_>>,
) -> Result<RequestHead, String> {
    match r {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err("incomplete request head".into()),
        Err(e) => return Err(format!("invalid request head: {e}")),
    }
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Err("incomplete request line".into());
    };
    Ok(RequestHead {
        method: method.to_string(),
        target: target.to_string(),
        minor,
        headers: headers_of(req.headers, masked),
        body: framing(req.headers, true)?,
    })
}

/// Parses a complete response head.
pub fn parse_response(head: &[u8]) -> Result<ResponseHead, String> {
    with_second_attempt(head, parse_response_once)
}

fn parse_response_once(head: &[u8], masked: Option<Masked<'_>>) -> Result<ResponseHead, String> {
    let mut slots = [const { MaybeUninit::uninit() }; SLOTS];
    let mut res = httparse::Response::new(&mut []);
    match config().parse_response_with_uninit_headers(&mut res, head, &mut slots) {
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; MAX_SLOTS];
            let mut res = httparse::Response::new(&mut many);
            let r = config().parse_response(&mut res, head);
            response_of(&res, r, masked)
        }
        r => response_of(&res, r, masked),
    }
}

fn response_of(
    res: &httparse::Response<'_, '_>,
    r: Result<httparse::Status<usize>, httparse::Error>,
    masked: Option<Masked<'_>>,
) -> Result<ResponseHead, String> {
    match r {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err("incomplete response head".into()),
        Err(e) => return Err(format!("invalid response head: {e}")),
    }
    let (Some(status), Some(minor)) = (res.code, res.version) else {
        return Err("incomplete status line".into());
    };
    Ok(ResponseHead {
        status,
        reason: crate::model::common_text::reason(res.reason.unwrap_or_default()),
        minor,
        headers: headers_of(res.headers, masked),
        framing: framing(res.headers, false)?,
    })
}

/// Whether `line` (one line, its line ending included or not) can start a message of this
/// kind: `TOKEN SP target SP HTTP/1.x` for requests, `HTTP/1.x SP 3DIGIT` for responses.
pub fn plausible_start_line(line: &[u8], request: bool) -> bool {
    let line = trim(line);
    if !request {
        return line.len() >= 12
            && line.starts_with(b"HTTP/1.")
            && line.get(8) == Some(&b' ')
            && line
                .get(9..12)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    }
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let (Some(method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    (1..=24).contains(&method.len())
        && method
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'-' || *b == b'_')
        && version.len() == 8
        && version.starts_with(b"HTTP/1.")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn request_framing_rules() {
        let r = parse_request(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n").unwrap();
        assert_eq!(
            (r.method.as_str(), r.target.as_str(), r.minor),
            ("POST", "/a", 1)
        );
        assert_eq!(r.body, BodyLength::Length(5));
        let r = parse_request(b"GET / HTTP/1.0\nHost: x\n\n").unwrap();
        assert_eq!(r.body, BodyLength::None);
        let r = parse_request(
            b"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
        );
        assert_eq!(r.unwrap().body, BodyLength::Chunked);
        assert!(parse_request(b"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").is_err());
        assert!(
            parse_request(b"PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
                .is_err()
        );
        assert!(parse_request(b"GET/ HTTP/1.1\r\n\r\n").is_err());
    }

    #[test]
    fn response_body_rules() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n").unwrap();
        assert_eq!(r.body(Answering::Other), BodyLength::Length(9));
        assert_eq!(r.body(Answering::Head), BodyLength::None);
        assert_eq!(r.body(Answering::Connect), BodyLength::None);
        assert!(r.switches(Answering::Connect) && !r.switches(Answering::Other));
        let r = parse_response(b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert_eq!(r.body(Answering::Other), BodyLength::UntilClose);
        let r = parse_response(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").unwrap();
        assert_eq!(r.body(Answering::Other), BodyLength::None);
    }

    #[test]
    fn headers_keep_order_duplicates_and_folds() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: x\r\n y\r\na: 2\r\n\r\n").unwrap();
        let names: Vec<_> = r
            .headers
            .iter()
            .map(|h| h.name_str().into_owned())
            .collect();
        assert_eq!(names, ["A", "B", "a"]);
        assert_eq!(r.headers.combined_str("a").as_deref(), Some("1, 2"));
        assert_eq!(r.headers.first_str("b").as_deref(), Some("x   y"));
        let r = parse_request(b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n").unwrap();
        assert_eq!(r.headers.first_str("x").as_deref(), Some("a  \tb"));
    }

    #[test]
    fn start_lines() {
        assert!(plausible_start_line(b"GET /x HTTP/1.1\r\n", true));
        assert!(plausible_start_line(b"M-SEARCH * HTTP/1.1\n", true));
        assert!(!plausible_start_line(b"GET /x\r\n", true));
        assert!(!plausible_start_line(b"hello world HTTP/1.1 x\r\n", true));
        assert!(plausible_start_line(b"HTTP/1.1 204 No Content\r\n", false));
        assert!(!plausible_start_line(b"HTTP/2 200\r\n", false));
    }
}
