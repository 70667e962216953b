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
    // Colour is SGR (`ESC [ … m`); a progress bar on a slow machine clears its line with `ESC [ 2K`.
    let sgr = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    let colour = on_a_terminal(&format!("report '{d}'"), &[]);
    assert!(sgr.is_match(&colour), "a terminal gets colour by default");
    let no_color = on_a_terminal(&format!("report '{d}'"), &[("NO_COLOR", "1")]);
    assert!(!sgr.is_match(&no_color), "NO_COLOR: {no_color:?}");
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
    for a in cli.get_arguments().filter(|a| a.is_global_set() && !a.is_hide_set()) {
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

/// `man` and `completions` use none of the flags the other commands share: their help, usage and
/// man-page synopsis name none of them (they are still accepted, and ignored). Every argument and
/// flag of every command says what it is for.
#[test]
fn help_names_only_flags_a_command_uses_and_explains_every_argument() {
    let cli = culprit::cli::command();
    // Hidden flags (for timing) are in no help text.
    let globals: Vec<String> = cli
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set())
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect();
    assert!(globals.iter().any(|g| g == "--since") && globals.iter().any(|g| g == "--threads"));
    let help = |args: &[&str]| {
        let out = culprit().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for sub in ["man", "completions"] {
        let text = help(&[sub, "--help"]);
        for g in &globals {
            assert!(!text.contains(g.as_str()), "`{sub} --help` lists {g}:\n{text}");
        }
        assert!(!text.contains("[OPTIONS]"), "{text}");
    }
    culprit().args(["man", "--since", "-2h", "--threads", "2"]).assert().success();
    culprit().args(["completions", "bash", "--tz", "UTC"]).assert().success();
    let report = help(&["report", "--help"]);
    for g in &globals {
        assert!(report.contains(g.as_str()), "`report --help` lists {g}");
    }
    let page = String::from_utf8(culprit().arg("man").output().unwrap().stdout).unwrap();
    assert!(page.contains("\\fBculprit man\\fR ...") && page.contains("\\fBculprit completions\\fR ..."), "{page}");
    assert!(page.contains("Every command but man and completions takes these."));

    fn walk(cmd: &clap::Command, prefix: &str) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{prefix} {}", sub.get_name());
            assert!(sub.get_about().is_some(), "`culprit{name}` has no help text");
            for a in sub.get_arguments().filter(|a| !a.is_hide_set() && a.get_id() != "help") {
                let text = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(!text.trim().is_empty(), "`culprit{name}`: {} has no help text", a.get_id());
            }
            walk(sub, &name);
        }
    }
    walk(&cli, "");
    // As a user reads them.
    let inputs = help(&["inputs", "--help"]);
    assert!(inputs.lines().any(|l| l.trim_start().starts_with("[PATHS]...") && l.contains("Log files")), "{inputs}");
    let patterns = help(&["patterns", "--help"]);
    assert!(patterns.lines().any(|l| l.trim_start().starts_with("--json") && l.contains("JSON")), "{patterns}");
}

/// The exit status convention, the same in the README and `culprit man`, holds: 0 whether or
/// not a cause is found, 1 only with `--fail-on` and a likely cause, 2 when an input is missing
/// (after the report on the rest), and 2 outranks 1.
#[test]
fn exit_status_is_documented_alike_and_holds() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Exit codes").nth(1).expect("README has an Exit codes section");
    let section = section.split("\n## ").next().unwrap();
    let page = String::from_utf8(culprit().arg("man").output().unwrap().stdout).unwrap();
    let status = page.split(".SH EXIT STATUS\n").nth(1).expect("man page EXIT STATUS").split("\n.SH ").next().unwrap();
    for (code, says) in
        [("0", "whether or not it names a cause"), ("1", "fail\\-on likely\\-cause"), ("2", "missing path")]
    {
        assert!(status.contains(&format!(".TP\n\\fB{code}\\fR\n")), "man EXIT STATUS has {code}");
        assert!(status.contains(says), "man EXIT STATUS: {says}");
        let readme_says = says.replace("\\-", "-");
        assert!(section.contains(&format!("| {code} |")), "README has {code}");
        assert!(section.contains(&readme_says), "README: {readme_says}");
    }
    assert!(status.contains("2 outranks 1") && section.contains("2 outranks 1"));

    let dir = incident_dir();
    let missing = dir.path().join("gone.log");
    let run = |args: &[&str], paths: &[&std::path::Path]| culprit().args(args).args(paths).output().unwrap();
    let found = run(&["report", "--format", "json"], &[dir.path()]);
    assert_eq!(found.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(v["causes"].as_array().unwrap().iter().any(|c| c["verdict"] == "likely-cause"), "the incident has a cause");
    assert_eq!(run(&["report", "--fail-on", "likely-cause"], &[dir.path()]).status.code(), Some(1));
    let out = run(&["report"], &[dir.path(), &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("login failed"), "the report on the rest is written");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gone.log"));
    assert_eq!(run(&["report", "--fail-on", "likely-cause"], &[dir.path(), &missing]).status.code(), Some(2));
    // Nothing to find is still 0.
    let quiet = tempfile::tempdir().unwrap();
    fs::write(quiet.path().join("ok.log"), "2024-01-22T15:00:00Z INFO all good\n".repeat(50)).unwrap();
    assert_eq!(run(&["report", "--fail-on", "likely-cause"], &[quiet.path()]).status.code(), Some(0));
}
