//! Ranking accuracy over the generated incident corpus, against the naive baseline.
//!
//!     cargo run --release --example rank_eval -- [--size 8M] [--seeds 1,2,3] [--keep DIR]
//!
//! Prints one row per scenario and the top-1 / top-3 totals.

use culprit::analysis::{analyse, AnalysisOptions};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::scenario::{self, eval, Family, Options};

fn main() -> Result<(), String> {
    let mut size = None;
    let mut seeds = vec![1u64, 2, 3];
    let mut keep = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().and_then(|v| scenario::parse_size(&v)),
            "--seeds" => {
                seeds = args.next().unwrap_or_default().split(',').filter_map(|s| s.parse().ok()).collect();
            }
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let mut outcomes = Vec::new();
    for family in Family::ALL {
        for &seed in &seeds {
            let name = format!("{}-{seed}", family.name());
            let dir = root.join(&name);
            let truth = scenario::generate(&dir, &Options { family, seed, size, sample: false })
                .map_err(|e| format!("{name}: {e}"))?;
            let rules = RuleSet::load(&[]).map_err(|e| e.to_string())?;
            let index = Index::open(&[dir.join("logs")], rules, &IndexOptions::default());
            let findings = analyse(&index, &AnalysisOptions::default());
            let o = eval::evaluate(&name, &truth, &index, &findings);
            println!(
                "{:<20} top1={} top3={} hosts={} naive-hosts={}  {}",
                o.name,
                o.top1 as u8,
                o.top3 as u8,
                o.top1_hosts as u8,
                o.naive_hosts as u8,
                culprit::text::truncate_chars(&o.top_title, 90)
            );
            outcomes.push(o);
        }
    }
    let n = outcomes.len();
    let count = |f: fn(&eval::Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    println!(
        "\n{n} scenarios: top-1 {}/{n}, top-3 {}/{n}, top-1 hosts {}/{n}; naive (most errors in the window) hosts {}/{n}",
        count(|o| o.top1),
        count(|o| o.top3),
        count(|o| o.top1_hosts),
        count(|o| o.naive_hosts)
    );
    Ok(())
}
