//! `culprit report` end to end: the real binary on small log folders made in a
//! temp dir, and on `sample-logs/` when the checkout has it.

use assert_cmd::Command;
use culprit::text::is_dangerous;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn culprit() -> Command {
    let mut c = Command::cargo_bin("culprit").expect("binary");
    c.env_remove("NO_COLOR");
    c
}

/// A small incident folder: auth JSON logs, a config audit log, a syslog.
fn logs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let auth: String = (0..40)
        .map(|i| {
            let (level, msg) = if i < 25 { ("info", "login ok") } else { ("error", "token validation failed") };
            format!(
                "{{\"ts\":\"2024-03-14T14:{:02}:{:02}Z\",\"level\":\"{level}\",\"host\":\"auth-2\",\"msg\":\"{msg}\"}}\n",
                i / 6,
                (i % 6) * 10
            )
        })
        .collect();
    std::fs::write(dir.path().join("auth.json"), auth).expect("write");
    std::fs::write(
        dir.path().join("config-audit.log"),
        "2024-03-14T14:04:05Z INFO host=auth-2 user=deploy-bot action=set key=oidc.issuer\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("sys")).expect("mkdir");
    std::fs::write(
        dir.path().join("sys/syslog"),
        "Mar 14 14:00:01 db-1 postgres[311]: LOG:  could not receive data from client: Connection reset by peer\n\
         Mar 14 14:05:01 db-1 postgres[311]: LOG:  could not receive data from client: Connection reset by peer\n",
    )
    .expect("write");
    dir
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.output().expect("runs");
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn check_formats(dir: &Path, expect_inputs: Option<usize>) {
    let text = stdout_of(culprit().arg("report").arg(dir));
    assert!(text.starts_with("culprit report\n"), "{text}");
    assert!(text.contains("Inputs:") && text.contains("INCIDENT"), "{text}");
    assert!(text.contains("No incident found") || text.contains("Onset:"), "{text}");
    assert!(text.contains("No likely cause") || text.contains("[LIKELY CAUSE]"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when piped");
    for l in text.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(l) <= 80, "{l}");
    }

    let md = stdout_of(culprit().args(["report", "--format", "markdown"]).arg(dir));
    assert!(md.starts_with("# Postmortem draft"), "{md}");
    for h in ["## Summary", "## Root-cause candidates", "## Corrective and preventative measures"] {
        assert!(md.contains(h), "missing {h}");
    }

    let json = stdout_of(culprit().args(["report", "--format", "json"]).arg(dir));
    let v: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["schema"], "culprit.findings/1");
    if let Some(n) = expect_inputs {
        assert_eq!(v["inputs"].as_array().map(|a| a.len()), Some(n), "{json}");
    }
    // The text report and the JSON tell the same story.
    let likely = v["causes"].as_array().is_some_and(|cs| cs.iter().any(|c| c["verdict"] == "likely-cause"));
    assert_eq!(text.contains("[LIKELY CAUSE]"), likely);
    assert_eq!(v["incident"].is_null(), text.contains("INCIDENT\n  No incident found"), "{text}");
    assert_eq!(!v["incident"].is_null(), text.contains("INCIDENT\n  Onset:"), "{text}");
}

#[test]
fn all_formats_on_a_small_folder() {
    let dir = logs();
    check_formats(dir.path(), Some(3));
    let text = stdout_of(culprit().arg("report").arg(dir.path()));
    assert!(text.contains("Inputs:   3 files"), "{text}");
}

#[test]
fn all_formats_on_sample_logs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    if !dir.is_dir() {
        eprintln!("skipped: sample-logs/ is not in this checkout");
        return;
    }
    check_formats(&dir, None);
    // --fail-on agrees with the findings.
    let out =
        culprit().args(["report", "--format", "json", "--fail-on", "likely-cause"]).arg(&dir).output().expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let likely = v["causes"].as_array().is_some_and(|cs| cs.iter().any(|c| c["verdict"] == "likely-cause"));
    assert_eq!(out.status.code(), Some(if likely { 1 } else { 0 }));
}

