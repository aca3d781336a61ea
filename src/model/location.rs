//! Where an exchange or an issue sits in its input: a HAR entry index, pcap frame numbers, or
//! a byte offset. Numbers follow the tools people cross-check with: entries are 0-based as in
//! `log.entries[i]`, frames are 1-based as Wireshark shows them for the file that holds them.
//!
//! An input may be one capture written as several files (a rotated capture): every frame and
//! byte offset then names its file by [`FileIndex`], the file's place in the input (0 for the
//! first, or only, file), so a location can be found with Wireshark in that file. Text forms
//! ([`fmt::Display`]) leave file 0 unsaid; [`Location::named`] and [`Position::named`] spell
//! file names where a report knows them.

use std::fmt;

/// Index of a HAR entry, 0-based as in `log.entries[i]`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct EntryIndex(pub u64);

/// Number of a captured frame in its file, 1-based as Wireshark shows it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FrameNumber(pub u64);

/// Which file of an input: 0-based, in the order the files are read (the first, or only,
/// file is 0).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct FileIndex(pub u32);

/// A captured frame: its file and its number there.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FrameRef {
    /// The file holding the frame.
    pub file: FileIndex,
    /// The frame's number in that file.
    pub number: FrameNumber,
}

impl FrameRef {
    /// Frame `number` of file `file`.
    pub fn new(file: FileIndex, number: FrameNumber) -> Self {
        Self { file, number }
    }
}

/// Where an exchange came from in its input.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Location {
    /// A HAR entry.
    Entry(EntryIndex),
    /// Frames of a capture: where the request starts and, when seen, where the response starts
    /// (in a capture of several files, possibly in a later file than the request).
    Frames {
        /// Frame holding the first byte of the request.
        request: FrameRef,
        /// Frame holding the first byte of the response.
        response: Option<FrameRef>,
    },
    /// Not recorded at all: inferred from another exchange at this location (for example a
    /// request that a failed preflight stopped before it was sent).
    InferredFrom(InferredAnchor),
}

/// The recorded exchange an inferred one hangs from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum InferredAnchor {
    /// A HAR entry.
    Entry(EntryIndex),
    /// A frame.
    Frame(FrameRef),
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

    /// The text form with file names: `files[i]` names file `i` (when `files` is empty, or
    /// has one name, nothing is said about files, as in [`fmt::Display`] for file 0).
    pub fn named<'a>(&'a self, files: &'a [String]) -> impl fmt::Display + 'a {
        Named(Place::Location(self), files)
    }
}

/// A text form that names files when there are several.
struct Named<'a>(Place<'a>, &'a [String]);

enum Place<'a> {
    Location(&'a Location),
    Position(&'a Position),
}

/// How one file is named: by name when several are known, as `file N` when only the index
/// is, not at all for the first file of an input whose files are not named.
fn file_suffix(f: &mut fmt::Formatter<'_>, file: FileIndex, files: &[String]) -> fmt::Result {
    match files.get(file.0 as usize) {
        Some(name) if files.len() > 1 => write!(f, " of {name}"),
        _ if file.0 == 0 => Ok(()),
        _ => write!(f, " of file {}", file.0),
    }
}

fn frames(
    f: &mut fmt::Formatter<'_>,
    request: FrameRef,
    response: Option<FrameRef>,
    files: &[String],
) -> fmt::Result {
    match response {
        Some(r) if r.file == request.file => {
            write!(f, "frames {}→{}", request.number.0, r.number.0)?;
            file_suffix(f, request.file, files)
        }
        Some(r) => {
            write!(f, "frame {}", request.number.0)?;
            file_suffix(f, request.file, files)?;
            write!(f, " → frame {}", r.number.0)?;
            file_suffix(f, r.file, files)
        }
        None => {
            write!(f, "frame {}", request.number.0)?;
            file_suffix(f, request.file, files)
        }
    }
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = self.1;
        match self.0 {
            Place::Location(Location::Entry(e)) => write!(f, "entry {}", e.0),
            Place::Location(Location::Frames { request, response }) => {
                frames(f, *request, *response, files)
            }
            Place::Location(Location::InferredFrom(InferredAnchor::Entry(e))) => {
                write!(f, "not recorded (after entry {})", e.0)
            }
            Place::Location(Location::InferredFrom(InferredAnchor::Frame(n))) => {
                write!(f, "not recorded (after frame {}", n.number.0)?;
                file_suffix(f, n.file, files)?;
                write!(f, ")")
            }
            Place::Position(Position::Entry(e)) => write!(f, "entry {}", e.0),
            Place::Position(Position::Frame(n)) => {
                write!(f, "frame {}", n.number.0)?;
                file_suffix(f, n.file, files)
            }
            Place::Position(Position::Offset { file, offset }) => {
                write!(f, "byte offset {offset}")?;
                file_suffix(f, *file, files)
            }
            Place::Position(Position::Stream { frame, offset }) => {
                write!(f, "frame {}", frame.number.0)?;
                file_suffix(f, frame.file, files)?;
                write!(f, ", stream offset {offset}")
            }
        }
    }
}

