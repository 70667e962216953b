//! The default rules on real logs: Loghub's OpenSSH and Linux samples, checked
//! against their ground-truth templates. Every `Failed password` /
//! `authentication failure` / `Invalid user` line must count as an auth
//! failure, no `Accepted` / `session opened` line may, and the only other
//! lines flagged as auth failures say "authentication failed".
//!
//! The samples stay outside the repository: set CULPRIT_LOGHUB to the folder.

use culprit::index::{Index, IndexOptions};
use culprit::rules::{RuleKind, RuleSet, NO_RULE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn loghub() -> Option<PathBuf> {
    match std::env::var_os("CULPRIT_LOGHUB").map(PathBuf::from) {
        Some(p) if p.is_dir() => Some(p),
        _ => {
            eprintln!("skipped: CULPRIT_LOGHUB not set (or not a folder)");
            None
        }
    }
}

/// LineId -> EventTemplate from a `_structured.csv`.
fn templates(csv: &Path) -> HashMap<u32, String> {
    let text = std::fs::read_to_string(csv).unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    let rows = culprit::patterns::ga::parse_csv(&text);
    let header = &rows[0];
    let id_col = header.iter().position(|h| h == "LineId").unwrap();
    let tpl_col = header.iter().position(|h| h == "EventTemplate").unwrap();
    rows[1..].iter().map(|f| (f[id_col].parse::<u32>().unwrap(), f[tpl_col].clone())).collect()
}

struct Counts {
    truth_failures: usize,
    flagged_truth_failures: usize,
    flagged_total: usize,
    truth_successes: usize,
    flagged_successes: usize,
    /// Flagged lines whose template says "authentication failed".
    flagged_other: usize,
    /// Success lines the rules count as successes (the denominator of a failure ratio).
    counted_successes: usize,
}

fn run(dir: &Path, name: &str) -> Counts {
    let log = dir.join(name).join(format!("{name}_2k.log"));
    let truth = templates(&dir.join(name).join(format!("{name}_2k.log_structured.csv")));
    let rules = RuleSet::builtin().unwrap();
    let index = Index::open(&[log], rules, &IndexOptions::default());
    let rec = &index.records;
    assert_eq!(rec.len(), truth.len(), "{name}: one record per line");
    let mut c = Counts {
        truth_failures: 0,
        flagged_truth_failures: 0,
        flagged_total: 0,
        truth_successes: 0,
        flagged_successes: 0,
        flagged_other: 0,
        counted_successes: 0,
    };
    let mut wrong = Vec::new();
    for i in 0..rec.len() {
        let rule = index.rules.get(rec.rule(i)).filter(|_| rec.rule(i) != NO_RULE);
        let auth_failure =
            rule.is_some_and(|r| r.subsystem == "auth" && matches!(r.kind, RuleKind::Error | RuleKind::Symptom));
        let tpl = truth.get(&index.line_of(i)).map(|t| t.to_ascii_lowercase()).unwrap_or_default();
        let is_failure = ["failed password", "authentication failure", "invalid user"].iter().any(|k| tpl.contains(k));
        let is_success = ["accepted", "session opened"].iter().any(|k| tpl.contains(k));
        // Other wordings of a rejected login (Kerberos in the Linux sample) may count too.
        let also_failure = tpl.contains("authentication failed");
        c.flagged_total += auth_failure as usize;
        if is_failure {
            c.truth_failures += 1;
            c.flagged_truth_failures += auth_failure as usize;
        }
        if is_success {
            c.truth_successes += 1;
            c.flagged_successes += auth_failure as usize;
            c.counted_successes += rule.is_some_and(|r| r.kind == RuleKind::Success) as usize;
        }
        c.flagged_other += (auth_failure && also_failure && !is_failure) as usize;
        if (is_failure && !auth_failure || auth_failure && !is_failure && !also_failure) && wrong.len() < 10 {
            wrong.push(format!("line {}: {tpl} -> {:?}", index.line_of(i), rule.map(|r| &r.id)));
        }
    }
    eprintln!(
        "{name}: {} failure lines in ground truth, {} flagged; {} flagged in all ({} say \"authentication failed\"); \
         {} success lines, {} flagged",
        c.truth_failures,
        c.flagged_truth_failures,
        c.flagged_total,
        c.flagged_other,
        c.truth_successes,
        c.flagged_successes
    );
    assert!(wrong.is_empty(), "{name}: misclassified:\n{}", wrong.join("\n"));
    c
}

#[test]
fn openssh_auth_failures_match_ground_truth() {
    let Some(dir) = loghub() else { return };
    let c = run(&dir, "OpenSSH");
    assert!(c.truth_failures > 500, "the sample is mostly attacks: {}", c.truth_failures);
    assert_eq!(c.flagged_truth_failures, c.truth_failures);
    assert_eq!(c.flagged_total, c.truth_failures);
    assert_eq!(c.flagged_other, 0);
    assert_eq!(c.counted_successes, c.truth_successes, "sshd logins count as successes");
    assert!(c.truth_successes > 0);
    assert_eq!(c.flagged_successes, 0);
}

#[test]
fn linux_auth_failures_match_ground_truth() {
    let Some(dir) = loghub() else { return };
    let c = run(&dir, "Linux");
    assert!(c.truth_failures > 100, "{}", c.truth_failures);
    assert_eq!(c.flagged_truth_failures, c.truth_failures);
    assert_eq!(c.flagged_total, c.truth_failures + c.flagged_other);
    assert!(c.truth_successes > 0);
    assert_eq!(c.flagged_successes, 0);
}

/// The indexing loop answers from per-worker memos (verdicts per distinct message
/// and per field value); on every line of all 16 systems, twice over so that the
/// second pass is served from the memos, it must agree with the plain matcher.
#[test]
fn memoised_matching_agrees_on_every_loghub_line() {
    let Some(dir) = loghub() else { return };
    let set = RuleSet::builtin().unwrap();
    let mut scratch = culprit::rules::MatchScratch::default();
    let (mut lines, mut hits) = (0usize, 0usize);
    let mut systems = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let sys = entry.unwrap().path();
        let Some(name) = sys.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
        let log = sys.join(format!("{name}_2k.log"));
        let Ok(text) = std::fs::read(&log) else { continue };
        systems += 1;
        for _pass in 0..2 {
            for line in text.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)) {
                let p = culprit::rules::parse_line(line).parsed;
                let plain = set.match_record(line, &p);
                assert_eq!(
                    set.match_record_with(line, &p, &mut scratch),
                    plain,
                    "{}: {}",
                    log.display(),
                    String::from_utf8_lossy(line)
                );
                lines += 1;
                hits += (plain != NO_RULE) as usize;
            }
        }
    }
    assert_eq!(systems, 16, "Loghub systems found in {}", dir.display());
    assert!(hits > 100, "{hits} hits in {lines} lines");
}