#[test]
fn no_subcommand_prints_the_text_report_when_piped() {
    let dir = logs();
    let text = stdout_of(culprit().arg(dir.path()));
    assert!(text.starts_with("culprit report\n"), "{text}");
}

#[test]
fn colour_flags_and_no_color() {
    let dir = logs();
    let run = |args: &[&str], no_color: Option<&str>| {
        let mut c = culprit();
        c.arg("report").args(args).arg(dir.path());
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        stdout_of(&mut c)
    };
    assert!(run(&["--color", "always"], None).contains("\x1b[1m"));
    // An explicit flag wins over the environment (no-color.org).
    assert!(run(&["--color", "always"], Some("1")).contains("\x1b["));
    assert!(!run(&["--color", "never"], None).contains('\x1b'));
    assert!(!run(&[], Some("1")).contains('\x1b'));
    assert!(!run(&["--color", "auto"], Some("yes")).contains('\x1b'));
    // Never in Markdown or JSON.
    assert!(!run(&["--color", "always", "--format", "markdown"], None).contains('\x1b'));
    assert!(!run(&["--color", "always", "--format", "json"], None).contains('\x1b'));
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir).iter().map(|p| p.display().to_string()).collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn output_file_never_overwrites_an_input() {
    let dir = logs();
    let before = file_names(dir.path());
    let syslog = dir.path().join("sys/syslog");
    let original = std::fs::read(&syslog).expect("read");
    let other = tempfile::tempdir().expect("tempdir");

    let mut targets = vec![syslog.clone(), dir.path().join("sys/../auth.json")];
    #[cfg(unix)]
    {
        let link = other.path().join("link-to-syslog");
        std::os::unix::fs::symlink(&syslog, &link).expect("symlink");
        let hard = other.path().join("hardlink-to-syslog");
        std::fs::hard_link(&syslog, &hard).expect("hard link");
        targets.push(link);
        targets.push(hard);
    }
    for target in &targets {
        let out = culprit().arg("report").arg(dir.path()).arg("-o").arg(target).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{}", target.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing to write the report to"), "{err}");
        assert!(out.stdout.is_empty());
    }
    // Also when the file is named as an input itself, not found in a folder.
    let out = culprit().arg("report").arg(&syslog).arg("-o").arg(&syslog).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&syslog).expect("read"), original);

    // A new file elsewhere is written, and nothing appears next to the logs.
    let report = other.path().join("report.md");
    let out = culprit()
        .args(["report", "--format", "markdown"])
        .arg(dir.path())
        .arg("-o")
        .arg(&report)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&report).expect("report").starts_with("# Postmortem draft"));
    assert_eq!(file_names(dir.path()), before);
}

#[test]
fn exit_codes() {
    let dir = logs();
    let code = |args: &[&str]| culprit().args(args).output().expect("runs").status.code();
    let d = dir.path().to_str().expect("utf-8 temp path");
    assert_eq!(code(&["report", d]), Some(0));
    assert_eq!(code(&["report", "--format", "yaml", d]), Some(2));
    assert_eq!(code(&["report", "--color", "sometimes", d]), Some(2));
    assert_eq!(code(&["report", "--fail-on", "anything", d]), Some(2));
    assert_eq!(code(&["report", "--no-such-flag", d]), Some(2));
    assert_eq!(code(&["report"]), Some(2));
    let missing = dir.path().join("does-not-exist");
    let out = culprit().arg("report").arg(&missing).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
    // --fail-on: 1 exactly when the findings name a likely cause.
    let out = culprit().args(["report", "--format", "json", "--fail-on", "likely-cause", d]).output().expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let likely = v["causes"].as_array().is_some_and(|cs| cs.iter().any(|c| c["verdict"] == "likely-cause"));
    assert_eq!(out.status.code(), Some(if likely { 1 } else { 0 }));
}

