#!/usr/bin/env python3
"""Writes vectors.json beside this file: header lists encoded in order by the `hpack` package
(python-hyper), with Huffman strings, dynamic-table insertions and evictions, size updates and
never-indexed fields, for tests/hpack_vectors.rs. Deterministic; rerun after changing it:
`pip install hpack && python3 tests/data/hpack/make_vectors.py`."""

import json
import os
import random

import hpack
from hpack import NeverIndexedHeaderTuple

rng = random.Random(7)
NAMES = ["origin", "access-control-allow-origin", "access-control-request-headers",
         "x-request-id", "cookie", "content-type", "vary", "authorization", "x-Üpper"]


def value(n):
    """Printable text, sometimes ending in an arbitrary byte (field values are bytes)."""
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/?=&%~!\"#$'()*+,;<>@[\\]^`{|}"
    tail = bytes(rng.randrange(256) for _ in range(rng.randrange(2)))
    return bytes(rng.choice(alphabet) for _ in range(n)) + tail


def lists(count):
    out = []
    for i in range(count):
        fields = [(b":method", rng.choice([b"GET", b"POST", b"OPTIONS", b"PUT"])),
                  (b":scheme", b"https"),
                  (b":authority", rng.choice([b"api.example.com", b"cdn.example.com:8443"])),
                  (b":path", b"/v1/items/%d?q=%s" % (i, value(rng.randrange(1, 30))))]
        for _ in range(rng.randrange(1, 8)):
            name = rng.choice(NAMES).encode()
            v = value(rng.randrange(0, 80))
            if name in (b"authorization", b"cookie") and rng.random() < 0.5:
                fields.append(NeverIndexedHeaderTuple(name, v))
            else:
                fields.append((name, v))
        out.append(fields)
    return out


def sequence(table_sizes, count, huffman=True):
    enc = hpack.Encoder()
    blocks = []
    for i, fields in enumerate(lists(count)):
        if i in table_sizes:
            enc.header_table_size = table_sizes[i]
        data = enc.encode(fields, huffman=huffman)
        blocks.append({
            "hex": data.hex(),
            "fields": [[n.hex(), v.hex()] for n, v in fields],
        })
    return {"limit": 65536, "blocks": blocks}


doc = {
    "producer": "hpack %s" % hpack.__version__,
    "sequences": [
        sequence({}, 20),
        sequence({0: 256, 15: 1024}, 30),
        sequence({5: 0, 6: 4096}, 12),
        sequence({0: 65536}, 20),
        sequence({}, 10, huffman=False),
    ],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json"), "w") as f:
    json.dump(doc, f, indent=0)
    f.write("\n")
