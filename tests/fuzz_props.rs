//! Bounded randomized runs over the entry points the fuzz targets in `fuzz/`
//! exercise, so CI (which runs no long fuzzing) still feeds each of them a few
//! hundred hostile inputs: every parser and detection, rule-file loading from
//! mutated real rule files, gunzip of mutated gzip, and the whole pipeline on a
//! mix of real-shaped log lines and garbage. Each must not panic and must keep
//! its basic invariants.

use culprit::analysis::{analyse, AnalysisOptions};
use culprit::findings::Findings;
use culprit::format::{detect, FormatKind, LineKind, ParseCtx, Parsed, Parser};
use culprit::index::{Index, IndexOptions};
use culprit::report::{self, ReportFormat, ReportOptions};
use culprit::rules::{Layer, RuleSet};
use culprit::source::{gunzip, Data, Source};
use proptest::prelude::*;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const KINDS: [FormatKind; FormatKind::BUILTIN.len()] = FormatKind::BUILTIN;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Real-shaped lines: the first lines of every file under `sample-logs/`, one list per file.
fn sample_lines() -> &'static Vec<Vec<u8>> {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut out = Vec::new();
        let mut dirs = vec![root().join("sample-logs")];
        while let Some(d) = dirs.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_none_or(|e| e != "md") {
                    let data = std::fs::read(&p).unwrap_or_default();
                    out.extend(data.split(|&c| c == b'\n').take(40).map(<[u8]>::to_vec));
                }
            }
        }
        assert!(out.len() > 100, "sample-logs/ should provide real-shaped lines");
        out
    })
}

/// The built-in rule files' text.
fn rule_files() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("rules"))
        .expect("rules/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// One line: a real one, a real one with bytes overwritten, or garbage.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let n = sample_lines().len();
    prop_oneof![
        4 => (0..n).prop_map(|i| sample_lines()[i].clone()),
        3 => (0..n, proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)).prop_map(
            |(i, edits)| {
                let mut l = sample_lines()[i].clone();
                for (at, b) in edits {
                    if !l.is_empty() {
                        let k = at.index(l.len());
                        l[k] = b;
                    }
                }
                l
            }
        ),
        1 => (0..n, any::<prop::sample::Index>()).prop_map(|(i, at)| {
            let l = &sample_lines()[i];
            l[..at.index(l.len() + 1)].to_vec()
        }),
        2 => proptest::collection::vec(any::<u8>(), 0..120),
        1 => proptest::string::string_regex("[ -~\t\x1b\u{9b}\u{202e}]{0,80}").unwrap().prop_map(String::into_bytes),
    ]
}

/// An incident the analysis ranks: steady logins on two hosts for 30 minutes, a config change
/// at 15:19:50, then errors and failed logins on auth-2 (the shape tests/tui_tmux.rs uses).
fn incident_lines() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for m in 0..30u32 {
        for (host, sec) in [("auth-1", 5), ("auth-2", 15), ("auth-1", 35), ("auth-2", 45)] {
            let bad = m >= 20 && host == "auth-2";
            let (level, msg, status) = if bad {
                ("error", "token signing failed: issuer mismatch", 500)
            } else {
                ("info", "login succeeded", 200)
            };
            out.push(
                format!(
                    r#"{{"ts":"2024-01-22T15:{m:02}:{sec:02}Z","level":"{level}","host":"{host}","service":"auth","msg":"{msg}","path":"/api/v1/auth/login","status":{status}}}"#
                )
                .into_bytes(),
            );
        }
    }
    out.insert(80, br#"{"ts":"2024-01-22T15:19:50Z","level":"info","host":"auth-2","service":"deploy","msg":"config changed: jwt.issuer"}"#.to_vec());
    out
}

