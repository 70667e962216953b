//! Data-driven: every rule file in `rules/` is part of the built-in pack, every
//! rule carries examples that must and must not match, and they do. The fast
//! matcher (literal prefilter, rank-ordered candidates) must agree with a
//! plain rule-by-rule evaluation on every example line.

use culprit::rules::{check_examples, parse_line, MatchScratch, RuleKind, RuleSet, BUILTIN, NO_RULE};
use std::path::Path;

#[test]
fn every_rule_file_is_built_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| format!("rules/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    on_disk.sort();
    let mut built: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    built.sort();
    assert_eq!(on_disk, built, "add new rule files to src/rules/builtin.rs");
    for (name, text) in BUILTIN {
        let disk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap();
        assert_eq!(&disk, text, "{name}");
    }
}

#[test]
fn every_example_behaves() {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
    let failures = check_examples(&set, true);
    let text: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(failures.is_empty(), "{} example failures:\n{}", failures.len(), text.join("\n"));
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

/// The best hit by checking every rule in turn.
fn naive_best(set: &RuleSet, line: &[u8], p: &culprit::format::Parsed) -> u32 {
    let mut best = NO_RULE;
    for (i, r) in set.rules.iter().enumerate() {
        if set.check_rule(i as u32, line, p).is_none() {
            continue;
        }
        let better = match set.get(best) {
            None => true,
            // A heading loses to any other kind, whatever its weight.
            Some(b) => {
                let says = |k: RuleKind| k != RuleKind::Heading;
                (says(r.kind), r.weight, kind_rank(r.kind)) > (says(b.kind), b.weight, kind_rank(b.kind))
            }
        };
        if better {
            best = i as u32;
        }
    }
    best
}

#[test]
fn fast_matcher_agrees_with_naive_evaluation() {
    let set = RuleSet::builtin().unwrap();
    let mut lines = 0;
    // One scratch across both passes: the second pass answers from the message cache.
    let mut scratch = MatchScratch::default();
    for pass in 0..2 {
        for r in &set.rules {
            for ex in r.examples.matching.iter().chain(&r.examples.no_match) {
                let p = parse_line(ex.as_bytes()).parsed;
                let fast = set.match_record(ex.as_bytes(), &p);
                let cached = set.match_record_with(ex.as_bytes(), &p, &mut scratch);
                let slow = naive_best(&set, ex.as_bytes(), &p);
                let name = |i: u32| set.get(i).map(|r| r.id.clone()).unwrap_or_else(|| "-".into());
                assert_eq!(name(fast), name(slow), "on {ex}");
                assert_eq!(name(cached), name(slow), "cached verdict, pass {pass}, on {ex}");
                lines += 1;
            }
        }
    }
    assert!(lines > 200, "{lines} example lines");
}

#[test]
fn every_match_example_gets_some_hit() {
    let set = RuleSet::builtin().unwrap();
    for r in &set.rules {
        for ex in &r.examples.matching {
            let p = parse_line(ex.as_bytes()).parsed;
            assert_ne!(set.match_record(ex.as_bytes(), &p), NO_RULE, "{}: {ex}", r.id);
        }
    }
}

#[test]
fn every_builtin_pattern_has_a_prefilter_literal() {
    let set = RuleSet::builtin().unwrap();
    // A pattern anchored at the message's start on a literal byte fails at a line's first byte:
    // as cheap as a prefilter lookup.
    let anchored = |p: &str| {
        let rest = p.strip_prefix('^').unwrap_or("");
        let first = rest.strip_prefix('\\').unwrap_or(rest).chars().next();
        p.starts_with('^') && first.is_some_and(|c| !c.is_alphanumeric() && !"([.".contains(c))
    };
    let slow: Vec<String> = set
        .unfiltered_patterns()
        .into_iter()
        .filter(|&(r, p)| !anchored(&set.rules[r as usize].patterns[p]))
        .map(|(r, p)| format!("{}: {}", set.rules[r as usize].id, set.rules[r as usize].patterns[p]))
        .collect();
    assert!(slow.is_empty(), "patterns that would run on every line:\n{}", slow.join("\n"));
}
