//! Command line: argument definitions (clap derive) and dispatch. Each
//! subcommand's handler lives in its own file; the pipeline they share is
//! [`crate::pipeline::Pipeline`].

pub mod export;
mod follow;
mod inputs;
mod man;
mod patterns;
pub mod report;
mod rules;

use crate::index::Index;
use crate::pipeline::{Common, Pipeline};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, documented in the README and the man page.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAIL_ON: u8 = 1;
/// A usage error, or an input that could not be read (after the output on the rest is written).
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "culprit",
    version,
    about = "Which subsystem most likely caused the incident — and which loud ones are not worth your time",
    long_about = "culprit reads the logs you already have (auth service, database, proxy, syslog, deploy and \
config audit), finds when things changed, and ranks likely causes with evidence lines and reasons.\n\n\
With no subcommand it opens the TUI on a terminal (not TERM=dumb), and prints the text report otherwise."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the findings: text (default), JSON or a Markdown postmortem draft.
    Report(ReportArgs),
    /// Per input: detected format, records, unparsed lines, time span, warnings.
    Inputs(InputsArgs),
    /// List, check, test and explain rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Mined log templates.
    Patterns(PatternsArgs),
    /// Print every line of growing files, then each new one as it is written (like tail -F), across
    /// rotation and truncation; a summary on standard error when stopped (Ctrl-C, SIGTERM).
    Follow(FollowArgs),
    /// Every record as one JSON line (`--format jsonl`): time, level, host, service, message, path, line,
    /// format and parsed fields — to see what was understood, or to load logs into a store.
    Export(ExportArgs),
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): every command and flag, the TUI keys, exit status, environment,
    /// files (`culprit man | man -l -`).
    Man,
}

#[derive(Args, Debug, Default)]
pub struct ReportArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    /// Pretty-print JSON.
    #[arg(long)]
    pub pretty: bool,
    /// Write the report to FILE (never one of the inputs); without --format, a `.md` or `.json` name
    /// picks Markdown or JSON.
    #[arg(short = 'o', long = "output", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub output: Option<PathBuf>,
    /// Colour in the text report: auto (a terminal, and NO_COLOR unset or empty), always, never.
    #[arg(long, value_enum, default_value_t = report::ColorWhen::Auto, value_name = "WHEN")]
    pub color: report::ColorWhen,
    /// Mask secrets (tokens, passwords, API keys, emails); `ips` masks IP addresses too; `none` turns off
    /// the Markdown default (secrets masked).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "secrets", value_name = "WHAT")]
    pub redact: Option<report::Redact>,
    /// Exit with 1 when the findings name a likely cause (for automation).
    #[arg(long, value_enum, value_name = "WHEN")]
    pub fail_on: Option<report::FailOn>,
}

#[derive(Args, Debug, Default)]
pub struct InputsArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List every loaded rule.
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Validate rule files and run every rule's examples (exit 1 on failure).
    Check {
        /// Rule folders to check besides the loaded ones.
        dirs: Vec<PathBuf>,
    },
    /// Does RULE_ID match LINE?
    Test {
        /// A rule id (see `culprit rules list`).
        rule_id: String,
        /// A log line, quoted.
        line: String,
    },
    /// Which rules match LINE, and why.
    Explain {
        /// A log line, quoted.
        line: String,
    },
}

#[derive(Args, Debug, Default)]
pub struct ExportArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug, Default)]
pub struct PatternsArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    /// Only templates first seen after TIME (RFC 3339, a clock time, or relative: -15m).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub new_since: Option<String>,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print `path<TAB>line<TAB>template_id` for every physical line, in file order.
    #[arg(long)]
    pub per_line: bool,
}

#[derive(Args, Debug, Default)]
pub struct FollowArgs {
    /// Files to follow by name (one that does not exist yet is picked up when it appears); a folder
    /// stands for the live files in it (not rotated `.1` or compressed ones, which no longer grow).
    pub paths: Vec<PathBuf>,
    /// How often to look at the files, in milliseconds (10 to 60000).
    #[arg(long, value_name = "MS", default_value_t = 250, allow_hyphen_values = true,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub interval: u64,
}

/// Prints an error the way every subcommand does, and returns the usage/input exit code.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("culprit: {}", crate::text::escape_str(&format!("{e:#}")));
    ExitCode::from(EXIT_USAGE)
}

