//! Template ids through the real index: stable across runs, chunk sizes and thread counts.

use culprit::analysis::summary::summarise;
use culprit::index::{Index, IndexOptions};
use culprit::patterns::NO_TEMPLATE;
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use std::path::PathBuf;

/// A mixed log: JSON lines, syslog-ish lines with a few distinct words and many variables.
fn log_text(n: usize) -> String {
    let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
    let mut s = String::new();
    for i in 0..n {
        let ts = format!("2024-01-22T15:{:02}:{:02}Z", (i / 60) % 60, i % 60);
        match i % 6 {
            0 => s.push_str(&format!("{ts} INFO login ok for user {} from 10.0.{}.{}\n", users[i % 8], i % 5, i % 250)),
            1 => s.push_str(&format!("{ts} ERROR token signing failed for key k{:x}: expired\n", i * 7919)),
            2 => s.push_str(&format!("{ts} WARN pool {} exhausted after {} ms\n", ["db", "cache"][i % 2], i % 900)),
            3 => s.push_str(&format!("{ts} ERROR boom in worker {}\n  at foo.bar(Baz.java:{})\n", i % 3, i)),
            4 => s.push_str(&format!(
                "{ts} INFO GET /api/v1/items/{} status={} took {}ms\n",
                i,
                [200, 404][i % 2],
                i % 77
            )),
            _ => s.push_str(&format!("{ts} INFO job {} state {}\n", i, ["queued", "running", "done"][(i / 6) % 3])),
        }
    }
    s
}

fn build(text: &str, chunk_size: usize) -> Index {
    let src = Source {
        id: 0,
        path: PathBuf::from("app.log"),
        stream: "app.log".into(),
        data: Data::Owned(text.as_bytes().to_vec()),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { chunk_size, year: Some(2024), ..Default::default() };
    Index::build(vec![src], Vec::new(), RuleSet::empty(), &opts)
}

fn record_ids(idx: &Index) -> Vec<String> {
    (0..idx.records.len())
        .map(|i| idx.records.template(i))
        .map(|t| if t == NO_TEMPLATE { "-".to_string() } else { idx.templates.templates[t as usize].id.clone() })
        .collect()
}

#[test]
fn ids_are_stable_across_runs_chunk_sizes_and_threads() {
    let text = log_text(3000);
    let reference = build(&text, 1 << 30);
    let want = record_ids(&reference);
    assert!(want.iter().all(|id| id != "-"));
    assert!(reference.templates.templates.len() >= 6, "{:?}", reference.templates.templates);
    for chunk in [97, 1000, 4096, 65_536] {
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let idx = pool.install(|| build(&text, chunk));
            assert_eq!(record_ids(&idx), want, "chunk {chunk}, threads {threads}");
        }
    }
    // A second run from scratch gives the same ids.
    assert_eq!(record_ids(&build(&text, 1 << 30)), want);
}

#[test]
fn summary_counts_times_and_examples() {
    let text = log_text(600);
    let idx = build(&text, 4096);
    let list = summarise(&idx);
    let total: u64 = list.iter().map(|s| s.count).sum();
    assert_eq!(total, idx.records.len() as u64);
    assert!(list.windows(2).all(|w| w[0].count >= w[1].count));
    let signing = list.iter().find(|s| s.text.contains("token signing failed")).expect("signing template");
    assert_eq!(signing.count, 100);
    assert_eq!(signing.first, Some(culprit::time::civil_to_millis(2024, 1, 22, 15, 0, 1, 0)));
    assert_eq!(signing.examples.len(), 3);
    // Example records point at their lines: line 2 is the first signing failure.
    assert_eq!(signing.examples[0].line, 2);
    assert_eq!(signing.examples[0].path, "app.log");
    let first = signing.examples[0].record as usize;
    assert!(idx.message(first).starts_with(b"token signing failed"));
    // Three job states are three templates, not one.
    assert_eq!(list.iter().filter(|s| s.text.starts_with("job <*> state ")).count(), 3);
}

#[test]
fn mining_off_leaves_no_templates() {
    let text = log_text(50);
    let src = Source {
        id: 0,
        path: PathBuf::from("app.log"),
        stream: "app.log".into(),
        data: Data::Owned(text.into_bytes()),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { mine_patterns: false, ..Default::default() };
    let idx = Index::build(vec![src], Vec::new(), RuleSet::empty(), &opts);
    assert!(idx.templates.templates.is_empty());
    assert!((0..idx.records.len()).all(|i| idx.records.template(i) == NO_TEMPLATE));
}
