//! Inputs that change under culprit, decompression bombs, absurd flags, closed
//! pipes and hostile characters in JSON, through the real binary. Each case is
//! listed in docs/reliability.md.

use assert_cmd::Command;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("culprit")
}

fn culprit() -> Command {
    let mut c = Command::cargo_bin("culprit").expect("binary");
    c.timeout(Duration::from_secs(60));
    c.env("NO_COLOR", "1");
    c
}

/// `n` timestamped lines, one a second from 15:00, every tenth an error.
fn log_lines(n: usize) -> String {
    let mut s = String::with_capacity(n * 64);
    for i in 0..n {
        let level = if i % 10 == 0 { "ERROR" } else { "INFO" };
        s.push_str(&format!(
            "2024-01-22T{:02}:{:02}:{:02}Z {level} request {i} served in 12ms\n",
            15 + i / 3600 % 9,
            i / 60 % 60,
            i % 60
        ));
    }
    s
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A file truncated after culprit read it, before it was indexed: the old build mapped it and
/// died of SIGBUS on the next page it touched. The FIFO named after it makes the moment exact:
/// opening its write end returns once culprit has finished with the big file and waits on the FIFO.
#[cfg(unix)]
#[test]
fn truncated_while_in_use_finishes_and_names_the_input() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    fs::write(&big, log_lines(200_000)).unwrap();
    let size = fs::metadata(&big).unwrap().len();
    // At rest for an hour: exactly the files the old build memory-mapped.
    let f = fs::File::options().write(true).open(&big).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
    drop(f);
    let fifo = dir.path().join("late.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let child = std::process::Command::new(bin())
        .args(["report", "--format", "json"])
        .arg(&big)
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = fs::File::options().write(true).open(&fifo).unwrap();
    // `> big.log` (logrotate's copytruncate does the same).
    fs::File::options().write(true).open(&big).unwrap().set_len(0).unwrap();
    w.write_all(b"2024-01-22T15:00:00Z INFO late line\n").unwrap();
    drop(w);
    let out = child.wait_with_output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.signal(), None, "killed by a signal: {err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = format!("big.log: shrank from {size} to 0 bytes after it was read");
    assert!(doc["notices"].to_string().contains(&want), "{}", doc["notices"]);
    assert!(err.contains(&want), "{err}");
    let records: u64 = doc["inputs"].as_array().unwrap().iter().map(|i| i["records"].as_u64().unwrap()).sum();
    assert_eq!(records, 200_001, "the report covers what was read");
}

/// Shrinking and regrowing a large file over and over while reports run on it: never a signal,
/// always a report. (Whether a run sees a shrink depends on timing; the test above pins it.)
#[cfg(unix)]
#[test]
fn truncation_during_runs_never_kills() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("busy.log");
    let text = log_lines(150_000);
    for delay_ms in [0u64, 20, 80] {
        fs::write(&big, &text).unwrap();
        let f = fs::File::options().write(true).open(&big).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
        let child = std::process::Command::new(bin())
            .args(["report", "--format", "json"])
            .arg(&big)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        f.set_len(1000).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), None, "killed after {delay_ms} ms: {}", stderr_of(&out));
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("a whole JSON report");
    }
}

/// A multi-member gzip of `members` copies of 1 MiB of log lines: a few KiB that expand a thousandfold.
const BOMB_LINE: &[u8] = b"2024-01-22T15:00:00Z INFO the same line again and again\n";

fn gzip_bomb(members: usize) -> Vec<u8> {
    use flate2::write::GzEncoder;
    let mut plain = Vec::new();
    while plain.len() < 1 << 20 {
        plain.extend_from_slice(BOMB_LINE);
    }
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&plain).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(members)
}

