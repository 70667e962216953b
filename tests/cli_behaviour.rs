//! The command line behaves as the tools on-call engineers know (grep, ripgrep,
//! less): relative times after a space, `TERM=dumb` and `NO_COLOR`, the output
//! format from `-o`'s extension, one man page with everything in it.

use assert_cmd::Command;
use std::fs;
use std::time::Duration;

fn culprit() -> Command {
    let mut c = Command::cargo_bin("culprit").expect("binary");
    c.timeout(Duration::from_secs(60));
    c
}

/// A folder with one small incident: a config change, then login failures.
fn incident_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..600u32 {
        let (m, sec) = (i / 60, i % 60);
        if i == 300 {
            s.push_str(&format!("2024-01-22T15:{m:02}:{sec:02}Z INFO config applied: token.alg RS256 -> ES256\n"));
        }
        let failing = i > 310 && i % 2 == 0;
        let msg = if failing { "ERROR login failed: invalid token signature" } else { "INFO login ok" };
        s.push_str(&format!("2024-01-22T15:{m:02}:{sec:02}Z {msg} user=u{}\n", i % 7));
    }
    fs::write(dir.path().join("auth.log"), s).unwrap();
    dir
}

#[test]
fn output_file_extension_picks_the_format_unless_format_is_given() {
    let dir = incident_dir();
    let out = tempfile::tempdir().unwrap();
    let md = out.path().join("postmortem.md");
    culprit().arg("report").arg(dir.path()).arg("-o").arg(&md).assert().success();
    let text = fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# "), "Markdown: {}", &text[..text.len().min(200)]);
    let json = out.path().join("findings.json");
    culprit().arg("report").arg(dir.path()).arg("-o").arg(&json).assert().success();
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).expect("JSON");
    assert_eq!(doc["schema"], "culprit.findings/1");
    // An explicit --format wins over the name.
    culprit().args(["report", "--format", "text"]).arg(dir.path()).arg("-o").arg(&md).assert().success();
    assert!(fs::read_to_string(&md).unwrap().starts_with("culprit report"));
}

/// Runs culprit under `script`, so its standard output is a terminal.
#[cfg(unix)]
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("culprit");
    let mut c = Command::new("script");
    c.args(["-qec", &format!("'{}' {args}", bin.display()), "/dev/null"]);
    c.env_remove("NO_COLOR").env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    // A TUI opened by mistake would wait for keys: the timeout turns that into a failure.
    let out = c.timeout(Duration::from_secs(30)).output().expect("script runs");
    assert!(out.status.success(), "{args} {env:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg(unix)]
#[test]
fn term_dumb_and_no_color_are_honoured_on_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: script(1) is not installed");
        return;
    }
    let dir = incident_dir();
    let d = dir.path().display();
    let colour = on_a_terminal(&format!("report '{d}'"), &[]);
    assert!(colour.contains("\x1b["), "a terminal gets colour by default");
    let no_color = on_a_terminal(&format!("report '{d}'"), &[("NO_COLOR", "1")]);
    assert!(!no_color.contains("\x1b["), "NO_COLOR: {no_color:?}");
    let dumb = on_a_terminal(&format!("report '{d}'"), &[("TERM", "dumb")]);
    assert!(!dumb.contains("\x1b["), "TERM=dumb: {dumb:?}");
    assert!(dumb.contains("culprit report"));
    // No subcommand on a dumb terminal: the report, not a full-screen UI.
    let default = on_a_terminal(&format!("'{d}'"), &[("TERM", "dumb")]);
    assert!(default.contains("culprit report") && !default.contains("\x1b[?1049h"), "{default:?}");
    // An explicit --color always still wins.
    let always = on_a_terminal(&format!("report --color always '{d}'"), &[("TERM", "dumb"), ("NO_COLOR", "1")]);
    assert!(always.contains("\x1b["));
}

/// One page with everything: every command and flag (read from the same definitions as
/// `--help`), the TUI's keys, exit status, environment and files.
#[test]
fn man_is_one_page_with_every_command_flag_and_key() {
    use clap::CommandFactory;
    let out = culprit().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    let roff = |s: &str| s.replace('-', "\\-");
    fn walk(cmd: &clap::Command, prefix: &str, page: &str, roff: &dyn Fn(&str) -> String) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{prefix} {}", sub.get_name()).trim().to_string();
            assert!(page.contains(&format!(".SS \"{}\"", roff(&name))), "command {name}");
            for a in sub.get_arguments().filter(|a| !a.is_global_set()) {
                if let Some(l) = a.get_long().filter(|l| *l != "help") {
                    assert!(page.contains(&format!("\\fB{}\\fR", roff(&format!("--{l}")))), "{name} --{l}");
                }
            }
            walk(sub, &name, page, roff);
        }
    }
    let cli = culprit::cli::Cli::command();
    walk(&cli, "", &page, &roff);
    for a in cli.get_arguments().filter(|a| a.is_global_set()) {
        let l = a.get_long().unwrap();
        assert!(page.contains(&format!("\\fB{}\\fR", roff(&format!("--{l}")))), "global --{l}");
    }
    for section in ["COMMANDS", "OPTIONS", "TUI KEYS", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
        assert!(page.contains(&format!(".SH {section}\n")), "{section}");
    }
    for (key, _) in culprit::tui::draw::HELP {
        assert!(page.contains(&roff(key)), "TUI key {key}");
    }
    for var in ["NO_COLOR", "TERM", "XDG_CONFIG_HOME"] {
        assert!(page.contains(var), "{var}");
    }
    assert!(!page.contains("culprit\\-report(1)"), "no pointers to pages that do not exist");
}

#[test]
fn an_empty_folder_and_a_useless_pretty_are_named() {
    let empty = tempfile::tempdir().unwrap();
    let out = culprit().arg("report").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("no readable input: no files in {}", empty.path().display())), "{err}");
    let dir = incident_dir();
    let out = culprit().args(["report", "--pretty"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pretty applies to JSON only"));
}

/// Completing a time, a zone, a format or a number offers no file names.
#[test]
fn completion_offers_files_only_where_a_path_goes() {
    let out = culprit().args(["completions", "zsh"]).output().unwrap();
    let zsh = String::from_utf8_lossy(&out.stdout);
    let spec = |flag: &str| zsh.lines().find(|l| l.contains(&format!("--{flag}=["))).unwrap_or("").to_string();
    for flag in ["since", "until", "incident", "tz", "year", "format", "threads", "max-decompressed"] {
        let line = spec(flag);
        assert!(!line.is_empty() && !line.contains("_files") && !line.contains("_default"), "--{flag}: {line}");
    }
    assert!(spec("output").contains("_files"), "{}", spec("output"));
    assert!(spec("rules").contains("_files -/"), "{}", spec("rules"));
}
