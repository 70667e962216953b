//! Rules decided once per message shape. The index masks every message into a shape for the
//! miner (`patterns::mask`): `Accepted publickey for <*> from <*> port <*> ssh2: RSA <*>`.
//! Millions of lines share a few hundred shapes, and most rule patterns give every line of a
//! shape the same verdict, since what they test (words, punctuation, "some number here") is
//! what the shape keeps. Those patterns run once per distinct shape in a chunk; the verdict is
//! remembered and shared by the shape's other lines.
//!
//! A pattern that reads a value the mask hides is decided on every line instead:
//! - a literal with a digit (`port 22`, `ERROR 1040`, `status 5\d\d`): the value is masked;
//! - a literal the miner would mask, or one holding `=`, `@`, `/`, `\` or a quote (`user=root`,
//!   `java.lang.OutOfMemoryError`, a word inside a quoted string);
//! - a class with some digits but not all (`[45]\d\d`), or a counted repetition of a class
//!   that holds digits (`\d{4,}`, `.{0,40}`): a threshold or a distance over masked values;
//! - every pattern of a rule marked `per_line = true`, for what the pattern does not show.
//!
//! Captures are never taken from the shape: evidence reads each line again
//! (`RuleSet::captures`). Both halves keep their rule numbers, so the lists they give merge
//! into the list the whole pack would give (`tests/rule_shapes.rs` checks that lines, and
//! variants of them with other masked values, get the same rule either way).

use super::matcher::Matcher;
use super::Rule;
use crate::patterns::mask::tokenise;
use regex_syntax::hir::{Class, Hir, HirKind};

/// The pack split by how each pattern is decided: two matchers over the same rule numbers.
#[derive(Debug)]
pub(super) struct ShapeSplit {
    /// Patterns decided once per shape.
    by_shape: Matcher,
    /// Patterns that read masked values, run on every line; `None` when there are none.
    per_line: Option<Matcher>,
}

impl ShapeSplit {
    pub(super) fn build(rules: &[Rule]) -> ShapeSplit {
        let keep = |per_line: bool| -> Vec<Rule> {
            rules
                .iter()
                .map(|r| {
                    let patterns = r
                        .patterns
                        .iter()
                        .flat_map(|p| alternatives(p, r.per_line))
                        .filter(|(_, reads)| *reads == per_line)
                        .map(|(p, _)| p)
                        .collect();
                    // Field conditions stay with the whole pack's matcher; these only list message hits.
                    Rule { patterns, fields: Vec::new(), ..r.clone() }
                })
                .collect()
        };
        // The rules were compiled whole already: their halves compile too.
        let build = |rules: &[Rule]| Matcher::build(rules).expect("a subset of compiled patterns compiles");
        let per_line = keep(true);
        let any_per_line = per_line.iter().any(|r| !r.patterns.is_empty());
        ShapeSplit { by_shape: build(&keep(false)), per_line: any_per_line.then(|| build(&per_line)) }
    }

    /// Rules whose message patterns match `msg`, strongest first: the shape's remembered list
    /// merged with this line's own per-line hits.
    pub(super) fn message_rules<'m>(&self, msg: &[u8], shape: u32, memo: &'m mut ShapeMemo) -> &'m [u32] {
        let i = shape as usize;
        if memo.ranges.len() <= i {
            memo.ranges.resize(i + 1, UNKNOWN);
        }
        let spacing = spacing(msg);
        if memo.ranges[i] == UNKNOWN {
            self.by_shape.message_rules(msg, &mut memo.line);
            let start = memo.lists.len() as u32;
            memo.lists.extend_from_slice(&memo.line);
            memo.ranges[i] = Remembered { start, len: memo.line.len() as u32, spacing };
        }
        let shared = if memo.ranges[i].spacing == spacing {
            let Remembered { start, len, .. } = memo.ranges[i];
            &memo.lists[start as usize..(start + len) as usize]
        } else {
            // Spaced otherwise than the shape's first line (`user  0101`): the shape keeps no
            // spacing, patterns do; this line is decided on its own.
            self.by_shape.message_rules(msg, &mut memo.odd);
            &memo.odd
        };
        let Some(per_line) = &self.per_line else { return shared };
        per_line.message_rules(msg, &mut memo.line);
        if memo.line.is_empty() {
            return shared;
        }
        memo.line.extend_from_slice(shared);
        // Both lists come from matchers over the same rules, so their strengths agree.
        memo.line.sort_unstable_by_key(|&r| std::cmp::Reverse(self.by_shape.strength_of(r)));
        memo.line.dedup();
        &memo.line
    }
}

