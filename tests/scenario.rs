//! The scenario generator: determinism, ground truth that points at real
//! lines, every family present, and logs culprit can index with timestamps.

use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit_scenarios::{self as scenario, Family, Options, Truth};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Small but still hours long: tests stay quick in debug builds.
const TEST_SIZE: u64 = 1 << 20;

fn small(family: Family, seed: u64) -> Options {
    Options { family, seed, size: Some(TEST_SIZE), sample: false }
}

/// Every file under `dir`, relative path → FNV-1a 64 hash of its bytes.
fn hashes(dir: &Path) -> BTreeMap<String, u64> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, u64>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in bytes {
                    h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
                }
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().into_owned(), h);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn line_of(path: &Path, line: u64) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.split('\n').nth(line as usize - 1).unwrap_or_else(|| panic!("{}: no line {line}", path.display())).to_string()
}

fn check_indexes(dir: &Path, truth: &Truth) {
    let opts = IndexOptions { year: Some(year_of(truth)), ..Default::default() };
    let idx = Index::open(&[dir.join("logs")], RuleSet::empty(), &opts);
    assert!(idx.notices.is_empty(), "{:?}", idx.notices);
    // Each writer stamps its lines in the order it writes them (a stepped clock is the exception).
    if truth.family != "clock-step" {
        let r = &idx.records;
        for i in 1..r.len() {
            if r.source(i) == r.source(i - 1)
                && r.ts(i) != culprit::time::NO_TIME
                && r.ts(i - 1) != culprit::time::NO_TIME
            {
                assert!(r.ts(i) >= r.ts(i - 1), "{} line {} goes back in time", idx.path_of(i), idx.line_of(i));
            }
        }
    }
    for f in &truth.files {
        let info = idx
            .inputs
            .iter()
            .find(|i| Path::new(&i.path).ends_with(&f.path))
            .unwrap_or_else(|| panic!("{} not indexed", f.path));
        assert_eq!(info.lines, f.lines, "{}", f.path);
        if f.lines == 0 {
            continue;
        }
        // Every format the generator writes parses completely, with timestamps.
        assert_eq!(info.unparsed, 0, "{} ({}) has unparsed lines", f.path, f.format);
        assert_eq!(info.untimed, 0, "{} ({}) has untimed records", f.path, f.format);
        // Timestamps land inside the scenario (slow requests finish a little after it; a stepped clock runs ahead).
        let ms = |s: &str| culprit::time::parse_iso(s.as_bytes(), 0).unwrap().ms;
        let slack = if truth.family == "clock-step" { 11 * 60_000 } else { 60_000 };
        assert!(info.first >= ms(&truth.span.start), "{}: starts {}", f.path, info.first);
        assert!(info.last <= ms(&truth.span.end) + slack, "{}: ends {}", f.path, info.last);
    }
}

fn year_of(truth: &Truth) -> i64 {
    truth.span.start[..4].parse().unwrap()
}

fn check_truth(dir: &Path, truth: &Truth) {
    let logs = dir.join("logs");
    let on_disk: Truth = truth.clone();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    assert_eq!(json["family"], on_disk.family);
    for f in &truth.files {
        assert!(logs.join(&f.path).is_file(), "{}", f.path);
        assert!(f.lines > 0, "{} is empty", f.path);
    }
    if truth.family == "quiet" {
        assert!(json["incident"].is_null());
        assert!(json["cause"].is_null());
    } else {
        let cause = truth.cause.as_ref().expect("cause");
        assert_eq!(line_of(&logs.join(&cause.path), cause.line), cause.text, "{}", truth.family);
        assert!(!cause.hosts.is_empty());
        let w = truth.incident.as_ref().unwrap();
        // Change-to-onset lag within the documented bounds (RFC 3339 strings sort like instants).
        assert!(cause.at < w.start && w.start < w.end, "{}", truth.family);
        assert!(
            truth.symptom.incident_ratio > truth.symptom.baseline_ratio + 0.05,
            "{}: {:?}",
            truth.family,
            truth.symptom
        );
        assert!(truth.red_herrings.iter().any(|h| h.kind == "consequence"));
    }
    for kind in ["chronic", "unrelated-change"] {
        let h = truth.red_herrings.iter().find(|h| h.kind == kind).unwrap_or_else(|| panic!("no {kind}"));
        assert!(logs.join(&h.path).is_file(), "{}", h.path);
        if let Some(c) = &truth.cause {
            if kind == "chronic" {
                assert_ne!(h.subsystem, c.subsystem);
            }
        }
    }
    // The loudest error source is not the cause.
    assert!(
        truth.counts.chronic_errors > truth.counts.incident_errors,
        "{}: chronic {} <= incident {}",
        truth.family,
        truth.counts.chronic_errors,
        truth.counts.incident_errors
    );
}

