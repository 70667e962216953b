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
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
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

/// The pattern's syntax tree, parsed exactly as [`compile`] does.
pub fn hir(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new().unicode(false).utf8(false).nest_limit(64).build().parse(pattern).ok()
}

/// Where a field condition looks.
#[derive(Debug)]
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
}

#[derive(Debug)]
struct CompiledRule {
    regexes: Vec<Regex>,
    fields: Vec<CompiledField>,
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
    /// Message regexes (ids into `msg_regex`) each literal vouches for.
    literal_regexes: Vec<Vec<u32>>,
    /// Regexes without a usable literal, run on every line.
    always: Option<RegexSet>,
    /// (rule, pattern index) per `always` pattern.
    always_rule: Vec<(u32, u32)>,
    /// Rules with field conditions only.
    field_only: Vec<u32>,
    /// Every field key a condition names, and those indices bucketed by key length,
    /// so a record's fields are looked up once per line rather than once per rule.
    keys: Vec<Vec<u8>>,
    keys_by_len: Vec<Vec<u16>>,
}

/// A record's values for `Matcher::keys`: `None` when the field is absent.
type FieldTable = Vec<Option<crate::format::Span>>;

thread_local! {
    static CANDIDATES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    static FIELDS: RefCell<FieldTable> = const { RefCell::new(Vec::new()) };
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
        for (ri, rule) in rules.iter().enumerate() {
            let mut regexes = Vec::with_capacity(rule.patterns.len());
            for (pi, p) in rule.patterns.iter().enumerate() {
                regexes.push(compile(p).map_err(|e| (ri, format!("bad regex: {e}")))?);
                let hir = hir(p);
                match hir.as_ref().and_then(super::literal::required) {
                    Some(lits) => {
                        let id = m.msg_regex.len() as u32;
                        m.msg_regex.push((ri as u32, pi as u32));
                        for l in lits {
                            let li = match literals.iter().position(|x| *x == l) {
                                Some(i) => i,
                                None => {
                                    literals.push(l);
                                    m.literal_regexes.push(Vec::new());
                                    literals.len() - 1
                                }
                            };
                            m.literal_regexes[li].push(id);
                        }
                    }
                    None => {
                        always_patterns.push(p.clone());
                        m.always_rule.push((ri as u32, pi as u32));
                    }
                }
            }
            let mut fields = Vec::with_capacity(rule.fields.len());
            for f in &rule.fields {
                fields.push(compile_field(f, &mut m.keys).map_err(|e| (ri, e))?);
            }
            if regexes.is_empty() {
                m.field_only.push(ri as u32);
            }
            m.rules.push(CompiledRule { regexes, fields, weight: rule.weight, kind_rank: kind_rank(rule.kind) });
        }
        for (i, k) in m.keys.iter().enumerate() {
            if m.keys_by_len.len() <= k.len() {
                m.keys_by_len.resize(k.len() + 1, Vec::new());
            }
            m.keys_by_len[k.len()].push(i as u16);
        }
        if !literals.is_empty() {
            // A full DFA: a few hundred KiB for the pack, and the fastest per-byte scan.
            let ac = AhoCorasickBuilder::new()
                .kind(Some(AhoCorasickKind::DFA))
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&literals)
                .map_err(|e| (0, format!("literal prefilter: {e}")))?;
            m.prefilter = Some(ac);
        }
        if !always_patterns.is_empty() {
            let set = RegexSetBuilder::new(&always_patterns)
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT * 4)
                .dfa_size_limit(DFA_SIZE_LIMIT * 4)
                .build()
                .map_err(|e| (0, format!("regex set: {e}")))?;
            m.always = Some(set);
        }
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
        for list in &mut m.literal_regexes {
            for id in list.iter_mut() {
                *id = rank_of[*id as usize];
            }
        }
        Ok(m)
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

    fn beats(&self, r: u32, best: u32) -> bool {
        best == super::NO_RULE || self.cmp_rules(r, best) == Ordering::Greater
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
        table.clear();
        // No fields (syslog, plain text): every key is absent, and an empty table says so.
        if parsed.fields.is_empty() {
            return;
        }
        table.resize(self.keys.len(), None);
        for f in &parsed.fields {
            let key = f.key_bytes(line);
            let Some(bucket) = self.keys_by_len.get(key.len()) else { continue };
            for &k in bucket {
                let slot = &mut table[k as usize];
                if slot.is_none() && self.keys[k as usize] == key {
                    *slot = Some(f.value);
                }
            }
        }
    }

    /// The best rule hitting this record, or `NO_RULE`.
    pub fn best(&self, line: &[u8], parsed: &Parsed) -> u32 {
        FIELDS.with(|t| {
            let mut t = t.borrow_mut();
            self.resolve(line, parsed, &mut t);
            self.best_with(line, parsed, &t)
        })
    }

    fn best_with(&self, line: &[u8], parsed: &Parsed, table: &[Option<crate::format::Span>]) -> u32 {
        let msg = Self::message(line, parsed);
        let mut best = super::NO_RULE;
        for &r in &self.field_only {
            if self.beats(r, best) && self.fields_hold(r, line, parsed, table) {
                best = r;
            }
        }
        best = self.best_on(msg, line, parsed, table, best);
        if let Some(detail) = Self::detail(line, parsed) {
            best = self.best_on(detail, line, parsed, table, best);
        }
        best
    }

    /// The best message-pattern hit on `hay` that beats `best`.
    fn best_on(
        &self,
        hay: &[u8],
        line: &[u8],
        parsed: &Parsed,
        table: &[Option<crate::format::Span>],
        mut best: u32,
    ) -> u32 {
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
        let Some(ac) = &self.prefilter else { return best };
        let mut hits = ac.find_overlapping_iter(hay);
        let Some(first) = hits.next() else { return best };
        CANDIDATES.with(|c| {
            let mut c = c.borrow_mut();
            c.clear();
            c.extend_from_slice(&self.literal_regexes[first.pattern().as_usize()]);
            for h in hits {
                c.extend_from_slice(&self.literal_regexes[h.pattern().as_usize()]);
            }
            c.sort_unstable();
            c.dedup();
            for &id in c.iter() {
                let (r, p) = self.msg_regex[id as usize];
                if !self.beats(r, best) {
                    // Candidates are in rank order: nothing later can win either.
                    break;
                }
                if self.rules[r as usize].regexes[p as usize].is_match(hay) && self.fields_hold(r, line, parsed, table)
                {
                    best = r;
                }
            }
        });
        best
    }

    /// Does rule `r` match? Returns the index of the message pattern that matched
    /// (`Some(None)` for a field-only rule), or `None`.
    pub fn check(&self, r: u32, line: &[u8], parsed: &Parsed) -> Option<Option<usize>> {
        let rule = self.rules.get(r as usize)?;
        let mut table = FieldTable::new();
        self.resolve(line, parsed, &mut table);
        if !self.fields_hold(r, line, parsed, &table) {
            return None;
        }
        if rule.regexes.is_empty() {
            return Some(None);
        }
        let msg = Self::message(line, parsed);
        let on = |hay: &[u8]| rule.regexes.iter().position(|re| re.is_match(hay));
        on(msg).or_else(|| Self::detail(line, parsed).and_then(on)).map(Some)
    }

    /// Named captures of rule `r` (message pattern first, then fields).
    pub fn captures(&self, r: u32, line: &[u8], parsed: &Parsed) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(rule) = self.rules.get(r as usize) else { return out };
        let Some(which) = self.check(r, line, parsed) else { return out };
        let mut table = FieldTable::new();
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
                take(&rule.regexes[p], hay);
            }
        }
        for f in &rule.fields {
            if let Some(v) = field_value(&f.target, line, parsed, &table) {
                take(&f.regex, v);
            }
        }
        out
    }

    fn fields_hold(&self, r: u32, line: &[u8], parsed: &Parsed, table: &[Option<crate::format::Span>]) -> bool {
        self.rules[r as usize].fields.iter().all(|f| match &f.target {
            Target::Level(mask) => {
                mask & (1 << parsed.level as u16) != 0
                    || LEVEL_KEYS.iter().any(|k| parsed.field(line, k).is_some_and(|v| f.regex.is_match(v)))
            }
            t => field_value(t, line, parsed, table).is_some_and(|v| f.regex.is_match(v)),
        })
    }
}

fn field_value<'a>(
    t: &Target,
    line: &'a [u8],
    parsed: &Parsed,
    table: &[Option<crate::format::Span>],
) -> Option<&'a [u8]> {
    let span = |s: crate::format::Span| if s.is_empty() { None } else { Some(s.get(line)) };
    match t {
        Target::Level(_) => None,
        Target::Message => Some(Matcher::message(line, parsed)),
        Target::Line => Some(line),
        Target::Host => span(parsed.host),
        Target::Service => span(parsed.service),
        Target::Keys(keys) => keys.iter().find_map(|&k| table.get(k as usize).copied().flatten()).map(|s| s.get(line)),
    }
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
    Ok(CompiledField { target, regex })
}