/// A shape's rule list: `lists[start..start + len]`, found on a message spaced as `spacing` says.
#[derive(Clone, Copy, PartialEq)]
struct Remembered {
    start: u32,
    len: u32,
    spacing: u64,
}

const UNKNOWN: Remembered = Remembered { start: u32::MAX, len: 0, spacing: 0 };

/// One chunk's remembered verdicts, by the miner's chunk-local shape id.
#[derive(Default)]
pub struct ShapeMemo {
    /// Per shape, where its rule list is, or [`UNKNOWN`].
    ranges: Vec<Remembered>,
    lists: Vec<u32>,
    /// The current line's list, when it has per-line hits.
    line: Vec<u32>,
    /// The list of a line spaced otherwise than its shape's first line.
    odd: Vec<u32>,
}

/// A hash of where and how a message is spaced (runs of blanks, tabs, leading and trailing
/// blanks): the mask folds `a  b` into `a b`, but `for (\S*) from` tells them apart.
fn spacing(msg: &[u8]) -> u64 {
    let mut h: u64 = 0;
    let mut in_run = false;
    for &c in msg {
        let blank = c <= b' ' && matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c);
        if blank {
            h = (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01b3);
        } else if in_run {
            // End of a run: runs of one blank each, spaced apart, still hash apart from one long run.
            h = (h ^ 0x100).wrapping_mul(0x0000_0100_0000_01b3);
        }
        in_run = blank;
    }
    h
}

/// Branches a pattern can be cut into without changing what it matches, each with whether it
/// reads masked values: `Accepted (?:publickey|keyboard-interactive/pam) for` is decided per
/// shape on its `publickey` branch, and only its path-like branch runs on every line.
fn alternatives(pattern: &str, per_line: bool) -> Vec<(String, bool)> {
    let whole = || vec![(pattern.to_string(), per_line || reads_masked_values(pattern))];
    if per_line || !reads_masked_values(pattern) {
        return whole();
    }
    let Some(hir) = super::literal::hir(pattern) else { return whole() };
    let mut branches = Vec::new();
    expand(&hir, &mut branches);
    if branches.len() < 2 || branches.len() > MAX_BRANCHES {
        return whole();
    }
    // Printed from the syntax tree, which spells out `(?i)` and byte classes, so each branch
    // compiles to the same language as its part of the pattern.
    let cut: Vec<(String, bool)> = branches.iter().map(|b| (b.to_string(), reads_masked(b))).collect();
    if cut.iter().all(|(_, reads)| *reads) {
        // Nothing to decide per shape: one regex costs less than its branches.
        return whole();
    }
    cut
}

/// Branches one pattern may be cut into: each is a regex the matchers compile.
const MAX_BRANCHES: usize = 16;

/// Cuts `hir` at its alternations outside capture groups: the result's union is `hir`.
fn expand(hir: &Hir, out: &mut Vec<Hir>) {
    if out.len() > MAX_BRANCHES {
        return;
    }
    match hir.kind() {
        HirKind::Alternation(alts) => alts.iter().for_each(|a| expand(a, out)),
        HirKind::Concat(items) => match items.iter().position(|h| matches!(h.kind(), HirKind::Alternation(_))) {
            Some(i) => {
                let HirKind::Alternation(alts) = items[i].kind() else { unreachable!("found above") };
                for a in alts {
                    let mut cut = items.clone();
                    cut[i] = a.clone();
                    expand(&Hir::concat(cut), out);
                }
            }
            None => out.push(hir.clone()),
        },
        _ => out.push(hir.clone()),
    }
}

