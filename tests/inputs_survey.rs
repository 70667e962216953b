//! `culprit inputs` reads formats and times without rules or pattern mining: its per-input figures
//! must equal those of the full index (built-in rules, mining on) on real input sets, whatever the
//! chunk size and the year and zone options.

use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::time::LocalZone;
use std::path::{Path, PathBuf};

fn assert_survey_equals_index(paths: &[PathBuf], opts: &IndexOptions) {
    let full = Index::open(paths, RuleSet::builtin().expect("built-in rules"), opts);
    assert!(!full.rules.is_empty() && !full.templates.templates.is_empty(), "the full index runs rules and mining");
    let (inputs, notices) = Index::survey(paths, opts);
    assert!(!inputs.is_empty(), "{paths:?}: no inputs");
    let as_json = |v: &[culprit::index::InputInfo]| serde_json::to_value(v).expect("inputs serialise");
    assert_eq!(as_json(&inputs), as_json(&full.inputs), "{paths:?} with {opts:?}");
    let texts = |n: &[culprit::source::Notice]| n.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(texts(&notices), texts(&full.notices), "{paths:?}");
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Option sets that change the figures: small chunks cut records from their continuation lines
/// and yearless files get their year from `--year` or from the dated inputs beside them.
fn option_sets() -> Vec<IndexOptions> {
    vec![
        IndexOptions::default(),
        IndexOptions {
            chunk_size: 4096,
            year: Some(2023),
            zone: LocalZone::parse("+05:30").expect("zone"),
            ..Default::default()
        },
    ]
}

#[test]
fn survey_equals_the_full_index_on_the_samples_and_test_incidents() {
    let sets = [
        vec![data("sample-logs")],
        // Yearless syslog `messages` beside dated logs.
        vec![data("tests/data/incidents/cert-rotation/logs")],
        vec![data("tests/data/incidents/disk-fault-db-stop/logs")],
        // An `.err` file and per-host syslog folders.
        vec![data("tests/data/incidents/volume-full-timeouts/logs")],
        vec![data("tests/data/incidents/morning-rise/logs"), data("tests/data/fuzz")],
    ];
    for paths in &sets {
        for opts in option_sets() {
            assert_survey_equals_index(paths, &opts);
        }
    }
}

#[test]
fn survey_equals_the_full_index_on_awkward_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Continuation lines (some past a 4 KiB chunk boundary), blank lines, unparsed lines, a
    // continuation at the start of the file.
    let mut app = String::from("  orphan continuation\n");
    let mut marks = 0;
    for i in 0..200 {
        app.push_str(&format!("2024-12-31T23:{:02}:{:02}Z ERROR request {i} failed\n", i / 60, i % 60));
        app.push_str("java.lang.IllegalStateException: pool exhausted\n    at a.b.C(C.java:1)\n\n");
        if i % 7 == 0 {
            app.push_str("### not a log line ###\n");
            marks += 1;
        }
    }
    std::fs::write(d.join("app.log"), app).unwrap();
    // A yearless syslog crossing new year, and one with no timestamps at all.
    std::fs::write(
        d.join("messages"),
        "Dec 31 23:59:58 db-1 postgres[10]: LOG:  checkpoint starting: time\n\
         Jan  1 00:00:02 db-1 sshd[11]: Accepted publickey for deploy from 10.0.0.5 port 40022 ssh2\n",
    )
    .unwrap();
    std::fs::write(d.join("notes.txt"), "plain words\nmore words\n").unwrap();
    let paths = vec![d.to_path_buf(), d.join("missing.log")];
    for opts in option_sets() {
        assert_survey_equals_index(&paths, &opts);
    }
    let (inputs, notices) = Index::survey(&paths, &IndexOptions::default());
    assert_eq!(inputs.len(), 3);
    assert_eq!(notices.len(), 1, "the missing path is a notice");
    let app = inputs.iter().find(|i| i.path.ends_with("app.log")).unwrap();
    // The orphan continuation and the marks are kept as unparsed records.
    assert_eq!(app.records, 200 + marks + 1);
    assert_eq!(app.unparsed, marks + 1);
}
