#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/.

Deterministic, standard library only; every file is a few hundred bytes to a few KB. Run from
anywhere: `python3 fuzz/gen_corpus.py`. The files are committed; rerun after changing this.
"""

import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- HAR

def entry(method, url, req_headers, status, resp_headers, extra=None):
    e = {
        "startedDateTime": "2024-05-01T10:00:00.000Z",
        "time": 12.5,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in req_headers],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in resp_headers],
            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 2,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 10, "receive": 1.5},
    }
    if extra:
        e.update(extra)
    return e


def har(entries, pages=None):
    log = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}}
    if pages is not None:
        log["pages"] = pages
    log["entries"] = entries
    return json.dumps({"log": log}, indent=1)


API = "https://api.test/v1/items"
ORIGIN = [("Origin", "https://app.test"), ("Sec-Fetch-Mode", "cors")]
PREFLIGHT = entry(
    "OPTIONS", API,
    ORIGIN + [("Access-Control-Request-Method", "PUT"),
              ("Access-Control-Request-Headers", "x-custom")],
    204, [("Access-Control-Allow-Origin", "https://app.test"),
          ("Access-Control-Allow-Methods", "PUT")],
    {"_resourceType": "preflight",
     "_initiator": {"type": "preflight", "url": API, "requestId": "1"}})
BLOCKED = entry("PUT", API, ORIGIN + [("X-Custom", "1")], 0, [],
                {"_resourceType": "fetch", "_error": "net::ERR_FAILED"})
ALLOWED = entry("GET", API, ORIGIN, 200, [("Access-Control-Allow-Origin", "*")],
                {"_resourceType": "fetch"})
PAGES = [{"id": "page_1", "title": "https://app.test/", "startedDateTime": "2024-05-01T10:00:00Z"}]

SEED_HAR = har([PREFLIGHT, BLOCKED, ALLOWED], PAGES)


def har_seeds():
    t = "har_read"
    write(t, "preflight-blocked-allowed.har", SEED_HAR)
    write(t, "empty-entries.har", '{"log":{"entries":[]}}')
    write(t, "bom-no-version.har", "\ufeff" + json.dumps({"log": {"entries": [ALLOWED]}}))
    write(t, "truncated-mid-entry.har", SEED_HAR[: len(SEED_HAR) * 2 // 3])
    good = json.dumps(ALLOWED)
    write(t, "malformed-middle.har",
          '{"log":{"entries":[' + good + ',{"request":{"url":"x",}},' + good + "]}}")
    write(t, "not-objects.har", '{"log":{"entries":[1,"two",null,[],{},{"request":{}}]}}')
    write(t, "broken-structure.har", '{"log":{"entries":[' + good + " " + good + "]}}")
    write(t, "lone-surrogate.har",
          '{"log":{"entries":[' + good.replace("cors", "c\\ud800rs", 1) + "]}}")
    write(t, "invalid-utf8.har",
          ('{"log":{"entries":[' + good + "]}}").encode().replace(b"cors", b"c\xffrs", 1))
    write(t, "deep-nesting.har",
          '{"log":{"entries":[{"x":' + "[" * 300 + "]" * 300 + ',"request":{"url":"' + API + '"}}]}}')
    write(t, "pages-after.har",
          '{"log":{"entries":[' + good + '],"pages":' + json.dumps(PAGES) + ',"creator":{}}}')
    write(t, "numbers-as-strings.har",
          '{"log":{"entries":[{"request":{"method":"GET","url":"' + API + '","headers":[{"name":"Origin","value":1}],'
          '"bodySize":"12"},"response":{"status":"200","headers":null},"time":null}]}}')


# ---------------------------------------------------------------- pcap

def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def ipv4(src, dst, seg):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0x4000, 64, 6, 0,
                       bytes(src), bytes(dst)) + seg


def eth(packet):
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + packet


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08
REQ = (b"OPTIONS /v1/items HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.test\r\n"
       b"Access-Control-Request-Method: PUT\r\n\r\n")
RESP = b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.test\r\n\r\n"


def conversation(req=REQ, resp=RESP, cport=40000):
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    cs, ss = 1000, 5000
    frames = [eth(ipv4(c, s, tcp(cport, 80, cs, 0, SYN))),
              eth(ipv4(s, c, tcp(80, cport, ss, cs + 1, SYN | ACK))),
              eth(ipv4(c, s, tcp(cport, 80, cs + 1, ss + 1, ACK))),
              eth(ipv4(c, s, tcp(cport, 80, cs + 1, ss + 1, ACK | PSH, req))),
              eth(ipv4(s, c, tcp(80, cport, ss + 1, cs + 1 + len(req), ACK | PSH, resp))),
              eth(ipv4(c, s, tcp(cport, 80, cs + 1 + len(req), ss + 1 + len(resp), FIN | ACK))),
              eth(ipv4(s, c, tcp(80, cport, ss + 1 + len(resp), cs + 2 + len(req), FIN | ACK)))]
    return frames


def pcap(frames, endian="<", nanos=False, snaplen=262144, linktype=1, caplen_delta=0):
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(endian + "IIII", 1_700_000_000 + i, 1000 * i, len(f) + caplen_delta, len(f))
        out += f
    return out


def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


def pcapng(frames, userappl=b"corscope-fuzz"):
    opt = struct.pack("<HH", 4, len(userappl)) + userappl + b"\0" * (-len(userappl) % 4) + b"\0" * 4
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opt)
    out += block(1, struct.pack("<HHI", 1, 0, 262144) + struct.pack("<HHB3x", 9, 1, 6) + b"\0" * 4)
    for i, f in enumerate(frames):
        ts = (1_700_000_000 + i) * 1_000_000
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    return out


def pcap_seeds():
    t = "pcap_read"
    frames = conversation()
    write(t, "preflight-le.pcap", pcap(frames))
    write(t, "preflight-be-nanos.pcap", pcap(frames, ">", True))
    write(t, "preflight.pcapng", pcapng(frames))
    write(t, "truncated-record.pcap", pcap(frames)[:-30])
    write(t, "record-past-end.pcap", pcap(frames[:1], caplen_delta=4000))
    write(t, "snaplen-cut.pcap", pcap([f[:40] for f in frames], snaplen=40))
    ng = bytearray(pcapng(frames))
    struct.pack_into("<I", ng, len(ng) - 4, 13)
    write(t, "bad-block-length.pcapng", bytes(ng))
    write(t, "header-only.pcap", pcap([]))
    write(t, "not-http.pcap", pcap(conversation(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)),
                                                b"\x15\x03\x03\x00\x02\x02\x28")))
    write(t, "raw-ip-linktype.pcap", pcap([f[14:] for f in frames], linktype=101))


# ---------------------------------------------------------------- capture_read

def zstd_raw(data):
    """One zstd frame holding `data` as a single raw block (no compression)."""
    assert len(data) < 1 << 16
    fhd = 0x60  # single segment, 2-byte content size (value - 256)
    head = b"\x28\xb5\x2f\xfd" + bytes([fhd]) + struct.pack("<H", len(data) - 256)
    return head + struct.pack("<I", (len(data) << 3) | 1)[:3] + data


def capture_seeds():
    t = "capture_read"
    small = json.dumps({"log": {"entries": [PREFLIGHT, BLOCKED]}}).encode()
    write(t, "har.gz", gzip.compress(small, mtime=0))
    gz = gzip.compress(small, mtime=0)
    write(t, "har-corrupt-midway.gz", gz[: len(gz) // 2] + b"\xff" * 16 + gz[len(gz) // 2:])
    write(t, "two-members.gz", gzip.compress(small[:100], mtime=0) + gzip.compress(small[100:], mtime=0))
    write(t, "pcap.zst", zstd_raw(pcap(conversation())))
    z = zstd_raw(small)
    write(t, "har-truncated.zst", z[: len(z) // 2])
    write(t, "pcapng", pcapng(conversation()))
    write(t, "whitespace-then-object", b"  \n\t{}")
    write(t, "not-a-capture", b"GET / HTTP/1.1\r\n\r\n")


# ---------------------------------------------------------------- tcp_stream, engine

def ops_seeds():
    t = "tcp_stream"
    # conn 0: SYN, SYN-ACK, canned request 2 (OPTIONS), canned response 3 (204), FINs.
    write(t, "handshake-preflight", bytes([0x20, 0x24, 0x10, 2, 0x14, 3, 0x28, 0x2C]))
    write(t, "pipelined", bytes([0x20, 0x24, 0x10, 0, 0x10, 5, 0x14, 1, 0x14, 4, 0x28]))
    write(t, "gap-and-retransmit", bytes([0x20, 0x24, 0x38, 7, 0x50, 0, 0x14, 1, 0x30]))
    write(t, "raw-payload", bytes([0x21, 0x25, 0x01, 8]) + b"GET / HT" + bytes([0x01, 4]) + b"TP/1")
    write(t, "three-conns-idle", bytes([0x20, 0x21, 0x22, 0x90, 0, 0x91, 0, 0x92, 0, 0x23, 0x33]))
    t = "engine"
    write(t, "preflight-then-request", bytes([0, 0xFF, 2, 0, 3, 0, 0, 0x11, 1, 0x21, 0xA8, 2, 0, 0, 0, 0, 1]))
    write(t, "small-window", bytes([0x13] + list(range(1, 120))))
    write(t, "proxy-legs", bytes([0, 0, 0x08, 0, 0, 1, 0, 0, 0, 1, 0, 0x08, 0, 0, 1, 0, 0, 1, 1, 2]))
    write(t, "ramp", bytes(range(256)))


# ---------------------------------------------------------------- http2

def h2_frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack_int(value, n, high):
    top = (1 << n) - 1
    if value < top:
        return bytes([high | value])
    out = [high | top]
    value -= top
    while value >= 128:
        out.append(value % 128 | 0x80)
        value //= 128
    return bytes(out + [value])


def hpack_literal(name, value, indexing=False):
    return (bytes([0x40 if indexing else 0]) + hpack_int(len(name), 7, 0) + name
            + hpack_int(len(value), 7, 0) + value)


H2_REQUEST = (hpack_literal(b":method", b"GET") + bytes([0x86])  # :scheme http
              + hpack_literal(b":authority", b"api.test", True) + bytes([0x84])  # :path /
              + hpack_literal(b"origin", b"https://app.test", True))
H2_RESPONSE = bytes([0x88]) + hpack_literal(b"access-control-allow-origin", b"https://app.test", True)
# "www.example.com" Huffman-coded (RFC 7541 C.4.1)
HUFFMAN = bytes([0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff])


def h2_connection(mode, client, server):
    return bytes([mode]) + struct.pack(">H", len(client)) + client + server


def http2_seeds():
    t = "http2"
    settings = h2_frame(4, 0, 0, struct.pack(">HI", 1, 65536) + struct.pack(">HI", 5, 1 << 15))
    request = h2_frame(1, 0x5, 1, H2_REQUEST)
    second = h2_frame(1, 0x5, 3, bytes([0x82, 0x86, 0xbe, 0x84, 0xbf]))  # indexed, dynamic refs
    response = h2_frame(1, 0x4, 1, H2_RESPONSE) + h2_frame(0, 0x1, 1, b"hello")
    response3 = h2_frame(1, 0x5, 3, bytes([0x3f, 0xe1, 0x1f, 0x88, 0xbe]))  # size update, 200
    write(t, "exchange", h2_connection(0, settings + request + second, h2_frame(4, 0, 0) + response + response3))
    cut = len(H2_REQUEST) // 2
    split = h2_frame(1, 0x8 | 0x20 | 0x1, 1, bytes([2]) + bytes(5) + H2_REQUEST[:cut] + bytes(2)) \
        + h2_frame(9, 0x4, 1, H2_REQUEST[cut:])
    push = h2_frame(5, 0x4, 1, struct.pack(">I", 2) + H2_RESPONSE)
    write(t, "continuation-push-reset-goaway", h2_connection(
        3, settings + split + h2_frame(3, 0, 1, struct.pack(">I", 8)),
        push + response + h2_frame(7, 0, 0, struct.pack(">II", 1, 1))))
    write(t, "mid-stream", h2_connection(1, request, response))
    write(t, "hpack-huffman-and-table", bytes([0x80]) + bytes([len(H2_REQUEST)]) + H2_REQUEST
          + bytes([len(HUFFMAN)]) + HUFFMAN + bytes([3, 0xbe, 0xbf, 0xc0]))
    # Found by fuzzing: without the preface, an HTTP/1-looking start is HTTP/1.
    write(t, "no-preface-http1", b"giPRI * HTTP/1.0\r\n\r\nS\x00\x00\x0c\x04" + bytes(6)
          + b"M\r\n\r\nn\x10http*s://ap\n\x00\x00\x01pp.\x01\x00F\x00\x00=\x01\x05\x00\xfbp.t")
    write(t, "hpack-size-updates", bytes([0x81, 4, 0x3f, 0xe1, 0x1f, 0x82, 2, 0x20, 0x82, 2, 0x82, 0x20]))


if __name__ == "__main__":
    har_seeds()
    pcap_seeds()
    capture_seeds()
    ops_seeds()
    http2_seeds()
