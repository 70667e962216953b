//! Per-chunk pass: tokenise and mask each message into reusable buffers (token
//! spans, then the masked shape's bytes), and look the shape up by hash. Only a
//! shape never seen in this chunk is copied (once, into an arena); a repeated
//! shape costs a hash and one compare, and allocates nothing.

use super::mask::{tokenise, Tok};
use crate::hash::{hash_bytes, RepeatTrial};
use std::collections::HashMap;

/// Tokens kept per message; the rest becomes one final wildcard.
pub const MAX_TOKENS: usize = 96;

/// Separates tokens of a stored shape: never inside a token, since messages are single lines
/// and a quoted string never spans a newline.
pub(crate) const SEP: u8 = b'\n';

/// Default cap on templates (the overflow template takes the rest).
pub const DEFAULT_CAP: usize = 20_000;
/// The largest cap: template ids, the overflow template's included, stay below `u16::MAX`.
pub const MAX_CAP: usize = u16::MAX as usize - 2;

/// Distinct shapes a chunk keeps per template of the cap; beyond, new shapes overflow.
const SHAPES_PER_TEMPLATE: usize = 4;

/// Marker range of the overflow shape (a chunk's last shape slot once its shape cap is reached).
pub(crate) const OVERFLOW_SHAPE: (u32, u32) = (u32::MAX, u32::MAX);

/// Per-chunk miner: maps each message to a local shape id. [`super::merge`]
/// clusters the shapes of all chunks, in chunk order, into templates.
#[derive(Debug)]
pub struct Miner {
    pub(crate) cap: usize,
    toks: Vec<Tok>,
    scratch: Vec<u8>,
    /// Shape hash → local ids with that hash (almost always one).
    by_hash: HashMap<u64, u32, BuildNoHash>,
    /// Local shape id → arena range of its masked text (tokens joined by [`SEP`]).
    pub(crate) shapes: Vec<(u32, u32)>,
    /// Occurrences per local shape.
    pub(crate) counts: Vec<u64>,
    /// Chained ids for hash collisions: next local id with the same hash, or u32::MAX.
    chain: Vec<u32>,
    pub(crate) arena: Vec<u8>,
    /// Local id of the overflow shape, once the shape cap is reached.
    overflow: Option<u32>,
    /// Local ids whose messages ran past [`MAX_TOKENS`]: their shape ends in one wildcard that
    /// hides the rest of the message. Ascending.
    cut: Vec<u32>,
    raw: RawCache,
}

/// Exact message → local id. Structured logs repeat the same message text
/// ("request completed") millions of times; a repeat then skips tokenising and
/// masking. Switched off per chunk when messages do not repeat.
#[derive(Debug, Default)]
struct RawCache {
    /// Message hash → (local id, arena range of the message).
    map: HashMap<u64, (u32, u32, u32), BuildNoHash>,
    arena: Vec<u8>,
    trial: RepeatTrial,
}

impl RawCache {
    const MAX_MSG: usize = 160;
    const MAX_ENTRIES: usize = 4096;

    fn get(&mut self, msg: &[u8], h: u64) -> Option<u32> {
        if !self.trial.begin_lookup() {
            self.map = HashMap::default();
            self.arena = Vec::new();
            return None;
        }
        let &(id, s, e) = self.map.get(&h)?;
        let hit = self.arena[s as usize..e as usize] == *msg;
        if hit {
            self.trial.record_hit();
        }
        hit.then_some(id)
    }

    fn put(&mut self, msg: &[u8], h: u64, id: u32) {
        if !self.trial.is_off() && self.map.len() < Self::MAX_ENTRIES {
            let s = self.arena.len() as u32;
            self.arena.extend_from_slice(msg);
            self.map.insert(h, (id, s, self.arena.len() as u32));
        }
    }
}

impl Default for Miner {
    fn default() -> Self {
        Miner::with_cap(DEFAULT_CAP)
    }
}

impl Miner {
    pub fn new() -> Miner {
        Miner::default()
    }

    /// A miner whose merged table holds at most `cap` templates plus the overflow template.
    /// The index keeps template ids in 16 bits, so `cap` stops below that.
    pub fn with_cap(cap: usize) -> Miner {
        Miner {
            cap: cap.clamp(1, MAX_CAP),
            toks: Vec::with_capacity(MAX_TOKENS),
            scratch: Vec::with_capacity(256),
            by_hash: HashMap::default(),
            shapes: Vec::new(),
            counts: Vec::new(),
            chain: Vec::new(),
            arena: Vec::new(),
            overflow: None,
            cut: Vec::new(),
            raw: RawCache::default(),
        }
    }

    /// Assigns a message to a local id (resolved to a template by [`super::merge`]).
    pub fn add(&mut self, msg: &[u8]) -> u32 {
        if self.raw.trial.is_off() || msg.len() > RawCache::MAX_MSG {
            return self.add_shape(msg);
        }
        let h = hash_bytes(msg);
        if let Some(id) = self.raw.get(msg, h) {
            self.counts[id as usize] += 1;
            return id;
        }
        let id = self.add_shape(msg);
        self.raw.put(msg, h, id);
        id
    }

