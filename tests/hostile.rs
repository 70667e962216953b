//! Hostile, broken and enormous inputs through the real binary: culprit must
//! name the problem, carry on with the other inputs, never panic, never hang,
//! never write to what it reads, and never let log text drive the terminal.

use assert_cmd::Command;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

fn culprit() -> Command {
    let mut c = Command::cargo_bin("culprit").expect("binary");
    c.timeout(Duration::from_secs(120));
    c.env("NO_COLOR", "1");
    c
}

fn inputs_json(paths: &[&Path]) -> serde_json::Value {
    let out = culprit().arg("inputs").arg("--json").args(paths).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "inputs failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    serde_json::from_slice(&out.stdout).expect("json")
}

fn input<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["inputs"]
        .as_array()
        .expect("inputs array")
        .iter()
        .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("no input named {name} in {doc}"))
}

const GOOD: &str = "2024-01-22T15:30:01Z ERROR good line\n2024-01-22T15:30:02Z INFO another\n";

#[test]
fn broken_bytes_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("good.log"), GOOD).unwrap();
    fs::write(d.join("utf8.log"), b"2024-01-22T15:30:01Z INFO caf\xc3 \xff\xfe bytes\n2024-01-22T15:30:02Z INFO ok\n")
        .unwrap();
    fs::write(d.join("nul.log"), b"2024-01-22T15:30:01Z INFO a\x00b\n2024-01-22T15:30:02Z INFO ok\n").unwrap();
    fs::write(d.join("cr.log"), "2024-01-22T15:30:01Z INFO a\r2024-01-22T15:30:02Z INFO b\r").unwrap();
    fs::write(
        d.join("mixed.log"),
        "2024-01-22T15:30:01Z INFO a\r\n2024-01-22T15:30:02Z INFO b\n2024-01-22T15:30:03Z INFO c",
    )
    .unwrap();
    fs::write(d.join("empty.log"), "").unwrap();
    fs::write(d.join("notime.log"), "just words\nmore words\n").unwrap();
    fs::write(d.join("backwards.log"), "2024-01-22T15:30:09Z INFO late\n2024-01-22T15:30:01Z INFO early\n").unwrap();
    let doc = inputs_json(&[d]);
    assert_eq!(input(&doc, "good.log")["records"], 2);
    assert_eq!(input(&doc, "utf8.log")["records"], 2);
    assert_eq!(input(&doc, "utf8.log")["untimed"], 0);
    assert_eq!(input(&doc, "nul.log")["records"], 2);
    assert_eq!(input(&doc, "mixed.log")["lines"], 3);
    assert_eq!(input(&doc, "mixed.log")["untimed"], 0);
    assert_eq!(input(&doc, "empty.log")["records"], 0);
    assert_eq!(input(&doc, "notime.log")["untimed"], 2);
    assert!(input(&doc, "notime.log")["warnings"].to_string().contains("no timestamps"));
    assert_eq!(input(&doc, "backwards.log")["first"], "2024-01-22T15:30:01.000Z");
    // CR-only files are one physical line to a newline splitter; nothing is lost, nothing panics.
    assert!(input(&doc, "cr.log")["lines"].as_u64().unwrap() >= 1);
}

#[test]
fn gzip_corrupt_and_empty_name_the_file_and_others_carry_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("good.log"), GOOD).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(GOOD.repeat(50).as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    fs::write(d.join("rotated.log.1.gz"), &gz).unwrap();
    fs::write(d.join("corrupt.log.2.gz"), &gz[..gz.len() / 2]).unwrap();
    fs::write(d.join("zero.log.3.gz"), b"").unwrap();
    let doc = inputs_json(&[d]);
    assert_eq!(input(&doc, "good.log")["records"], 2);
    assert_eq!(input(&doc, "rotated.log.1.gz")["records"], 100);
    let corrupt = input(&doc, "corrupt.log.2.gz");
    assert!(corrupt["warnings"].to_string().contains("corrupt"), "{corrupt}");
    assert_eq!(input(&doc, "zero.log.3.gz")["records"], 0);
}

#[test]
fn binary_files_are_skipped_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("good.log"), GOOD).unwrap();
    fs::write(d.join("core.bin"), vec![0u8; 10_000]).unwrap();
    let doc = inputs_json(&[d]);
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 1);
    assert!(doc["notices"].to_string().contains("core.bin: binary file, skipped"), "{doc}");
}

