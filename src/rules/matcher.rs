//! The compiled matcher. Runs inside the parallel index pass, so it is `Sync`
//! and the common case — a line no rule is about — costs one Aho-Corasick scan
//! of the message and allocates nothing.
//!
//! Every message regex contributes its required literals (see
//! [`super::literal`]) to one automaton. A line's literal hits name the few
//! candidate regexes; only those run, best-ranked rule first, and a candidate
//! that cannot beat the current best is skipped. Running a few small regexes
//! with their own literal prefilters is cheaper and more predictable than a
//! lazy DFA over hundreds of patterns at once: on the 32k varied Loghub lines
//! one `RegexSet` pass over the whole pack costs 10x more per line, because
//! its DFA cache thrashes (`benches/rules.rs` measures both). Regexes with no
//! usable literal share one `RegexSet` that runs on every line.

use super::{FieldCond, Rule, RuleKind};
use crate::format::{Level, Parsed};
use crate::hash::{BuildWordHasher, RepeatTrial};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rayon::prelude::*;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

/// Compiled-program cap per regex: one pathological rule cannot eat the memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
const DFA_SIZE_LIMIT: usize = 2 << 20;

/// Rule regexes are byte-oriented: `\w`, `\d`, `\s`, `\b` and `(?i)` are ASCII unless a
/// pattern opts in with `(?u)`. Logs are mostly ASCII, and Unicode word boundaries
/// would push the regex engine off its fast DFA on every non-ASCII line.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .nest_limit(64)
        .build()
}

/// Checks that `pattern` compiles (syntax, nesting and program size, as [`compile`] has them)
/// without building the search engines: rule files are validated at every start, and most of
/// their regexes never run on a given input.
pub fn validate(pattern: &str) -> Result<(), String> {
    use regex_automata::nfa::thompson;
    let syntax = regex_automata::util::syntax::Config::new().unicode(false).utf8(false).nest_limit(64);
    thompson::Compiler::new()
        .syntax(syntax)
        .configure(thompson::Config::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT)).utf8(false))
        .build(pattern)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// A rule's message regex, compiled the first time a line's literals call for it.
#[derive(Debug)]
struct LazyRegex {
    pattern: String,
    regex: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    fn new(pattern: &str) -> LazyRegex {
        LazyRegex { pattern: pattern.to_string(), regex: std::sync::OnceLock::new() }
    }

    fn get(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // Validated at load (`validate`); should the engine still refuse it, the rule matches nothing.
            compile(&self.pattern).unwrap_or_else(|_| compile(r"[^\x00-\xFF]").expect("an empty class compiles"))
        })
    }

    fn is_match(&self, hay: &[u8]) -> bool {
        self.get().is_match(hay)
    }
}

/// A 256-bit filter over (length, first byte, last byte) of the field keys rules name:
/// a key that fails it is named by no rule.
#[derive(Debug, Default)]
struct KeyFilter([u64; 4]);

impl KeyFilter {
    fn slot(key: &[u8]) -> usize {
        match (key.first(), key.last()) {
            (Some(&a), Some(&z)) => (key.len() * 31 + a as usize * 7 + z as usize) & 255,
            _ => 0,
        }
    }
    fn add(&mut self, key: &[u8]) {
        let s = Self::slot(key);
        self.0[s / 64] |= 1 << (s % 64);
    }
    #[inline]
    fn may_hold(&self, key: &[u8]) -> bool {
        let s = Self::slot(key);
        self.0[s / 64] & (1 << (s % 64)) != 0
    }
}

/// Where a field condition looks.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    /// The parsed level (bit per `Level`), or a raw `level`-like field.
    Level(u16),
    Message,
    Line,
    Host,
    Service,
    /// The first present field among these keys (indices into `Matcher::keys`).
    Keys(Vec<u16>),
}

/// Canonical field names and the keys real logs use for them.
fn aliases(name: &str) -> &'static [&'static str] {
    match name {
        "status" => &[
            "status",
            "status_code",
            "statusCode",
            "http.status_code",
            "http_status",
            "response_status",
            "http.response.status_code",
        ],
        "path" => &["path", "uri", "url", "request_uri", "request_path", "url.path", "http.target", "route", "request"],
        "method" => &["method", "http_method", "http.method", "request_method"],
        "user" => &["user", "username", "user_name", "user.name", "login"],
        _ => &[],
    }
}

const LEVEL_KEYS: &[&[u8]] = &[b"level", b"log.level", b"severity", b"lvl", b"loglevel", b"levelname"];
/// Fields that carry an error's detail beside the message, earliest listed wins (all begin with `e`,
/// a cheap first test on every field key).
const DETAIL_KEYS: &[&[u8]] =
    &[b"err", b"error", b"error.message", b"error_message", b"errorMessage", b"exception", b"exception.message"];

#[derive(Debug)]
struct CompiledField {
    target: Target,
    regex: Regex,
    /// The condition group (same target) this condition belongs to, and its bit there.
    group: u32,
    bit: u8,
}

