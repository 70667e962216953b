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
//!
//! This file builds the matcher and picks the best rule for a line; the literal
//! prefilter is in [`prefilter`], field conditions in [`fields`], and the
//! per-worker memos of verdicts in [`memo`].

mod fields;
mod memo;
mod prefilter;

use super::{Rule, RuleKind};
use crate::format::Parsed;
use aho_corasick::AhoCorasick;
use fields::{
    check_cost, compile_field, field_value, prefix_word, CompiledField, CondGroup, FieldTable, KeyFilter, Target,
};
use memo::{Memo, ShortMemo};
use prefilter::LazyRegex;
use rayon::prelude::*;
use regex::bytes::{Regex, RegexBuilder, RegexSet};
use std::cell::RefCell;
use std::cmp::Ordering;

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

thread_local! {
    static FIELDS: RefCell<FieldTable> = RefCell::new(FieldTable::default());
}

fn kind_rank(k: RuleKind) -> u8 {
    match k {
        RuleKind::Change => 4,
        RuleKind::Symptom => 3,
        RuleKind::Error => 2,
        RuleKind::Success => 1,
        RuleKind::Heading => 0,
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
        let (prefilter, always) =
            rayon::join(|| prefilter::literal_automaton(&literals), || prefilter::always_set(&always_patterns));
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

    /// Rule ranking: any other kind over a heading (a heading only names what follows), then
    /// weight, then kind (change > symptom > error > success), then file order.
    fn cmp_rules(&self, a: u32, b: u32) -> Ordering {
        let (ra, rb) = (&self.rules[a as usize], &self.rules[b as usize]);
        let says_something = |r: &CompiledRule| r.kind_rank > 0;
        (says_something(ra).cmp(&says_something(rb)))
            .then(ra.weight.total_cmp(&rb.weight))
            .then(ra.kind_rank.cmp(&rb.kind_rank))
            .then(b.cmp(&a))
    }

    /// Rule `r`'s place in the ranking (higher wins); equal for equal rule lists.
    pub(super) fn strength_of(&self, r: u32) -> u32 {
        self.strength[r as usize]
    }

    fn beats(&self, r: u32, best: u32) -> bool {
        best == super::NO_RULE || self.strength[r as usize] > self.strength[best as usize]
    }

    fn message<'a>(line: &'a [u8], parsed: &'a Parsed) -> &'a [u8] {
        parsed.message(line)
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

    /// [`Matcher::best`] for the indexing loop: the message-only part of the verdict is
    /// cached per distinct message, because structured logs repeat the same few messages
    /// ("request completed") millions of times while their fields vary.
    pub fn best_cached(&self, line: &[u8], parsed: &Parsed, scratch: &mut MatchScratch) -> u32 {
        self.best_cached_given(line, parsed, scratch, None)
    }

    /// [`Matcher::best_cached`], with the rules whose message patterns match the message given
    /// (strongest first) when the caller already knows them (decided per shape, see rules/shape.rs).
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
}