    /// The slow path of [`Miner::add`]: tokenise, mask, and look the shape up.
    fn add_shape(&mut self, msg: &[u8]) -> u32 {
        tokenise(msg, &mut self.toks, MAX_TOKENS);
        // The masked shape, spelled into a reused buffer: one hash and one compare per line.
        self.scratch.clear();
        self.scratch.reserve(msg.len() + 4 * self.toks.len());
        for (k, t) in self.toks.iter().enumerate() {
            if k > 0 {
                self.scratch.push(SEP);
            }
            let (s, e) = (t.start as usize, t.end as usize);
            if t.masked {
                push_short(&mut self.scratch, &msg[s..t.ms as usize]);
                self.scratch.extend_from_slice(super::mask::WILDCARD);
                push_short(&mut self.scratch, &msg[t.me as usize..e]);
            } else {
                push_short(&mut self.scratch, &msg[s..e]);
            }
        }
        let h = hash_bytes(&self.scratch);
        let mut cand = self.by_hash.get(&h).copied().unwrap_or(u32::MAX);
        let mut last = u32::MAX;
        while cand != u32::MAX {
            let (s, e) = self.shapes[cand as usize];
            if self.arena[s as usize..e as usize] == self.scratch[..] {
                self.counts[cand as usize] += 1;
                return cand;
            }
            last = cand;
            cand = self.chain[cand as usize];
        }
        if self.shapes.len() >= self.cap.saturating_mul(SHAPES_PER_TEMPLATE) {
            let id = *self.overflow.get_or_insert_with(|| {
                self.shapes.push(OVERFLOW_SHAPE);
                self.counts.push(0);
                self.chain.push(u32::MAX);
                self.shapes.len() as u32 - 1
            });
            self.counts[id as usize] += 1;
            return id;
        }
        let id = self.shapes.len() as u32;
        let s = self.arena.len();
        self.arena.extend_from_slice(&self.scratch);
        self.shapes.push((s as u32, self.arena.len() as u32));
        self.counts.push(1);
        self.chain.push(u32::MAX);
        if self.toks.len() >= MAX_TOKENS {
            self.cut.push(id);
        }
        if last == u32::MAX {
            self.by_hash.insert(h, id);
        } else {
            self.chain[last as usize] = id;
        }
        id
    }

    /// Whether local id `id` stands for one masked shape whose every token is kept: not the
    /// overflow shape (many shapes) and not a message cut at [`MAX_TOKENS`]. Its messages differ
    /// only in masked values, so what holds for one of them about the rest holds for all.
    pub fn is_whole_shape(&self, id: u32) -> bool {
        self.overflow != Some(id) && self.cut.binary_search(&id).is_err()
    }

    /// Distinct shapes seen so far.
    pub fn shapes(&self) -> usize {
        self.shapes.len()
    }
}

/// Appends bytes; tokens are short, and a byte loop beats a `memcpy` call for a few bytes.
#[inline]
fn push_short(out: &mut Vec<u8>, b: &[u8]) {
    if b.len() > 16 {
        out.extend_from_slice(b);
    } else {
        for &c in b {
            out.push(c);
        }
    }
}

/// The keys are already hashes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BuildNoHash;

impl std::hash::BuildHasher for BuildNoHash {
    type Hasher = NoHash;
    fn build_hasher(&self) -> NoHash {
        NoHash(0)
    }
}

pub(crate) struct NoHash(u64);

impl std::hash::Hasher for NoHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// 64-bit FNV-1a: a fixed, portable hash for template ids.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_shape_gets_same_local_id() {
        let mut m = Miner::new();
        let a = m.add(b"connect to 10.0.0.1:5432 failed after 3 tries");
        let b = m.add(b"connect to 10.0.0.9:6432 failed after 12 tries");
        let c = m.add(b"connect to db failed after 3 tries");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(m.shapes(), 2);
        assert_eq!(m.counts, vec![2, 1]);
        assert_eq!(
            &m.arena[m.shapes[0].0 as usize..m.shapes[0].1 as usize],
            b"connect\nto\n<*>\nfailed\nafter\n<*>\ntries"
        );
    }

    #[test]
    fn token_boundaries_matter() {
        let mut m = Miner::new();
        assert_ne!(m.add(b"ab c"), m.add(b"a bc"));
        assert_ne!(m.add(b"a b"), m.add(b"a  b c"));
        assert_eq!(m.add(b"a  b"), m.add(b"a b"));
    }

    #[test]
    fn repeated_messages_count_like_new_ones() {
        let mut cached = Miner::new();
        let mut plain = Miner::new();
        plain.raw.trial.switch_off();
        let msgs: [&[u8]; 4] =
            [b"request completed", b"login failed for 42", b"request completed", b"login failed for 7"];
        for _ in 0..3000 {
            for m in msgs {
                assert_eq!(cached.add(m), plain.add(m));
            }
        }
        assert_eq!(cached.counts, plain.counts);
        assert!(cached.raw.trial.hits() > 0 && !cached.raw.trial.is_off(), "the cache served repeats");
    }
}