/// Conditions that look at the same place (`status` under any of its spellings):
/// one value lookup and one memo probe answer all of them for a record.
#[derive(Debug)]
struct CondGroup {
    target: Target,
    /// Distinct patterns; bit `i` of the group's verdict is `regexes[i]`.
    patterns: Vec<String>,
    regexes: Vec<Regex>,
    /// Per pattern, a fully built DFA when it is small: field values are short, and a DFA walk
    /// skips the regex engine's per-call setup, which costs more than the walk itself. Built on
    /// first use: most inputs lack most fields, and building them all was a fifth of the start-up.
    dfas: Vec<std::sync::OnceLock<Option<ValueDfa>>>,
}

impl CondGroup {
    fn is_match(&self, i: usize, value: &[u8]) -> bool {
        match self.dfas[i].get_or_init(|| ValueDfa::build(&self.patterns[i])) {
            Some(dfa) => dfa.is_match(value).unwrap_or_else(|| self.regexes[i].is_match(value)),
            None => self.regexes[i].is_match(value),
        }
    }
}

/// A dense DFA for a short field pattern, built with the same syntax options as [`compile`].
#[derive(Debug)]
struct ValueDfa {
    dfa: regex_automata::dfa::dense::DFA<Vec<u32>>,
    /// Every walk starts at the start of a value (no look-behind byte, unanchored): one start
    /// state, found once.
    start: regex_automata::util::primitives::StateID,
}

impl ValueDfa {
    /// Patterns whose DFA would be larger than this keep the regex (Unicode classes, long alternations).
    const SIZE_LIMIT: usize = 64 << 10;

    fn build(pattern: &str) -> Option<ValueDfa> {
        use regex_automata::dfa::{dense, Automaton};
        let syntax = regex_automata::util::syntax::Config::new().unicode(false).utf8(false).nest_limit(64);
        let config = dense::Config::new()
            .dfa_size_limit(Some(Self::SIZE_LIMIT))
            .determinize_size_limit(Some(4 * Self::SIZE_LIMIT));
        let dfa = dense::Builder::new().syntax(syntax).configure(config).build(pattern).ok()?;
        let start = dfa.start_state(&regex_automata::util::start::Config::new()).ok()?;
        Some(ValueDfa { dfa, start })
    }

    /// Whether `value` holds a match; `None` when the DFA gives up (a quit byte), so the caller asks
    /// the regex instead.
    #[inline]
    fn is_match(&self, value: &[u8]) -> Option<bool> {
        use regex_automata::dfa::Automaton;
        let dfa = &self.dfa;
        let mut state = self.start;
        for &b in value {
            state = dfa.next_state(state, b);
            if dfa.is_special_state(state) {
                if dfa.is_match_state(state) {
                    return Some(true);
                }
                if dfa.is_dead_state(state) {
                    return Some(false);
                }
                if dfa.is_quit_state(state) {
                    return None;
                }
            }
        }
        Some(dfa.is_match_state(dfa.next_eoi_state(state)))
    }
}

#[derive(Debug)]
struct CompiledRule {
    regexes: Vec<LazyRegex>,
    fields: Vec<CompiledField>,
    /// Indices into `fields`, cheapest check first: a record usually fails the
    /// cheap `status` test, and then the long `path` regex never runs.
    check_order: Vec<usize>,
    /// The level condition, if any; then per condition group, in check order, the bits that
    /// must all be set: the memo path's whole test.
    level_cond: Option<usize>,
    group_masks: Vec<(u32, u64)>,
    weight: f32,
    kind_rank: u8,
}

/// Compiled form of a rule list; rule numbers are positions in that list.
#[derive(Debug, Default)]
pub struct Matcher {
    rules: Vec<CompiledRule>,
    /// (rule, pattern index) per prefiltered message regex.
    msg_regex: Vec<(u32, u32)>,
    prefilter: Option<AhoCorasick>,
    /// Message regexes (ids into `msg_regex`) whose first literal group holds this literal.
    literal_regexes: Vec<Vec<u32>>,
    /// Per message regex (ids into `msg_regex`): its other literal groups, as literal ids;
    /// each needs a hit too before the regex runs.
    confirm: Vec<Vec<Vec<u32>>>,
    /// Regexes without a usable literal, run on every line.
    always: Option<RegexSet>,
    /// (rule, pattern index) per `always` pattern.
    always_rule: Vec<(u32, u32)>,
    /// Rules with field conditions only, strongest first: the first that holds wins.
    field_only: Vec<u32>,
    /// Every field key a condition names, and those indices bucketed by key length,
    /// so a record's fields are looked up once per line rather than once per rule.
    keys: Vec<Vec<u8>>,
    keys_by_len: Vec<Vec<(u64, u16)>>,
    /// Field conditions grouped by target.
    groups: Vec<CondGroup>,
    /// Rejects most of a record's keys (`referer`, `request_id`, …) before any compare.
    key_filter: KeyFilter,
    /// Per implied key (`format::keys`, a parser's named columns): the slots it fills, found at build.
    implied_slots: Vec<Vec<u16>>,
    /// Per key: the groups whose target it can fill (bits past 64 dropped, see `FieldTable::present`).
    key_groups: Vec<u64>,
    /// Groups targeting the host, the service, the message and the whole line.
    host_groups: u64,
    service_groups: u64,
    always_groups: u64,
    /// Per rule: the groups its conditions read; all must be present for it to hold.
    needs: Vec<u64>,
    /// Per rule, its position in [`Matcher::cmp_rules`] order (higher wins): the
    /// per-line "does this rule beat the best so far" test is one integer compare.
    strength: Vec<u32>,
}