impl fmt::Display for FrameRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame {}", self.number.0)?;
        file_suffix(f, self.file, &[])
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Named(Place::Location(self), &[]).fmt(f)
    }
}

/// Where an input issue was found.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Position {
    /// A HAR entry.
    Entry(EntryIndex),
    /// A captured frame.
    Frame(FrameRef),
    /// A byte offset in one (decompressed) file of the input.
    Offset {
        /// The file.
        file: FileIndex,
        /// Bytes from the file's start.
        offset: u64,
    },
    /// A byte offset in one direction of a TCP stream, with the frame that carried it.
    Stream {
        /// Frame that carried the byte.
        frame: FrameRef,
        /// Offset from the first byte of that direction of the stream.
        offset: u64,
    },
}

impl Position {
    /// A byte offset in the input's first (or only) file.
    pub fn offset(offset: u64) -> Self {
        Position::Offset {
            file: FileIndex(0),
            offset,
        }
    }

    /// The text form with file names, as [`Location::named`].
    pub fn named<'a>(&'a self, files: &'a [String]) -> impl fmt::Display + 'a {
        Named(Place::Position(self), files)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Named(Place::Position(self), &[]).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: u32, n: u64) -> FrameRef {
        FrameRef::new(FileIndex(file), FrameNumber(n))
    }

    #[test]
    fn one_file_reads_as_before() {
        let l = Location::Frames {
            request: at(0, 4),
            response: Some(at(0, 6)),
        };
        assert_eq!(l.to_string(), "frames 4→6");
        assert_eq!(l.named(&["a.pcap".into()]).to_string(), "frames 4→6");
        assert_eq!(Position::offset(9).to_string(), "byte offset 9");
    }

    #[test]
    fn several_files_are_named() {
        let files = ["x.pcap".to_string(), "x.pcap1".to_string()];
        let across = Location::Frames {
            request: at(0, 765),
            response: Some(at(1, 2)),
        };
        assert_eq!(
            across.named(&files).to_string(),
            "frame 765 of x.pcap → frame 2 of x.pcap1"
        );
        assert_eq!(across.to_string(), "frame 765 → frame 2 of file 1");
        let inferred = Location::InferredFrom(InferredAnchor::Frame(at(1, 3)));
        assert_eq!(
            inferred.named(&files).to_string(),
            "not recorded (after frame 3 of x.pcap1)"
        );
        let p = Position::Stream {
            frame: at(1, 7),
            offset: 10,
        };
        assert_eq!(
            p.named(&files).to_string(),
            "frame 7 of x.pcap1, stream offset 10"
        );
        let o = Position::Offset {
            file: FileIndex(1),
            offset: 24,
        };
        assert_eq!(o.to_string(), "byte offset 24 of file 1");
    }
}