/// Whether a message pattern can tell apart two messages of one shape (see the module notes).
pub fn reads_masked_values(pattern: &str) -> bool {
    // Unparseable patterns never load; answering "yes" keeps them on the per-line path regardless.
    super::literal::hir(pattern).is_none_or(|h| reads_masked(&h))
}

fn reads_masked(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => literal_reads_masked(&lit.0),
        HirKind::Class(c) => class_reads_masked(c),
        HirKind::Repetition(rep) => {
            let counted = rep.min > 1 || rep.max.is_some_and(|m| m > 1);
            (counted && can_match_digit(&rep.sub)) || reads_masked(&rep.sub)
        }
        HirKind::Capture(cap) => reads_masked(&cap.sub),
        HirKind::Alternation(alts) => alts.iter().any(reads_masked),
        HirKind::Concat(items) => {
            // A token with a digit is masked whole: letters glued to a number (`\d+ms`, `v\d`,
            // `\d+[KMG]`) are read from inside the masked token.
            let glued = items.windows(2).any(|w| {
                (edge_class(&w[0], false, Edge::Digit) && edge_class(&w[1], true, Edge::Letter))
                    || (edge_class(&w[0], false, Edge::Letter) && edge_class(&w[1], true, Edge::Digit))
            });
            if glued {
                return true;
            }
            // `(?i)` spells a word as a row of one-letter classes: put the word back together.
            let mut word: Vec<u8> = Vec::new();
            for item in items {
                if let Some(b) = single_byte(item) {
                    word.push(b);
                    continue;
                }
                if let HirKind::Literal(lit) = item.kind() {
                    word.extend_from_slice(&lit.0);
                    continue;
                }
                if literal_reads_masked(&word) || reads_masked(item) {
                    return true;
                }
                word.clear();
            }
            literal_reads_masked(&word)
        }
    }
}

