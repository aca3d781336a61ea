//! Capture chains: which input files are one capture written in several pieces, and in what
//! order they are read.
//!
//! A capture point that rotates its files (tcpdump `-C`/`-G`, dumpcap ring buffers, editcap
//! splits) cuts connections, messages and the browser's CORS state (a preflight cached for two
//! hours) at arbitrary file boundaries. A chain is an ordered list of files read as one
//! capture: one frame stream, one flow table, one CORS engine. Every input of a run is a chain;
//! most chains hold one file.
//!
//! Detection ([`Join::Detect`]): pcap and pcapng files are probed (first bytes and, when
//! uncompressed, last bytes; see [`crate::capture::pcap::probe`]). Files are candidates for one
//! capture when they sit in the same directory, their names share a rotation stem
//! ([`name::stem`]), and their format, interfaces (link type, snapshot length, name) and
//! timestamp precision agree. Candidates are ordered by first capture time and put into chains
//! whose time ranges follow each other: each file goes to a chain that ends before it starts
//! (or at most [`OVERLAP_TOLERANCE`] after): the one whose last file it follows in number
//! ([`name::counter`]: `x.pcap4` after `x.pcap3`), else the one that ended last before it, else
//! the one it overlaps least; a file that fits no chain starts one. Two hosts writing the same
//! names into one directory at the same time so give two chains.
//!
//! [`Join::All`] puts every pcap and pcapng input into one chain ordered by first capture time;
//! [`Join::Never`] reads every file on its own. HAR files, standard input and files that
//! cannot be probed are always chains of their own. Overlaps inside a chain are reported when
//! it is read (`capture-files-overlap`).
//!
//! Memory: one probe per file (a few dozen bytes kept), whatever the file sizes.

pub mod name;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use rayon::prelude::*;

use super::source::{Source, SourceOrigin};
use crate::capture::pcap::probe::{self, Probe, ProbedInterface};
use crate::capture::{decompress, sniff, Format};
use crate::model::Timestamp;

/// How files are joined into captures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Join {
    /// Files that continue one capture are joined (the default).
    #[default]
    Detect,
    /// Every pcap and pcapng input is one capture.
    All,
    /// Every file is read on its own.
    Never,
}

/// Overlap between the end of one file and the start of the next still taken as one capture
/// when detecting: capture clocks step back a little at times, and a capture writer's
/// rotation never reorders its own packets by more.
pub const OVERLAP_TOLERANCE: i64 = 1_000_000_000;

/// Files read as one capture, in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The files, in reading order (never empty).
    pub files: Vec<Source>,
    /// The format of its first file, when told before reading (a regular file that could be
    /// opened); `None` otherwise (standard input, a pipe, a file that cannot be read).
    pub format: Option<Format>,
}

impl Chain {
    /// The name reports give the chain: its first file's.
    pub fn name(&self) -> &str {
        self.files.first().map_or("", |s| s.name.as_str())
    }
}

/// A probed source: where it came from in the run, and what it is.
struct Probed {
    index: usize,
    source: Source,
    format: Option<Format>,
    probe: Option<Probe>,
}

impl Probed {
    fn counter(&self) -> Option<u64> {
        let file = self.source.path()?.file_name()?;
        name::counter(&file.to_string_lossy())
    }
}

/// A chain being built: where its time range ends, the number of its last file, the smallest
/// run index of its files, and the files.
struct Building {
    format: Option<Format>,
    end: Option<Timestamp>,
    counter: Option<u64>,
    low: usize,
    files: Vec<Source>,
}

/// What files must share to be one capture.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Family {
    directory: String,
    stem: String,
    format: u8,
    nanoseconds: bool,
    interfaces: Vec<(i32, u32, Option<String>)>,
}

fn family(source: &Source, p: &Probe) -> Family {
    let path = source.path();
    let directory = path
        .and_then(Path::parent)
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = path
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Family {
        directory,
        stem: name::stem(&file),
        format: u8::from(p.format == Format::PcapNg),
        nanoseconds: p.nanoseconds,
        interfaces: p
            .interfaces
            .iter()
            .map(
                |ProbedInterface {
                     linktype,
                     snaplen,
                     name,
                 }| (*linktype, *snaplen, name.clone()),
            )
            .collect(),
    }
}

/// A regular file opened and its format told: the file, its length, whether it is
/// compressed, its format and its decompressed stream with the peeked bytes put back. `None`
/// for standard input, a pipe (`<(zcat x.pcap.gz)` can be read only once) and what cannot
/// be opened or told.
fn sniffed(source: &Source) -> Option<(File, u64, bool, Format, sniff::Peeked)> {
    let path = match &source.origin {
        SourceOrigin::File(p) | SourceOrigin::FoundIn(p) => p,
        SourceOrigin::Stdin | SourceOrigin::Unreadable(_) => return None,
    };
    let file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let (compression, input) = decompress::undo(Box::new(file.try_clone().ok()?)).ok()?;
    let (format, input) = sniff::detect(input).ok()?;
    Some((file, meta.len(), compression.is_some(), format, input))
}

