//! Scoring findings against a scenario's truth, and the naive baseline they must beat
//! ("the signal with the most errors in the window wins").

use super::Truth;
use crate::findings::{Findings, Verdict};
use crate::format::Level;
use crate::index::Index;
use std::collections::HashMap;

/// How one scenario went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    /// The rank-1 cause's evidence holds the trigger line (or, on a quiet day, no likely cause).
    pub top1: bool,
    /// One of the first three causes holds the trigger line.
    pub top3: bool,
    /// The rank-1 cause's hosts overlap the hosts the cause hit.
    pub top1_hosts: bool,
    /// The naive pick's hosts overlap the hosts the cause hit.
    pub naive_hosts: bool,
    /// What came first, for the printed table.
    pub top_title: String,
}

fn holds_trigger(f: &Findings, rank: usize, path: &str, line: u64) -> bool {
    f.causes.get(rank).is_some_and(|c| {
        matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)
            && c.evidence.iter().any(|e| e.line == line && e.path.replace('\\', "/").ends_with(&format!("/{path}")))
    })
}

pub fn evaluate(name: &str, truth: &Truth, index: &Index, f: &Findings) -> Outcome {
    let top_title = f.causes.first().map(|c| format!("[{}] {}", c.verdict.as_str(), c.title)).unwrap_or_default();
    let Some(cause) = &truth.cause else {
        let quiet_ok = f.likely_cause().is_none();
        return Outcome {
            name: name.into(),
            top1: quiet_ok,
            top3: quiet_ok,
            top1_hosts: quiet_ok,
            naive_hosts: naive_pick(index, truth).is_none(),
            top_title,
        };
    };
    let top1 = holds_trigger(f, 0, &cause.path, cause.line);
    let top3 = (0..3).any(|r| holds_trigger(f, r, &cause.path, cause.line));
    let top1_hosts = f.causes.first().is_some_and(|c| {
        matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)
            && c.hosts.iter().any(|h| cause.hosts.contains(h))
    });
    let naive_hosts = naive_pick(index, truth).is_some_and(|hosts| hosts.iter().any(|h| cause.hosts.contains(h)));
    Outcome { name: name.into(), top1, top3, top1_hosts, naive_hosts, top_title }
}

/// The naive answer: the mined template with the most error-level lines inside the true
/// incident window; returns the hosts that logged it.
pub fn naive_pick(index: &Index, truth: &Truth) -> Option<Vec<String>> {
    let window = truth.incident.as_ref()?;
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis());
    let (lo, hi) = (parse(&window.start)?, parse(&window.end)?);
    let r = &index.records;
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error {
            *counts.entry(r.template(i)).or_default() += 1;
        }
    }
    let (&top, _) = counts.iter().max_by_key(|(t, c)| (**c, std::cmp::Reverse(**t)))?;
    let mut hosts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error && r.template(i) == top {
            *hosts.entry(r.host(i)).or_default() += 1;
        }
    }
    Some(hosts.keys().filter(|&&h| h != 0).map(|&h| index.hosts.get(h).to_string()).collect())
}

/// Generates every family for each seed under `root`, runs the whole pipeline with the built-in
/// rules on each, and scores the findings.
pub fn run_corpus(root: &std::path::Path, seeds: &[u64], size: Option<u64>) -> Result<Vec<Outcome>, String> {
    use super::{generate, Family, Options};
    let mut outcomes = Vec::new();
    for family in Family::ALL {
        for &seed in seeds {
            let name = format!("{}-{seed}", family.name());
            let dir = root.join(&name);
            let truth =
                generate(&dir, &Options { family, seed, size, sample: false }).map_err(|e| format!("{name}: {e}"))?;
            let rules = crate::rules::RuleSet::load(&[]).map_err(|e| e.to_string())?;
            let index = Index::open(&[dir.join("logs")], rules, &crate::index::IndexOptions::default());
            let findings = crate::analysis::analyse(&index, &crate::analysis::AnalysisOptions::default());
            outcomes.push(evaluate(&name, &truth, &index, &findings));
        }
    }
    Ok(outcomes)
}

/// One row per scenario, then the totals.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        out.push_str(&format!(
            "{:<20} top1={} top3={} hosts={} naive-hosts={}  {}\n",
            o.name,
            o.top1 as u8,
            o.top3 as u8,
            o.top1_hosts as u8,
            o.naive_hosts as u8,
            crate::text::truncate_chars(&o.top_title, 90)
        ));
    }
    let n = outcomes.len();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    out.push_str(&format!(
        "\n{n} scenarios: top-1 {}/{n}, top-3 {}/{n}, top-1 hosts {}/{n}; naive (most errors in the window) hosts {}/{n}\n",
        count(|o| o.top1),
        count(|o| o.top3),
        count(|o| o.top1_hosts),
        count(|o| o.naive_hosts)
    ));
    out
}
