//! Field conditions (`status = "5.."`, `level`, `host`): each compiled to a target and a regex,
//! conditions on the same target grouped so one value lookup answers them all, and a record's
//! field values found once per line.

use super::{compile, MatchScratch, Matcher};
use crate::format::{Level, Parsed};
use crate::rules::FieldCond;
use regex::bytes::Regex;

/// A 256-bit filter over (length, first byte, last byte) of the field keys rules name:
/// a key that fails it is named by no rule.
#[derive(Debug, Default)]
pub(super) struct KeyFilter([u64; 4]);

impl KeyFilter {
    fn slot(key: &[u8]) -> usize {
        match (key.first(), key.last()) {
            (Some(&a), Some(&z)) => (key.len() * 31 + a as usize * 7 + z as usize) & 255,
            _ => 0,
        }
    }
    pub(super) fn add(&mut self, key: &[u8]) {
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
pub(super) enum Target {
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
pub(super) const DETAIL_KEYS: &[&[u8]] =
    &[b"err", b"error", b"error.message", b"error_message", b"errorMessage", b"exception", b"exception.message"];

#[derive(Debug)]
pub(super) struct CompiledField {
    pub(super) target: Target,
    pub(super) regex: Regex,
    /// The condition group (same target) this condition belongs to, and its bit there.
    pub(super) group: u32,
    pub(super) bit: u8,
}

/// Conditions that look at the same place (`status` under any of its spellings):
/// one value lookup and one memo probe answer all of them for a record.
#[derive(Debug)]
pub(super) struct CondGroup {
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

/// A record's values for `Matcher::keys` (`None` when the field is absent), and which
/// condition groups have a value to look at.
#[derive(Default)]
pub(super) struct FieldTable {
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

impl Matcher {
    /// Which groups each key, the host, the service and the message can fill, and which
    /// groups each rule reads: a rule whose field is absent is rejected by one mask test.
    pub(super) fn index_groups(&mut self) {
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
    pub(super) fn group_of(&mut self, field: &CompiledField, pattern: &str) -> (u32, u8) {
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

    /// Structured lines often say *why* in a field beside the message (`msg="query failed"
    /// err="... Too many connections"`): message patterns also run on the first such field.
    pub(super) fn detail<'a>(line: &'a [u8], parsed: &Parsed) -> Option<&'a [u8]> {
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
    pub(super) fn resolve(&self, line: &[u8], parsed: &Parsed, table: &mut FieldTable) {
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
    pub(super) fn fields_present(&self, r: u32, table: &FieldTable) -> bool {
        self.needs[r as usize] & !table.present == 0
    }

    /// [`Matcher::fields_hold`], reading each condition from its group's verdict bits.
    #[inline]
    pub(super) fn fields_hold_memo(&self, r: u32, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> bool {
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

    pub(super) fn fields_hold(&self, r: u32, line: &[u8], parsed: &Parsed, table: &FieldTable) -> bool {
        let rule = &self.rules[r as usize];
        rule.check_order.iter().map(|&i| &rule.fields[i]).all(|f| match &f.target {
            Target::Level(_) => Self::level_holds(f, line, parsed),
            t => field_value(t, line, parsed, table).is_some_and(|v| f.regex.is_match(v)),
        })
    }
}

/// The first eight bytes of `b`, zero-padded: most field keys compare in one word.
#[inline]
pub(super) fn prefix_word(b: &[u8]) -> u64 {
    match b.get(..8) {
        Some(head) => u64::from_le_bytes(head.try_into().expect("8 bytes")),
        None => b.iter().rev().fold(0, |w, &c| w << 8 | c as u64),
    }
}

pub(super) fn field_value<'a>(t: &Target, line: &'a [u8], parsed: &'a Parsed, table: &FieldTable) -> Option<&'a [u8]> {
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
pub(super) fn check_cost(target: &Target, pattern: &str) -> (u8, usize) {
    let kind = match target {
        Target::Level(_) => 0,
        Target::Host | Target::Service | Target::Keys(_) => 1,
        Target::Message => 2,
        Target::Line => 3,
    };
    (kind, pattern.len())
}

pub(super) fn compile_field(f: &FieldCond, registry: &mut Vec<Vec<u8>>) -> Result<CompiledField, String> {
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
