//! `culprit man`: one roff page with every command and flag (read from the
//! clap definitions, so it cannot drift from `--help`), the TUI's keys (the
//! same table its `?` screen shows), exit status, environment and files.

use std::fmt::Write as _;

/// Escapes text for roff: backslashes, hyphens (so `--since` is not typeset with a dash), and a
/// leading `.` or `'` that would start a request.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '.' | '\'' if i == 0 => {
                out.push_str("\\&");
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Each line of a paragraph escaped (a help text's own line breaks stay paragraph breaks).
fn para(out: &mut String, text: &str) {
    for (i, block) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str(".PP\n");
        }
        let joined = block.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "{}", esc(&joined));
    }
}

/// `\fB--since\fR \fITIME\fR` and the help under it, for every flag and argument of `cmd`
/// (`global` picks the flags every command takes, or the rest).
fn options(out: &mut String, cmd: &clap::Command, global: bool) {
    for a in cmd.get_arguments() {
        if a.is_hide_set() || a.is_global_set() != global || matches!(a.get_id().as_str(), "help" | "version") {
            continue;
        }
        let values: Vec<String> = a.get_value_names().unwrap_or_default().iter().map(|v| v.to_string()).collect();
        let value = values.first().cloned().unwrap_or_else(|| a.get_id().as_str().to_uppercase());
        let mut head = Vec::new();
        if a.is_positional() {
            head.push(format!("\\fI{}\\fR{}", esc(&value), dots(a)));
        } else {
            if let Some(s) = a.get_short() {
                head.push(format!("\\fB\\-{}\\fR", esc(&s.to_string())));
            }
            if let Some(l) = a.get_long() {
                let takes = a.get_action().takes_values();
                let v = if takes { format!(" \\fI{}\\fR", esc(&value)) } else { String::new() };
                head.push(format!("\\fB\\-\\-{}\\fR{v}", esc(l)));
            }
        }
        let _ = writeln!(out, ".TP\n{}", head.join(", "));
        let help = a.get_long_help().or(a.get_help()).map(|h| h.to_string()).unwrap_or_default();
        let mut text = help.trim().to_string();
        if !text.is_empty() && !text.ends_with(['.', '?', '!']) {
            text.push('.');
        }
        let possible: Vec<String> = if a.get_action().takes_values() {
            a.get_possible_values().iter().filter(|p| !p.is_hide_set()).map(|p| p.get_name().to_string()).collect()
        } else {
            Vec::new()
        };
        if !possible.is_empty() {
            let _ = write!(text, " One of: {}.", possible.join(", "));
        }
        let defaults: Vec<String> = a.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
        if !defaults.is_empty() && a.get_action().takes_values() {
            let _ = write!(text, " Default: {}.", defaults.join(", "));
        }
        para(out, text.trim());
    }
}

/// `...` after an argument that takes several values.
fn dots(a: &clap::Arg) -> &'static str {
    if matches!(a.get_action(), clap::ArgAction::Append) {
        "..."
    } else {
        ""
    }
}

/// A command that hides the flags every other command takes carries them as hidden copies (see
/// `cli::command`): it takes none worth naming.
fn hides_common_flags(cmd: &clap::Command) -> bool {
    cmd.get_arguments().any(|a| a.is_hide_set() && a.get_long().is_some())
}

/// ` [OPTIONS]` in a synopsis, unless the command takes no flag worth naming.
fn options_word(cmd: &clap::Command) -> &'static str {
    let own = cmd.get_arguments().any(|a| !a.is_positional() && !a.is_hide_set() && a.get_id() != "help");
    if own || !hides_common_flags(cmd) {
        " [\\fIOPTIONS\\fR]"
    } else {
        ""
    }
}

/// The name a command is typed as (`rules check`), its synopsis, its help and its own flags;
/// subcommands follow in turn.
fn command(out: &mut String, cmd: &clap::Command, prefix: &str) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{prefix} {}", sub.get_name());
        let _ = writeln!(out, ".SS \"{}\"", esc(name.trim()));
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            para(out, &about.to_string());
        }
        let positional: Vec<String> = sub
            .get_arguments()
            .filter(|a| a.is_positional())
            .map(|a| {
                let v = a.get_value_names().and_then(|v| v.first()).map(|v| v.to_string());
                format!("{}{}", v.unwrap_or_else(|| a.get_id().as_str().to_uppercase()), dots(a))
            })
            .collect();
        let _ = writeln!(out, ".PP\n\\fBculprit{}\\fR{} {}", esc(&name), options_word(sub), esc(&positional.join(" ")));
        options(out, sub, false);
        command(out, sub, &name);
    }
}

