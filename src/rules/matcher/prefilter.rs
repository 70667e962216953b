//! The literal prefilter: the message regexes a line can match, named by the required literals
//! its message holds (one Aho-Corasick scan), and the regexes with no literal, which run on
//! every line as one `RegexSet`.

use super::{compile, Matcher, DFA_SIZE_LIMIT, REGEX_SIZE_LIMIT};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexSet, RegexSetBuilder};
use std::cell::RefCell;

/// A rule's message regex, compiled the first time a line's literals call for it.
#[derive(Debug)]
pub(super) struct LazyRegex {
    pattern: String,
    regex: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    pub(super) fn new(pattern: &str) -> LazyRegex {
        LazyRegex { pattern: pattern.to_string(), regex: std::sync::OnceLock::new() }
    }

    pub(super) fn get(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // Validated at load (`validate`); should the engine still refuse it, the rule matches nothing.
            compile(&self.pattern).unwrap_or_else(|_| compile(r"[^\x00-\xFF]").expect("an empty class compiles"))
        })
    }

    pub(super) fn is_match(&self, hay: &[u8]) -> bool {
        self.get().is_match(hay)
    }
}

thread_local! {
    static CANDIDATES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Literal hits of the current line: (bitset by literal id, the ids set).
    static HITS: RefCell<(Vec<u64>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// One automaton over every required literal, matched case-insensitively.
pub(super) fn literal_automaton(literals: &[Vec<u8>]) -> Result<Option<AhoCorasick>, (usize, String)> {
    if literals.is_empty() {
        return Ok(None);
    }
    // A contiguous NFA: builds in a fraction of a full DFA's time, and the memo of messages
    // leaves it few lines to scan.
    AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(literals)
        .map(Some)
        .map_err(|e| (0, format!("literal prefilter: {e}")))
}

/// The regexes with no usable literal, as one set run on every line.
pub(super) fn always_set(patterns: &[String]) -> Result<Option<RegexSet>, (usize, String)> {
    if patterns.is_empty() {
        return Ok(None);
    }
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT * 4)
        .dfa_size_limit(DFA_SIZE_LIMIT * 4)
        .build()
        .map(Some)
        .map_err(|e| (0, format!("regex set: {e}")))
}

impl Matcher {
    /// (rule, pattern index) of message patterns with no literal to prefilter on: they run on every line.
    pub fn unfiltered(&self) -> &[(u32, u32)] {
        &self.always_rule
    }

    /// Calls `visit(rule, pattern)` for each prefiltered message regex whose literal
    /// groups all have a hit in `msg`, best-ranked first, until it returns false.
    pub(super) fn candidates(&self, msg: &[u8], mut visit: impl FnMut(u32, u32) -> bool) {
        let Some(ac) = &self.prefilter else { return };
        let mut hits = ac.find_overlapping_iter(msg);
        let Some(first) = hits.next() else { return };
        HITS.with(|h| {
            CANDIDATES.with(|c| {
                let (bits, set) = &mut *h.borrow_mut();
                let c = &mut *c.borrow_mut();
                bits.resize(self.literal_regexes.len().div_ceil(64), 0);
                c.clear();
                for hit in std::iter::once(first).chain(hits) {
                    let li = hit.pattern().as_u32();
                    let (word, bit) = ((li / 64) as usize, 1u64 << (li % 64));
                    if bits[word] & bit == 0 {
                        bits[word] |= bit;
                        set.push(li);
                        c.extend_from_slice(&self.literal_regexes[li as usize]);
                    }
                }
                c.sort_unstable();
                c.dedup();
                let has = |li: u32| bits[(li / 64) as usize] & (1u64 << (li % 64)) != 0;
                for &id in c.iter() {
                    if self.confirm[id as usize].iter().all(|g| g.iter().any(|&li| has(li))) {
                        let (r, p) = self.msg_regex[id as usize];
                        if !visit(r, p) {
                            break;
                        }
                    }
                }
                for li in set.drain(..) {
                    bits[(li / 64) as usize] = 0;
                }
            })
        });
    }

    /// Every rule whose message patterns match `msg` (prefiltered or not), best-ranked
    /// first, deduplicated. Depends on the message bytes alone, so it can be cached.
    pub(in crate::rules) fn message_rules(&self, msg: &[u8], out: &mut Vec<u32>) {
        out.clear();
        if let Some(set) = &self.always {
            if set.is_match(msg) {
                out.extend(set.matches(msg).iter().map(|i| self.always_rule[i].0));
            }
        }
        self.candidates(msg, |r, p| {
            if self.rules[r as usize].regexes[p as usize].is_match(msg) {
                out.push(r);
            }
            true
        });
        out.sort_unstable_by_key(|&r| std::cmp::Reverse(self.strength[r as usize]));
        out.dedup();
    }
}
