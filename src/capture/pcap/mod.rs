//! pcap / pcapng reader (interface; the packet pipeline replaces this body).

use std::io::Read;

use super::{CaptureError, Format, Sink};
use crate::model::Limits;

/// What a capture file says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PcapSummary {
    /// pcapng `shb_userappl` (e.g. `Dumpcap (Wireshark) 4.0.17`), when present.
    pub producer: Option<String>,
    /// Frames read.
    pub frames: u64,
}

/// Reads a pcap or pcapng stream into `sink`.
pub fn read(
    _input: &mut dyn Read,
    _format: Format,
    _limits: &Limits,
    _sink: &mut dyn Sink,
) -> Result<PcapSummary, CaptureError> {
    Err(CaptureError::NotRecognised(
        "capture reading is not available in this build".into(),
    ))
}
