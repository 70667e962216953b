//! Reliability cases that no other test covered (see docs/reliability.md):
//! caps on distinct hosts and services, mixed time zones in one file, and
//! permission-denied inputs, which are only meaningful when not run as root.

use culprit::index::{Index, IndexOptions, Interner};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use std::path::PathBuf;

fn index_of(text: &str) -> Index {
    let source = Source {
        id: 0,
        path: PathBuf::from("app.log"),
        stream: "app.log".into(),
        data: Data::Owned(text.as_bytes().to_vec()),
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    Index::build(vec![source], Vec::new(), RuleSet::empty(), &opts)
}

/// Millions of distinct host names cannot grow the interner without bound: past its cap
/// (2^20 names) every new name shares one "(other)" id, which reports show by that name.
#[test]
fn distinct_names_past_the_cap_share_one_overflow_id() {
    const CAP: usize = 1 << 20;
    let mut names = Interner::with_empty();
    let mut buf = Vec::with_capacity(16);
    for i in 0..CAP {
        buf.clear();
        buf.extend_from_slice(format!("h{i}").as_bytes());
        names.intern(&buf);
    }
    let a = names.intern(b"one-too-many");
    let b = names.intern(b"and-another");
    assert_eq!(a, b, "names past the cap share an id");
    assert_eq!(names.get(a), "(other)");
    assert!(names.len() <= CAP + 1, "{} names kept", names.len());
    // Names seen before the cap keep their own ids.
    let h7 = names.intern(b"h7");
    assert_eq!(names.get(h7), "h7");
}

/// One file whose lines carry different UTC offsets: every stamp is converted to UTC, so the
/// order in time is the real one, not the order of the wall-clock digits.
#[test]
fn mixed_time_zones_in_one_file_are_normalised_to_utc() {
    let idx = index_of(
        "2024-01-22T17:30:00+02:00 INFO first (15:30 UTC)\n\
         2024-01-22T15:30:10Z INFO second\n\
         2024-01-22T10:30:20-05:00 INFO third (15:30:20 UTC)\n\
         2024-01-22T15:30:30.000+00:00 INFO fourth\n",
    );
    let base = culprit::time::civil_to_millis(2024, 1, 22, 15, 30, 0, 0);
    assert_eq!(
        (0..idx.records.len()).map(|i| idx.records.ts(i)).collect::<Vec<_>>(),
        vec![base, base + 10_000, base + 20_000, base + 30_000]
    );
    assert_eq!(idx.inputs[0].untimed, 0);
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A file and a folder without read permission are named in a notice and skipped; the
/// other inputs carry on. As root (CI containers) permission bits do not stop reads, so the
/// binary is run as `nobody` through `setpriv` when it can be; otherwise the test says so.
#[cfg(unix)]
#[test]
fn unreadable_file_and_folder_are_named_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.log"), "2024-01-22T15:30:01Z INFO good\n").unwrap();
    let secret = d.join("secret.log");
    std::fs::write(&secret, "2024-01-22T15:30:01Z INFO secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked = d.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("inner.log"), "2024-01-22T15:30:01Z INFO inner\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Another user must be able to reach the folder itself.
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();

    let bin = assert_cmd::cargo::cargo_bin("culprit");
    let mut cmd = if running_as_root() {
        eprintln!("running as root: permission bits do not stop root's reads; running culprit as nobody (setpriv)");
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd.args(["inputs", "--json"]).arg(d).output();
    // Restore so the temporary folder can be removed.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = match out {
        // Exit status 2: an input could not be read; the rest is listed.
        Ok(o) if o.status.code() == Some(2) && !o.stdout.is_empty() => o,
        other if running_as_root() => {
            eprintln!("skipped: running as root and could not run culprit as nobody ({other:?})");
            return;
        }
        other => panic!("culprit inputs failed: {other:?}"),
    };
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = doc["inputs"].as_array().unwrap().iter().filter_map(|i| i["path"].as_str()).collect();
    assert_eq!(paths.len(), 1, "{doc}");
    assert!(paths[0].ends_with("good.log"), "{doc}");
    let notices = doc["notices"].to_string();
    assert!(notices.contains("secret.log: permission denied"), "{doc}");
    assert!(notices.contains("locked: permission denied"), "{doc}");
}

/// SIGINT and SIGHUP (SIGTERM is in tests/tui_tmux.rs) end the TUI cleanly: exit status 0,
/// the alternate screen left and the terminal back in cooked mode with echo. Runs the real
/// binary in tmux; skipped with a message when tmux is not installed.
#[cfg(unix)]
#[test]
fn sigint_and_sighup_restore_the_terminal() {
    use std::process::Command;
    use std::time::{Duration, Instant};
    if Command::new("tmux").arg("-V").output().map(|o| !o.status.success()).unwrap_or(true) {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..120 {
        text.push_str(&format!("2024-01-22T15:{:02}:{:02}Z INFO request {i} ok\n", i / 60, i % 60));
    }
    std::fs::write(dir.path().join("app.log"), text).unwrap();
    let bin = env!("CARGO_BIN_EXE_culprit");
    let socket = format!("culprit-sig-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux").args(["-L", &socket, "-f", "/dev/null"]).args(args).output().expect("run tmux")
    };
    let screen = || String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned();
    let wait_for = |what: &str, ok: &dyn Fn(&str) -> bool| -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = screen();
            if ok(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let path = format!("PATH={}", std::env::var("PATH").unwrap_or_default());
    let out = tmux(&[
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
        &path,
        "TERM=screen",
        "PS1=ready$ ",
        "sh",
    ]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("the shell prompt", &|s| s.contains("ready$"));
        let shell =
            String::from_utf8_lossy(&tmux(&["display", "-p", "-t", "t", "#{pane_pid}"]).stdout).trim().to_string();
        for (sig, n) in [("-INT", 1), ("-HUP", 2)] {
            tmux(&["send-keys", "-t", "t", "clear", "Enter"]);
            let cmd = format!(
                "{bin} {}; echo status{n}:$?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo",
                dir.path().display()
            );
            tmux(&["send-keys", "-t", "t", &cmd, "Enter"]);
            wait_for("the TUI", &|s| s.contains("culprit ·"));
            let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
            let Some(pid) = children.split_whitespace().next() else {
                eprintln!("skipped: /proc children of the shell not readable");
                return;
            };
            assert!(Command::new("kill").args([sig, pid]).status().unwrap().success());
            // The echoed status, not the typed command line (which also holds the marker).
            let marker = format!("status{n}:");
            let status = |s: &str| -> Option<String> {
                s.lines().find_map(|l| {
                    let d = l.split(marker.as_str()).nth(1)?.trim();
                    (!d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())).then(|| d.to_string())
                })
            };
            // Then the prompt again, after the `stty` line.
            let s = wait_for("the exit status and the prompt", &|s| {
                status(s).is_some()
                    && s.lines().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim() == "ready$")
            });
            assert!(!s.contains("culprit ·"), "alternate screen left after {sig}:\n{s}");
            assert_eq!(status(&s).as_deref(), Some("0"), "exit status after {sig}:\n{s}");
            assert!(s.contains("icanon,echo,"), "terminal not back in cooked mode with echo after {sig}:\n{s}");
        }
    }));
    let _ = tmux(&["kill-server"]);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// Rules that would backtrack exponentially elsewhere stay linear here (the regex crate has
