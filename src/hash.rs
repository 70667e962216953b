//! A fast, non-cryptographic hash over 8-byte words (FxHash-style mixing) for
//! the per-worker tables of the indexing loop: short keys, private to one
//! worker, so speed matters and flooding does not. Deterministic across runs.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Clone, Copy, Default)]
pub struct WordHasher(u64);

/// For `HashMap<_, _, BuildWordHasher>`.
pub type BuildWordHasher = BuildHasherDefault<WordHasher>;

impl WordHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while bytes.len() >= 8 {
            let (w, rest) = bytes.split_at(8);
            self.add(u64::from_le_bytes(w.try_into().expect("8 bytes")));
            bytes = rest;
        }
        if !bytes.is_empty() {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(bytes);
            self.add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash of a byte string, its length mixed in first.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = WordHasher(b.len() as u64);
    h.write(b);
    h.0
}

/// Whether a memo table earns its keep: after [`RepeatTrial::TRIAL`] lookups, a
/// table whose keys repeated less than half the time switches off for good, so
/// inputs of unique lines (access logs) pay one hash per line and keep nothing.
#[derive(Debug, Default)]
pub struct RepeatTrial {
    lookups: u32,
    hits: u32,
    off: bool,
}

impl RepeatTrial {
    pub const TRIAL: u32 = 256;

    pub fn is_off(&self) -> bool {
        self.off
    }

    /// Counts a lookup about to happen; false when the table is (now) off.
    pub fn begin_lookup(&mut self) -> bool {
        if self.off {
            return false;
        }
        self.lookups += 1;
        if self.lookups == Self::TRIAL && self.hits < Self::TRIAL / 2 {
            self.off = true;
        }
        !self.off
    }

    pub fn record_hit(&mut self) {
        self.hits += 1;
    }

    pub fn hits(&self) -> u32 {
        self.hits
    }

    #[cfg(test)]
    pub fn switch_off(&mut self) {
        self.off = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinguishes_lengths_and_tails() {
        assert_ne!(hash_bytes(b"ab"), hash_bytes(b"ab\0"));
        assert_ne!(hash_bytes(b"abcdefgh"), hash_bytes(b"abcdefgi"));
        assert_eq!(hash_bytes(b"request completed"), hash_bytes(b"request completed"));
    }

    #[test]
    fn trial_switches_off_only_when_keys_do_not_repeat() {
        let mut repeating = RepeatTrial::default();
        let mut unique = RepeatTrial::default();
        for _ in 0..2 * RepeatTrial::TRIAL {
            if repeating.begin_lookup() {
                repeating.record_hit();
            }
            unique.begin_lookup();
        }
        assert!(!repeating.is_off());
        assert!(unique.is_off() && !unique.begin_lookup());
    }
}