/// A record's values for `Matcher::keys` (`None` when the field is absent), and which
/// condition groups have a value to look at.
#[derive(Default)]
struct FieldTable {
    slots: Vec<Option<crate::format::Span>>,
    /// Slots set for the current record, so the next one clears only those.
    touched: Vec<u16>,
    /// Bit `g` set: group `g`'s target is present. Groups past 64 have no bit, and no rule's
    /// `needs` names them, so they are never prechecked.
    present: u64,
}

impl FieldTable {
    fn get(&self, key: u16) -> Option<crate::format::Span> {
        self.slots.get(key as usize).copied().flatten()
    }
}

/// Per-worker state for [`Matcher::best_cached`]: a field table and the memos.
#[derive(Default)]
pub struct MatchScratch {
    table: FieldTable,
    list: Vec<u32>,
    /// Message → rules whose message patterns match it.
    /// (start, len) of the message's rule list in `lists`.
    messages: Memo<(u32, u32)>,
    /// Rule lists of cached messages, back to back.
    lists: Vec<u32>,
    /// Per condition group: value → its conditions' verdicts as bits (`status` =
    /// "200" a million times; `path` values rarely repeat, and that memo switches off).
    group_memo: Vec<Memo<u64>>,
    /// Per condition group: verdict bits for the current record, valid when the
    /// group's epoch equals `epoch` (bumped per record, so nothing is cleared).
    group_bits: Vec<u64>,
    group_epoch: Vec<u32>,
    epoch: u32,
    /// Verdict bits for short values: a direct-mapped table per group.
    short_memo: ShortMemo,
}

/// Direct-mapped (group, value ≤ 32 bytes) → verdict bits, in one small table per group:
/// status codes, methods, event names, most request paths. A collision just overwrites: no allocation, no eviction
/// policy, and a miss costs only the regexes.
#[derive(Default)]
struct ShortMemo {
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

    fn for_groups(groups: usize) -> ShortMemo {
        let empty = ShortSlot { group: u32::MAX, len: 0, words: [0; 4], bits: 0 };
        ShortMemo { slots: vec![empty; groups << Self::SLOTS_BITS] }
    }