#[test]
fn enormous_lines_and_deep_json_do_not_hurt() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut big = b"2024-01-22T15:30:01Z INFO ".to_vec();
    big.resize(64 << 20, b'x');
    big.extend_from_slice(b"\n2024-01-22T15:30:02Z INFO after\n");
    fs::write(d.join("bigline.log"), &big).unwrap();
    let deep = format!("{{\"ts\":\"2024-01-22T15:30:01Z\",\"a\":{}}}\n", "[".repeat(100_000));
    fs::write(d.join("deep.json"), deep).unwrap();
    let mut fields = String::from("time=2024-01-22T15:30:01Z level=info msg=wide");
    for i in 0..1_000_000 {
        fields.push_str(&format!(" k{i}=v"));
    }
    fields.push('\n');
    fs::write(d.join("wide.log"), fields).unwrap();
    let doc = inputs_json(&[d]);
    assert_eq!(input(&doc, "bigline.log")["records"], 2);
    assert_eq!(input(&doc, "deep.json")["lines"], 1);
    assert_eq!(input(&doc, "wide.log")["lines"], 1);
    // The whole pipeline too.
    let out = culprit().arg("report").arg("--format").arg("json").arg(d).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(unix)]
#[test]
fn symlink_loops_fifos_and_devices() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("good.log"), GOOD).unwrap();
    fs::create_dir(d.join("sub")).unwrap();
    symlink(d, d.join("sub/loop")).unwrap();
    let fifo = d.join("pipe.log");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    let doc = inputs_json(&[d]);
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 1, "{doc}");
    if made {
        assert!(doc["notices"].to_string().contains("not a regular file"), "{doc}");
    }
    // /dev/zero named explicitly: read a little, found binary, skipped — never a hang.
    let doc = inputs_json(&[Path::new("/dev/zero"), &d.join("good.log")]);
    assert!(doc["notices"].to_string().contains("/dev/zero: binary file, skipped"), "{doc}");
}

#[test]
fn many_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20_000 {
        fs::write(dir.path().join(format!("f{i:05}.log")), format!("2024-01-22T15:30:01Z INFO file {i}\n")).unwrap();
    }
    let doc = inputs_json(&[dir.path()]);
    assert_eq!(doc["inputs"].as_array().unwrap().len(), 20_000);
}

#[test]
fn missing_and_unreadable_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    fs::write(&good, GOOD).unwrap();
    let missing = dir.path().join("nope.log");
    let out = culprit().arg("inputs").arg("--json").arg(&missing).arg(&good).output().expect("run");
    // Named on stderr with exit status 2 once the rest is listed (tests/reliability.rs has the rest).
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.log: no such file or directory"));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(doc["notices"].to_string().contains("nope.log: no such file or directory"), "{doc}");
    assert_eq!(input(&doc, "good.log")["records"], 2);
}

#[test]
fn inputs_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    fs::write(&log, GOOD).unwrap();
    let before = fs::metadata(&log).unwrap().modified().unwrap();
    let listing_before: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    culprit().arg("report").arg(dir.path()).assert().success();
    culprit().arg("inputs").arg(dir.path()).assert().success();
    assert_eq!(fs::read_to_string(&log).unwrap(), GOOD);
    assert_eq!(fs::metadata(&log).unwrap().modified().unwrap(), before);
    let listing_after: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(listing_before, listing_after, "no files may appear next to the logs");
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil =
        "2024-01-22T15:30:01Z ERROR user \x1b]0;pwned\x07 \x1b[2J \u{9b}31m \u{202e}gnp.exe \x1b]52;c;Zm9v\x07\n";
    fs::write(dir.path().join("evil\x1b[31m.log"), evil.repeat(3)).unwrap();
    for args in [vec!["inputs"], vec!["report"], vec!["report", "--format", "markdown"]] {
        let out = culprit().args(&args).arg(dir.path()).output().unwrap();
        for stream in [&out.stdout, &out.stderr] {
            let s = String::from_utf8_lossy(stream);
            assert!(!s.contains('\x1b'), "{args:?}: raw ESC in {s:?}");
            assert!(!s.contains('\x07'), "{args:?}: raw BEL");
            assert!(!s.contains('\u{9b}'), "{args:?}: raw CSI");
            assert!(!s.contains('\u{202e}'), "{args:?}: raw bidi override");
        }
    }
}

#[test]
fn closed_stdout_pipe_ends_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("2024-01-22T15:{:02}:{:02}Z INFO line {i}\n", (i / 60) % 60, i % 60));
    }
    fs::write(dir.path().join("app.log"), text).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("culprit");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' patterns --per-line '{}' | head -1; exit ${{PIPESTATUS:-0}}",
            bin.display(),
            dir.path().display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}
