//! The real binary in a real terminal: tmux runs `culprit <dir>` at 80×24 on a
//! small incident folder, keys are sent, and the screen is read back with
//! `capture-pane`. Skipped, with a message, only when tmux is not installed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").args(["-L", &self.socket, "-f", "/dev/null"]).args(args).output().expect("run tmux")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        let out = self.cmd(&args);
        assert!(out.status.success(), "send-keys: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `ok`, or fails with the last screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Tmux {
    /// An 80×24 session running a plain shell with a recognisable prompt, and no inherited environment.
    fn start_shell(&self) {
        let out = self.cmd(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            "env",
            "-i",
            &format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
            "TERM=screen",
            "PS1=ready$ ",
            "sh",
        ]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        self.wait_for("the shell prompt", |s| s.contains("ready$"));
    }
}

/// True, with a message, when tmux is not installed.
fn tmux_missing() -> bool {
    let missing = Command::new("tmux").arg("-V").output().map(|o| !o.status.success()).unwrap_or(true);
    if missing {
        eprintln!("skipped: tmux is not installed (apt-get install tmux; .ci/run installs it)");
    }
    missing
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn write_incident(dir: &Path) {
    use std::fmt::Write;
    let mut auth = String::new();
    let mut db = String::new();
    for m in 0..30u32 {
        for host in ["auth-1", "auth-2"] {
            let level = if m >= 20 && host == "auth-2" { "error" } else { "info" };
            let msg = if level == "error" { "token signing failed: issuer mismatch" } else { "login ok" };
            let _ = writeln!(
                auth,
                r#"{{"ts":"2024-01-22T15:{m:02}:{:02}Z","level":"{level}","host":"{host}","service":"auth","msg":"{msg}"}}"#,
                if host == "auth-1" { 5 } else { 15 }
            );
        }
        if m % 4 == 0 {
            let _ = writeln!(db, "2024-01-22T15:{m:02}:30Z ERROR duplicate key value violates unique constraint");
        }
    }
    std::fs::write(dir.join("auth.json"), auth).unwrap();
    std::fs::write(dir.join("postgresql.log"), db).unwrap();
    std::fs::write(
        dir.join("config-audit.log"),
        "2024-01-22T15:19:50Z INFO deploy-bot changed auth config jwt.issuer on auth-2\n",
    )
    .unwrap();
}

#[test]
fn culprit_in_tmux_opens_evidence_and_quits_cleanly() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("incident");
    std::fs::create_dir(&logs).unwrap();
    write_incident(&logs);
    let bin = env!("CARGO_BIN_EXE_culprit");

    // What the analysis makes of this folder decides what Enter on the top cause must show.
    let report = Command::new(bin).args(["report", "--format", "json"]).arg(&logs).output().unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&report.stdout).expect("JSON report");
    let top_title = findings["causes"].get(0).and_then(|c| c["title"].as_str()).map(str::to_string);

    let tmux = Tmux { socket: format!("culprit-test-{}", std::process::id()) };
    tmux.start_shell();
    tmux.send(&[&format!("{bin} {}", logs.display()), "Enter"]);

    let s = tmux.wait_for("the triage screen", |s| s.contains("causes, most likely first"));
    assert!(s.contains("culprit · 3 inputs"), "{s}");
    assert!(s.contains("? help"), "footer with keys:\n{s}");

    tmux.send(&["Enter"]);
    match &top_title {
        Some(title) => {
            let s = tmux.wait_for("the evidence view", |s| s.contains("evidence · #1"));
            let head: String = title.chars().take(20).collect();
            assert!(s.contains(&head), "top cause's title on the evidence view:\n{s}");
            assert!(s.contains("hosts:"), "{s}");
        }
        None => {
            // No cause ranked: Enter says so, and the log view still has every line.
            tmux.wait_for("the no-cause notice", |s| s.contains("no causes to show"));
            tmux.send(&["2"]);
            tmux.wait_for("the merged log", |s| s.contains("inputs merged in time order") && s.contains("auth.json"));
        }
    }
    tmux.send(&["Escape"]);
    tmux.wait_for("triage again", |s| s.contains("causes, most likely first"));

    // Search from the triage screen jumps to the log view with the prompt open.
    tmux.send(&["/"]);
    tmux.send(&["-l", "issuer"]);
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("a search hit", |s| s.contains("/issuer  line"));
    assert!(s.contains("▶"), "cursor mark on the hit:\n{s}");

    tmux.send(&["q"]);
    let s = tmux.wait_for("the shell prompt back", |s| {
        !s.contains("culprit ·") && s.lines().filter(|l| l.starts_with("ready$")).count() >= 2
    });
    assert!(!s.contains("inputs merged"), "alternate screen left:\n{s}");

    // SIGTERM restores the terminal too.
    tmux.send(&["clear", "Enter"]);
    tmux.send(&[&format!("{bin} {}; echo status:$?", logs.display()), "Enter"]);
    tmux.wait_for("the triage screen", |s| s.contains("causes, most likely first"));

    // Follow mode: appended lines flow in at the tail; truncation is noticed, not fatal.
    tmux.send(&["2", "G", "F"]);
    tmux.wait_for("follow on", |s| s.contains("FOLLOW"));
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(logs.join("postgresql.log")).unwrap();
        writeln!(f, "2024-01-22T15:59:59Z ERROR follow-marker appended while watching").unwrap();
    }
    let s = tmux.wait_for("the appended line", |s| s.contains("follow-marker"));
    assert!(s.lines().any(|l| l.starts_with('▶') && l.contains("follow-marker")), "cursor kept at the tail:\n{s}");
    std::fs::write(logs.join("postgresql.log"), "").unwrap();
    tmux.wait_for("the truncation notice", |s| s.contains("postgresql.log: truncated"));

    let shell =
        String::from_utf8_lossy(&tmux.cmd(&["display", "-p", "-t", "t", "#{pane_pid}"]).stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
    let Some(pid) = children.split_whitespace().next() else {
        eprintln!("skipped the SIGTERM part: /proc children not readable");
        return;
    };
    let killed = Command::new("kill").args(["-TERM", pid]).status().unwrap();
    assert!(killed.success());
    // The echoed status, not the typed command line (which also holds "status:").
    let status = |s: &str| -> Option<String> {
        s.lines().find_map(|l| {
            let d = l.split("status:").nth(1)?.trim();
            (!d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())).then(|| d.to_string())
        })
    };
    let s = tmux.wait_for("exit after SIGTERM", |s| status(s).is_some());
    assert!(!s.contains("culprit ·"), "alternate screen left after SIGTERM:\n{s}");
    assert_eq!(status(&s).as_deref(), Some("0"), "{s}");
}

