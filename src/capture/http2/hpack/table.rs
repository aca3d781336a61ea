//! The HPACK indexing tables (RFC 7541 §2.3): the static table of Appendix A and the dynamic
//! table, whose size counts each entry's name and value plus 32 (§4.1) and which evicts from
//! the oldest end when an insertion or a size update would exceed its maximum (§4.3, §4.4).
//!
//! Memory: at most the maximum size in entry bytes, one allocation per entry.

use std::collections::VecDeque;

/// Appendix A.
const STATIC: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Entries in the static table.
pub const STATIC_LEN: usize = STATIC.len();

struct Entry {
    bytes: Box<[u8]>,
    name_len: usize,
}

impl Entry {
    fn size(&self) -> usize {
        self.bytes.len() + 32
    }
}

/// The dynamic table of one direction.
pub struct DynamicTable {
    entries: VecDeque<Entry>,
    size: usize,
    max: usize,
}

impl DynamicTable {
    /// An empty table of `max` bytes (4096 before any setting, RFC 9113 §6.5.2).
    pub fn new(max: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max,
        }
    }

    /// The current maximum size.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The sum of the entries' sizes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn evict_to(&mut self, room: usize) {
        while self.size > room {
            match self.entries.pop_back() {
                Some(e) => self.size -= e.size(),
                None => {
                    self.size = 0;
                    return;
                }
            }
        }
    }

    /// A dynamic table size update (§6.3).
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
        self.evict_to(max);
    }

    /// Inserts the field whose name is the first `name_len` of `bytes` and whose value is the
    /// rest; an entry larger than the table empties it and is not kept.
    pub fn insert(&mut self, bytes: Vec<u8>, name_len: usize) {
        let entry = Entry {
            bytes: bytes.into_boxed_slice(),
            name_len,
        };
        let size = entry.size();
        if size > self.max {
            self.evict_to(0);
            return;
        }
        self.evict_to(self.max - size);
        self.size += size;
        self.entries.push_front(entry);
    }

    /// Entry `index` of the combined address space (1-based: static first, then dynamic,
    /// newest first).
    pub fn get(&self, index: usize) -> Option<(&[u8], &[u8])> {
        if let Some(i) = index.checked_sub(1) {
            if let Some(&(name, value)) = STATIC.get(i) {
                return Some((name, value));
            }
            let e = self.entries.get(i - STATIC_LEN)?;
            let (name, value) = e.bytes.split_at(e.name_len.min(e.bytes.len()));
            return Some((name, value));
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn static_entries_and_dynamic_eviction() {
        let mut t = DynamicTable::new(100);
        assert_eq!(t.get(2), Some((&b":method"[..], &b"GET"[..])));
        assert_eq!(t.get(61), Some((&b"www-authenticate"[..], &b""[..])));
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(62), None);
        t.insert(b"a1".to_vec(), 1); // 34
        t.insert(b"b2".to_vec(), 1); // 68
        assert_eq!(t.get(62), Some((&b"b"[..], &b"2"[..])));
        assert_eq!(t.get(63), Some((&b"a"[..], &b"1"[..])));
        t.insert(b"c3".to_vec(), 1); // 102 > 100: "a" goes
        assert_eq!((t.len(), t.size()), (2, 68));
        assert_eq!(t.get(64), None);
        t.set_max(40);
        assert_eq!((t.len(), t.size()), (1, 34));
        assert_eq!(t.get(62), Some((&b"c"[..], &b"3"[..])));
        t.insert(vec![b'x'; 10], 10); // 42 > 40: empties the table
        assert!(t.is_empty());
        assert_eq!(t.size(), 0);
    }
}