const SECRETS: [&str; 5] = [
    "hunter2pass",
    "AKIAIOSFODNN7EXAMPLE",
    "oncall@example.com",
    "tok-4242-abcd",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlc2lnbmF0dXJl",
];

#[test]
fn redact_masks_secrets_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A secret in a folder name reaches the report through input paths and notices.
    let sub = dir.path().join("oncall@example.com");
    std::fs::create_dir(&sub).expect("mkdir");
    let lines: String = (0..30)
        .map(|i| {
            format!(
                "2024-03-14T14:{:02}:00Z ERROR login failed password=hunter2pass key AKIAIOSFODNN7EXAMPLE \
                 user oncall@example.com token=tok-4242-abcd Authorization: Bearer \
                 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlc2lnbmF0dXJl from 10.9.8.7\n",
                i
            )
        })
        .collect();
    std::fs::write(sub.join("app.log"), lines).expect("write");
    let d = dir.path();
    // Seeded: without redaction the path's email is in the JSON.
    let raw = stdout_of(culprit().args(["report", "--format", "json"]).arg(d));
    assert!(raw.contains("oncall@example.com"));
    for args in [
        &["--format", "text", "--redact"][..],
        &["--format", "json", "--redact"],
        &["--format", "markdown", "--redact"],
        &["--format", "markdown"], // on by default for the shareable draft
        &["--format", "json", "--redact=ips"],
    ] {
        let out = stdout_of(culprit().arg("report").arg(d).args(args));
        for s in SECRETS {
            assert!(!out.contains(s), "{s} survived {args:?}:\n{out}");
        }
    }
    let ips = stdout_of(culprit().arg("report").arg(d).args(["--format", "json", "--redact", "ips"]));
    assert!(!ips.contains("10.9.8.7"));
    let json: Value = serde_json::from_str(&ips).expect("JSON");
    assert!(json["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .any(|n| n.as_str().is_some_and(|n| n.contains("masked"))));
    // Opting out of the Markdown default.
    let md = stdout_of(culprit().arg("report").arg(d).args(["--format", "markdown", "--redact", "none"]));
    assert!(md.contains("oncall@example.com"));
}

#[test]
fn hostile_names_and_lines_stay_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = "evil\x1b]0;title\x07\u{202e}gol.log";
    let line = "2024-03-14T14:00:00Z ERROR user \x1b]0;pwned\x07 \x1b[2J \x1b]52;c;ZXZpbA==\x07 \u{9b}31m \u{202e}x\n";
    std::fs::write(dir.path().join(evil), line.repeat(20)).expect("write");
    for fmt in ["text", "markdown"] {
        let out = stdout_of(culprit().args(["report", "--format", fmt, "--color", "never"]).arg(dir.path()));
        for l in out.lines() {
            assert!(!l.chars().any(is_dangerous), "{fmt}: {l:?}");
        }
    }
    let md = stdout_of(culprit().args(["report", "--format", "markdown"]).arg(dir.path()));
    assert!(md.contains("evil\\x1b]0;title\\x07\\u{202e}gol.log"), "{md}");
}