    /// The verdict for `value` in `group`, or `None` when the value is too long for this table.
    #[inline]
    fn get_or_insert(&mut self, group: usize, value: &[u8], eval: impl FnOnce() -> u64) -> Option<u64> {
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
struct Memo<V> {
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

    fn new(max_key: usize) -> Self {
        Memo { map: HashMap::default(), max_key, trial: RepeatTrial::default() }
    }

    fn usable(&self, key: &[u8]) -> bool {
        !self.trial.is_off() && key.len() <= self.max_key
    }

    fn lookup(&mut self, key: &[u8]) -> Option<&V> {
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

    fn would_keep(&self, key: &[u8]) -> bool {
        self.usable(key) && self.map.len() < Self::MAX_ENTRIES
    }

    fn insert(&mut self, key: &[u8], value: V) {
        if self.would_keep(key) {
            self.map.insert(key.into(), value);
        }
    }
}

thread_local! {
    static CANDIDATES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Literal hits of the current line: (bitset by literal id, the ids set).
    static HITS: RefCell<(Vec<u64>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    static FIELDS: RefCell<FieldTable> = RefCell::new(FieldTable::default());
}

fn kind_rank(k: RuleKind) -> u8 {
    match k {
        RuleKind::Change => 3,
        RuleKind::Symptom => 2,
        RuleKind::Error => 1,
        RuleKind::Success => 0,
    }
}

impl Matcher {
    /// Compiles rules that were already validated by the loader.
    pub fn build(rules: &[Rule]) -> Result<Matcher, (usize, String)> {
        let mut m = Matcher::default();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut always_patterns = Vec::new();
        // Compiling a few hundred regexes and walking their syntax trees is most of
        // startup: do it on every core, then assemble in rule order.
        let prepared: Vec<Vec<_>> = rules
            .par_iter()
            .map(|rule| {
                rule.patterns
                    .iter()
                    .map(|p| match super::literal::hir(p) {
                        Some(h) => Ok(super::literal::required(&h)),
                        None => Err(validate(p).err().unwrap_or_else(|| "does not parse".into())),
                    })
                    .collect()
            })
            .collect();
        for ((ri, rule), prepared) in rules.iter().enumerate().zip(prepared) {
            let mut regexes = Vec::with_capacity(rule.patterns.len());
            for ((pi, p), groups) in rule.patterns.iter().enumerate().zip(prepared) {
                let groups = groups.map_err(|e| (ri, format!("bad regex: {e}")))?;
                regexes.push(LazyRegex::new(p));
                match groups {
                    Some(groups) => {
                        let id = m.msg_regex.len() as u32;
                        m.msg_regex.push((ri as u32, pi as u32));
                        let mut ids_of = |group: Vec<Vec<u8>>| -> Vec<u32> {
                            group
                                .into_iter()
                                .map(|l| match literals.iter().position(|x| *x == l) {
                                    Some(i) => i as u32,
                                    None => {
                                        literals.push(l);
                                        m.literal_regexes.push(Vec::new());
                                        (literals.len() - 1) as u32
                                    }
                                })
                                .collect()
                        };
                        let mut groups = groups.into_iter();
                        let trigger = ids_of(groups.next().expect("required() returns at least one group"));
                        let confirm: Vec<Vec<u32>> = groups.map(&mut ids_of).collect();
                        for li in trigger {
                            m.literal_regexes[li as usize].push(id);
                        }
                        m.confirm.push(confirm);
                    }
                    None => {
                        always_patterns.push(p.clone());
                        m.always_rule.push((ri as u32, pi as u32));
                    }
                }
            }
            let mut fields = Vec::with_capacity(rule.fields.len());
            for f in &rule.fields {
                let mut field = compile_field(f, &mut m.keys).map_err(|e| (ri, e))?;
                if !matches!(field.target, Target::Level(_)) {
                    (field.group, field.bit) = m.group_of(&field, &f.pattern);
                }
                fields.push(field);
            }
            if regexes.is_empty() {
                m.field_only.push(ri as u32);
            }
            let mut check_order: Vec<usize> = (0..fields.len()).collect();
            check_order.sort_by_key(|&i| check_cost(&fields[i].target, &rule.fields[i].pattern));
            let level_cond = fields.iter().position(|f| matches!(f.target, Target::Level(_)));
            let mut group_masks: Vec<(u32, u64)> = Vec::new();
            for f in check_order.iter().map(|&i| &fields[i]).filter(|f| !matches!(f.target, Target::Level(_))) {
                match group_masks.iter_mut().find(|(g, _)| *g == f.group) {
                    Some((_, mask)) => *mask |= 1 << f.bit,
                    None => group_masks.push((f.group, 1 << f.bit)),
                }
            }
            m.rules.push(CompiledRule {
                regexes,
                fields,
                check_order,
                level_cond,
                group_masks,
                weight: rule.weight,
                kind_rank: kind_rank(rule.kind),
            });
        }
        for k in &m.keys {
            m.key_filter.add(k);
        }
        m.index_groups();
        for (i, k) in m.keys.iter().enumerate() {
            if m.keys_by_len.len() <= k.len() {
                m.keys_by_len.resize(k.len() + 1, Vec::new());
            }
            m.keys_by_len[k.len()].push((prefix_word(k), i as u16));
        }
        // The two automata are independent and each takes tens of milliseconds: built side by side.
        let build_prefilter = || -> Result<Option<AhoCorasick>, (usize, String)> {
            if literals.is_empty() {
                return Ok(None);
            }
            // A contiguous NFA: builds in a fraction of a full DFA's time, and the memo of messages
            // leaves it few lines to scan.
            AhoCorasickBuilder::new()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&literals)
                .map(Some)
                .map_err(|e| (0, format!("literal prefilter: {e}")))
        };
        let build_always = || -> Result<Option<RegexSet>, (usize, String)> {
            if always_patterns.is_empty() {
                return Ok(None);
            }
            RegexSetBuilder::new(&always_patterns)
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT * 4)
                .dfa_size_limit(DFA_SIZE_LIMIT * 4)
                .build()
                .map(Some)
                .map_err(|e| (0, format!("regex set: {e}")))
        };
        let (prefilter, always) = rayon::join(build_prefilter, build_always);
        m.prefilter = prefilter?;
        m.always = always?;
        let mut by_strength: Vec<u32> = (0..m.rules.len() as u32).collect();
        by_strength.sort_by(|&a, &b| m.cmp_rules(a, b));
        m.strength = vec![0; m.rules.len()];
        for (pos, &r) in by_strength.iter().enumerate() {
            m.strength[r as usize] = pos as u32;
        }
        let strength = std::mem::take(&mut m.strength);
        m.field_only.sort_by_key(|&r| std::cmp::Reverse(strength[r as usize]));
        m.strength = strength;
        // Best-ranked rules first, so a strong early hit lets weaker candidates be skipped.
        let order: Vec<u32> = {
            let mut ids: Vec<u32> = (0..m.msg_regex.len() as u32).collect();
            ids.sort_by(|&a, &b| m.cmp_rules(m.msg_regex[b as usize].0, m.msg_regex[a as usize].0));
            ids
        };
        let mut rank_of = vec![0u32; order.len()];
        for (rank, &id) in order.iter().enumerate() {
            rank_of[id as usize] = rank as u32;
        }
        m.msg_regex = order.iter().map(|&id| m.msg_regex[id as usize]).collect();
        m.confirm = order.iter().map(|&id| std::mem::take(&mut m.confirm[id as usize])).collect();
        for list in &mut m.literal_regexes {
            for id in list.iter_mut() {
                *id = rank_of[*id as usize];
            }
        }
        Ok(m)
    }

    /// Which groups each key, the host, the service and the message can fill, and which
    /// groups each rule reads: a rule whose field is absent is rejected by one mask test.
    fn index_groups(&mut self) {
        let bit = |g: u32| if g < 64 { 1u64 << g } else { 0 };
        self.key_groups = vec![0; self.keys.len()];
        for (gi, g) in self.groups.iter().enumerate() {
            let b = bit(gi as u32);
            match &g.target {
                Target::Keys(keys) => keys.iter().for_each(|&k| self.key_groups[k as usize] |= b),
                Target::Host => self.host_groups |= b,
                Target::Service => self.service_groups |= b,
                Target::Message | Target::Line => self.always_groups |= b,
                Target::Level(_) => {}
            }
        }
        self.needs = self
            .rules
            .iter()
            .map(|r| {
                r.fields.iter().filter(|f| !matches!(f.target, Target::Level(_))).fold(0, |acc, f| acc | bit(f.group))
            })
            .collect();
        self.implied_slots = crate::format::keys::implied_names()
            .iter()
            .map(|name| (0..self.keys.len() as u16).filter(|&k| self.keys[k as usize] == name.as_bytes()).collect())
            .collect();
    }

    /// The (group, bit) for a condition, sharing a bit with an identical earlier condition.
    fn group_of(&mut self, field: &CompiledField, pattern: &str) -> (u32, u8) {
        for (gi, g) in self.groups.iter_mut().enumerate() {
            if g.target != field.target {
                continue;
            }
            if let Some(b) = g.patterns.iter().position(|p| p == pattern) {
                return (gi as u32, b as u8);
            }
            if g.patterns.len() < 64 {
                g.patterns.push(pattern.to_string());
                g.regexes.push(field.regex.clone());
                g.dfas.push(std::sync::OnceLock::new());
                return (gi as u32, (g.patterns.len() - 1) as u8);
            }
        }
        self.groups.push(CondGroup {
            target: field.target.clone(),
            patterns: vec![pattern.to_string()],
            regexes: vec![field.regex.clone()],
            dfas: vec![std::sync::OnceLock::new()],
        });
        ((self.groups.len() - 1) as u32, 0)
    }

    /// (rule, pattern index) of message patterns with no literal to prefilter on: they run on every line.
    pub fn unfiltered(&self) -> &[(u32, u32)] {
        &self.always_rule
    }

    /// Rule ranking: weight, then kind (change > symptom > error > success), then file order.
    fn cmp_rules(&self, a: u32, b: u32) -> Ordering {
        let (ra, rb) = (&self.rules[a as usize], &self.rules[b as usize]);
        ra.weight.total_cmp(&rb.weight).then(ra.kind_rank.cmp(&rb.kind_rank)).then(b.cmp(&a))
    }

    /// Rule `r`'s place in the ranking (higher wins); equal for equal rule lists.
    pub(super) fn strength_of(&self, r: u32) -> u32 {
        self.strength[r as usize]
    }

    fn beats(&self, r: u32, best: u32) -> bool {
        best == super::NO_RULE || self.strength[r as usize] > self.strength[best as usize]
    }

    fn message<'a>(line: &'a [u8], parsed: &Parsed) -> &'a [u8] {
        if parsed.msg.is_empty() {
            line
        } else {
            parsed.msg.get(line)
        }
    }

