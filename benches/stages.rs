//! The cost of each indexing stage on a real-sized input: parse only, parse +
//! rules, parse + rules + mining, each timed on the same files in the same run,
//! so the added cost of rules and of mining is a ratio, not an absolute speed.
//!
//! `CULPRIT_BENCH_DIR=bench-data/scenario-1G/logs cargo bench --bench stages`
//! (`scripts/bench.sh` generates that folder). Without the variable it runs on
//! `sample-logs/`. Each stage runs `CULPRIT_BENCH_RUNS` times (default 3); the
//! fastest run counts, since a shared machine only ever adds time.
//! `CULPRIT_STAGE=parse|rules|mine` runs one stage once (for callgrind). After the
//! full index it also times the analysis (window, onset, ranking) on it.

use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    // `cargo bench` passes `--bench`; a compile-only check passes nothing and runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::var("CULPRIT_BENCH_DIR").unwrap_or_else(|_| "sample-logs".into());
    let runs: usize = std::env::var("CULPRIT_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let paths = vec![PathBuf::from(&dir)];
    let rules = || RuleSet::builtin().expect("built-in rules");
    let heap = std::cell::Cell::new((0usize, 0u64));
    let analysis = std::cell::Cell::new(f64::MAX);
    let stage = |with_rules: bool, mine: bool| -> (f64, usize, u64) {
        let (sources, notices) = culprit::source::load(&paths);
        let bytes = sources.iter().map(|s| s.bytes().len() as u64).sum();
        let opts = IndexOptions { mine_patterns: mine, ..Default::default() };
        let set = if with_rules { rules() } else { RuleSet::empty() };
        let t = Instant::now();
        let index = Index::build(sources, notices, set, &opts);
        let secs = t.elapsed().as_secs_f64();
        heap.set((index.records.heap_bytes(), index.inputs.iter().map(|i| i.lines).sum()));
        if with_rules && mine {
            let t = Instant::now();
            std::hint::black_box(culprit::analysis::analyse(&index, &Default::default()));
            analysis.set(analysis.get().min(t.elapsed().as_secs_f64()));
        }
        (secs, index.records.len(), bytes)
    };
    // One stage, once: for instruction counts under `valgrind --tool=callgrind`,
    // which are stable where wall time on a shared machine is not.
    if let Ok(only) = std::env::var("CULPRIT_STAGE") {
        let (with_rules, mine) = match only.as_str() {
            "parse" => (false, false),
            "rules" => (true, false),
            _ => (true, true),
        };
        let (secs, records, _) = stage(with_rules, mine);
        println!("stage {only}: {records} records in {secs:.3} s");
        return;
    }
    // Warm the page cache and the allocator once, then interleave the stages so that
    // load from other processes drifts over all three alike; the fastest run counts.
    let (_, records, bytes) = stage(false, false);
    let (mut parse, mut with_rules, mut all) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..runs {
        parse = parse.min(stage(false, false).0);
        with_rules = with_rules.min(stage(true, false).0);
        all = all.min(stage(true, true).0);
    }
    let mib = bytes as f64 / (1 << 20) as f64;
    let (heap_bytes, lines) = heap.get();
    println!("stages on {dir}: {mib:.0} MiB, {lines} lines, {records} records, best of {runs}");
    println!(
        "  index columns on the heap: {:.0} MiB, {:.1} bytes per line",
        heap_bytes as f64 / (1 << 20) as f64,
        heap_bytes as f64 / lines.max(1) as f64
    );
    println!("  parse only            {parse:7.3} s  {:7.0} MiB/s", mib / parse);
    println!(
        "  parse + rules         {with_rules:7.3} s  {:7.0} MiB/s  rules add {:+.0} %",
        mib / with_rules,
        (with_rules / parse - 1.0) * 100.0
    );
    println!(
        "  parse + rules + mine  {all:7.3} s  {:7.0} MiB/s  mining adds {:+.0} % (over parse + rules)",
        mib / all,
        (all / with_rules - 1.0) * 100.0
    );
    let analysis = analysis.get();
    println!(
        "  analysis              {analysis:7.3} s  {:.1} % of index + analysis",
        analysis / (all + analysis) * 100.0
    );
}