#[cfg(unix)]
#[test]
fn closed_stdout_ends_cleanly() {
    let dir = logs();
    let bin = assert_cmd::cargo::cargo_bin("culprit");
    // The reader exits at once; culprit writes 300 ms later into a pipe nobody reads (EPIPE).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"( sleep 0.3; "$0" report --format json --pretty "$1"; echo "rc=$?" >&2 ) | true"#)
        .arg(&bin)
        .arg(dir.path())
        .output()
        .expect("sh");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rc=0"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("culprit:") && !err.contains("Broken pipe"), "{err}");
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let dir = logs();
    let out = culprit().arg("report").arg(dir.path()).output().expect("runs");
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn shell_completions_look_valid() {
    let out = |shell: &str| stdout_of(culprit().args(["completions", shell]));
    let bash = out("bash");
    assert!(bash.contains("_culprit()") && bash.contains("complete -F _culprit"), "{bash}");
    assert!(bash.contains("report") && bash.contains("--format") && bash.contains("--redact"));
    // Value flags complete their values, not file names.
    let after = |flag: &str| {
        bash.split(&format!("{flag})")).nth(1).unwrap_or_default().lines().nth(1).unwrap_or_default().to_string()
    };
    assert!(after("--format").contains("text json markdown jsonl"), "{}", after("--format"));
    assert!(after("--color").contains("auto always never"), "{}", after("--color"));
    if std::process::Command::new("bash").arg("--version").output().is_ok() {
        let check = std::process::Command::new("bash").args(["-n", "-c", &bash]).output().expect("bash -n");
        assert!(check.status.success(), "bash -n: {}", String::from_utf8_lossy(&check.stderr));
    }
    let zsh = out("zsh");
    assert!(zsh.starts_with("#compdef culprit"), "{zsh}");
    assert!(zsh.contains("report") && zsh.contains("--fail-on"));
    let fish = out("fish");
    assert!(fish.contains("complete -c culprit") && fish.contains("report"), "{fish}");
    assert_eq!(culprit().args(["completions", "tcsh"]).output().expect("runs").status.code(), Some(2));
}

#[test]
fn man_page_looks_valid() {
    let man = stdout_of(culprit().arg("man"));
    assert!(man.contains(".TH CULPRIT 1"), "{man}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION"] {
        assert!(man.contains(section), "missing {section}");
    }
    assert!(man.contains("report"));
}

/// The text report's `Label:` field, its wrapped lines joined.
fn field(text: &str, label: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(&format!("{label}:")));
    let first = lines.next()?.split_once(':')?.1.trim().to_string();
    let rest: Vec<&str> = lines.take_while(|l| l.starts_with("          ")).map(str::trim).collect();
    Some(std::iter::once(first.as_str()).chain(rest).collect::<Vec<_>>().join(" "))
}

/// The answer leads the report, in the change line's own words: ticket, settings old→new, every
/// host the change touched, when, and what it did — checked against the sample's ground truth.
#[test]
fn the_answer_comes_first_in_the_change_lines_words() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("sample-logs");
    if !dir.is_dir() {
        eprintln!("skipped: sample-logs/ is not in this checkout");
        return;
    }
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/data/sample-truth.json")).unwrap()).unwrap();
    let cause_line = truth["cause"]["text"].as_str().unwrap();
    let v: Value = serde_json::from_str(&stdout_of(culprit().args(["report", "--format", "json"]).arg(&dir))).unwrap();
    let change = &v["change"];
    assert_eq!(change["hosts"], truth["cause"]["hosts"], "{change}");
    assert_eq!(change["at"], truth["cause"]["at"], "{change}");
    let id = change["id"].as_str().expect("the line names a ticket");
    assert!(cause_line.contains(&format!("\"{id}\"")), "{id}");
    let settings = change["settings"].as_array().expect("settings");
    assert!(!settings.is_empty(), "the change line says what moved: {change}");
    for s in settings {
        let said =
            format!("{} {} -> {}", s["name"].as_str().unwrap(), s["old"].as_str().unwrap(), s["new"].as_str().unwrap());
        assert!(cause_line.contains(&said), "{said} is not what the line says");
    }
    // No mined `<*>` where a real line is at hand.
    let likely = v["causes"].as_array().unwrap().iter().find(|c| c["verdict"] == "likely-cause").unwrap();
    assert!(!likely["title"].as_str().unwrap().contains("<*>"), "{}", likely["title"]);

    let text = stdout_of(culprit().arg("report").arg(&dir));
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("Answer:")), "{text}");
    let answer = field(&text, "Answer").unwrap();
    let hosts: Vec<&str> = truth["cause"]["hosts"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    let onset = v["incident"]["onset"].as_str().unwrap();
    for part in [
        id.to_string(),
        format!("on {} at {}", hosts.join(", "), &truth["cause"]["at"].as_str().unwrap()[11..19]),
        format!("from {}", &onset[11..19]),
    ]
    .into_iter()
    .chain(settings.iter().map(|s| format!("{}→{}", s["old"].as_str().unwrap(), s["new"].as_str().unwrap())))
    {
        assert!(answer.contains(&part), "{part:?} not in the answer: {answer}");
    }
}