/// no backtracking; oversized programs are refused at load, see rules::tests): a megabyte line
/// through such rules takes time proportional to its length.
#[test]
fn pathological_rules_match_in_linear_time() {
    let rules = "[[rules]]\nid = \"nested\"\nkind = \"error\"\nsubsystem = \"a\"\nmatch = ['(a*)*b', '(a|aa)+$', '^(\\w+\\s?)*!$']\n";
    let layer = culprit::rules::Layer { files: vec![("slow.toml".into(), rules.into())], built_in: false };
    let set = RuleSet::from_layers(&[layer]).expect("rules compile");
    let mut text = String::from("2024-01-22T15:30:01Z ERROR ");
    text.push_str(&"a".repeat(1 << 20));
    text.push_str("\n2024-01-22T15:30:02Z ERROR ");
    text.push_str(&"word ".repeat(200_000));
    text.push('\n');
    let source = Source {
        id: 0,
        path: PathBuf::from("slow.log"),
        stream: "slow.log".into(),
        data: Data::Owned(text.into_bytes()),
        mtime: None,
        warnings: Vec::new(),
    };
    let started = std::time::Instant::now();
    let opts = IndexOptions { year: Some(2024), mine_patterns: false, ..Default::default() };
    let idx = Index::build(vec![source], Vec::new(), set, &opts);
    let took = started.elapsed();
    assert_eq!(idx.records.len(), 2);
    // `(a|aa)+$` matches the first line; a backtracking engine would not finish either line.
    assert_eq!(idx.records.rule(0), 0);
    assert!(took < std::time::Duration::from_secs(20), "2 MB through nested rules took {took:?}");
}
