//! Header field lines as recorded: ordered, original case kept, duplicates kept, bytes not text.
//!
//! Lookups are ASCII-case-insensitive on the name (RFC 9110 §5.1). `combined` joins every
//! field line of a name with `", "`, which is the Fetch standard's "get" and Chromium's
//! `HttpResponseHeaders::GetNormalizedHeader`
//! (<https://fetch.spec.whatwg.org/#concept-header-list-get>).
//!
//! # Memory
//! A [`HeaderList`] keeps every name and value back to back in one byte buffer, plus where each
//! line's name and value end: two allocations per list, however many lines it has (a list of
//! boxed lines cost two per line, which dominated reading a HAR). Iterating yields
//! [`HeaderRef`]s borrowed from that buffer; [`Header`] is the owned form, for building lists.

use std::borrow::Cow;
use std::fmt;

/// Bytes of a header line as text: borrowed when they are UTF-8 (checked with the standard
/// library's fast validator first), lossy otherwise.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
/// One header field line, owned: name and value exactly as recorded.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// Field name, original case.
    pub name: Box<[u8]>,
    /// Field value, surrounding whitespace as recorded.
    pub value: Box<[u8]>,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into().into_boxed_slice(),
            value: value.into().into_boxed_slice(),
        }
    }

    /// The line borrowed, as a list yields it.
    pub fn borrowed(&self) -> HeaderRef<'_> {
        HeaderRef {
            name: &self.name,
            value: &self.value,
        }
    }

    /// The name as text (lossy for non-UTF-8 bytes).
    pub fn name_str(&self) -> Cow<'_, str> {
        text(&self.name)
    }

    /// The value as text (lossy for non-UTF-8 bytes).
    pub fn value_str(&self) -> Cow<'_, str> {
        text(&self.value)
    }

    /// Whether this line's name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        super::header_name::eq_ignore_case(&self.name, name.as_bytes())
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.borrowed().fmt(f)
    }
}

/// One header field line of a [`HeaderList`], borrowed from it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderRef<'a> {
    /// Field name, original case.
    pub name: &'a [u8],
    /// Field value, surrounding whitespace as recorded.
    pub value: &'a [u8],
}

impl<'a> HeaderRef<'a> {
    /// The name as text (lossy for non-UTF-8 bytes).
    pub fn name_str(&self) -> Cow<'a, str> {
        text(self.name)
    }

    /// The value as text (lossy for non-UTF-8 bytes).
    pub fn value_str(&self) -> Cow<'a, str> {
        text(self.value)
    }

    /// Whether this line's name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        super::header_name::eq_ignore_case(self.name, name.as_bytes())
    }

    /// An owned copy.
    pub fn to_header(&self) -> Header {
        Header::new(self.name, self.value)
    }
}

impl fmt::Debug for HeaderRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name_str(), self.value_str())
    }
}

/// An ordered list of header field lines, duplicates kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    /// Every name and value, back to back, in order.
    bytes: Vec<u8>,
    /// Per line: where its name ends and where its value ends in `bytes`. A line starts
    /// where the previous one's value ends.
    ends: Vec<(usize, usize)>,
    /// The [`name_bit`] of every line's name, or-ed: a lookup of a name whose bit is clear
    /// is answered without walking the lines (most lookups are of names a message lacks).
    names: u64,
}