#[test]
fn gzip_bomb_stops_at_the_cap_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("bomb.log.gz");
    let bomb = gzip_bomb(512);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    fs::write(&gz, &bomb).unwrap();
    fs::write(dir.path().join("app.log"), log_lines(100)).unwrap();
    let out =
        culprit().args(["report", "--format", "json", "--max-decompressed", "16M"]).arg(dir.path()).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let notice = "decompressed output reached the cap of 16 MiB (--max-decompressed)";
    assert!(err.contains(notice), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["notices"].to_string().contains(notice), "{}", doc["notices"]);
    let inputs = doc["inputs"].as_array().unwrap();
    let bomb_records = inputs.iter().find(|i| i["path"].as_str().unwrap().ends_with("bomb.log.gz")).unwrap()["records"]
        .as_u64()
        .unwrap();
    // Whole lines up to the cap, not 512 MiB of them.
    assert_eq!(bomb_records, (16 << 20) / BOMB_LINE.len() as u64, "records kept from the bomb");
    assert!(inputs.iter().any(|i| i["path"].as_str().unwrap().ends_with("app.log")), "other inputs carry on");
    for bad in ["0", "1K", "2T", "lots", "-5M"] {
        let out = culprit().args(["inputs", "--max-decompressed", bad]).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--max-decompressed {bad}");
        assert!(stderr_of(&out).contains("--max-decompressed"), "{}", stderr_of(&out));
    }
}

/// Each numeric flag refuses an absurd value at once, naming the flag (`--threads 99999` used to
/// hang for minutes building threads).
#[test]
fn absurd_numbers_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.log"), log_lines(50)).unwrap();
    for (flag, value) in [
        ("--threads", "99999"),
        ("--threads", "20000"),
        ("--threads", "0"),
        ("--threads", "-1"),
        ("--year", "99999999"),
        ("--year", "-3"),
        ("--max-decompressed", "99999999T"),
    ] {
        let started = std::time::Instant::now();
        let out =
            culprit().args(["report", flag, value]).arg(dir.path()).timeout(Duration::from_secs(20)).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{flag} {value} took {:?}", started.elapsed());
    }
    culprit().args(["report", "--threads", "2", "--year", "2024"]).arg(dir.path()).assert().success();
}

#[test]
fn an_incident_window_ending_before_it_starts_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.log"), log_lines(50)).unwrap();
    for (args, what) in [
        (vec!["--incident", "16:00..15:00"], "--incident 16:00..15:00: the end must come after the start"),
        (vec!["--incident", "15:00..15:00"], "the end must come after the start"),
        (vec!["--incident", "2024-01-22T16:00:00Z..2024-01-22T15:00:00Z"], "the end must come after the start"),
        (vec!["--incident", "-10m..-30m"], "the end must come after the start"),
        (vec!["--since", "16:00", "--until", "15:00"], "--until must come after --since"),
    ] {
        let out = culprit().arg("report").args(&args).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&out).contains(what), "{args:?}: {}", stderr_of(&out));
    }
    culprit().args(["report", "--incident", "15:00..16:00"]).arg(dir.path()).assert().success();
    // Relative values take a space, like the README writes them.
    culprit().args(["report", "--since", "-2h", "--incident", "-30m"]).arg(dir.path()).assert().success();
}

