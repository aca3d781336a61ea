//! The HPACK decoder against header lists encoded by another implementation: the `hpack`
//! package of python-hyper (`tests/data/hpack/make_vectors.py` wrote `vectors.json`), with
//! Huffman strings, insertions and evictions, size updates down to 0 and up to 65536, and
//! never-indexed fields. Each sequence is decoded in order by one decoder, as a connection's
//! direction would be.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use corscope::capture::http2::hpack::Decoder;
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn blocks_encoded_elsewhere_decode_to_their_fields() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hpack/vectors.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut blocks = 0;
    for (k, seq) in doc["sequences"].as_array().unwrap().iter().enumerate() {
        let mut dec = Decoder::new(seq["limit"].as_u64().unwrap() as usize);
        for (i, b) in seq["blocks"].as_array().unwrap().iter().enumerate() {
            let want: Vec<(Vec<u8>, Vec<u8>)> = b["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (hex(f[0].as_str().unwrap()), hex(f[1].as_str().unwrap())))
                .collect();
            let mut got = Vec::new();
            dec.decode(&hex(b["hex"].as_str().unwrap()), &mut |n, v| {
                got.push((n.to_vec(), v.to_vec()))
            })
            .unwrap_or_else(|e| panic!("sequence {k} block {i}: {e}"));
            assert_eq!(got, want, "sequence {k} block {i}");
            assert!(dec.table().size() <= dec.table().max());
            blocks += 1;
        }
    }
    assert_eq!(blocks, 92);
}

#[test]
fn every_truncation_of_a_block_is_an_error_or_a_prefix_never_a_panic() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hpack/vectors.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let seq = &doc["sequences"][0]["blocks"];
    let block = hex(seq[0]["hex"].as_str().unwrap());
    for n in 0..block.len() {
        let mut dec = Decoder::new(4096);
        let mut fields = 0;
        let _ = dec.decode(&block[..n], &mut |_, _| fields += 1);
        assert!(fields <= seq[0]["fields"].as_array().unwrap().len());
    }
}