/// The byte a one-letter class (`[Kk]`) or a one-byte literal stands for, lowercased.
fn single_byte(hir: &Hir) -> Option<u8> {
    match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => Some(lit.0[0]),
        HirKind::Class(Class::Bytes(c)) => {
            let r = c.ranges();
            let letter = |lo: u8, hi: u8| lo == hi && lo.is_ascii_alphabetic();
            match r {
                [a] if a.start() == a.end() => Some(a.start()),
                [a, b] if letter(a.start(), a.end()) && letter(b.start(), b.end()) => {
                    let (x, y) = (a.start().to_ascii_lowercase(), b.start().to_ascii_lowercase());
                    (x == y).then_some(x)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn literal_reads_masked(text: &[u8]) -> bool {
    if text.is_empty() {
        return false;
    }
    if text.iter().any(|c| c.is_ascii_digit() || matches!(c, b'=' | b'@' | b'/' | b'\\' | b'"' | b'\'')) {
        return true;
    }
    // A dot or colon inside a word: a host, a dotted class name, a time.
    let inner_mark = text
        .windows(3)
        .any(|w| matches!(w[1], b'.' | b':') && w[0].is_ascii_alphanumeric() && w[2].is_ascii_alphanumeric());
    if inner_mark {
        return true;
    }
    let mut toks = Vec::new();
    tokenise(text, &mut toks, crate::patterns::MAX_TOKENS);
    toks.iter().any(|t| t.masked)
}

/// Byte ranges of a class, whichever kind the parser gave.
fn class_ranges(c: &Class) -> Vec<(u32, u32)> {
    match c {
        Class::Bytes(b) => b.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
        Class::Unicode(u) => u.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(),
    }
}

fn digits_in(c: &Class) -> usize {
    class_ranges(c).iter().map(|&(lo, hi)| (lo.max(b'0' as u32)..=hi.min(b'9' as u32)).count()).sum()
}

/// A class that holds some digits but not all of them tests a value (`[45]` of a status code).
fn class_reads_masked(c: &Class) -> bool {
    let n = digits_in(c);
    n > 0 && n < 10
}

#[derive(Clone, Copy, PartialEq)]
enum Edge {
    /// A particular letter: a literal's, or a class of some letters but not all (`[KMG]`,
    /// `(?i)`'s `[Mm]`); `\w` tells nothing apart.
    Letter,
    /// A digit, from a class of digits and no letters (`\d`, `[\d.]`); `.` and `\S` say nothing.
    Digit,
}

/// Whether `hir` can begin (`first`) or end with what `edge` names.
fn edge_class(hir: &Hir, first: bool, edge: Edge) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => {
            let b = if first { lit.0.first() } else { lit.0.last() };
            b.is_some_and(|b| match edge {
                Edge::Letter => b.is_ascii_alphabetic(),
                Edge::Digit => b.is_ascii_digit(),
            })
        }
        HirKind::Class(c) => {
            let letters: usize = class_ranges(c)
                .iter()
                .map(|&(lo, hi)| (lo..=hi.min(127)).filter(|&b| (b as u8).is_ascii_alphabetic()).count())
                .sum();
            let digits = digits_in(c);
            match edge {
                Edge::Letter => letters > 0 && letters < 52 && digits == 0,
                Edge::Digit => digits > 0 && letters == 0,
            }
        }
        HirKind::Repetition(rep) => edge_class(&rep.sub, first, edge),
        HirKind::Capture(cap) => edge_class(&cap.sub, first, edge),
        HirKind::Alternation(alts) => alts.iter().any(|a| edge_class(a, first, edge)),
        HirKind::Concat(items) => {
            let end = if first { items.first() } else { items.last() };
            end.is_some_and(|h| edge_class(h, first, edge))
        }
    }
}

fn can_match_digit(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.iter().any(u8::is_ascii_digit),
        HirKind::Class(c) => digits_in(c) > 0,
        HirKind::Repetition(rep) => can_match_digit(&rep.sub),
        HirKind::Capture(cap) => can_match_digit(&cap.sub),
        HirKind::Alternation(items) | HirKind::Concat(items) => items.iter().any(can_match_digit),
    }
}

#[cfg(test)]
mod tests {
    use super::reads_masked_values as reads;

    #[test]
    fn patterns_that_read_masked_values_are_told_apart() {
        // What the shape keeps: words, punctuation, "some token here".
        assert!(!reads(r"Accepted (?:publickey|password) for (?P<user>\S+) from (?P<host>\S+) port \d+"));
        assert!(!reads(r"(?i)connection (?:refused|reset)"));
        assert!(!reads(r"(?i)\bout of memory\b"));
        // Values the mask hides.
        assert!(reads(r"port 22\b"), "a literal number");
        assert!(reads(r"status[= ](?P<status>5\d\d)"), "a status class");
        assert!(reads(r"HTTP/1\.1"), "a path-like literal");
        assert!(reads(r"took \d{4,}ms"), "a length threshold");
        assert!(reads(r"(?i)for user root\b"), "the word after `user` is masked");
        assert!(reads(r#"err="timeout"#), "quoted text is masked");
        assert!(reads(r"(?i)java\.lang\.OutOfMemoryError"), "a dotted name is masked");
        assert!(reads(r"connect.{0,40}refused"), "a distance over masked text");
        assert!(reads(r"exit (?:code|status) [1-9]"), "a class of some digits");
        assert!(reads(r"(?P<ms>\d+)ms"), "a unit glued to a number");
        assert!(reads(r"\d+[KMG]->"), "a unit class glued to a number");
        assert!(reads(r"(?i)deployed v\d"), "a letter before a number");
        assert!(!reads(r"(?i)port \d+"), "a word apart from the number");
        assert!(!reads(r"(?i)can.t contact ldap server"), "any byte is not a number");
        assert!(!reads(r"(?i)too many failures(?: for (?:invalid user )?(?P<user>\S+))?"));
    }
}
