//! `culprit patterns` end to end.

use assert_cmd::Command;
use std::io::Write;

fn write_log(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
    p
}

const LOG: &str = concat!(
    "garbage before any record\n",
    "2024-01-22T15:30:01Z INFO job 1 state running\n",
    "2024-01-22T15:30:02Z ERROR boom in worker 3\n",
    "  at foo.bar(Baz.java:10)\n",
    "  at x.y(Z.java:2)\n",
    "2024-01-22T15:30:03Z INFO job 2 state running\n",
    "2024-01-22T15:40:04Z ERROR disk \u{1b}[H full on /dev/sda1\n",
    "2024-01-22T15:40:05Z INFO job 3 state running\r\n",
    "2024-01-22T15:40:06Z INFO job 4 state running",
);

#[test]
fn per_line_gives_one_line_per_physical_line_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_log(&dir, "a.log", LOG);
    let b = write_log(&dir, "b.log", "2024-01-22T15:30:01Z INFO job 9 state running\n");
    let out = Command::cargo_bin("culprit").unwrap().args(["patterns", "--per-line"]).arg(&a).arg(&b).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 9 + 1);
    for (k, row) in rows[..9].iter().enumerate() {
        assert_eq!(row.len(), 3);
        assert!(row[0].ends_with("a.log"), "{row:?}");
        assert_eq!(row[1], (k + 1).to_string());
    }
    assert!(rows[9][0].ends_with("b.log") && rows[9][1] == "1");
    let id = |k: usize| rows[k][2];
    assert_eq!(id(0), "-", "unparsed line");
    // Continuation lines carry their record's template.
    assert_eq!(id(3), id(2));
    assert_eq!(id(4), id(2));
    // `job N state running` is one template, across both files.
    for k in [5, 7, 8, 9] {
        assert_eq!(id(k), id(1));
    }
    assert_ne!(id(1), id(2));
    assert!(id(1).starts_with('T') && id(1).len() == 9);
}

#[test]
fn list_is_most_frequent_first_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_log(&dir, "a.log", LOG);
    let out = Command::cargo_bin("culprit").unwrap().arg("patterns").arg(&a).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("count") && lines[0].contains("template"));
    assert!(lines[1].contains("job <*> state running"), "{text}");
    assert!(lines[1].trim_start().starts_with('4'));
    assert!(lines[1].contains("2024-01-22T15:30:01"));
    assert!(!text.contains('\u{1b}'), "terminal escapes must not pass through");
    assert!(text.contains("\\x1b"));
}

#[test]
fn new_since_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_log(&dir, "a.log", LOG);
    let out = Command::cargo_bin("culprit")
        .unwrap()
        .args(["patterns", "--json", "--new-since", "2024-01-22T15:35:00Z"])
        .arg(&a)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v["templates"].as_array().unwrap();
    // Only the disk error first appears after 15:35; the job template started before.
    assert_eq!(list.len(), 1, "{v}");
    assert!(list[0]["text"].as_str().unwrap().starts_with("disk"));
    assert_eq!(list[0]["count"], 1);
    assert_eq!(list[0]["examples"][0]["line"], 7);
    // Relative times resolve against the data span: -1m from the end (15:40:06) is 15:39:06.
    let out = Command::cargo_bin("culprit").unwrap().args(["patterns", "--new-since", "-1m"]).arg(&a).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let bad =
        Command::cargo_bin("culprit").unwrap().args(["patterns", "--new-since", "yesterday"]).arg(&a).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--new-since"));
}
