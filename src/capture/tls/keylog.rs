//! TLS secrets from an NSS key log (the `SSLKEYLOGFILE` format written by Chromium, Firefox,
//! curl, OpenSSL's keylog callback and Go's `KeyLogWriter`), from files or from the Decryption
//! Secrets Blocks of a pcapng file.
//!
//! Format (NSS "Key Log Format"): one `LABEL <client random hex> <secret hex>` per line; `#`
//! starts a comment; blank lines and CRLF line ends are allowed. Labels used here:
//! `CLIENT_RANDOM` (the TLS 1.2-and-earlier master secret), `CLIENT_EARLY_TRAFFIC_SECRET`,
//! `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
//! `CLIENT_TRAFFIC_SECRET_0` and `SERVER_TRAFFIC_SECRET_0` (TLS 1.3). `EXPORTER_SECRET`,
//! `EARLY_EXPORTER_SECRET`, `RSA` and other well-formed lines are counted as ignored; lines
//! that do not have that shape are counted as bad, with the first one's line number.
//!
//! Memory: one fixed-size entry per secret (client random, label, up to 48 secret bytes: 82
//! bytes, about half the line's text), in one vector sorted by client random and label, so a
//! lookup is a binary search and nothing is stored per entry on the heap.

use std::io::{self, BufRead};

/// Which secret a line gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    /// `CLIENT_RANDOM`: the master secret of TLS 1.2 and earlier.
    ClientRandom,
    /// `CLIENT_EARLY_TRAFFIC_SECRET` (TLS 1.3 0-RTT data).
    ClientEarlyTraffic,
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    ClientHandshakeTraffic,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    ServerHandshakeTraffic,
    /// `CLIENT_TRAFFIC_SECRET_0`.
    ClientTraffic0,
    /// `SERVER_TRAFFIC_SECRET_0`.
    ServerTraffic0,
}

impl Label {
    fn parse(name: &[u8]) -> Option<Label> {
        Some(match name {
            b"CLIENT_RANDOM" => Label::ClientRandom,
            b"CLIENT_EARLY_TRAFFIC_SECRET" => Label::ClientEarlyTraffic,
            b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" => Label::ClientHandshakeTraffic,
            b"SERVER_HANDSHAKE_TRAFFIC_SECRET" => Label::ServerHandshakeTraffic,
            b"CLIENT_TRAFFIC_SECRET_0" => Label::ClientTraffic0,
            b"SERVER_TRAFFIC_SECRET_0" => Label::ServerTraffic0,
            _ => return None,
        })
    }
}

/// Longest secret kept (SHA-384 output, and the TLS 1.2 master secret).
pub const MAX_SECRET: usize = 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    random: [u8; 32],
    label: Label,
    len: u8,
    secret: [u8; MAX_SECRET],
}

/// What reading key log text found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyLogStats {
    /// Lines read (blank and comment lines included).
    pub lines: u64,
    /// Secrets kept.
    pub secrets: u64,
    /// Well-formed lines of labels that are not used (exporter secrets, `RSA`, ...).
    pub ignored: u64,
    /// Lines that are not `LABEL <64 hex digits> <hex secret>`.
    pub bad: u64,
    /// 1-based number of the first bad line.
    pub first_bad: Option<u64>,
}

impl KeyLogStats {
    /// Adds another reading's counts.
    pub fn merge(&mut self, other: &KeyLogStats) {
        self.lines += other.lines;
        self.secrets += other.secrets;
        self.ignored += other.ignored;
        self.bad += other.bad;
        if self.first_bad.is_none() {
            self.first_bad = other.first_bad;
        }
    }
}

/// Secrets by client random.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    entries: Vec<Entry>,
    /// Entries past this index were appended since the last sort.
    sorted: usize,
}

fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex into `out`, which must be exactly half as long.
fn unhex(text: &[u8], out: &mut [u8]) -> Option<()> {
    if text.len() != out.len() * 2 {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let &[h, l] = <&[u8; 2]>::try_from(pair).ok()?;
        *o = hex_nibble(h)? << 4 | hex_nibble(l)?;
    }
    Some(())
}

enum Line {
    Blank,
    Secret(Entry),
    Ignored,
    Bad,
}

fn parse_line(line: &[u8]) -> Line {
    let line = line.trim_ascii();
    if line.is_empty() || line.starts_with(b"#") {
        return Line::Blank;
    }
    let mut fields = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty());
    let (Some(name), Some(random), Some(secret), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Line::Bad;
    };
    let well_formed = |t: &[u8]| {
        !t.is_empty() && t.len().is_multiple_of(2) && t.iter().all(|c| c.is_ascii_hexdigit())
    };
    let label_like = name
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
    if !(well_formed(random) && well_formed(secret) && label_like) {
        return Line::Bad;
    }
    let Some(label) = Label::parse(name) else {
        return Line::Ignored;
    };
    let mut entry = Entry {
        random: [0; 32],
        label,
        len: 0,
        secret: [0; MAX_SECRET],
    };
    let len = secret.len() / 2;
    let fits = (16..=MAX_SECRET).contains(&len)
        && unhex(random, &mut entry.random).is_some()
        && entry
            .secret
            .get_mut(..len)
            .and_then(|s| unhex(secret, s))
            .is_some();
    if !fits {
        return Line::Bad;
    }
    entry.len = len as u8;
    Line::Secret(entry)
}

/// Shows how many secrets, never the secrets.
impl std::fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLog({} secrets)", self.entries.len())
    }
}

