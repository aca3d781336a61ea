//! Huffman decoding checked against the code table, the RFC's examples and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::codes::CODES;
use super::*;

/// The encoder's side, for round trips.
pub fn encode(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u64, 0u32);
    for &b in src {
        let (code, len) = CODES[usize::from(b)];
        acc = (acc << len) | u64::from(code);
        bits += u32::from(len);
        while bits >= 8 {
            out.push((acc >> (bits - 8)) as u8);
            bits -= 8;
        }
        acc &= (1u64 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) as u8);
    }
    out
}

#[test]
fn the_code_is_canonical() {
    let mut order: Vec<usize> = (0..257).collect();
    order.sort_by_key(|&s| (CODES[s].1, s));
    let mut code = 0u32;
    for (k, &s) in order.iter().enumerate() {
        if k > 0 {
            code = (code + 1) << (CODES[s].1 - CODES[order[k - 1]].1);
        }
        assert_eq!(CODES[s].0, code, "symbol {s}");
    }
}

#[test]
fn rfc_7541_examples() {
    // Appendix C.4.1 and C.6.1.
    let cases: &[(&[u8], &str)] = &[
        (
            &[
                0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
            ],
            "www.example.com",
        ),
        (&[0x64, 0x02], "302"),
        (&[0xae, 0xc3, 0x77, 0x1a, 0x4b], "private"),
    ];
    for (code, text) in cases {
        let mut out = Vec::new();
        decode(code, &mut out).unwrap();
        assert_eq!(out, text.as_bytes());
        assert_eq!(encode(text.as_bytes()), *code);
    }
}

#[test]
fn every_byte_round_trips() {
    let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    for n in 0..all.len() {
        let mut out = Vec::new();
        decode(&encode(&all[..n]), &mut out).unwrap();
        assert_eq!(out, &all[..n]);
    }
}

#[test]
fn bad_padding_and_eos_are_errors() {
    let mut out = Vec::new();
    // "0" is 00000: padded with zeros instead of ones
    assert_eq!(decode(&[0x00], &mut out), Err(HuffmanError::Padding));
    // eight bits of padding
    assert_eq!(decode(&[0x07, 0xff], &mut out), Err(HuffmanError::Padding));
    // EOS: thirty ones
    assert_eq!(decode(&[0xff; 4], &mut out), Err(HuffmanError::Eos));
    assert_eq!(decode(&[], &mut out), Ok(()));
    assert_eq!(decode(&[0xff], &mut out), Err(HuffmanError::Padding));
    assert_eq!(decode(&[0xfe], &mut out), Err(HuffmanError::Padding));
}