fn join(lines: &[Vec<u8>], crlf: bool) -> Vec<u8> {
    let mut data = Vec::new();
    for l in lines {
        data.extend_from_slice(l);
        data.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    data
}

/// Parses every line of `data` with `parser`; every span must lie inside its line.
fn check_parser(parser: &Parser, data: &[u8], ctx: &ParseCtx) {
    let mut out = Parsed::default();
    for l in data.split(|&c| c == b'\n') {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if parser.parse(l, ctx, &mut out) == LineKind::Record {
            for s in [out.host, out.service, out.msg] {
                assert!(
                    s.is_empty() || s.end as usize <= l.len(),
                    "{:?}: span {s:?} past a {}-byte line",
                    parser.kind,
                    l.len()
                );
            }
            for f in &out.fields {
                assert!(
                    f.value.is_empty() || f.value.end as usize <= l.len(),
                    "{:?}: field past the line",
                    parser.kind
                );
                let _ = f.key_bytes(l);
            }
        }
    }
}

thread_local! {
    // The built-in pack compiles once per thread; each index hands it back.
    static RULES: RefCell<Option<RuleSet>> = const { RefCell::new(None) };
}

fn pipeline(data: Vec<u8>, chunk_size: usize) {
    let rules = RULES.with(|r| r.borrow_mut().take()).unwrap_or_else(|| RuleSet::builtin().expect("built-in rules"));
    let source = Source {
        id: 0,
        path: PathBuf::from("mixed.log"),
        stream: "mixed.log".into(),
        data: Data::Owned(data),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { chunk_size, year: Some(2024), ..Default::default() };
    let mut index = Index::build(vec![source], Vec::new(), rules, &opts);
    let lines = index.inputs[0].lines;
    assert!(index.records.len() as u64 <= lines, "{} records from {lines} lines", index.records.len());
    for l in (0..index.records.len()).map(|i| index.line_of(i)) {
        assert!(l >= 1 && u64::from(l) <= lines, "record at line {l} of a {lines}-line file");
    }
    let findings = analyse(&index, &AnalysisOptions::default());
    for c in &findings.causes {
        for e in &c.evidence {
            assert!(e.line >= 1 && e.line <= lines, "evidence line {} of {lines}", e.line);
        }
    }
    for format in [ReportFormat::Text, ReportFormat::Markdown, ReportFormat::Json] {
        let mut out = Vec::new();
        report::write(&mut out, &findings, format, &ReportOptions::default()).expect("write to a Vec");
        if format == ReportFormat::Json {
            let back: Findings = serde_json::from_slice(&out).expect("the JSON report parses back");
            assert_eq!(back.causes.len(), findings.causes.len());
            assert_eq!(back.inputs, findings.inputs);
            assert_eq!(back.incident.is_some(), findings.incident.is_some());
            for (a, b) in back.causes.iter().zip(&findings.causes) {
                // `record` is not part of the wire format.
                let key = |c: &culprit::findings::Cause| -> Vec<_> {
                    c.evidence.iter().map(|e| (e.path.clone(), e.line, e.ts, e.text.clone())).collect()
                };
                assert_eq!(key(a), key(b));
                assert_eq!(a.reasons, b.reasons);
            }
        } else {
            let s = String::from_utf8_lossy(&out);
            assert!(
                !s.contains('\x1b') && !s.contains('\u{9b}') && !s.contains('\u{202e}'),
                "raw control in {format:?}"
            );
        }
    }
    RULES.with(|r| *r.borrow_mut() = Some(std::mem::take(&mut index.rules)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_parser_and_detection(lines in proptest::collection::vec(line(), 0..24), crlf in any::<bool>(), k in 0..KINDS.len()) {
        let data = join(&lines, crlf);
        let ctx = ParseCtx { year: 2024, ..Default::default() };
        check_parser(&Parser::new(KINDS[k]), &data, &ctx);
        check_parser(&detect(&data, &ctx, &[]), &data, &ctx);
    }

    #[test]
    fn every_parser_on_raw_bytes(data in proptest::collection::vec(any::<u8>(), 0..400), k in 0..KINDS.len()) {
        let ctx = ParseCtx { year: 2024, ..Default::default() };
        check_parser(&Parser::new(KINDS[k]), &data, &ctx);
        check_parser(&detect(&data, &ctx, &[]), &data, &ctx);
    }

    #[test]
    fn mutated_rule_files_load_or_name_the_file(
        file in 0usize..6,
        at in any::<prop::sample::Index>(),
        len in 0usize..40,
        insert in "[ -~\n\\[\\]\"'=\\\\]{0,12}",
    ) {
        let files = rule_files();
        let (name, text) = &files[file % files.len()];
        // Cut a piece out and put a random one in, on a char boundary.
        let mut cut = at.index(text.len() + 1);
        while !text.is_char_boundary(cut) { cut -= 1; }
        let mut end = (cut + len).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}{}", &text[..cut], insert, &text[end..]);
        let layer = Layer { files: vec![(name.clone(), mutated)], built_in: false };
        if let Err(e) = RuleSet::from_layers(&[layer]) {
            let msg = e.to_string();
            prop_assert!(msg.contains(name.as_str()), "error does not name {name}: {msg}");
        }
    }

    #[test]
    fn mutated_gzip_decodes_or_warns(
        text in proptest::collection::vec(any::<u8>(), 0..2000),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        members in 1usize..3,
    ) {
        let mut gz = Vec::new();
        for _ in 0..members {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&text).unwrap();
            gz.extend(enc.finish().unwrap());
        }
        let (whole, warning) = gunzip(&gz);
        prop_assert_eq!(warning, None);
        prop_assert_eq!(whole, text.repeat(members));
        let mut bad = gz[..cut.index(gz.len() + 1)].to_vec();
        for (at, b) in flips {
            if !bad.is_empty() {
                let k = at.index(bad.len());
                bad[k] ^= b;
            }
        }
        let _ = gunzip(&bad);
    }

    #[test]
    fn whole_pipeline_on_mixed_lines(
        lines in proptest::collection::vec(line(), 0..48),
        crlf in any::<bool>(),
        trailing in any::<bool>(),
        chunk in 16usize..4096,
    ) {
        let mut data = join(&lines, crlf);
        if !trailing && data.last() == Some(&b'\n') {
            data.pop();
        }
        pipeline(data, chunk);
    }
}

proptest! {
    // Each case analyses a real incident (~0.3 s unoptimised): fewer cases.
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn whole_pipeline_on_an_incident_with_garbage_spliced_in(
        inserts in proptest::collection::vec((any::<prop::sample::Index>(), line()), 0..12),
        drops in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        crlf in any::<bool>(),
        chunk in 64usize..8192,
    ) {
        let mut lines = incident_lines();
        for at in drops {
            let k = at.index(lines.len());
            lines.remove(k);
        }
        for (at, l) in inserts {
            let k = at.index(lines.len() + 1);
            lines.insert(k, l);
        }
        pipeline(join(&lines, crlf), chunk);
    }
}