const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "Success: the output was written, whether or not it names a cause (a report is not a search: an \
         incident with no likely cause is a finding too); also when standard output was closed early \
         (culprit ... | head).",
    ),
    ("1", "--fail-on likely-cause was given and the findings name a likely cause (for automation)."),
    (
        "2",
        "An error: a bad flag or value, no input, no readable input, -o naming an input; or an input \
         that could not be read (a missing path, permission denied), named on standard error after the \
         output on the rest was written. 2 outranks 1.",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("NO_COLOR", "Any non-empty value turns colour off in the text report and the TUI (--color always still wins)."),
    ("TERM", "dumb: no TUI (culprit PATH prints the report), no colour, no progress bar."),
    ("XDG_CONFIG_HOME, HOME", "Where the user's rule and format folders are (see FILES)."),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/culprit/rules/ (else ~/.config/culprit/rules/)",
        "The user's rule files (TOML), read after the built-in pack and before each --rules DIR; a rule with \
         the id of an earlier one replaces it.",
    ),
    (
        "$XDG_CONFIG_HOME/culprit/formats/ (else ~/.config/culprit/formats/)",
        "The user's log format definitions; also DIR/formats/ of each --rules DIR.",
    ),
];

fn table(out: &mut String, rows: &[(&str, &str)]) {
    for (k, v) in rows {
        let _ = writeln!(out, ".TP\n\\fB{}\\fR", esc(k));
        para(out, v);
    }
}

/// The whole page.
pub fn render(cmd: &clap::Command) -> String {
    let mut out = String::new();
    let version = cmd.get_version().unwrap_or_default();
    let _ = writeln!(out, ".TH CULPRIT 1 \"\" \"culprit {}\" \"User Commands\"", esc(version));
    let _ = writeln!(out, ".SH NAME\nculprit \\- {}", esc(&cmd.get_about().map(|a| a.to_string()).unwrap_or_default()));
    out.push_str(".SH SYNOPSIS\n\\fBculprit\\fR [\\fIOPTIONS\\fR] [\\fIPATH\\fR...]\n");
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let _ = writeln!(out, ".br\n\\fBculprit {}\\fR{} ...", esc(sub.get_name()), options_word(sub));
    }
    out.push_str(".SH DESCRIPTION\n");
    para(&mut out, &cmd.get_long_about().or(cmd.get_about()).map(|a| a.to_string()).unwrap_or_default());
    out.push_str(".SH COMMANDS\n");
    command(&mut out, cmd, "");
    let without: Vec<&str> = cmd.get_subcommands().filter(|s| hides_common_flags(s)).map(|s| s.get_name()).collect();
    let _ = match without.as_slice() {
        [] => writeln!(out, ".SH OPTIONS\nEvery command takes these."),
        names => writeln!(out, ".SH OPTIONS\nEvery command but {} takes these.", names.join(" and ")),
    };
    options(&mut out, cmd, true);
    out.push_str(".SH TUI KEYS\nOn a terminal, culprit PATH... opens the TUI; ? shows these keys there.\n");
    table(&mut out, crate::tui::draw::HELP);
    out.push_str(".SH EXIT STATUS\n");
    table(&mut out, EXIT_STATUS);
    out.push_str(".SH ENVIRONMENT\n");
    table(&mut out, ENVIRONMENT);
    out.push_str(".SH FILES\n");
    table(&mut out, FILES);
    out.push_str(
        ".SH SEE ALSO\nThe README and docs/ of the culprit source: analysis.md, findings.md, reliability.md.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escapes() {
        assert_eq!(esc("--since -2h"), "\\-\\-since \\-2h");
        assert_eq!(esc(".start"), "\\&.start");
        assert_eq!(esc("a\\b"), "a\\eb");
    }
}
