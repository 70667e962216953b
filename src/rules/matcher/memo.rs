//! Per-worker memos of verdicts: a direct-mapped table for short field values (status codes,
//! methods) and a bounded map that switches itself off when keys do not repeat.

use crate::hash::{BuildWordHasher, RepeatTrial};
use std::collections::HashMap;

/// Direct-mapped (group, value ≤ 32 bytes) → verdict bits, in one small table per group:
/// status codes, methods, event names, most request paths. A collision just overwrites: no allocation, no eviction
/// policy, and a miss costs only the regexes.
#[derive(Default)]
pub(super) struct ShortMemo {
    slots: Vec<ShortSlot>,
}

#[derive(Clone, Copy)]
struct ShortSlot {
    group: u32,
    len: u8,
    words: [u64; 4],
    bits: u64,
}

/// A value of at most 32 bytes as four words that together cover every byte (the windows
/// overlap for lengths between 8 and 32): with the length, equal words mean equal bytes.
/// Loaded straight from the line, so neither hashing nor comparing walks the bytes again.
#[inline]
fn cover_words(v: &[u8]) -> [u64; 4] {
    let n = v.len();
    let at = |i: usize| u64::from_le_bytes(v[i..i + 8].try_into().expect("8 bytes"));
    if n >= 16 {
        [at(0), at(8), at(n - 16), at(n - 8)]
    } else if n >= 8 {
        [at(0), at(n - 8), 0, 0]
    } else {
        [v.iter().rev().fold(0, |w, &c| w << 8 | c as u64), 0, 0, 0]
    }
}

impl ShortMemo {
    /// Slots per group: each group's own small table, so a group of many values (request paths)
    /// cannot evict a group of few (status codes), and the few stay in the L1 cache.
    const SLOTS_BITS: u32 = 7;
    const MAX_LEN: usize = 32;

    pub(super) fn for_groups(groups: usize) -> ShortMemo {
        let empty = ShortSlot { group: u32::MAX, len: 0, words: [0; 4], bits: 0 };
        ShortMemo { slots: vec![empty; groups << Self::SLOTS_BITS] }
    }

    /// The verdict for `value` in `group`, or `None` when the value is too long for this table.
    #[inline]
    pub(super) fn get_or_insert(&mut self, group: usize, value: &[u8], eval: impl FnOnce() -> u64) -> Option<u64> {
        if value.len() > Self::MAX_LEN {
            return None;
        }
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let w = cover_words(value);
        // The four words are independent loads; one multiply mixes them.
        let h = (w[0] ^ w[1].rotate_left(17) ^ w[2].rotate_left(34) ^ w[3].rotate_left(51))
            .wrapping_add((group as u64) << 8 | value.len() as u64)
            .wrapping_mul(K);
        let slot = &mut self.slots[group << Self::SLOTS_BITS | (h >> (64 - Self::SLOTS_BITS)) as usize];
        if slot.group == group as u32 && slot.len as usize == value.len() && slot.words == w {
            return Some(slot.bits);
        }
        let bits = eval();
        *slot = ShortSlot { group: group as u32, len: value.len() as u8, words: w, bits };
        Some(bits)
    }
}

/// Bytes → a verdict that depends on those bytes alone. Bounded, and switched off
/// when keys turn out not to repeat (every access-log request line differs), so a
/// miss costs one hash and nothing is retained for unique keys.
pub(super) struct Memo<V> {
    map: HashMap<Box<[u8]>, V, BuildWordHasher>,
    max_key: usize,
    trial: RepeatTrial,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo::new(160)
    }
}

impl<V> Memo<V> {
    const MAX_ENTRIES: usize = 8192;

    pub(super) fn new(max_key: usize) -> Self {
        Memo { map: HashMap::default(), max_key, trial: RepeatTrial::default() }
    }

    fn usable(&self, key: &[u8]) -> bool {
        !self.trial.is_off() && key.len() <= self.max_key
    }

    pub(super) fn lookup(&mut self, key: &[u8]) -> Option<&V> {
        if !self.usable(key) {
            return None;
        }
        if !self.trial.begin_lookup() {
            self.map = HashMap::default();
            return None;
        }
        let found = self.map.get(key);
        if found.is_some() {
            self.trial.record_hit();
        }
        found
    }

    pub(super) fn would_keep(&self, key: &[u8]) -> bool {
        self.usable(key) && self.map.len() < Self::MAX_ENTRIES
    }

    pub(super) fn insert(&mut self, key: &[u8], value: V) {
        if self.would_keep(key) {
            self.map.insert(key.into(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short memo trusts equal cover words and length to mean equal bytes: any one-byte
    /// change, at any position of any length up to 32, must change the words.
    #[test]
    fn cover_words_tell_apart_every_one_byte_change() {
        let base: Vec<u8> = (0..32u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=32 {
            let v = &base[..n];
            for i in 0..n {
                let mut w = v.to_vec();
                w[i] ^= 0x20;
                assert_ne!(cover_words(v), cover_words(&w), "len {n}, byte {i}");
            }
            // Equal bytes elsewhere in memory (unaligned) give equal words.
            let mut elsewhere = [0u8; 40];
            elsewhere[5..5 + n].copy_from_slice(v);
            assert_eq!(cover_words(v), cover_words(&elsewhere[5..5 + n]));
        }
        let mut memo = ShortMemo::for_groups(5);
        assert_eq!(memo.get_or_insert(3, b"200", || 1), Some(1));
        assert_eq!(memo.get_or_insert(3, b"200", || unreachable!("cached")), Some(1));
        assert_eq!(memo.get_or_insert(4, b"200", || 2), Some(2), "groups do not share verdicts");
        // Equal words, different lengths: only the length tells an empty value from a NUL byte.
        assert_eq!(cover_words(b""), cover_words(b"\0"));
        assert_eq!(memo.get_or_insert(3, b"", || 5), Some(5));
        assert_eq!(memo.get_or_insert(3, b"\0", || 6), Some(6), "nor do lengths");
        assert_eq!(memo.get_or_insert(3, &[b'x'; 33], || 0), None);
    }
}
