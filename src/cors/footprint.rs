//! Estimated heap footprint of kept browser state, so that the bound on it is in bytes: a
//! cached preflight to a long URL allowing many headers costs more than one to `/` allowing
//! none, and a bound in entries alone lets memory follow the input's URLs.
//!
//! The estimate counts each entry's inline size, the bytes of every string it owns and a fixed
//! overhead per heap block (allocator header, the hash map slot and the links of an LRU node).
//! It is an estimate, not a measurement: it is kept up to date as entries are added, changed
//! and removed, and only ever compared with a budget.

use std::borrow::Borrow;
use std::hash::Hash;

use lru::LruCache;

/// Overhead of one heap block: the allocator's header and rounding.
pub const BLOCK: usize = 16;

/// Overhead of one LRU map entry beyond its key and value: the node's two links, its heap
/// block, and the hash map's slot (a pointer and a control byte at the maximum load factor).
pub const LRU_NODE: usize = 2 * std::mem::size_of::<usize>() + BLOCK + 24;

/// Bytes an owned string holds on the heap.
pub fn string(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        s.len() + BLOCK
    }
}

/// Bytes an LRU map entry of inline type `T` (key and value) costs, besides what they own.
pub fn lru_entry<T>() -> usize {
    std::mem::size_of::<T>() + LRU_NODE
}

/// An LRU map that keeps the estimated bytes of what it holds (by `weigh`) as entries are
/// stored, replaced, removed and evicted: the one place the caches of browser state count
/// their bytes.
#[derive(Debug)]
pub struct Weighed<K: Hash + Eq, V> {
    /// Grown as written, never preallocated: a capture holds maps per client.
    entries: LruCache<K, V>,
    weigh: fn(&K, &V) -> usize,
    bytes: usize,
}

impl<K: Hash + Eq, V> Weighed<K, V> {
    /// An empty map whose entries weigh what `weigh` says.
    pub fn new(weigh: fn(&K, &V) -> usize) -> Self {
        Self {
            entries: LruCache::unbounded(),
            weigh,
            bytes: 0,
        }
    }

    /// Stores `value` under `key` as the most recent entry (replacing what the key held),
    /// then forgets the least recent entries beyond `cap`.
    pub fn push(&mut self, key: K, value: V, cap: usize) {
        self.bytes += (self.weigh)(&key, &value);
        if let Some((key, replaced)) = self.entries.push(key, value) {
            self.forget(&key, &replaced);
        }
        while self.entries.len() > cap {
            let Some((key, gone)) = self.entries.pop_lru() else {
                break;
            };
            self.forget(&key, &gone);
        }
    }

    /// Removes and returns what `key` holds.
    pub fn pop<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (key, value) = self.entries.pop_entry(key)?;
        self.forget(&key, &value);
        Some(value)
    }

    /// What `key` holds, without making it the most recent.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.peek(key)
    }

    /// Takes a removed entry out of the byte count.
    fn forget(&mut self, key: &K, value: &V) {
        self.bytes = self.bytes.saturating_sub((self.weigh)(key, value));
    }

    /// Estimated bytes of the entries held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, most recent first (for recounting the bytes in tests).
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighed_maps_count_what_they_hold() {
        let mut m: Weighed<String, String> = Weighed::new(|k, v| k.len() + v.len());
        let recount = |m: &Weighed<String, String>| -> usize {
            m.iter().map(|(k, v)| k.len() + v.len()).sum()
        };
        m.push("a".into(), "xx".into(), 2);
        m.push("b".into(), "yyyy".into(), 2);
        assert_eq!((m.len(), m.bytes()), (2, 8));
        // Replaced: the old value leaves the count.
        m.push("a".into(), "z".into(), 2);
        assert_eq!((m.len(), m.bytes()), (2, 7));
        // Past the cap the least recent ("b") is evicted.
        m.push("c".into(), "www".into(), 2);
        assert!(m.peek("b").is_none());
        assert_eq!(m.bytes(), recount(&m));
        assert_eq!(m.pop("a").as_deref(), Some("z"));
        assert_eq!((m.len(), m.bytes()), (1, 4));
        assert_eq!(m.pop("a"), None);
    }

    #[test]
    fn strings_cost_their_length_and_a_block() {
        assert_eq!(string(""), 0);
        assert_eq!(string("abc"), 3 + BLOCK);
        assert!(lru_entry::<(String, String)>() > 2 * std::mem::size_of::<String>());
    }
}