/// Every command that writes to standard output ends quietly, exit 0, when the reader has gone
/// (`culprit completions bash | head -1` used to panic with exit 101).
#[cfg(unix)]
#[test]
fn every_output_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.log"), log_lines(20_000)).unwrap();
    let d = dir.path().display().to_string();
    let log = dir.path().join("app.log").display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["man"],
        vec!["--help"],
        vec!["report", &d],
        vec!["report", "--format", "json", &d],
        vec!["report", "--format", "markdown", &d],
        vec!["inputs", &d],
        vec!["inputs", "--json", &d],
        vec!["patterns", &d],
        vec!["patterns", "--json", &d],
        vec!["patterns", "--per-line", &d],
        vec!["rules", "list"],
        vec!["rules", "list", "--json"],
        vec!["rules", "explain", "2024-01-22T15:00:00Z ERROR connection refused"],
        vec!["follow", &log],
        vec![&d],
    ];
    for args in cases {
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        // `true` exits at once, so the pipe has no reader by the time culprit writes.
        let script =
            format!("'{}' {} | true; echo \"status=${{PIPESTATUS[0]}}\" >&2", bin().display(), quoted.join(" "));
        let out = std::process::Command::new("bash").arg("-c").arg(&script).env("NO_COLOR", "1").output().unwrap();
        let err = stderr_of(&out);
        assert!(err.ends_with("status=0\n"), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

/// Every C0 (but newline), DEL, every C1, the bidirectional embeddings, overrides and isolates,
/// the zero-width characters and marks, the line and paragraph separators, the invisible
/// operators and the byte-order mark.
fn controls() -> Vec<char> {
    let mut cs: Vec<char> =
        (0x01..0x20u32).filter(|&u| u != 0x0a).chain(0x7f..=0x9f).filter_map(char::from_u32).collect();
    for r in [0x202a..=0x202e, 0x2066..=0x2069, 0x200b..=0x200f, 0x2028..=0x2029, 0x2060..=0x2064, 0xfeff..=0xfeff] {
        cs.extend(r.filter_map(char::from_u32));
    }
    cs.push('\u{061c}');
    cs
}

#[test]
fn json_escapes_every_control_character() {
    let dir = tempfile::tempdir().unwrap();
    let cs = controls();
    let hostile: String = cs.iter().collect();
    // The name carries them into every JSON output's paths; the lines into messages and templates.
    let name: String = cs.iter().filter(|&&c| c != '/' && c != '\0').collect::<String>() + ".log";
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("2024-01-22T15:00:{:02}Z ERROR login failed for user x{hostile}y\n", i));
    }
    fs::write(dir.path().join(&name), &text).unwrap();
    // Every output is free of them; the report also shows they were there, as escapes.
    let check = |args: &[&str], escapes_shown: bool| -> serde_json::Value {
        let out = culprit().args(args).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        let raw = String::from_utf8(out.stdout.clone()).expect("UTF-8");
        for c in &cs {
            assert!(!raw.contains(*c), "{args:?}: raw U+{:04X} in the JSON", *c as u32);
        }
        if escapes_shown {
            assert!(raw.contains("\\u202e") && raw.contains("\\u0085") && raw.contains("\\ufeff"), "{args:?}");
        }
        serde_json::from_str(&raw).expect("valid JSON")
    };
    let doc = check(&["report", "--format", "json"], true);
    assert!(doc.to_string().contains('\u{202e}'), "the text is kept as data");
    check(&["report", "--format", "json", "--pretty"], true);
    check(&["patterns", "--json"], false);
    check(&["inputs", "--json"], false);
}

/// A missing path or an unreadable input: named on standard error, the report on the rest still
/// written (also with -o), and exit status 2, like ripgrep.
#[test]
fn input_problems_go_to_stderr_with_status_2_after_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    fs::write(&good, log_lines(100)).unwrap();
    let missing = dir.path().join("nope.log");
    let report = dir.path().join("out").join("report.txt");
    fs::create_dir(dir.path().join("out")).unwrap();
    let out = culprit().arg("report").arg(&good).arg(&missing).arg("-o").arg(&report).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nope.log: no such file or directory"), "{err}");
    let written = fs::read_to_string(&report).unwrap();
    assert!(written.contains("100 records"), "{written}");
    for (args, rest) in [
        (&["report", "--fail-on", "likely-cause"][..], "100 records"),
        (&["inputs"], "good.log"),
        (&["inputs", "--json"], "good.log"),
        (&["patterns"], "request <*> served"),
    ] {
        let out = culprit().args(args).arg(&good).arg(&missing).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&out).contains("nope.log: no such file or directory"), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(rest), "{args:?}: the rest is still shown: {stdout}");
    }
    // Skipped on purpose is not a problem.
    fs::write(dir.path().join("core.bin"), [0u8; 4096]).unwrap();
    culprit().arg("report").arg(dir.path().join("core.bin")).arg(&good).assert().code(0);
}
