//! pcap and pcapng framing: the file header (pcapng: a section header with `shb_userappl`
//! and one Ethernet interface with nanosecond `if_tsresol`) and one record per frame, with
//! the capture clock advancing between frames.

use std::io::{self, Write};

use super::tcp::Flow;
use super::truth::Truth;

/// Writes frames as pcap or pcapng records and counts them into the truth.
pub(crate) struct Writer<'a, W: Write> {
    pub(crate) out: &'a mut W,
    ng: bool,
    clock: u64,
    frame: Vec<u8>,
    pub(crate) truth: &'a mut Truth,
}

impl<'a, W: Write> Writer<'a, W> {
    /// A writer to `out` (pcapng when `ng`), its clock at `start_ns`.
    pub(crate) fn new(out: &'a mut W, ng: bool, start_ns: u64, truth: &'a mut Truth) -> Self {
        Self {
            out,
            ng,
            clock: start_ns,
            frame: Vec::with_capacity(2048),
            truth,
        }
    }

    /// Writes the file header.
    pub(crate) fn header(&mut self) -> io::Result<()> {
        if !self.ng {
            let mut h = Vec::with_capacity(24);
            h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
            h.extend_from_slice(&2u16.to_le_bytes());
            h.extend_from_slice(&4u16.to_le_bytes());
            h.extend_from_slice(&[0; 8]);
            h.extend_from_slice(&262_144u32.to_le_bytes());
            h.extend_from_slice(&1u32.to_le_bytes());
            return self.put(&h);
        }
        // Section header block with shb_userappl, then one Ethernet interface with
        // if_tsresol = 9 (nanoseconds).
        let app = b"corscope gen_capture";
        let mut opts = Vec::new();
        option(&mut opts, 4, app);
        opts.extend_from_slice(&[0, 0, 0, 0]);
        let mut body = Vec::new();
        body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes());
        body.extend_from_slice(&opts);
        self.block(0x0a0d_0d0a, &body)?;
        let mut idb = Vec::new();
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&262_144u32.to_le_bytes());
        option(&mut idb, 9, &[9]);
        idb.extend_from_slice(&[0, 0, 0, 0]);
        self.block(1, &idb)
    }

    fn block(&mut self, kind: u32, body: &[u8]) -> io::Result<()> {
        let len = (12 + body.len()) as u32;
        let mut b = Vec::with_capacity(len as usize);
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
        self.put(&b)
    }

    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.truth.bytes += b.len() as u64;
        self.out.write_all(b)
    }

    /// Builds and writes one frame.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn emit(
        &mut self,
        flow: &mut Flow,
        dir: usize,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let mut frame = std::mem::take(&mut self.frame);
        flow.frame(dir, seq, ack, flags, payload, &mut frame);
        // 1..150 µs between frames, with nanosecond jitter.
        self.clock += 1_000 + (u64::from(seq ^ ack) % 149_000);
        let len = frame.len() as u32;
        let r = if self.ng {
            let pad = (4 - frame.len() % 4) % 4;
            let total = 32 + frame.len() + pad;
            let mut h = [0u8; 28];
            h[0..4].copy_from_slice(&6u32.to_le_bytes());
            h[4..8].copy_from_slice(&(total as u32).to_le_bytes());
            h[12..16].copy_from_slice(&((self.clock >> 32) as u32).to_le_bytes());
            h[16..20].copy_from_slice(&(self.clock as u32).to_le_bytes());
            h[20..24].copy_from_slice(&len.to_le_bytes());
            h[24..28].copy_from_slice(&len.to_le_bytes());
            self.put(&h)
                .and_then(|_| self.put(&frame))
                .and_then(|_| self.put(&[0u8; 3][..pad]))
                .and_then(|_| self.put(&(total as u32).to_le_bytes()))
        } else {
            let us = self.clock / 1_000;
            let mut h = [0u8; 16];
            h[0..4].copy_from_slice(&((us / 1_000_000) as u32).to_le_bytes());
            h[4..8].copy_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
            h[8..12].copy_from_slice(&len.to_le_bytes());
            h[12..16].copy_from_slice(&len.to_le_bytes());
            self.put(&h).and_then(|_| self.put(&frame))
        };
        self.frame = frame;
        self.truth.pcap.frames += 1;
        r
    }
}

fn option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
}
