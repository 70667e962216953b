//! Inputs randomized testing found to break culprit, kept byte for byte.

use culprit::analysis::{analyse, AnalysisOptions};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// An incident plus one line stamped 53 years earlier (found by
/// tests/fuzz_props.rs::whole_pipeline_on_an_incident_with_garbage_spliced_in). The time axis
/// had 1 h buckets at most, so the span made ~460 000 buckets per signal and the quadratic
/// window search never finished; the axis is now capped (analysis::signals::MAX_BUCKETS).
#[test]
fn one_far_off_timestamp_does_not_stall_the_analysis() {
    let bytes = include_bytes!("data/fuzz/stray-far-timestamp.jsonl");
    let source = Source {
        id: 0,
        path: PathBuf::from("stray.jsonl"),
        stream: "stray.jsonl".into(),
        data: Data::Owned(bytes.to_vec()),
        mtime: None,
        warnings: Vec::new(),
    };
    let started = Instant::now();
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    let index = Index::build(vec![source], Vec::new(), RuleSet::builtin().unwrap(), &opts);
    let findings = analyse(&index, &AnalysisOptions::default());
    let took = started.elapsed();
    assert_eq!(findings.inputs[0].records, 122);
    assert!(findings.incident.is_some(), "the incident is still found");
    assert!(took < Duration::from_secs(20), "analysis took {took:?}");
}