impl KeyLog {
    /// An empty key log.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
            sorted: 0,
        }
    }

    /// Secrets held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no secret is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads key log lines from `input` (a file), adding their secrets.
    pub fn read(&mut self, input: &mut dyn BufRead) -> io::Result<KeyLogStats> {
        let mut stats = KeyLogStats::default();
        let mut line = Vec::new();
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            self.add_line(&line, &mut stats);
        }
        self.sort();
        Ok(stats)
    }

    /// Adds the secrets of key log text held in memory (a Decryption Secrets Block).
    pub fn add_text(&mut self, text: &[u8]) -> KeyLogStats {
        let mut stats = KeyLogStats::default();
        for line in text.split(|&b| b == b'\n') {
            self.add_line(line, &mut stats);
        }
        // A block may end with a newline: the empty piece after it is not a line.
        if text.ends_with(b"\n") {
            stats.lines -= 1;
        }
        self.sort();
        stats
    }

    fn add_line(&mut self, line: &[u8], stats: &mut KeyLogStats) {
        stats.lines += 1;
        match parse_line(line) {
            Line::Blank => {}
            Line::Ignored => stats.ignored += 1,
            Line::Bad => {
                stats.bad += 1;
                stats.first_bad.get_or_insert(stats.lines);
            }
            Line::Secret(e) => {
                stats.secrets += 1;
                self.entries.push(e);
            }
        }
    }

    /// Adds every secret of `other`.
    pub fn merge(&mut self, other: &KeyLog) {
        self.entries.extend_from_slice(&other.entries);
        self.sort();
    }

    /// Sorts what was appended; the first line given for a random and label wins.
    fn sort(&mut self) {
        if self.sorted == self.entries.len() {
            return;
        }
        self.entries.sort_by_key(|e| (e.random, e.label));
        self.entries
            .dedup_by(|later, first| later.random == first.random && later.label == first.label);
        self.sorted = self.entries.len();
    }

    /// The secret of `label` for the connection whose ClientHello carried `random`.
    pub fn get(&self, random: &[u8; 32], label: Label) -> Option<&[u8]> {
        let sorted = self.entries.get(..self.sorted).unwrap_or_default();
        let i = sorted
            .binary_search_by(|e| (&e.random, e.label).cmp(&(random, label)))
            .ok()?;
        let e = sorted.get(i)?;
        e.secret.get(..usize::from(e.len))
    }

    /// Whether any secret is held for `random`.
    pub fn knows(&self, random: &[u8; 32]) -> bool {
        let sorted = self.entries.get(..self.sorted).unwrap_or_default();
        let i = sorted.partition_point(|e| &e.random < random);
        sorted.get(i).is_some_and(|e| &e.random == random)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const R1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const MS: &str = "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c";

    fn random(hex: &str) -> [u8; 32] {
        let mut r = [0; 32];
        unhex(hex.as_bytes(), &mut r).unwrap();
        r
    }

    #[test]
    fn reads_every_label_comments_blank_lines_and_crlf() {
        let text = format!(
            "# SSL/TLS secrets log file, generated by NSS\r\n\r\n\
             CLIENT_RANDOM {R1} {MS}\r\n\
             CLIENT_HANDSHAKE_TRAFFIC_SECRET {R1} {}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {R1} {}\n\
             EXPORTER_SECRET {R1} {}\n\
             CLIENT_TRAFFIC_SECRET_0  {R1}\t{}\n\
             RSA 0011223344556677 {MS}\n",
            "11".repeat(32),
            "22".repeat(48),
            "33".repeat(32),
            "44".repeat(32),
        );
        let mut log = KeyLog::new();
        let stats = log.read(&mut text.as_bytes()).unwrap();
        assert_eq!(
            stats,
            KeyLogStats {
                lines: 8,
                secrets: 4,
                ignored: 2,
                bad: 0,
                first_bad: None
            }
        );
        let r = random(R1);
        assert_eq!(log.get(&r, Label::ClientRandom).unwrap().len(), 48);
        assert_eq!(
            log.get(&r, Label::ClientHandshakeTraffic).unwrap(),
            &[0x11; 32]
        );
        assert_eq!(
            log.get(&r, Label::ServerHandshakeTraffic).unwrap(),
            &[0x22; 48]
        );
        assert_eq!(log.get(&r, Label::ClientTraffic0).unwrap(), &[0x44; 32]);
        assert_eq!(log.get(&r, Label::ServerTraffic0), None);
        assert!(log.knows(&r));
        assert!(!log.knows(&[0; 32]));
    }

    #[test]
    fn bad_lines_are_counted_with_the_first_line_number() {
        let text = format!(
            "CLIENT_RANDOM {R1}\n\
             CLIENT_RANDOM {R1} {MS}\n\
             CLIENT_RANDOM zz{} {MS}\n\
             CLIENT_RANDOM {R1} abc\n\
             client_random {R1} {MS}\n\
             CLIENT_RANDOM {R1} {MS} extra\n\
             CLIENT_RANDOM {R1} {}\n",
            &R1[2..],
            "ab".repeat(49)
        );
        let mut log = KeyLog::new();
        let stats = log.read(&mut text.as_bytes()).unwrap();
        assert_eq!((stats.secrets, stats.bad, stats.first_bad), (1, 6, Some(1)));
    }

    #[test]
    fn first_line_wins_and_blocks_add_to_files() {
        let mut log = KeyLog::new();
        let other = "55".repeat(48);
        let s = log
            .add_text(format!("CLIENT_RANDOM {R1} {MS}\nCLIENT_RANDOM {R1} {other}\n").as_bytes());
        assert_eq!((s.lines, s.secrets), (2, 2));
        assert_eq!(log.len(), 1);
        assert_eq!(log.get(&random(R1), Label::ClientRandom).unwrap()[0], 0x91);
        let r2 = "ff".repeat(32);
        let mut more = KeyLog::new();
        more.add_text(format!("SERVER_TRAFFIC_SECRET_0 {r2} {other}").as_bytes());
        log.merge(&more);
        assert_eq!(log.len(), 2);
        assert!(log.get(&random(&r2), Label::ServerTraffic0).is_some());
    }
}