#[test]
fn same_seed_same_bytes_and_different_seeds_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let c = tmp.path().join("c");
    scenario::generate(&a, &small(Family::OomKill, 7)).unwrap();
    scenario::generate(&b, &small(Family::OomKill, 7)).unwrap();
    scenario::generate(&c, &small(Family::OomKill, 8)).unwrap();
    let (ha, hb, hc) = (hashes(&a), hashes(&b), hashes(&c));
    // Regenerating over a scenario replaces it; a folder of other logs is left alone.
    scenario::generate(&a, &small(Family::OomKill, 7)).unwrap();
    assert_eq!(hashes(&a), ha);
    let other = tmp.path().join("real");
    std::fs::create_dir_all(other.join("logs")).unwrap();
    std::fs::write(other.join("logs/app.log"), "keep me\n").unwrap();
    assert!(scenario::generate(&other, &small(Family::OomKill, 7)).is_err());
    assert_eq!(std::fs::read(other.join("logs/app.log")).unwrap(), b"keep me\n");
    assert!(ha.len() > 5);
    assert_eq!(ha, hb);
    assert_ne!(ha, hc);
}

#[test]
fn every_family_has_checkable_truth_and_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for (i, fam) in Family::ALL.into_iter().enumerate() {
        let dir = tmp.path().join(fam.name());
        let truth = scenario::generate(&dir, &small(fam, 11 + i as u64)).unwrap();
        assert_eq!(truth.family, fam.name());
        check_truth(&dir, &truth);
        check_indexes(&dir, &truth);
        seen.push(truth.family.clone());
    }
    assert!(seen.len() >= 10 && seen.contains(&"quiet".to_string()));
}

#[test]
fn seeds_vary_formats_and_layouts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut formats = std::collections::BTreeSet::new();
    let mut layouts = std::collections::BTreeSet::new();
    for seed in 1..=6 {
        let dir = tmp.path().join(seed.to_string());
        let truth =
            scenario::generate(&dir, &Options { size: Some(256 << 10), ..small(Family::AuthConfig, seed) }).unwrap();
        check_truth(&dir, &truth);
        formats.extend(truth.files.iter().map(|f| f.format.clone()));
        layouts.insert(truth.files.iter().any(|f| f.path.starts_with("syslog/")));
        let auth_line =
            truth.files.iter().find(|f| f.path.contains("auth-1")).map(|f| line_of(&dir.join("logs").join(&f.path), 1));
        formats.insert(format!("auth-key:{}", &auth_line.unwrap()[..6]));
    }
    for f in ["json", "access", "nginx-error", "postgres", "syslog", "audit", "java", "mysql", "logfmt", "klog"] {
        assert!(formats.contains(f), "{f} missing from {formats:?}");
    }
    assert!(formats.iter().filter(|f| f.starts_with("auth-key:")).count() >= 2, "{formats:?}");
    assert_eq!(layouts.len(), 2, "both layouts expected");
}

#[test]
fn size_scales_the_volume() {
    let tmp = tempfile::tempdir().unwrap();
    let t = scenario::generate(tmp.path(), &Options { size: Some(4 << 20), ..small(Family::DnsResolver, 3) }).unwrap();
    let total: u64 = t.files.iter().map(|f| f.bytes).sum();
    assert!((3 << 20..6 << 20).contains(&total), "{total}");
    assert_eq!(scenario::parse_size("64M"), Some(64 << 20));
    assert_eq!(scenario::parse_size("1G"), Some(1 << 30));
    assert_eq!(scenario::parse_size("1234"), Some(1234));
    assert_eq!(scenario::parse_size("x"), None);
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[test]
fn sample_logs_are_the_generated_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let truth = scenario::generate(tmp.path(), &Options::sample()).unwrap();
    check_truth(tmp.path(), &truth);
    check_indexes(tmp.path(), &truth);
    let generated = hashes(&tmp.path().join("logs"));
    let mut committed = hashes(&repo("sample-logs"));
    committed.remove("README.md");
    assert_eq!(generated, committed, "regenerate: cargo run --release --example scenario -- --sample --out DIR");
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo("tests/data/sample-truth.json")).unwrap()).unwrap();
    let got: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("truth.json")).unwrap()).unwrap();
    assert_eq!(got, want);
    // The story the README tells.
    let cause = truth.cause.unwrap();
    assert_eq!(cause.hosts, ["auth-2", "auth-3"]);
    assert!(cause.text.contains("CHG-4411"));
    assert!(cause.at.starts_with("2024-01-22T15:28"));
    let w = truth.incident.unwrap();
    assert_eq!((w.start.as_str(), w.end.as_str()), ("2024-01-22T15:30:00.000Z", "2024-01-22T16:45:00.000Z"));
    assert!((0.38..0.52).contains(&truth.symptom.incident_ratio), "{:?}", truth.symptom);
    let total: u64 = truth.files.iter().map(|f| f.bytes).sum();
    assert!(total < 8 << 20);
}