/// The README's first command in a real terminal: `culprit sample-logs/` at 80×24, Enter on the
/// top cause shows the auth configuration change line (CHG-4411) and the error it caused, readable;
/// after `G` Enter opens the line under the cursor; `n` wraps round; Esc goes back, q leaves a
/// usable shell.
#[test]
fn sample_logs_top_cause_evidence_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("culprit");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let tmux = Tmux { socket: format!("culprit-sample-{}", std::process::id()) };
    tmux.start_shell();
    tmux.send(&[&format!("{} {}", bin.display(), sample.display()), "Enter"]);
    let s = tmux.wait_for("the ranked causes", |s| s.contains("causes, most likely first") && s.contains("LIKELY"));
    assert!(s.contains("auth"), "top cause names the auth service:\n{s}");
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the evidence view", |s| s.contains("evidence · #1"));
    // The first evidence is the change record (CHG-4411 on auth-2, audit/changes.jsonl line 5),
    // read as `time event: summary key=value`.
    assert!(
        s.contains("audit/changes.jsonl:5") && s.contains("config.applied: token signing"),
        "the auth config change line is on screen:\n{s}"
    );
    // The actual error, a few evidence lines on, is on screen with its message, not cut off
    // behind JSON keys at 80 columns.
    tmux.send(&["n", "n", "n"]);
    let s = tmux.wait_for("the error evidence", |s| s.contains("evidence 4/"));
    assert!(s.contains("ERROR auth: token generation failed"), "{s}");
    // The raw line is one key away, and back.
    tmux.send(&["r"]);
    let s = tmux.wait_for("raw lines", |s| s.contains("raw lines"));
    assert!(s.contains(r#"{"ts":"2024-01-22T15:30"#), "raw JSON on screen:\n{s}");
    tmux.send(&["r"]);
    tmux.wait_for("structured again", |s| s.contains("structured lines as"));
    // Evidence view: after G the cursor is on the last evidence line, and Enter opens that line.
    tmux.send(&["g"]);
    tmux.wait_for("the first evidence line", |s| s.contains("evidence 1/"));
    tmux.send(&["G"]);
    let s = tmux.wait_for("the last evidence line", |s| s.contains("evidence 4/4"));
    let marked = cursor_row(&s);
    assert!(marked.contains("token generation failed"), "G puts the cursor on the last evidence line:\n{s}");
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the log view", |s| s.contains(" · line "));
    assert_eq!(cursor_row(&s), marked, "Enter opened another line than the one under the cursor:\n{s}");
    // n past the last evidence line wraps to the first.
    tmux.send(&["Escape"]);
    tmux.wait_for("the evidence view again", |s| s.contains("evidence · #1"));
    tmux.send(&["G", "n"]);
    tmux.wait_for("the wrap notice", |s| s.contains("wrapped to the first evidence line"));

    tmux.send(&["Escape"]);
    tmux.wait_for("triage again", |s| s.contains("causes, most likely first"));
    tmux.send(&["q"]);
    let s = tmux.wait_for("the shell prompt back", |s| {
        !s.contains("culprit ·") && s.lines().filter(|l| l.starts_with("ready$")).count() >= 2
    });
    tmux.send(&["-l", "echo shell-ok"]);
    tmux.send(&["Enter"]);
    tmux.wait_for("the shell answering", |s| s.lines().any(|l| l.trim() == "shell-ok"));
    drop(s);
}

/// A large file at rest (the old build memory-mapped exactly these) truncated while the TUI shows
/// it in follow mode: the TUI names the truncation, reads the file again and keeps answering keys
/// (a truncated map used to end it with SIGBUS on the next line drawn).
#[test]
fn truncating_a_large_file_under_the_tui_is_not_fatal() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("big");
    std::fs::create_dir(&logs).unwrap();
    let big = logs.join("app.log");
    let mut text = String::with_capacity(200_000 * 70);
    for i in 0..200_000u32 {
        let level = if i % 97 == 0 { "ERROR" } else { "INFO" };
        let (day, h, m, sec) = (20 + i / 86_400, i / 3600 % 24, i / 60 % 60, i % 60);
        text.push_str(&format!("2024-01-{day:02}T{h:02}:{m:02}:{sec:02}Z {level} request {i} served\n"));
    }
    std::fs::write(&big, &text).unwrap();
    let f = std::fs::File::options().write(true).open(&big).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)).unwrap();
    let bin = env!("CARGO_BIN_EXE_culprit");

    let tmux = Tmux { socket: format!("culprit-trunc-{}", std::process::id()) };
    tmux.start_shell();
    tmux.send(&[&format!("{bin} {}; echo status:$?", logs.display()), "Enter"]);
    tmux.wait_for("the loaded TUI", |s| s.contains("culprit · 1 input · 200,000 records"));
    tmux.send(&["2", "G", "F"]);
    tmux.wait_for("follow on at the end of the log", |s| s.contains("FOLLOW") && s.contains("request 199999"));
    f.set_len(0).unwrap();
    // Move around the log while the file is cut: each frame draws lines from what was read.
    for key in ["g", "G", "k", "k", "g"] {
        tmux.send(&[key]);
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = tmux.wait_for("the truncation notice", |s| s.contains("app.log: truncated") || s.contains("status:"));
    assert!(!s.contains("status:"), "culprit ended:\n{s}");
    std::fs::write(&big, "2024-01-23T23:00:00Z ERROR after-the-cut written to the emptied file\n").unwrap();
    tmux.wait_for("the new line", |s| s.contains("after-the-cut"));
    tmux.send(&["q"]);
    let s = tmux.wait_for("exit", |s| s.lines().any(|l| l.starts_with("status:")));
    assert!(s.lines().any(|l| l == "status:0"), "{s}");
}

