//! Estimated heap footprint of kept browser state, so that the bound on it is in bytes: a
//! cached preflight to a long URL allowing many headers costs more than one to `/` allowing
//! none, and a bound in entries alone lets memory follow the input's URLs.
//!
//! The estimate counts each entry's inline size, the bytes of every string it owns and a fixed
//! overhead per heap block (allocator header, the hash map slot and the links of an LRU node).
//! It is an estimate, not a measurement: it is kept up to date as entries are added, changed
//! and removed, and only ever compared with a budget.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cost_their_length_and_a_block() {
        assert_eq!(string(""), 0);
        assert_eq!(string("abc"), 3 + BLOCK);
        assert!(lru_entry::<(String, String)>() > 2 * std::mem::size_of::<String>());
    }
}
