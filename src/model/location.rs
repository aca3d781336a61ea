//! Where an exchange or an issue sits in its input: a HAR entry index, pcap frame numbers, or
//! a byte offset. Numbers follow the tools people cross-check with: entries are 0-based as in
//! `log.entries[i]`, frames are 1-based as Wireshark shows them.

use std::fmt;

/// Index of a HAR entry, 0-based as in `log.entries[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryIndex(pub u64);

/// Number of a captured frame, 1-based as Wireshark shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameNumber(pub u64);

/// Where an exchange came from in its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A HAR entry.
    Entry(EntryIndex),
    /// Frames of a capture: where the request starts and, when seen, where the response starts.
    Frames {
        /// Frame holding the first byte of the request.
        request: FrameNumber,
        /// Frame holding the first byte of the response.
        response: Option<FrameNumber>,
    },
    /// Not recorded at all: inferred from another exchange at this location (for example a
    /// request that a failed preflight stopped before it was sent).
    InferredFrom(InferredAnchor),
}

/// The recorded exchange an inferred one hangs from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InferredAnchor {
    /// A HAR entry.
    Entry(EntryIndex),
    /// A frame.
    Frame(FrameNumber),
}

impl Location {
    /// The anchor an inferred exchange next to this one would hang from.
    pub fn anchor(&self) -> InferredAnchor {
        match *self {
            Location::Entry(e) => InferredAnchor::Entry(e),
            Location::Frames { request, .. } => InferredAnchor::Frame(request),
            Location::InferredFrom(a) => a,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Entry(e) => write!(f, "entry {}", e.0),
            Location::Frames {
                request,
                response: Some(r),
            } => write!(f, "frames {}→{}", request.0, r.0),
            Location::Frames {
                request,
                response: None,
            } => write!(f, "frame {}", request.0),
            Location::InferredFrom(InferredAnchor::Entry(e)) => {
                write!(f, "not recorded (after entry {})", e.0)
            }
            Location::InferredFrom(InferredAnchor::Frame(n)) => {
                write!(f, "not recorded (after frame {})", n.0)
            }
        }
    }
}

/// Where an input issue was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// A HAR entry.
    Entry(EntryIndex),
    /// A captured frame.
    Frame(FrameNumber),
    /// A byte offset in the (decompressed) input.
    Offset(u64),
    /// A byte offset in one direction of a TCP stream, with the frame that carried it.
    Stream {
        /// Frame that carried the byte.
        frame: FrameNumber,
        /// Offset from the first byte of that direction of the stream.
        offset: u64,
    },
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Entry(e) => write!(f, "entry {}", e.0),
            Position::Frame(n) => write!(f, "frame {}", n.0),
            Position::Offset(o) => write!(f, "byte offset {o}"),
            Position::Stream { frame, offset } => {
                write!(f, "frame {}, stream offset {offset}", frame.0)
            }
        }
    }
}