/// The command line. The flags every command takes mean nothing to `man` and `completions`:
/// those take them unseen (not in their help, usage or completions) rather than list them.
pub fn command() -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> =
        cmd.get_arguments().filter(|a| a.is_global_set()).map(|a| a.clone().global(false).hide(true)).collect();
    cmd.mut_subcommand("man", |sc| sc.args(globals.clone())).mut_subcommand("completions", |sc| sc.args(globals))
}

/// Parses the process's arguments with [`command`] (exits with clap's message and status 2 on a usage error).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command()).exit())
}

/// Entry point for the binary.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => run_default(&cli.paths, &cli.common),
        Some(Command::Inputs(args)) => inputs::run(&args, &cli.common),
        Some(Command::Report(args)) => report::run(&args, &cli.common),
        Some(Command::Rules(cmd)) => rules::run(&cmd, &cli.common),
        Some(Command::Patterns(args)) => patterns::run(&args, &cli.common),
        Some(Command::Follow(args)) => follow::run(&args),
        Some(Command::Export(args)) => export::run(&args, &cli.common),
        Some(Command::Completions { shell }) => write_generated(|buf| {
            clap_complete::generate(shell, &mut command(), "culprit", buf);
            Ok(())
        }),
        Some(Command::Man) => write_generated(|buf| {
            buf.extend_from_slice(man::render(&command()).as_bytes());
            Ok(())
        }),
    };
    result.unwrap_or_else(|e| {
        if is_broken_pipe(&e) {
            return ExitCode::from(EXIT_OK);
        }
        fail(&e)
    })
}

/// `culprit report | head` closes our stdout early: that is a normal end, not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == BrokenPipe)
            // serde_json's error does not expose its I/O error as a source.
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind()) == Some(BrokenPipe)
    })
}

/// Writes generated text (completions, the man page) through a buffer, so a closed pipe is an
/// error to return rather than a panic inside the generator.
fn write_generated(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut buf = Vec::new();
    render(&mut buf)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}

/// Names on standard error every input that could not be read, shrank or was cut short, once the
/// output on the rest is written; true when one could not be read at all (exit status 2).
pub fn report_input_problems(index: &Index, later: &[crate::source::Notice]) -> bool {
    for n in index.notices.iter().filter(|n| n.unreadable).chain(later) {
        eprintln!("culprit: {n}");
    }
    for s in &index.sources {
        for w in &s.warnings {
            eprintln!("culprit: {}: {}", s.display(), crate::text::escape_str(w));
        }
    }
    index.notices.iter().any(|n| n.unreadable)
}

/// [`input_status`] for a survey (`culprit inputs`), which keeps no index.
pub fn survey_status(inputs: &[crate::index::InputInfo], notices: &[crate::source::Notice]) -> ExitCode {
    for n in notices.iter().filter(|n| n.unreadable) {
        eprintln!("culprit: {n}");
    }
    for i in inputs {
        for w in &i.warnings {
            eprintln!("culprit: {}: {}", crate::text::escape_str(&i.path), crate::text::escape_str(w));
        }
    }
    ExitCode::from(if notices.iter().any(|n| n.unreadable) { EXIT_USAGE } else { EXIT_OK })
}

/// The exit status of a command that lists what it read: 2 when an input could not be read.
pub fn input_status(index: &Index) -> ExitCode {
    let unreadable = report_input_problems(index, &[]);
    ExitCode::from(if unreadable { EXIT_USAGE } else { EXIT_OK })
}

fn run_default(paths: &[PathBuf], common: &Common) -> anyhow::Result<ExitCode> {
    // A dumb terminal cannot draw a full-screen UI: it gets the report, as a pipe does.
    let dumb = crate::text::is_dumb_terminal(std::env::var_os("TERM").as_deref());
    let piped_in = !std::io::stdin().is_terminal();
    // `… | culprit` reads the pipe, as less and lnav do.
    let stdin_only = [PathBuf::from("-")];
    let paths = if paths.is_empty() && piped_in { &stdin_only[..] } else { paths };
    // With the logs piped in, keys come from the controlling terminal (/dev/tty), as less's do.
    let keys = !piped_in || std::fs::File::options().read(true).write(true).open("/dev/tty").is_ok();
    if std::io::stdout().is_terminal() && keys && !dumb {
        // The TUI indexes and analyses on its worker thread, so its first frame appears at once.
        let p = Pipeline::from_common(common)?;
        crate::tui::run(paths.to_vec(), p)?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    report::run(&ReportArgs { paths: paths.to_vec(), ..Default::default() }, common)
}