    /// Structured lines often say *why* in a field beside the message (`msg="query failed"
    /// err="... Too many connections"`): message patterns also run on the first such field.
    fn detail<'a>(line: &'a [u8], parsed: &Parsed) -> Option<&'a [u8]> {
        if parsed.msg.is_empty() || parsed.fields.is_empty() {
            return None;
        }
        // One pass over the fields; the earliest key of DETAIL_KEYS wins.
        let mut best: Option<(usize, &'a [u8])> = None;
        for f in &parsed.fields {
            let key = f.key_bytes(line);
            if key.len() < 3 || !matches!(key[0], b'e' | b'E') {
                continue;
            }
            if let Some(rank) = DETAIL_KEYS.iter().position(|k| *k == key) {
                let value = f.value.get(line);
                if !value.is_empty() && best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, value));
                }
            }
        }
        best.map(|(_, v)| v)
    }

    /// Fills `table` with this record's values for every key a condition names.
    fn resolve(&self, line: &[u8], parsed: &Parsed, table: &mut FieldTable) {
        if table.slots.len() != self.keys.len() {
            table.slots = vec![None; self.keys.len()];
            table.touched.clear();
        }
        for k in table.touched.drain(..) {
            table.slots[k as usize] = None;
        }
        let mut present = self.always_groups;
        if !parsed.host.is_empty() {
            present |= self.host_groups;
        }
        if !parsed.service.is_empty() {
            present |= self.service_groups;
        }
        let mut fill = |k: u16, value: crate::format::Span| {
            let slot = &mut table.slots[k as usize];
            if slot.is_none() {
                *slot = Some(value);
                table.touched.push(k);
                present |= self.key_groups[k as usize];
            }
        };
        for f in &parsed.fields {
            // A parser's named column (an access log's status): its slots are known, no compare.
            if let Some(i) = crate::format::keys::implied_index(f.key) {
                for &k in self.implied_slots.get(i).map_or(&[][..], Vec::as_slice) {
                    fill(k, f.value);
                }
                continue;
            }
            let key = f.key.get(line);
            if !self.key_filter.may_hold(key) {
                continue;
            }
            let Some(bucket) = self.keys_by_len.get(key.len()) else { continue };
            let word = prefix_word(key);
            for &(w, k) in bucket {
                if w == word && (key.len() <= 8 || self.keys[k as usize][8..] == key[8..]) {
                    fill(k, f.value);
                }
            }
        }
        table.present = present;
    }

    /// Can rule `r`'s field conditions hold, given which fields this record has?
    #[inline]
    fn fields_present(&self, r: u32, table: &FieldTable) -> bool {
        self.needs[r as usize] & !table.present == 0
    }

    /// The best rule hitting this record, or `NO_RULE`.
    pub fn best(&self, line: &[u8], parsed: &Parsed) -> u32 {
        FIELDS.with(|t| {
            let mut t = t.borrow_mut();
            self.resolve(line, parsed, &mut t);
            self.best_with(line, parsed, &t)
        })
    }

    fn best_with(&self, line: &[u8], parsed: &Parsed, table: &FieldTable) -> u32 {
        let msg = Self::message(line, parsed);
        let mut best =
            self.best_field_only(|r| self.fields_present(r, table) && self.fields_hold(r, line, parsed, table));
        if parsed.message_from_fields {
            return best;
        }
        best = self.best_on(msg, line, parsed, table, best);
        if let Some(detail) = Self::detail(line, parsed) {
            best = self.best_on(detail, line, parsed, table, best);
        }
        best
    }

    /// The best message-pattern hit on `hay` that beats `best`.
    fn best_on(&self, hay: &[u8], line: &[u8], parsed: &Parsed, table: &FieldTable, mut best: u32) -> u32 {
        if let Some(set) = &self.always {
            if set.is_match(hay) {
                for i in set.matches(hay).iter() {
                    let r = self.always_rule[i].0;
                    if self.beats(r, best) && self.fields_hold(r, line, parsed, table) {
                        best = r;
                    }
                }
            }
        }
        self.candidates(hay, |r, p| {
            if !self.beats(r, best) {
                // Candidates are in rank order: nothing later can win either.
                return false;
            }
            if self.rules[r as usize].regexes[p as usize].is_match(hay) && self.fields_hold(r, line, parsed, table) {
                best = r;
            }
            true
        });
        best
    }

    /// Calls `visit(rule, pattern)` for each prefiltered message regex whose literal
    /// groups all have a hit in `msg`, best-ranked first, until it returns false.
    fn candidates(&self, msg: &[u8], mut visit: impl FnMut(u32, u32) -> bool) {
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
    pub(super) fn message_rules(&self, msg: &[u8], out: &mut Vec<u32>) {
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

    /// [`Matcher::best`] for the indexing loop: the message-only part of the verdict is
    /// cached per distinct message, because structured logs repeat the same few messages
    /// ("request completed") millions of times while their fields vary.
    pub fn best_cached(&self, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> u32 {
        self.best_cached_given(line, parsed, scratch, None)
    }

    /// [`Matcher::best_cached`], with the rules whose message patterns match the message given
    /// (strongest first) when the caller already knows them (decided per shape, see `super::shape`).
    pub(super) fn best_cached_given(
        &self,
        line: &[u8],
        parsed: &Parsed,
        scratch: &mut MatchScratch,
        message_rules: Option<&[u32]>,
    ) -> u32 {
        let msg = Self::message(line, parsed);
        self.resolve(line, parsed, &mut scratch.table);
        if scratch.group_memo.len() != self.groups.len() {
            scratch.group_memo = (0..self.groups.len()).map(|_| Memo::new(32)).collect();
            scratch.group_bits = vec![0; self.groups.len()];
            scratch.group_epoch = vec![0; self.groups.len()];
            scratch.short_memo = ShortMemo::for_groups(self.groups.len());
        }
        scratch.epoch = scratch.epoch.wrapping_add(1);
        if scratch.epoch == 0 {
            scratch.group_epoch.fill(0);
            scratch.epoch = 1;
        }
        let mut best = self.best_field_only(|r| {
            self.fields_present(r, &scratch.table) && self.fields_hold_memo(r, line, parsed, scratch)
        });
        if parsed.message_from_fields {
            return best;
        }
        best = match message_rules {
            Some(list) => list
                .iter()
                .copied()
                .take_while(|&r| self.beats(r, best))
                .find(|&r| self.fields_hold_memo(r, line, parsed, scratch))
                .unwrap_or(best),
            None => self.best_cached_on(msg, line, parsed, scratch, best),
        };
        if let Some(detail) = Self::detail(line, parsed) {
            best = self.best_cached_on(detail, line, parsed, scratch, best);
        }
        best
    }

    /// The strongest field-only rule that holds, or `NO_RULE`.
    fn best_field_only(&self, mut holds: impl FnMut(u32) -> bool) -> u32 {
        self.field_only.iter().copied().find(|&r| holds(r)).unwrap_or(super::NO_RULE)
    }

    /// [`Matcher::best_on`] through the memo of message verdicts.
    fn best_cached_on(&self, hay: &[u8], line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch, best: u32) -> u32 {
        let (start, len) = match scratch.messages.lookup(hay) {
            Some(&range) => range,
            None => {
                // The list leaves the scratch while field checks borrow it.
                let mut list = std::mem::take(&mut scratch.list);
                self.message_rules(hay, &mut list);
                if scratch.messages.would_keep(hay) {
                    scratch.messages.insert(hay, (scratch.lists.len() as u32, list.len() as u32));
                    scratch.lists.extend_from_slice(&list);
                }
                let found = list
                    .iter()
                    .copied()
                    .take_while(|&r| self.beats(r, best))
                    .find(|&r| self.fields_hold_memo(r, line, parsed, scratch));
                scratch.list = list;
                return found.unwrap_or(best);
            }
        };
        self.first_holding((start, len), line, parsed, scratch, best)
    }

    /// The first rule of a cached list (strongest first) that beats `best` and whose fields hold.
    fn first_holding(
        &self,
        (start, len): (u32, u32),
        line: &[u8],
        parsed: &Parsed,
        scratch: &mut MatchScratch,
        best: u32,
    ) -> u32 {
        for i in start as usize..(start + len) as usize {
            let r = scratch.lists[i];
            if !self.beats(r, best) {
                break;
            }
            if self.fields_hold_memo(r, line, parsed, scratch) {
                return r;
            }
        }
        best
    }

    /// Does rule `r` match? Returns the index of the message pattern that matched
    /// (`Some(None)` for a field-only rule), or `None`.
    pub fn check(&self, r: u32, line: &[u8], parsed: &Parsed) -> Option<Option<usize>> {
        let rule = self.rules.get(r as usize)?;
        let mut table = FieldTable::default();
        self.resolve(line, parsed, &mut table);
        if !self.fields_hold(r, line, parsed, &table) {
            return None;
        }
        if rule.regexes.is_empty() {
            return Some(None);
        }
        if parsed.message_from_fields {
            return None;
        }
        let msg = Self::message(line, parsed);
        let on = |hay: &[u8]| rule.regexes.iter().position(|re| re.is_match(hay));
        on(msg).or_else(|| Self::detail(line, parsed).and_then(on)).map(Some)
    }

    /// Whether some pattern or field condition of rule `r` has a capture group named `name`.
    pub fn names_capture(&self, r: u32, name: &str) -> bool {
        let Some(rule) = self.rules.get(r as usize) else { return false };
        let has = |re: &Regex| re.capture_names().flatten().any(|n| n == name);
        rule.regexes.iter().any(|re| has(re.get())) || rule.fields.iter().any(|f| has(&f.regex))
    }

    /// Named captures of rule `r` (message pattern first, then fields).
    pub fn captures(&self, r: u32, line: &[u8], parsed: &Parsed) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(rule) = self.rules.get(r as usize) else { return out };
        let Some(which) = self.check(r, line, parsed) else { return out };
        let mut table = FieldTable::default();
        self.resolve(line, parsed, &mut table);
        let mut take = |re: &Regex, hay: &[u8]| {
            if let Some(caps) = re.captures(hay) {
                for name in re.capture_names().flatten() {
                    if let Some(m) = caps.name(name) {
                        if !m.as_bytes().is_empty() {
                            out.push((name.to_string(), String::from_utf8_lossy(m.as_bytes()).into_owned()));
                        }
                    }
                }
            }
        };
        if let Some(p) = which {
            let msg = Self::message(line, parsed);
            let hay = if rule.regexes[p].is_match(msg) { Some(msg) } else { Self::detail(line, parsed) };
            if let Some(hay) = hay {
                take(rule.regexes[p].get(), hay);
            }
        }
        for f in &rule.fields {
            if let Some(v) = field_value(&f.target, line, parsed, &table) {
                take(&f.regex, v);
            }
        }
        out
    }

    /// [`Matcher::fields_hold`], reading each condition from its group's verdict bits.
    #[inline]
    fn fields_hold_memo(&self, r: u32, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> bool {
        let rule = &self.rules[r as usize];
        if let Some(f) = rule.level_cond.map(|i| &rule.fields[i]) {
            if !Self::level_holds(f, line, parsed) {
                return false;
            }
        }
        rule.group_masks.iter().all(|&(g, mask)| {
            let g = g as usize;
            // Most lookups repeat within a record (`status` read by several rules).
            let bits = if scratch.group_epoch[g] == scratch.epoch {
                scratch.group_bits[g]
            } else {
                self.group_bits(g, line, parsed, scratch)
            };
            bits & mask == mask
        })
    }

    fn level_holds(f: &CompiledField, line: &[u8], parsed: &Parsed) -> bool {
        let Target::Level(mask) = f.target else { return false };
        mask & (1 << parsed.level as u16) != 0
            || LEVEL_KEYS.iter().any(|k| parsed.field(line, k).is_some_and(|v| f.regex.is_match(v)))
    }

    /// Verdict bits of every condition in group `g` for the current record.
    #[inline(never)]
    fn group_bits(&self, g: usize, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> u64 {
        let group = &self.groups[g];
        let eval = |v: &[u8]| (0..group.regexes.len()).fold(0u64, |acc, i| acc | (group.is_match(i, v) as u64) << i);
        let bits = match field_value(&group.target, line, parsed, &scratch.table) {
            None => 0,
            // Status codes, methods, event names, paths: a direct-mapped table, no allocation.
            Some(v) => match scratch.short_memo.get_or_insert(g, v, || eval(v)) {
                Some(bits) => bits,
                None => match scratch.group_memo[g].lookup(v) {
                    Some(&bits) => bits,
                    None => {
                        let bits = eval(v);
                        scratch.group_memo[g].insert(v, bits);
                        bits
                    }
                },
            },
        };
        scratch.group_epoch[g] = scratch.epoch;
        scratch.group_bits[g] = bits;
        bits
    }

    fn fields_hold(&self, r: u32, line: &[u8], parsed: &Parsed, table: &FieldTable) -> bool {
        let rule = &self.rules[r as usize];
        rule.check_order.iter().map(|&i| &rule.fields[i]).all(|f| match &f.target {
            Target::Level(_) => Self::level_holds(f, line, parsed),
            t => field_value(t, line, parsed, table).is_some_and(|v| f.regex.is_match(v)),
        })
    }
}

/// The first eight bytes of `b`, zero-padded: most field keys compare in one word.
#[inline]
fn prefix_word(b: &[u8]) -> u64 {
    match b.get(..8) {
        Some(head) => u64::from_le_bytes(head.try_into().expect("8 bytes")),
        None => b.iter().rev().fold(0, |w, &c| w << 8 | c as u64),
    }
}

fn field_value<'a>(t: &Target, line: &'a [u8], parsed: &Parsed, table: &FieldTable) -> Option<&'a [u8]> {
    let span = |s: crate::format::Span| if s.is_empty() { None } else { Some(s.get(line)) };
    match t {
        Target::Level(_) => None,
        Target::Message => Some(Matcher::message(line, parsed)),
        Target::Line => Some(line),
        Target::Host => span(parsed.host),
        Target::Service => span(parsed.service),
        Target::Keys(keys) => keys.iter().find_map(|&k| table.get(k)).map(|s| s.get(line)),
    }
}

/// Rough cost of checking a condition: the level is a bit test; a short pattern on
/// a named field is cheap; the message and the whole line are long haystacks.
fn check_cost(target: &Target, pattern: &str) -> (u8, usize) {
    let kind = match target {
        Target::Level(_) => 0,
        Target::Host | Target::Service | Target::Keys(_) => 1,
        Target::Message => 2,
        Target::Line => 3,
    };
    (kind, pattern.len())
}

fn compile_field(f: &FieldCond, registry: &mut Vec<Vec<u8>>) -> Result<CompiledField, String> {
    let regex = compile(&f.pattern).map_err(|e| format!("bad regex for field '{}': {e}", f.key))?;
    let target = match f.key.as_str() {
        "level" => {
            let mut mask = 0u16;
            for l in Level::ALL {
                if l != Level::Unknown && regex.is_match(l.as_str().as_bytes()) {
                    mask |= 1 << l as u16;
                }
            }
            Target::Level(mask)
        }
        "message" | "msg" => Target::Message,
        "line" => Target::Line,
        "host" => Target::Host,
        "service" => Target::Service,
        key => {
            let mut keys: Vec<Vec<u8>> = Vec::new();
            for k in key.split('|').map(str::trim).filter(|k| !k.is_empty()) {
                keys.push(k.as_bytes().to_vec());
                for a in aliases(k) {
                    if !keys.iter().any(|x| x == a.as_bytes()) {
                        keys.push(a.as_bytes().to_vec());
                    }
                }
            }
            if registry.len() + keys.len() > u16::MAX as usize {
                return Err("too many distinct field names across the rules".into());
            }
            let ids = keys
                .into_iter()
                .map(|k| match registry.iter().position(|x| *x == k) {
                    Some(i) => i as u16,
                    None => {
                        registry.push(k);
                        (registry.len() - 1) as u16
                    }
                })
                .collect();
            Target::Keys(ids)
        }
    };
    Ok(CompiledField { target, regex, group: 0, bit: 0 })
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
