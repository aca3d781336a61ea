//! What stays the same in the names of the files of one rotated capture.
//!
//! Capture writers number or date each new file:
//! - tcpdump `-C` / `-W`: `x.pcap`, `x.pcap1`, `x.pcap2` (or `x.pcap00`, `x.pcap01`);
//! - tcpdump `-G` with strftime: `%Y%m%d%H%M%S.pcap`, `web-%F_%T.pcap`, ...;
//! - dumpcap ring buffers: `x_00001_20261206120000.pcapng`;
//! - editcap `-c` / `-i` splits: `out_00000_20261128041036.pcap`;
//! - `-z gzip` and similar post-rotation commands add `.gz` to all but the newest file.
//!
//! The stem of a name is the name with the compression suffix and a trailing counter removed,
//! and every other run of digits replaced by `#`, except digits that end a word (`eth0`,
//! `web01`, `host2`): those name an interface or a host, not a file of a rotation.
//! Files whose stems differ are never one capture.

/// Suffixes of compressed files, undone before comparing names.
const COMPRESSED: [&str; 3] = [".gz", ".zst", ".zstd"];

/// The name without a compression suffix, split before a counter after the extension
/// (`x.pcap1`, `x.pcap.1`).
fn split_counter(name: &str) -> (&str, Option<&str>) {
    let mut name = name;
    for suffix in COMPRESSED {
        if let Some(cut) = name.len().checked_sub(suffix.len()) {
            if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(suffix) {
                name = &name[..cut];
                break;
            }
        }
    }
    let without_counter = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if without_counter.len() < name.len() && !without_counter.is_empty() {
        let counter = &name[without_counter.len()..];
        let base = without_counter
            .strip_suffix(['.', '_', '-'])
            .filter(|n| !n.is_empty())
            .unwrap_or(without_counter);
        return (base, Some(counter));
    }
    (name, None)
}

/// The file's number in its rotation, when its name has one: the counter after the extension
/// (tcpdump `-C`), else the first run of at most 6 digits that is not part of a word (the
/// `00001` of dumpcap and editcap names). Longer runs are dates or times, not counters.
pub fn counter(name: &str) -> Option<u64> {
    let (base, after) = split_counter(name);
    if let Some(n) = after {
        return n.parse().ok();
    }
    let chars: Vec<char> = base.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map_or(chars.len(), |n| i + n);
        if !ends_word(&chars[..i]) && end - i <= 6 {
            return chars[i..end].iter().collect::<String>().parse().ok();
        }
        i = end;
    }
    None
}

/// The part of `name` (a file name, without directories) that the files of one rotated
/// capture share.
pub fn stem(name: &str) -> String {
    let (name, _) = split_counter(name);
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if !c.is_ascii_digit() {
            out.push(c);
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map_or(chars.len(), |n| i + n);
        if ends_word(&chars[..i]) {
            out.extend(&chars[i..end]);
        } else {
            out.push('#');
        }
        i = end;
    }
    out
}

/// Whether digits after `before` end a word: they follow letters that do not themselves
/// follow a digit (`eth0`, but not the `T` of `2026-12-06T12`).
fn ends_word(before: &[char]) -> bool {
    let letters = before
        .iter()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .count();
    letters > 0
        && before
            .len()
            .checked_sub(letters + 1)
            .and_then(|i| before.get(i))
            .is_none_or(|c| !c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn rotations_share_a_stem() {
        let same = [
            // tcpdump -C, -C -W
            &["x.pcap", "x.pcap1", "x.pcap12", "x.pcap.3"][..],
            &["ring.pcap00", "ring.pcap01", "ring.pcap09"][..],
            // tcpdump -G strftime names, -z gzip
            &["20261206120000.pcap", "20261206120500.pcap.gz"][..],
            &[
                "web-2026-12-06_12:00:00.pcap",
                "web-2026-12-06_12:05:00.pcap",
            ][..],
            &[
                "api-2026-12-06T12:00:00Z.pcap",
                "api-2026-12-06T13:05:00Z.pcap",
            ][..],
            // dumpcap ring buffer, editcap split
            &[
                "x_00001_20261206120000.pcapng",
                "x_00002_20261206120500.pcapng",
            ][..],
            &[
                "out_00000_20261128041036.pcap",
                "out_00012_20261128041104.pcap",
            ][..],
            // tcpdump -G and -C together
            &["cap_1733486400.pcap", "cap_1733486400.pcap1"][..],
        ];
        for names in same {
            let stems: Vec<String> = names.iter().map(|n| stem(n)).collect();
            assert!(
                stems.windows(2).all(|w| w[0] == w[1]),
                "{names:?} -> {stems:?}"
            );
        }
    }

    #[test]
    fn hosts_and_interfaces_keep_their_numbers() {
        let apart = [
            (
                "web1_00001_20261206120000.pcapng",
                "web2_00001_20261206120000.pcapng",
            ),
            ("eth0-20261206.pcap", "eth1-20261206.pcap"),
            ("x.pcap", "y.pcap1"),
            ("x.pcap", "x.pcapng"),
            ("a_00001_2026.pcap", "b_00001_2026.pcap"),
        ];
        for (a, b) in apart {
            assert_ne!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("x_00001_20261206120000.pcapng"), "x_#_#.pcapng");
        assert_eq!(stem("eth0-20261206.pcap.zst"), "eth0-#.pcap");
        assert_eq!(stem("0001"), "#");
    }

    #[test]
    fn counters() {
        use super::counter;
        assert_eq!(counter("x.pcap"), None);
        assert_eq!(counter("x.pcap7"), Some(7));
        assert_eq!(counter("x.pcap12.gz"), Some(12));
        assert_eq!(counter("x_00002_20261206120500.pcapng"), Some(2));
        assert_eq!(counter("eth0_00003_20261206120500.pcapng"), Some(3));
        assert_eq!(counter("20261206120000.pcap"), None);
    }
}
