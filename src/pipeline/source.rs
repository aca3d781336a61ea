//! What a run reads: the inputs named on the command line, directories walked into the files
//! below them.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::progress::Progress;

/// An input as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file or a directory (walked recursively).
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

/// One thing to read, after directories were walked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// How reports name it.
    pub name: String,
    /// Where to read it from.
    pub origin: SourceOrigin,
}

impl Source {
    /// The file it is read from, if it is a file.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            SourceOrigin::File(p) | SourceOrigin::FoundIn(p) => Some(p),
            SourceOrigin::Stdin | SourceOrigin::Unreadable(_) => None,
        }
    }

    /// Its size in bytes, when it is a regular file.
    pub fn size(&self) -> Option<u64> {
        std::fs::metadata(self.path()?)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }
}

/// Where a [`Source`] is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceOrigin {
    /// A file named directly.
    File(PathBuf),
    /// A file found while walking a directory: one that is not a capture is skipped, not an
    /// error.
    FoundIn(PathBuf),
    /// Standard input.
    Stdin,
    /// A path that could not be listed or opened, with the reason.
    Unreadable(String),
}

/// Expands directories into the files below them (sorted by path, hidden entries included,
/// symbolic links to directories not followed).
pub fn expand(inputs: &[Input]) -> Vec<Source> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => out.push(Source {
                name: "-".into(),
                origin: SourceOrigin::Stdin,
            }),
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => walk(p, &mut out),
                Ok(_) => out.push(Source {
                    name: p.display().to_string(),
                    origin: SourceOrigin::File(p.clone()),
                }),
                Err(e) => out.push(Source {
                    name: p.display().to_string(),
                    origin: SourceOrigin::Unreadable(e.to_string()),
                }),
            },
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            out.push(Source {
                name: dir.display().to_string(),
                origin: SourceOrigin::Unreadable(e.to_string()),
            });
            return;
        }
    };
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, out);
        } else if meta.is_file() || (meta.file_type().is_symlink() && p.is_file()) {
            out.push(Source {
                name: p.display().to_string(),
                origin: SourceOrigin::FoundIn(p),
            });
        }
    }
}

/// Opens a source for reading, counting what is read into `progress` when given.
pub(super) fn open(
    source: &Source,
    progress: Option<&Progress>,
) -> Result<Box<dyn Read + Send>, String> {
    let input: Box<dyn Read + Send> = match &source.origin {
        SourceOrigin::File(p) | SourceOrigin::FoundIn(p) => {
            Box::new(File::open(p).map_err(|e| e.to_string())?)
        }
        SourceOrigin::Stdin => Box::new(io::stdin()),
        SourceOrigin::Unreadable(e) => return Err(e.clone()),
    };
    Ok(match progress {
        Some(p) => Box::new(p.reader(input)),
        None => input,
    })
}
