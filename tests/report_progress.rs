//! The index's progress hook, which drives the report's progress bar: once
//! indexing is done, every byte of every input has been counted exactly once.

use culprit::index::{Index, IndexOptions, IndexProgress};
use culprit::rules::RuleSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[test]
fn progress_counts_every_byte_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut total = 0u64;
    for (name, n) in [("a.log", 3000), ("b.log", 10)] {
        let text: String = (0..n)
            .map(|i| format!("2024-03-14T14:{:02}:{:02}Z INFO request {i} served\n", i / 60 % 60, i % 60))
            .collect();
        total += text.len() as u64;
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let progress = Arc::new(IndexProgress::default());
    // Small chunks so the count is the sum of many parallel increments.
    let opts = IndexOptions { chunk_size: 4096, progress: Some(progress.clone()), ..IndexOptions::default() };
    let index = Index::open(&[dir.path().to_path_buf()], RuleSet::empty(), &opts);
    assert_eq!(index.records.len(), 3010);
    assert_eq!(progress.total.load(Ordering::Relaxed), total);
    assert_eq!(progress.done.load(Ordering::Relaxed), total);
}