/// Probes one file: its format, and for a pcap or pcapng its head, and its tail when it is
/// not compressed.
fn probe_file(source: &Source) -> (Option<Format>, Option<Probe>) {
    let Some((mut file, len, compressed, format, mut input)) = sniffed(source) else {
        return (None, None);
    };
    let probe = probe::head(&mut input, format)
        .ok()
        .flatten()
        .map(|mut probe| {
            if !compressed {
                probe.read_tail(&mut file, len);
            }
            probe
        });
    (Some(format), probe)
}

/// Groups `sources` into chains, in the order of their first files in `sources`.
pub fn plan(sources: Vec<Source>, join: Join) -> Vec<Chain> {
    if join == Join::Never {
        return sources
            .into_par_iter()
            .map(|s| Chain {
                format: sniffed(&s).map(|(.., format, _)| format),
                files: vec![s],
            })
            .collect();
    }
    let probed: Vec<Probed> = sources
        .into_par_iter()
        .enumerate()
        .map(|(index, source)| {
            let (format, probe) = probe_file(&source);
            Probed {
                index,
                source,
                format,
                probe,
            }
        })
        .collect();
    let mut chains: Vec<(usize, Chain)> = Vec::new();
    let mut families: BTreeMap<Option<Family>, Vec<Probed>> = BTreeMap::new();
    for p in probed {
        match &p.probe {
            None => chains.push((
                p.index,
                Chain {
                    files: vec![p.source],
                    format: p.format,
                },
            )),
            Some(probe) => {
                let key = (join == Join::Detect).then(|| family(&p.source, probe));
                families.entry(key).or_default().push(p);
            }
        }
    }
    for (key, members) in families {
        let detect = key.is_some();
        chains.extend(order(members, detect));
    }
    chains.sort_by_key(|(first, _)| *first);
    chains.into_iter().map(|(_, c)| c).collect()
}

/// Orders the files of one family by first capture time and cuts them into chains whose time
/// ranges follow each other (when `detect`), or keeps them as one chain. Each chain comes with
/// the smallest run index of its files.
fn order(mut members: Vec<Probed>, detect: bool) -> Vec<(usize, Chain)> {
    let first = |p: &Probed| p.probe.as_ref().and_then(|p| p.first);
    // Files without a frame have no place in time: last, or on their own when detecting.
    members.sort_by_key(|p| (first(p).is_none(), first(p), p.index));
    let mut chains: Vec<Building> = Vec::new();
    for p in members {
        let start = first(&p);
        let end = p.probe.as_ref().and_then(|p| p.last).max(start);
        let counter = p.counter();
        let into = if detect {
            pick(&chains, start, counter)
        } else {
            (!chains.is_empty()).then_some(0)
        };
        match into.and_then(|i| chains.get_mut(i)) {
            Some(c) => {
                c.end = c.end.max(end);
                c.counter = counter;
                c.low = c.low.min(p.index);
                c.files.push(p.source);
            }
            None => chains.push(Building {
                format: p.format,
                end,
                counter,
                low: p.index,
                files: vec![p.source],
            }),
        }
    }
    chains
        .into_iter()
        .map(|c| {
            let chain = Chain {
                files: c.files,
                format: c.format,
            };
            (c.low, chain)
        })
        .collect()
}

/// The chain a file starting at `start`, numbered `counter`, continues, if any.
fn pick(chains: &[Building], start: Option<Timestamp>, counter: Option<u64>) -> Option<usize> {
    let start = start?.0;
    let fits = chains.iter().enumerate().filter_map(|(i, c)| {
        let end = c.end?.0;
        (end.saturating_sub(start) <= OVERLAP_TOLERANCE).then_some((i, c, end))
    });
    let follows = |c: &Building| match (c.counter, counter) {
        (Some(a), Some(b)) => Some(a.checked_add(1) == Some(b)),
        _ => None,
    };
    fits.clone()
        .filter(|(_, c, _)| follows(c) == Some(true))
        .max_by_key(|(_, _, end)| *end)
        .or_else(|| {
            fits.clone()
                .filter(|(_, _, end)| *end <= start)
                .max_by_key(|(_, _, end)| *end)
        })
        // A small overlap is taken only from a file whose number does not say otherwise.
        .or_else(|| {
            fits.filter(|(_, c, _)| follows(c).is_none())
                .min_by_key(|(_, _, end)| *end)
        })
        .map(|(i, _, _)| i)
}
