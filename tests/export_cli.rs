//! `culprit export --format jsonl`: one JSON object per record, with what the parsers understood,
//! streamed, safe on a closed pipe, and with hostile text escaped.

use assert_cmd::Command;
use std::io::Read;
use std::process::Stdio;

fn export(args: &[&str], dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = Command::cargo_bin("culprit").unwrap().args(["export"]).args(args).arg(dir).output().unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn every_record_with_time_level_place_and_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("postgresql.log"),
        "2024-01-22 15:00:02.123 UTC [4242] ERROR:  duplicate key value violates unique constraint \"users_pkey\"\n\
         2024-01-22 15:00:02.123 UTC [4242] DETAIL:  Key (id)=(7) already exists.\n\
         2024-01-22 15:00:03.000 UTC [4243] LOG:  checkpoint starting: time\n",
    )
    .unwrap();
    std::fs::write(
        d.join("app.json"),
        "{\"ts\":\"2024-01-22T15:00:04.5Z\",\"level\":\"error\",\"msg\":\"token \\\"k2\\\" failed\",\"host\":\"auth-2\",\"kid\":\"k2\"}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("access.log"),
        "10.0.0.7 - - [22/Jan/2024:15:00:05 +0000] \"POST /login HTTP/1.1\" 500 71 \"-\" \"curl/8.0\"\n",
    )
    .unwrap();
    let rows = export(&["--format", "jsonl"], d);
    assert_eq!(rows.len(), 4, "{rows:#?}");
    let by_file = |name: &str| -> Vec<&serde_json::Value> {
        rows.iter().filter(|r| r["path"].as_str().unwrap().ends_with(name)).collect()
    };

    let pg = by_file("postgresql.log");
    assert_eq!(pg.len(), 2, "the DETAIL line continues the ERROR record");
    assert_eq!(pg[0]["ts"], "2024-01-22T15:00:02.123Z");
    assert_eq!(pg[0]["level"], "error");
    assert_eq!(pg[0]["line"], 1);
    assert_eq!(pg[1]["line"], 3, "line numbers are the file's, 1-based");
    assert_eq!(pg[0]["format"], "postgres");
    assert_eq!(pg[0]["message"], "duplicate key value violates unique constraint \"users_pkey\"");
    assert_eq!(pg[0]["fields"]["pid"], "4242");

    let app = by_file("app.json");
    assert_eq!(app[0]["host"], "auth-2");
    assert_eq!(app[0]["ts"], "2024-01-22T15:00:04.500Z");
    assert_eq!(app[0]["message"], "token \"k2\" failed", "JSON escapes are decoded once, not twice");
    assert_eq!(app[0]["fields"]["kid"], "k2");

    let access = by_file("access.log");
    assert_eq!(access[0]["fields"]["status"], "500");
    assert_eq!(access[0]["fields"]["method"], "POST");
    assert!(access[0]["host"].is_null(), "no host is null, not an empty string");
}

#[test]
fn untimed_records_have_null_time_and_control_characters_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("odd.log"), "no stamp here \x1b[31mred\x1b[0m and a bell \x07\n").unwrap();
    let out = Command::cargo_bin("culprit").unwrap().args(["export"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.iter().any(|&b| b < 0x20 && b != b'\n'), "raw control bytes in {:?}", out.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\\u001b[31m"), "{text}");
    let row: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(row["ts"].is_null());
    assert!(row["message"].as_str().unwrap().contains('\x07'));
}

#[test]
fn other_output_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), "2024-01-22 15:00:00 INFO up\n").unwrap();
    let out =
        Command::cargo_bin("culprit").unwrap().args(["export", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jsonl"));
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!("2024-01-22 15:{:02}:{:02} ERROR request {i} failed\n", (i / 60) % 60, i % 60));
    }
    std::fs::write(dir.path().join("big.log"), text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("culprit"))
        .arg("export")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 4096];
    stdout.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"{\"ts\":\"2024-01-22T15:00:00.000Z\""));
    drop(stdout);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "exit {status}, stderr: {err}");
    assert!(err.is_empty(), "stderr: {err}");
}
