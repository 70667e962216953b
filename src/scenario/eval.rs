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

/// How one incident-kit folder went under the strict grade.
#[derive(Clone, Debug)]
pub struct KitOutcome {
    pub family: String,
    pub seed: u64,
    pub grade: super::grade::Grade,
    /// The naive pick (the file with the most error lines in the true window) is the cause's
    /// file; `None` on a quiet day.
    pub naive: Option<bool>,
    /// The first cause as the report shows it.
    pub top: String,
}

/// The log files of an incident folder, truth left out (as a responder has them), sorted.
pub fn incident_logs(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "truth.json"))
        .collect();
    v.sort();
    Ok(v)
}

/// The naive answer on an incident folder: the file with the most error-level lines inside the
/// true window (its file name).
pub fn naive_file(index: &Index, truth: &super::kit::Truth) -> Option<String> {
    let window = truth.incident.as_ref()?;
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis());
    let (lo, hi) = (parse(&window.start)?, parse(&window.end)?);
    let r = &index.records;
    let mut counts: HashMap<u32, u64> = HashMap::new();
    for i in 0..r.len() {
        if r.ts(i) >= lo && r.ts(i) <= hi && r.level(i) >= Level::Error {
            *counts.entry(r.source(i)).or_default() += 1;
        }
    }
    let (&top, _) = counts.iter().max_by_key(|(s, c)| (**c, std::cmp::Reverse(**s)))?;
    let path = index.sources.get(top as usize)?.display();
    Some(path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string())
}

/// Generates each kit family for each seed under `root`, runs the whole pipeline with the
/// built-in rules (as `culprit report` on the folder's log files) and grades the findings.
pub fn run_kit(
    root: &std::path::Path,
    families: &[&super::kit::Family],
    seeds: &[u64],
) -> Result<Vec<KitOutcome>, String> {
    let mut outcomes = Vec::new();
    for family in families {
        for &seed in seeds {
            let dir = root.join(format!("{}-{seed}", family.name));
            let truth = super::kit::generate(&dir, family, seed).map_err(|e| format!("{}: {e}", dir.display()))?;
            let logs = incident_logs(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let rules = crate::rules::RuleSet::load(&[]).map_err(|e| e.to_string())?;
            let index = Index::open(&logs, rules, &crate::index::IndexOptions::default());
            let findings = crate::analysis::analyse(&index, &crate::analysis::AnalysisOptions::default());
            let grade = super::grade::grade(&truth, &findings).map_err(|e| format!("{}: {e}", dir.display()))?;
            let naive = truth.cause.as_ref().map(|c| naive_file(&index, &truth).is_some_and(|f| f == c.file));
            let top = findings
                .causes
                .first()
                .map(|c| {
                    let line = c.evidence.first().map(|e| e.text.as_str()).unwrap_or("");
                    format!("[{}] {} | {}", c.verdict.as_str(), c.title, line)
                })
                .unwrap_or_else(|| "-".to_string());
            outcomes.push(KitOutcome { family: family.name.to_string(), seed, grade, naive, top });
        }
    }
    Ok(outcomes)
}

/// One row per folder, one per family, then the totals and the naive baseline.
pub fn kit_table(outcomes: &[KitOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let verdict = if o.grade.strict { "PASS" } else { "FAIL" };
        let why = if o.grade.why.is_empty() { String::new() } else { format!("{} | ", o.grade.why) };
        out.push_str(&format!(
            "{verdict} {:<24} loose={} naive={}  {why}{}\n",
            format!("{}-{}", o.family, o.seed),
            o.grade.loose as u8,
            o.naive.map_or("-", |n| if n { "1" } else { "0" }),
            crate::text::truncate_chars(&o.top, 150)
        ));
    }
    out.push('\n');
    let mut families: Vec<&str> = Vec::new();
    for o in outcomes {
        if !families.contains(&o.family.as_str()) {
            families.push(&o.family);
        }
    }
    for fam in &families {
        let of: Vec<&KitOutcome> = outcomes.iter().filter(|o| o.family == *fam).collect();
        let n = of.len();
        let strict = of.iter().filter(|o| o.grade.strict).count();
        let loose = of.iter().filter(|o| o.grade.loose).count();
        let naive = of.iter().filter(|o| o.naive == Some(true)).count();
        if of.iter().all(|o| o.grade.quiet) {
            out.push_str(&format!("{fam:<22} quiet {strict}/{n}\n"));
        } else {
            out.push_str(&format!("{fam:<22} strict {strict}/{n}  loose {loose}/{n}  naive {naive}/{n}\n"));
        }
    }
    let incidents: Vec<&KitOutcome> = outcomes.iter().filter(|o| !o.grade.quiet).collect();
    let quiet: Vec<&KitOutcome> = outcomes.iter().filter(|o| o.grade.quiet).collect();
    let n = incidents.len();
    out.push_str(&format!(
        "\n{} families, {n} incidents: strict {}/{n}, loose {}/{n}; naive (file with the most error lines in the window) {}/{n}; quiet {}/{}\n",
        families.len(),
        incidents.iter().filter(|o| o.grade.strict).count(),
        incidents.iter().filter(|o| o.grade.loose).count(),
        incidents.iter().filter(|o| o.naive == Some(true)).count(),
        quiet.iter().filter(|o| o.grade.strict).count(),
        quiet.len()
    ));
    out
}
