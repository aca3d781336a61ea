//! Header field lines as recorded: ordered, original case kept, duplicates kept, bytes not text.
//!
//! Lookups are ASCII-case-insensitive on the name (RFC 9110 §5.1). `combined` joins every
//! field line of a name with `", "`, which is the Fetch standard's "get" and Chromium's
//! `HttpResponseHeaders::GetNormalizedHeader`
//! (<https://fetch.spec.whatwg.org/#concept-header-list-get>).

use std::fmt;

/// One header field line: name and value exactly as recorded.
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

    /// The name as text (lossy for non-UTF-8 bytes).
    pub fn name_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    /// The value as text (lossy for non-UTF-8 bytes).
    pub fn value_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.value)
    }

    /// Whether this line's name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name_str(), self.value_str())
    }
}

/// An ordered list of header field lines, duplicates kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    lines: Vec<Header>,
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field line.
    pub fn push(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.lines.push(Header::new(name, value));
    }

    /// Every field line in recorded order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.lines.iter()
    }

    /// Number of field lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there are no field lines.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Every field line named `name` (ASCII-case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.lines.iter().filter(move |h| h.is(name))
    }

    /// The value of the first field line named `name`.
    pub fn first(&self, name: &str) -> Option<&[u8]> {
        self.lines.iter().find(|h| h.is(name)).map(|h| &*h.value)
    }

    /// The first value as text (lossy).
    pub fn first_str(&self, name: &str) -> Option<String> {
        self.first(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
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
                    v.extend_from_slice(&h.value);
                }
            }
        }
        out
    }

    /// [`combined`](Self::combined) as text (lossy).
    pub fn combined_str(&self, name: &str) -> Option<String> {
        self.combined(name)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lines.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.lines.iter()
    }
}

impl FromIterator<Header> for HeaderList {
    fn from_iter<T: IntoIterator<Item = Header>>(iter: T) -> Self {
        Self {
            lines: iter.into_iter().collect(),
        }
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
    fn empty_value_is_present_not_absent() {
        let mut h = HeaderList::new();
        h.push("Access-Control-Allow-Origin", "");
        assert_eq!(h.combined("access-control-allow-origin"), Some(Vec::new()));
    }
}