/// One of 64 bits, chosen by a name's length and its first and last bytes with ASCII case
/// aside: names equal ignoring case have the same bit.
fn name_bit(name: &[u8]) -> u64 {
    let folded = |b: Option<&u8>| u32::from(b.map_or(0, |b| b | 0x20));
    let mix = (name.len() as u32)
        .wrapping_mul(7)
        .wrapping_add(folded(name.first()).wrapping_mul(3))
        .wrapping_add(folded(name.last()));
    1 << (mix % 64)
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `lines` lines of `bytes` bytes in all.
    pub fn with_capacity(lines: usize, bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(lines),
            names: 0,
        }
    }

    /// Appends a field line.
    pub fn push(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.bytes.extend_from_slice(name.as_ref());
        let name_end = self.bytes.len();
        self.bytes.extend_from_slice(value.as_ref());
        self.ends.push((name_end, self.bytes.len()));
        self.names |= name_bit(name.as_ref());
    }

    /// Every field line in recorded order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            front: 0,
            start: 0,
            back: self.ends.len(),
        }
    }

    /// The line at `index`, when there is one.
    fn line(&self, index: usize) -> Option<HeaderRef<'_>> {
        let &(name_end, value_end) = self.ends.get(index)?;
        let start = match index.checked_sub(1) {
            Some(before) => self.ends.get(before).map_or(0, |e| e.1),
            None => 0,
        };
        Some(HeaderRef {
            name: self.bytes.get(start..name_end).unwrap_or_default(),
            value: self.bytes.get(name_end..value_end).unwrap_or_default(),
        })
    }

    /// Bytes this list holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * std::mem::size_of::<(usize, usize)>()
    }

    /// Number of field lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no field lines.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every field line named `name` (ASCII-case-insensitive), in order.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> Named<'a, 'n> {
        let absent = self.names & name_bit(name.as_bytes()) == 0;
        Named {
            list: self,
            name: name.as_bytes(),
            front: if absent { self.ends.len() } else { 0 },
            start: 0,
        }
    }

    /// The value of the first field line named `name`.
    pub fn first(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).next().map(|h| h.value)
    }

    /// The first value as text (lossy).
    pub fn first_str(&self, name: &str) -> Option<String> {
        self.first(name).map(|v| text(v).into_owned())
    }

    /// How many field lines are named `name`.
    pub fn count(&self, name: &str) -> usize {
        self.get_all(name).count()
    }

    /// Whether any field line is named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get_all(name).next().is_some()
    }

    /// All values of `name` joined with `", "` (the Fetch standard's "get"); `None` when absent.
    pub fn combined(&self, name: &str) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for h in self.get_all(name) {
            match &mut out {
                None => out = Some(h.value.to_vec()),
                Some(v) => {
                    v.extend_from_slice(b", ");
                    v.extend_from_slice(h.value);
                }
            }
        }
        out
    }

    /// [`combined`](Self::combined) as text (lossy).
    pub fn combined_str(&self, name: &str) -> Option<String> {
        self.combined(name).map(|v| text(&v).into_owned())
    }

    /// Drops every field line that repeats an earlier one: the same name (ASCII case aside)
    /// and exactly the same value. Returns how many were dropped. For recorders known to list
    /// one request's headers twice; never for what a server sent.
    pub fn collapse_repeated_lines(&mut self) -> usize {
        let lines: Vec<HeaderRef<'_>> = self.iter().collect();
        let keep: Vec<bool> = lines
            .iter()
            .enumerate()
            .map(|(i, h)| {
                !lines
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .any(|e| e.name.eq_ignore_ascii_case(h.name) && e.value == h.value)
            })
            .collect();
        let dropped = keep.iter().filter(|k| !**k).count();
        if dropped == 0 {
            return 0;
        }
        let mut out = HeaderList::with_capacity(lines.len() - dropped, self.bytes.len());
        for (h, k) in lines.iter().zip(&keep) {
            if *k {
                out.push(h.name, h.value);
            }
        }
        *self = out;
        dropped
    }
}

