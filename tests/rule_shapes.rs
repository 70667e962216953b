//! Rules decided once per message shape give every line the rule that matching each line on its
//! own gives. Checked on the built-in pack's examples and on variants of them whose masked
//! values (numbers, addresses, user names, quoted text) are rewritten at random, so that many
//! lines share a shape while their masked values differ; and, when CULPRIT_LOGHUB points at the
//! Loghub samples (kept outside the repository), on every line of those files.

use culprit::index::{Index, IndexOptions};
use culprit::patterns::mask::tokenise;
use culprit::patterns::{Miner, MAX_TOKENS};
use culprit::rules::{parse_line, MatchScratch, RuleSet, ShapeMemo, NO_RULE};
use culprit_scenarios::rng::Rng;
use proptest::prelude::*;
use std::path::PathBuf;

/// `line` with the masked part of every masked token of its message rewritten: each digit,
/// lower-case and upper-case letter becomes another of its kind, and a run of digits may grow
/// or shrink. Punctuation and the unmasked text stay, so the shape usually does too.
fn vary(line: &str, rng: &mut Rng) -> String {
    let bytes = line.as_bytes();
    let parsed = parse_line(bytes).parsed;
    let msg = parsed.msg.get(bytes);
    let offset = msg.as_ptr() as usize - bytes.as_ptr() as usize;
    let mut toks = Vec::new();
    tokenise(msg, &mut toks, MAX_TOKENS);
    let mut out = bytes[..offset].to_vec();
    let mut at = 0;
    for t in toks.iter().filter(|t| t.masked) {
        let (ms, me) = (t.ms as usize, t.me as usize);
        out.extend_from_slice(&msg[at..ms]);
        for (k, &c) in msg[ms..me].iter().enumerate() {
            let next_is_digit = msg.get(ms + k + 1).is_some_and(u8::is_ascii_digit) && ms + k + 1 < me;
            match c {
                b'0'..=b'9' => {
                    // Within a run of digits: sometimes drop one, sometimes add one.
                    match rng.below(8) {
                        0 if next_is_digit => {}
                        1 => out.extend_from_slice(&[b'0' + rng.below(10) as u8, b'0' + rng.below(10) as u8]),
                        _ => out.push(b'0' + rng.below(10) as u8),
                    }
                }
                b'a'..=b'z' => out.push(b'a' + rng.below(26) as u8),
                b'A'..=b'Z' => out.push(b'A' + rng.below(26) as u8),
                _ => out.push(c),
            }
        }
        at = me;
    }
    out.extend_from_slice(&msg[at..]);
    out.extend_from_slice(&bytes[offset + msg.len()..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// Lines whose shaped verdict differs from the per-line one: one miner and one memo serve all
/// of `lines`, in order, as one chunk's would.
fn disagreements(rules: &RuleSet, lines: &[String]) -> Vec<String> {
    let mut miner = Miner::new();
    let mut memo = ShapeMemo::default();
    let (mut shaped_scratch, mut line_scratch) = (MatchScratch::default(), MatchScratch::default());
    let mut out = Vec::new();
    for line in lines {
        let bytes = line.as_bytes();
        let parsed = parse_line(bytes).parsed;
        let shape = miner.add(parsed.msg.get(bytes));
        if !miner.is_whole_shape(shape) {
            continue;
        }
        let shaped = rules.match_shaped(bytes, &parsed, shape, &mut memo, &mut shaped_scratch);
        let alone = rules.match_record_with(bytes, &parsed, &mut line_scratch);
        if shaped != alone {
            let name = |r: u32| if r == NO_RULE { "no rule".to_string() } else { rules.rules[r as usize].id.clone() };
            out.push(format!("{line}\n    per shape: {}, per line: {}", name(shaped), name(alone)));
        }
    }
    out
}

fn examples(rules: &RuleSet) -> Vec<String> {
    rules.rules.iter().flat_map(|r| r.examples.matching.iter().chain(&r.examples.no_match)).cloned().collect()
}

#[test]
fn the_packs_examples_get_the_same_rule_per_shape_as_per_line() {
    let rules = RuleSet::builtin().expect("built-in rules");
    let lines = examples(&rules);
    assert!(lines.len() > 200, "the pack has its examples ({})", lines.len());
    let wrong = disagreements(&rules, &lines);
    assert!(wrong.is_empty(), "{} lines differ:\n{}", wrong.len(), wrong.join("\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Each example first as written, then variants of it: the first line of a shape decides the
    /// shape's verdict, and every variant must agree with its own per-line verdict.
    #[test]
    fn variants_with_other_masked_values_get_the_same_rule(seed in 1u64..u64::MAX) {
        let rules = RuleSet::builtin().expect("built-in rules");
        let mut rng = Rng::new(seed); // each proptest case is one seed
        let mut lines = Vec::new();
        for ex in examples(&rules) {
            lines.push(vary(&ex, &mut rng));
            lines.push(ex.clone());
            lines.push(vary(&ex, &mut rng));
        }
        let wrong = disagreements(&rules, &lines);
        prop_assert!(wrong.is_empty(), "{} lines differ:\n{}", wrong.len(), wrong.join("\n"));
    }
}

fn loghub() -> Option<PathBuf> {
    match std::env::var_os("CULPRIT_LOGHUB").map(PathBuf::from) {
        Some(p) if p.is_dir() => Some(p),
        _ => {
            eprintln!("skipped: CULPRIT_LOGHUB not set (or not a folder)");
            None
        }
    }
}

/// Every `*.log` of the samples, indexed both ways through the real indexing pass (small chunks,
/// so shapes are decided again in each): the rule columns are equal.
#[test]
fn loghub_lines_get_the_same_rule_per_shape_as_per_line() {
    let Some(dir) = loghub() else { return };
    let mut logs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the samples folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(format!("{}_2k.log", e.file_name().to_string_lossy())))
        .filter(|p| p.is_file())
        .collect();
    logs.sort();
    assert!(logs.len() >= 10, "found {} samples in {}", logs.len(), dir.display());
    let rules = || RuleSet::builtin().expect("built-in rules");
    let mut hits = 0;
    for log in &logs {
        let index = |rules_per_shape| {
            let opts = IndexOptions { chunk_size: 64 << 10, year: Some(2024), rules_per_shape, ..Default::default() };
            Index::open(std::slice::from_ref(log), rules(), &opts)
        };
        let (shaped, alone) = (index(true), index(false));
        assert_eq!(shaped.records.len(), alone.records.len());
        for i in 0..alone.records.len() {
            let (s, a) = (shaped.records.rule(i), alone.records.rule(i));
            assert_eq!(s, a, "{}: line {} gets another rule per shape", log.display(), alone.line_of(i));
            hits += (a != NO_RULE) as usize;
        }
    }
    assert!(hits > 1000, "the samples hit rules ({hits} lines)");
}