/// `… | culprit | …` with no path reads the pipe and writes the report (no terminal to draw on).
#[test]
fn piped_logs_without_a_path_are_read_from_standard_input() {
    let dir = logs();
    let auth = std::fs::read(dir.path().join("auth.json")).unwrap();
    let out = culprit().write_stdin(auth).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("culprit report\n") && text.contains("Inputs:   1 file"), "{text}");
}

/// The postmortem's timeline holds every change of the audit log in and around the incident
/// window (from 30 minutes before the onset to 15 minutes after the recovery), the rollback
/// that ended it included, each cited by path:line.
#[test]
fn markdown_timeline_has_every_change_around_the_window() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    if !dir.is_dir() {
        eprintln!("skipped: sample-logs/ is not in this checkout");
        return;
    }
    let v: Value = serde_json::from_str(&stdout_of(culprit().args(["report", "--format", "json"]).arg(&dir))).unwrap();
    let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
    let onset = time(v["incident"]["onset"].as_str().unwrap());
    let end = time(v["incident"]["end"].as_str().expect("the sample recovers"));
    let md = stdout_of(culprit().args(["report", "--format", "markdown"]).arg(&dir));
    let timeline = &md[md.find("## Timeline").unwrap()..md.find("## Root-cause").unwrap()];
    let audit = std::fs::read_to_string(dir.join("audit/changes.jsonl")).unwrap();
    let mut cited = 0;
    for (i, line) in audit.lines().enumerate() {
        let rec: Value = serde_json::from_str(line).unwrap();
        let at = time(rec["time"].as_str().unwrap());
        if at >= onset - 30 * 60_000 && at <= end + 15 * 60_000 {
            let cite = format!("audit/changes.jsonl:{}`", i + 1);
            assert!(timeline.contains(&cite), "{} missing from the timeline:\n{timeline}", rec["event"]);
            cited += 1;
        }
    }
    assert!(cited >= 5, "the window holds the change, its rollback and the hotfix: {cited}");
    assert!(timeline.contains("rolled"), "{timeline}");
}

/// `--log-format PATH=NAME` forces an input's log format and `--format` names the output; the old
/// `--format PATH=NAME` still works and says what replaced it; a wrong value is named.
#[test]
fn log_format_and_output_format_are_separate_flags() {
    let dir = logs();
    let forced = |args: &[&str]| {
        let out = culprit().arg("report").args(args).arg(dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let format = v["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with("config-audit.log"))
            .unwrap()["format"]
            .clone();
        (format, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (auto, _) = forced(&["--format", "json"]);
    assert_ne!(auto, "generic", "detected otherwise without the flag");
    let (new, stderr) = forced(&["--format", "json", "--log-format", "config-audit.log=generic"]);
    assert_eq!(new, "generic");
    assert!(stderr.is_empty(), "{stderr}");
    let (old, stderr) = forced(&["--format", "json", "--format", "config-audit.log=generic"]);
    assert_eq!(old, "generic");
    assert!(stderr.contains("now --log-format config-audit.log=generic"), "{stderr}");
    for (args, says) in [
        (["--format", "yaml"], "--format yaml: expected text, json or markdown"),
        (["--log-format", "logfmt"], "--log-format logfmt: expected PATH=NAME"),
    ] {
        let out = culprit().arg("report").args(args).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
