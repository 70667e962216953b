//! The envelopes (CRI, Docker json-file, journald JSON), each line through all three, then the
//! first byte picks one to index the rest with, so CRI partial lines join across line ends.
//! Every span must lie inside its physical line (a decoded JSON string is parsed in a scratch
//! buffer and mapped back), and records must not outnumber lines.
#![no_main]

use culprit::format::{FormatKind, ParseCtx, Parsed, Parser};
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

const ENVELOPES: [FormatKind; 3] = [FormatKind::Cri, FormatKind::DockerJson, FormatKind::Journald];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let ctx = ParseCtx { year: 2024, ..Default::default() };
    let mut out = Parsed::default();
    for kind in ENVELOPES {
        let parser = Parser::new(kind);
        for line in rest.split(|&c| c == b'\n') {
            parser.parse(line, &ctx, &mut out);
            for s in [out.host, out.service, out.msg] {
                assert!(s.is_empty() || s.end as usize <= line.len(), "{kind:?}: span {s:?} outside the line");
                assert!(s.start <= s.end, "{kind:?}: span {s:?} reversed");
            }
            for f in &out.fields {
                assert!(f.value.is_empty() || f.value.end as usize <= line.len(), "{kind:?}: field outside the line");
                let _ = f.key_bytes(line);
            }
        }
    }
    let kind = ENVELOPES[sel as usize % ENVELOPES.len()];
    let source = Source {
        id: 0,
        path: PathBuf::from("fuzz.log"),
        stream: "fuzz.log".into(),
        data: Data::Owned(rest.to_vec()),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions {
        forced_formats: vec![("fuzz.log".into(), kind)],
        chunk_size: 16 + (sel as usize / 3) * 8,
        year: Some(2024),
        mine_patterns: false,
        ..Default::default()
    };
    let index = Index::build(vec![source], Vec::new(), RuleSet::empty(), &opts);
    let lines = index.inputs[0].lines;
    assert!(index.records.len() as u64 <= lines, "{} records from {lines} lines", index.records.len());
    for i in 0..index.records.len() {
        let l = index.line_of(i);
        assert!(l >= 1 && l as u64 <= lines, "record at line {l} of {lines}");
    }
});
