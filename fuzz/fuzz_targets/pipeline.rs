//! The whole pipeline on arbitrary bytes: an in-memory source → index (with the
//! built-in rules and pattern mining) → analysis → text, Markdown and JSON reports.
//! The first byte picks the chunk size so chunk boundaries move around.
#![no_main]

use culprit::analysis::{analyse, AnalysisOptions};
use culprit::findings::Findings;
use culprit::index::{Index, IndexOptions};
use culprit::report::{self, ReportFormat, ReportOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::Mutex;

// Compiling the built-in pack per input would dominate the run: keep one and take it back from each index.
static RULES: Mutex<Option<RuleSet>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let rules = RULES.lock().unwrap().take().unwrap_or_else(|| RuleSet::builtin().expect("built-in rules compile"));
    let source = Source {
        id: 0,
        path: PathBuf::from("fuzz.log"),
        stream: "fuzz.log".into(),
        data: Data::Owned(rest.to_vec()),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { chunk_size: 16 + sel as usize * 8, year: Some(2024), ..Default::default() };
    let mut index = Index::build(vec![source], Vec::new(), rules, &opts);
    let lines = index.inputs[0].lines;
    assert!(index.records.len() as u64 <= lines, "{} records from {lines} lines", index.records.len());
    for i in 0..index.records.len() {
        let l = index.line_of(i);
        assert!(l >= 1 && l as u64 <= lines, "record at line {l} of {lines}");
    }
    let findings = analyse(&index, &AnalysisOptions::default());
    for format in [ReportFormat::Text, ReportFormat::Markdown, ReportFormat::Json] {
        let mut out = Vec::new();
        report::write(&mut out, &findings, format, &ReportOptions::default()).expect("write to a Vec");
        if format == ReportFormat::Json {
            // Structural comparison: serde_json's default float parsing may differ in the last bit.
            let back: Findings = serde_json::from_slice(&out).expect("JSON report parses back");
            assert_eq!(back.causes.len(), findings.causes.len());
            assert_eq!(back.incident.is_some(), findings.incident.is_some());
            for (a, b) in back.causes.iter().zip(&findings.causes) {
                // `record` is not part of the wire format.
                let key = |c: &culprit::findings::Cause| -> Vec<_> {
                    c.evidence.iter().map(|e| (e.path.clone(), e.line, e.ts, e.text.clone())).collect()
                };
                assert_eq!(key(a), key(b));
                assert_eq!(a.reasons, b.reasons);
            }
        }
    }
    *RULES.lock().unwrap() = Some(std::mem::take(&mut index.rules));
});