/// The row the cursor is on (`▶` in the first column).
fn cursor_row(s: &str) -> String {
    s.lines().find(|l| l.starts_with('▶')).unwrap_or_default().to_string()
}

/// `line X/Y` from the log view's title.
fn log_line_no(s: &str) -> (usize, usize) {
    let at = s.find(" · line ").expect("log title");
    let rest = &s[at + " · line ".len()..];
    let (x, y) = rest.split_once('/').expect("x/y");
    let y: String = y.chars().take_while(|c| c.is_ascii_digit()).collect();
    (x.parse().unwrap(), y.parse().unwrap())
}

/// Keys as less and lnav have them, at 80×24: `b` pages up, `e`/`E` go to the next/previous
/// error and wrap round like `n`/`N`; `y` reaches tmux's clipboard; after `G` in the evidence
/// view Enter opens the line under the cursor; `/` from the patterns view searches the whole log.
#[test]
fn keys_like_less_and_lnav_in_tmux() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("incident");
    std::fs::create_dir(&logs).unwrap();
    write_incident(&logs);
    let bin = env!("CARGO_BIN_EXE_culprit");
    let tmux = Tmux { socket: format!("culprit-keys-{}", std::process::id()) };
    tmux.start_shell();
    // tmux keeps what applications copy with OSC 52 in its paste buffer.
    assert!(tmux.cmd(&["set-option", "-g", "set-clipboard", "on"]).status.success());
    tmux.send(&[&format!("TMUX=inside {bin} {}", logs.display()), "Enter"]);
    tmux.wait_for("the triage screen", |s| s.contains("causes, most likely first"));

    // Log view: G to the end, b pages up by a screen.
    tmux.send(&["2", "G"]);
    let s = tmux.wait_for("the last line", |s| s.contains(" · line ") && log_line_no(s).0 == log_line_no(s).1);
    let (last, total) = log_line_no(&s);
    tmux.send(&["b"]);
    let s = tmux.wait_for("a page up", |s| log_line_no(s).0 < last);
    assert_eq!(log_line_no(&s).0, total - 21, "b goes up one list height (24 rows less title, status, footer)");

    // e from the end wraps round to the first error line; E from there wraps back to the last.
    tmux.send(&["G", "e"]);
    let s = tmux.wait_for("the next error", |s| s.contains("error  line"));
    assert!(s.contains("wrapped past the end to the top"), "{s}");
    let row = cursor_row(&s);
    assert!(row.starts_with("▶E"), "the cursor is on an error line: {row}\n{s}");
    let first_error = log_line_no(&s).0;
    tmux.send(&["e"]);
    let s = tmux.wait_for("the following error", |s| log_line_no(s).0 > first_error);
    assert!(cursor_row(&s).starts_with("▶E") && !s.contains("wrapped"), "{s}");
    tmux.send(&["g", "E"]);
    let s = tmux.wait_for("the previous error, wrapped", |s| s.contains("wrapped past the top to the end"));
    assert!(cursor_row(&s).starts_with("▶E"), "{s}");

    // y: the line's path:line lands in tmux's buffer, and the status line says how tmux must be set.
    tmux.send(&["y"]);
    let s = tmux.wait_for("the copy notice", |s| s.contains("copied via tmux"));
    assert!(s.contains("set-clipboard on"), "{s}");
    let buffer = || String::from_utf8_lossy(&tmux.cmd(&["show-buffer"]).stdout).into_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !buffer().contains(".log:") && !buffer().contains(".json:") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let copied = buffer();
    let (path, line) = copied.rsplit_once(':').expect("path:line in the buffer");
    assert!(Path::new(path).is_file(), "{copied}");
    let text = std::fs::read_to_string(path).unwrap();
    let copied_line = text.lines().nth(line.trim().parse::<usize>().unwrap() - 1).unwrap();
    assert!(copied_line.contains(r#""level":"error""#), "the copied reference is the error line: {copied_line}");

    // Patterns: Enter shows one pattern's lines; `/` from the patterns view then searches them all.
    tmux.send(&["3"]);
    tmux.wait_for("the patterns view", |s| s.contains("patterns ·"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the pattern's lines", |s| s.contains(" · pattern "));
    tmux.send(&["3", "/"]);
    tmux.send(&["-l", "duplicate"]);
    tmux.send(&["Enter"]);
    let s = tmux.wait_for("the search hit", |s| s.contains("/duplicate  line"));
    assert!(!s.contains(" · pattern "), "an old pattern filter is still applied:\n{s}");
    tmux.send(&["q"]);
}

/// `cat file | culprit` on a terminal opens the TUI on the piped lines, as less and lnav do: the
/// pipe is read to its end and keys come from the terminal; q leaves a usable shell.
#[test]
fn piped_logs_open_the_tui_with_keys_from_the_terminal() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("incident");
    std::fs::create_dir(&logs).unwrap();
    write_incident(&logs);
    let bin = env!("CARGO_BIN_EXE_culprit");
    let tmux = Tmux { socket: format!("culprit-pipe-{}", std::process::id()) };
    tmux.start_shell();
    tmux.send(&[&format!("cat {} | {bin}; echo status:$?", logs.join("auth.json").display()), "Enter"]);
    let s = tmux.wait_for("the TUI on the piped lines", |s| s.contains("culprit · 1 input · 60 records"));
    assert!(s.contains("causes, most likely first"), "{s}");
    // Keys reach it although standard input is the pipe.
    tmux.send(&["2"]);
    tmux.wait_for("the merged log", |s| s.contains("login ok") && s.contains(" · line "));
    tmux.send(&["q"]);
    let s = tmux.wait_for("the shell back", |s| s.lines().any(|l| l.starts_with("status:")));
    assert!(s.lines().any(|l| l == "status:0"), "{s}");
    assert!(!s.contains("culprit ·"), "alternate screen left:\n{s}");
}

/// Whitespace collapsed, so text wrapped over several rows compares with the text it came from.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At 80×24 every reason of the selected cause is on the triage screen (wrapped; the chart gives
/// up rows first) under the one-line answer; in the evidence view `w` wraps the long lines and
/// `p` opens the record's detail, as in the log view.
#[test]
fn every_reason_at_80x24_and_wrap_and_detail_in_the_evidence_view() {
    if tmux_missing() {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_culprit");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let out = Command::new(bin).args(["report", "--format", "json"]).arg(&sample).output().expect("report");
    let findings: culprit::findings::Findings = serde_json::from_slice(&out.stdout).expect("JSON findings");
    assert!(findings.causes.len() >= 2 && findings.causes[0].reasons.len() >= 4, "sample-logs' top cause has reasons");
    let tmux = Tmux { socket: format!("culprit-reasons-{}", std::process::id()) };
    tmux.start_shell();
    tmux.send(&[&format!("{bin} {}", sample.display()), "Enter"]);
    for (k, cause) in findings.causes.iter().take(3).enumerate() {
        let s = tmux.wait_for("the selected cause's reasons", |s| s.contains(&format!("why #{}", cause.rank)));
        let rows: Vec<&str> = s.lines().collect();
        // The answer leads (it wraps to a second row at 80 columns, cut with … past that).
        let answer = flat(&format!("{} {}", rows[1], rows[2]));
        let answer = answer.trim_end_matches('…');
        assert!(answer.len() > 60 && flat(&findings.headline()).starts_with(answer), "the answer leads:\n{s}");
        let screen = flat(&s);
        for r in &cause.reasons {
            assert!(screen.contains(&flat(r)), "cause #{}: reason {r:?} is not on the screen:\n{s}", k + 1);
        }
        // The second cause's title is longer than its row in the list, and there is room for it whole.
        if k == 1 {
            assert!(cause.title.chars().count() > 80 - 32, "{}", cause.title);
            assert!(screen.contains(&flat(&cause.title)), "the whole title of #2:\n{s}");
        }
        tmux.send(&["j"]);
    }

    // The evidence view of the top cause: a structured line wider than the screen.
    tmux.send(&["g"]);
    tmux.wait_for("the top cause again", |s| s.contains("why #1"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the evidence view", |s| s.contains("evidence · #1"));
    let wide = findings.causes[0]
        .evidence
        .iter()
        .position(|e| culprit::readable::render(&e.text).is_some_and(|r| r.chars().count() > 80))
        .expect("an evidence line wider than the screen");
    for _ in 0..wide {
        tmux.send(&["n"]);
    }
    let s = tmux.wait_for("the wide evidence line", |s| s.contains(&format!("evidence {}/", wide + 1)));
    assert!(!s.contains('↪'), "lines are cut, not wrapped, before w:\n{s}");
    let shown = culprit::readable::render(&findings.causes[0].evidence[wide].text).unwrap();
    tmux.send(&["w"]);
    let s = tmux.wait_for("wrapped lines", |s| s.contains("wrap: on"));
    // The cursor's line, read back from its first row and the ↪ rows under it, is the whole line.
    let rows: Vec<&str> = s.lines().collect();
    let at = rows.iter().position(|l| l.starts_with('▶')).expect("a cursor row");
    let mut text = rows[at].chars().skip(13).collect::<String>();
    for row in rows[at + 1..].iter().take_while(|l| l.trim_start().starts_with('↪')) {
        text.push_str(row.trim_start().trim_start_matches('↪'));
    }
    // The terminal drops trailing spaces of a row: compare without spaces.
    let unspaced = |s: &str| s.replace(' ', "");
    assert_eq!(unspaced(&text), unspaced(&shown), "the wrapped cursor line:\n{s}");
    // w again cuts them; p opens the detail pane on the cursor's record, pretty JSON.
    tmux.send(&["w", "p"]);
    // Pretty-printed: one `  "key": value` a row (the raw line has no space after its colons).
    let pretty = |s: &str| s.lines().any(|l| l.starts_with("  \"") && l.contains("\": "));
    let s = tmux.wait_for("the record detail", pretty);
    assert!(s.contains("wrap: off"), "{s}");
    let e = &findings.causes[0].evidence[wide];
    let reference = format!("{}:{}", Path::new(&e.path).file_name().unwrap().to_string_lossy(), e.line);
    assert!(s.contains(&reference), "the detail names the cursor's record {reference}:\n{s}");
    tmux.send(&["p"]);
    tmux.wait_for("the detail closed", |s| !pretty(s));
    tmux.send(&["q"]);
}