/// The lines of a [`HeaderList`] in order; see [`HeaderList::iter`].
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    list: &'a HeaderList,
    front: usize,
    /// Where the line at `front` starts in the list's bytes: where the line before it ends,
    /// kept as the iteration goes (every lookup of a name walks the list from the front).
    start: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = HeaderRef<'a>;

    fn next(&mut self) -> Option<HeaderRef<'a>> {
        if self.front >= self.back {
            return None;
        }
        let &(name_end, value_end) = self.list.ends.get(self.front)?;
        let start = std::mem::replace(&mut self.start, value_end);
        self.front += 1;
        Some(HeaderRef {
            name: self.list.bytes.get(start..name_end).unwrap_or_default(),
            value: self.list.bytes.get(name_end..value_end).unwrap_or_default(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back.saturating_sub(self.front);
        (n, Some(n))
    }
}

/// The lines of a [`HeaderList`] named one name; see [`HeaderList::get_all`].
///
/// A lookup walks the list's line ends and compares a name's bytes only when its length is
/// the one looked for: most lines are passed over without being sliced or compared.
#[derive(Clone, Debug)]
pub struct Named<'a, 'n> {
    list: &'a HeaderList,
    name: &'n [u8],
    front: usize,
    /// Where the line at `front` starts in the list's bytes.
    start: usize,
}

impl<'a> Iterator for Named<'a, '_> {
    type Item = HeaderRef<'a>;

    fn next(&mut self) -> Option<HeaderRef<'a>> {
        let want = self.name.len();
        while let Some(&(name_end, value_end)) = self.list.ends.get(self.front) {
            let start = std::mem::replace(&mut self.start, value_end);
            self.front += 1;
            if name_end.wrapping_sub(start) != want {
                continue;
            }
            let name = self.list.bytes.get(start..name_end).unwrap_or_default();
            if super::header_name::eq_ignore_case(name, self.name) {
                return Some(HeaderRef {
                    name,
                    value: self.list.bytes.get(name_end..value_end).unwrap_or_default(),
                });
            }
        }
        None
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.list.line(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = HeaderRef<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl FromIterator<Header> for HeaderList {
    fn from_iter<T: IntoIterator<Item = Header>>(iter: T) -> Self {
        let mut list = Self::new();
        list.extend(iter);
        list
    }
}

impl Extend<Header> for HeaderList {
    fn extend<T: IntoIterator<Item = Header>>(&mut self, iter: T) {
        for h in iter {
            self.push(&h.name, &h.value);
        }
    }
}

impl<'a> FromIterator<HeaderRef<'a>> for HeaderList {
    fn from_iter<T: IntoIterator<Item = HeaderRef<'a>>>(iter: T) -> Self {
        let mut list = Self::new();
        for h in iter {
            list.push(h.name, h.value);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_joins_lines_in_order_and_ignores_case() {
        let mut h = HeaderList::new();
        h.push("Access-Control-Allow-Origin", "https://a.test");
        h.push("Vary", "Origin");
        h.push("access-control-allow-origin", "*");
        assert_eq!(h.count("ACCESS-CONTROL-ALLOW-ORIGIN"), 2);
        assert_eq!(
            h.combined_str("access-control-allow-origin").as_deref(),
            Some("https://a.test, *")
        );
        assert_eq!(h.combined("x-missing"), None);
        assert_eq!(h.first("vary"), Some(&b"Origin"[..]));
    }

    #[test]
    fn lines_keep_their_bounds_both_ways_and_in_equality() {
        let mut h = HeaderList::new();
        h.push("a", "1");
        h.push("", "");
        h.push(b"Bb".as_slice(), String::from("2 2"));
        let names: Vec<_> = h.iter().map(|l| l.name_str().into_owned()).collect();
        assert_eq!(names, ["a", "", "Bb"]);
        let back: Vec<_> = h.iter().rev().map(|l| l.value).collect();
        assert_eq!(back, [&b"2 2"[..], b"", b"1"]);
        assert_eq!(h.iter().len(), 3);
        let copy: HeaderList = h.iter().map(|l| l.to_header()).collect();
        assert_eq!(copy, h);
        assert_eq!(format!("{h:?}"), "[a: 1, : , Bb: 2 2]");
    }

    #[test]
    fn empty_value_is_present_not_absent() {
        let mut h = HeaderList::new();
        h.push("Access-Control-Allow-Origin", "");
        assert_eq!(h.combined("access-control-allow-origin"), Some(Vec::new()));
    }

    #[test]
    fn repeated_lines_collapse_case_aside_values_exact() {
        let mut h = HeaderList::new();
        for (n, v) in [
            ("Origin", "http://a.test"),
            ("Accept", "*/*"),
            ("origin", "http://a.test"),
            ("Accept", "text/plain"),
            ("ACCEPT", "*/*"),
        ] {
            h.push(n, v);
        }
        assert_eq!(h.collapse_repeated_lines(), 2);
        let lines: Vec<String> = h.iter().map(|l| format!("{l:?}")).collect();
        assert_eq!(
            lines,
            ["Origin: http://a.test", "Accept: */*", "Accept: text/plain"]
        );
        assert_eq!(h.collapse_repeated_lines(), 0);
    }

    proptest::proptest! {
        /// Lookups by name, with the name bits skipping lists that lack a name, find exactly
        /// the lines a walk comparing every name finds, in order.
        #[test]
        fn lookups_find_what_a_walk_over_every_line_finds(
            lines in proptest::collection::vec(("[a-cA-C@`_-]{0,9}", "[a-z]{0,3}"), 0..12),
            wanted in proptest::collection::vec("[a-cA-C@`_-]{0,9}", 1..6),
        ) {
            let mut h = HeaderList::new();
            for (n, v) in &lines {
                h.push(n, v);
            }
            for name in &wanted {
                let walked: Vec<HeaderRef<'_>> = h
                    .iter()
                    .filter(|l| l.name.eq_ignore_ascii_case(name.as_bytes()))
                    .collect();
                let found: Vec<HeaderRef<'_>> = h.get_all(name).collect();
                proptest::prop_assert_eq!(found, walked);
            }
        }
    }
}
