//! Command line: argument definitions (clap derive) and dispatch. Each
//! subcommand's handler lives in its own file; the pipeline they share is
//! [`Pipeline`].

mod export;
mod follow;
mod inputs;
mod man;
mod patterns;
pub mod report;
mod rules;

use crate::analysis::{self, AnalysisOptions};
use crate::findings::Findings;
use crate::format::FormatKind;
use crate::index::{Index, IndexOptions, InputInfo};
use crate::report::ReportFormat;
use crate::rules::RuleSet;
use crate::source::Notice;
use crate::time::{LocalZone, Millis, TimeSpec};
use anyhow::{anyhow, Context};
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

/// Flags every subcommand takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    /// Only look at records from this time on: RFC 3339, a clock time (15:30), or relative to the end (-2h).
    #[arg(long, global = true, value_name = "TIME", allow_hyphen_values = true, value_hint = clap::ValueHint::Other)]
    pub since: Option<String>,
    /// Only look at records up to this time (same forms as --since).
    #[arg(long, global = true, value_name = "TIME", allow_hyphen_values = true, value_hint = clap::ValueHint::Other)]
    pub until: Option<String>,
    /// The incident window, when you know it: START[..END] (same forms as --since).
    #[arg(long, global = true, value_name = "START[..END]", allow_hyphen_values = true, value_hint = clap::ValueHint::Other)]
    pub incident: Option<String>,
    /// Time zone for timestamps that carry none: UTC, +02:00, or an IANA name.
    #[arg(long, global = true, default_value = "UTC", value_name = "ZONE", value_hint = clap::ValueHint::Other)]
    pub tz: String,
    /// Year of yearless syslog timestamps, 1970 to 9999 (default: from each file's modification time).
    #[arg(long, global = true, value_name = "YEAR", allow_hyphen_values = true, value_hint = clap::ValueHint::Other,
          value_parser = clap::value_parser!(i64).range(1970..=9999))]
    pub year: Option<i64>,
    /// Extra rule folder (repeatable); later folders override earlier rules with the same id.
    #[arg(long = "rules", global = true, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub rule_dirs: Vec<PathBuf>,
    /// Force an input's log format: PATH=NAME, e.g. auth.log=syslog (repeatable).
    #[arg(long = "log-format", global = true, value_name = "PATH=NAME", value_hint = clap::ValueHint::Other)]
    pub log_format: Vec<String>,
    /// Output format: text, json or markdown for `report`, jsonl for `export`. (The old spelling
    /// `--format PATH=NAME` still forces a log format, with a note: it is now --log-format.)
    #[arg(long = "format", global = true, value_name = "FORMAT", value_parser = OutputFormatValue)]
    pub format: Vec<String>,
    /// Worker threads for indexing, 1 to 256 (default: all cores).
    #[arg(long, global = true, value_name = "N", allow_hyphen_values = true, value_hint = clap::ValueHint::Other,
          value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// The most one compressed input may expand to (e.g. 512M, 8G; 1M to 1T); past it the rest of
    /// that input is left out with a notice.
    #[arg(long, global = true, value_name = "SIZE", allow_hyphen_values = true, value_hint = clap::ValueHint::Other,
          value_parser = parse_max_decompressed)]
    pub max_decompressed: Option<u64>,
    /// Run every rule on every line rather than once per message shape where the rule allows:
    /// the findings are the same, only slower (for timing and for checking that claim).
    #[arg(long, global = true, hide = true)]
    pub rules_per_line: bool,
}

/// `--threads` bound: more threads than this only costs memory and start-up on any machine.
pub const MAX_THREADS: i64 = 256;

fn parse_max_decompressed(s: &str) -> Result<u64, String> {
    let n = crate::source::parse_size(s)?;
    if !(1 << 20..=1 << 40).contains(&n) {
        return Err(format!("{s} is not between 1M and 1T"));
    }
    Ok(n)
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

/// Resolved common options and the shared load → index → analyse pipeline.
pub struct Pipeline {
    pub zone: LocalZone,
    pub index_opts: IndexOptions,
    pub analysis_opts: AnalysisOptions,
    pub rule_dirs: Vec<PathBuf>,
    /// Output format named with `--format NAME` (no `=`).
    pub output_format: Option<ReportFormat>,
    /// `--since/--until/--incident` made absolute against a database table's time span, once
    /// fetched: the rows come back already bounded, so relative times must not be resolved again.
    resolved_times: std::sync::Mutex<Option<AnalysisOptions>>,
}

impl Pipeline {
    pub fn from_common(c: &Common) -> anyhow::Result<Pipeline> {
        let zone = LocalZone::parse(&c.tz).map_err(|e| anyhow!("--tz: {e}"))?;
        let mut forced = Vec::new();
        let mut output_format = None;
        let custom_formats = crate::format::custom::load_all(&c.rule_dirs).map_err(|e| anyhow!("log formats: {e}"))?;
        for f in &c.format {
            if f.contains('=') {
                eprintln!(
                    "culprit: --format {f}: forcing a log format is now --log-format {f} (--format names the output)"
                );
            }
        }
        let (logs, outputs): (Vec<&String>, Vec<&String>) =
            c.log_format.iter().chain(&c.format).partition(|f| f.contains('='));
        if let Some(f) = c.log_format.iter().find(|f| !f.contains('=')) {
            return Err(anyhow!("--log-format {f}: expected PATH=NAME (auth.log=syslog)"));
        }
        for f in logs.into_iter().chain(outputs) {
            if let Some((path, name)) = f.rsplit_once('=') {
                let custom = custom_formats.iter().position(|cf| cf.name == name).map(|i| FormatKind::Custom(i as u16));
                let kind = FormatKind::from_name(name)
                    .or(custom)
                    .ok_or_else(|| anyhow!("--format {f}: unknown log format '{name}'"))?;
                forced.push((path.to_string(), kind));
            } else {
                output_format = Some(match f.as_str() {
                    "text" => ReportFormat::Text,
                    "json" => ReportFormat::Json,
                    "markdown" | "md" => ReportFormat::Markdown,
                    _ => {
                        return Err(anyhow!(
                        "--format {f}: expected text, json or markdown (--log-format PATH=NAME forces an input's log format)"
                    ))
                    }
                });
            }
        }
        let spec = |name: &str, v: &Option<String>| -> anyhow::Result<Option<TimeSpec>> {
            v.as_deref().map(|s| TimeSpec::parse(s, &zone).map_err(|e| anyhow!("{name}: {e}"))).transpose()
        };
        let incident = match c.incident.as_deref() {
            None => None,
            Some(s) => {
                let (a, b) = match s.split_once("..") {
                    Some((a, b)) => (a, Some(b).filter(|b| !b.is_empty())),
                    None => (s, None),
                };
                let start = TimeSpec::parse(a, &zone).map_err(|e| anyhow!("--incident: {e}"))?;
                let end = b.map(|b| TimeSpec::parse(b, &zone)).transpose().map_err(|e| anyhow!("--incident: {e}"))?;
                if end.as_ref().is_some_and(|end| !ends_after(&start, end)) {
                    return Err(anyhow!("--incident {s}: the end must come after the start"));
                }
                Some((start, end))
            }
        };
        let since = spec("--since", &c.since)?;
        let until = spec("--until", &c.until)?;
        if let (Some(a), Some(b)) = (&since, &until) {
            if !ends_after(a, b) {
                return Err(anyhow!("--until must come after --since"));
            }
        }
        if let Some(n) = c.threads {
            // Only the first call in a process can size the global pool; later calls are harmless no-ops.
            let _ = rayon::ThreadPoolBuilder::new().num_threads(n.into()).build_global();
        }
        Ok(Pipeline {
            index_opts: IndexOptions {
                zone: zone.clone(),
                year: c.year,
                forced_formats: forced,
                custom_formats,
                rules_per_shape: !c.rules_per_line,
                load: crate::source::LoadOptions {
                    max_decompressed: c.max_decompressed.unwrap_or(crate::source::DEFAULT_MAX_DECOMPRESSED),
                },
                ..IndexOptions::default()
            },
            analysis_opts: AnalysisOptions { since, until, incident, zone: zone.clone(), ..Default::default() },
            zone,
            rule_dirs: c.rule_dirs.clone(),
            output_format,
            resolved_times: std::sync::Mutex::new(None),
        })
    }

    pub fn rules(&self) -> anyhow::Result<RuleSet> {
        RuleSet::load(&self.rule_dirs).map_err(|e| anyhow!("{e}"))
    }

    pub fn index(&self, paths: &[PathBuf]) -> anyhow::Result<Index> {
        need_inputs(paths)?;
        let rules = self.rules().context("loading rules")?;
        let (tables, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
            paths.iter().partition(|p| p.to_str().is_some_and(crate::source::clickhouse::is_url));
        if tables.is_empty() {
            return Ok(Index::open(paths, rules, &self.index_opts));
        }
        let files: Vec<PathBuf> = files.into_iter().cloned().collect();
        let (mut sources, mut notices) =
            if files.is_empty() { Default::default() } else { crate::source::load(&files) };
        let mut opts = self.index_opts.clone();
        opts.custom_formats.push(std::sync::Arc::new(crate::source::clickhouse::row_format()));
        let row_format = FormatKind::Custom((opts.custom_formats.len() - 1) as u16);
        let alone = files.is_empty() && tables.len() == 1;
        for t in tables {
            let url = crate::source::clickhouse::Url::parse(t.to_str().unwrap_or_default())?;
            let first_id = sources.len() as u32;
            let fetched =
                crate::source::clickhouse::fetch(&url, &rules, |span| self.resolve_times(span), first_id, alone)?;
            for s in &fetched.sources {
                opts.forced_formats.push((s.path.to_string_lossy().into_owned(), row_format));
            }
            sources.extend(fetched.sources);
            for message in fetched.notes {
                notices.push(crate::source::Notice { path: PathBuf::from(url.display()), message, unreadable: false });
            }
        }
        Ok(Index::build(sources, notices, rules, &opts))
    }

    /// Resolves the time flags against a table's span (first, last record), keeps them for the
    /// analysis, and returns the bounds to put in the query's `WHERE`.
    fn resolve_times(&self, span: Option<(Millis, Millis)>) -> (Option<Millis>, Option<Millis>) {
        let Some((first, last)) = span else { return (None, None) };
        let o = &self.analysis_opts;
        let abs = |t: &TimeSpec| TimeSpec::Absolute(t.resolve(first, last, &self.zone));
        let resolved = AnalysisOptions {
            since: o.since.as_ref().map(abs),
            until: o.until.as_ref().map(abs),
            incident: o.incident.as_ref().map(|(a, b)| (abs(a), b.as_ref().map(abs))),
            zone: o.zone.clone(),
            weights: o.weights,
        };
        let at = |t: &Option<TimeSpec>| match t {
            Some(TimeSpec::Absolute(ms)) => Some(*ms),
            _ => None,
        };
        let bounds = (at(&resolved.since), at(&resolved.until));
        if let Ok(mut slot) = self.resolved_times.lock() {
            *slot = Some(resolved);
        }
        bounds
    }

    /// The inputs' formats, counts and time spans, and the skipped paths, without rules or mining.
    pub fn survey(&self, paths: &[PathBuf]) -> anyhow::Result<(Vec<InputInfo>, Vec<Notice>)> {
        need_inputs(paths)?;
        Ok(Index::survey(paths, &self.index_opts))
    }

    pub fn analyse(&self, index: &Index) -> Findings {
        let resolved = self.resolved_times.lock().ok().and_then(|r| r.clone());
        analysis::analyse(index, resolved.as_ref().unwrap_or(&self.analysis_opts))
    }
}

/// False when `end` is known to come at or before `start` already from the flags (two forms that
/// resolve against the data the same way); true when it is after, or cannot be told before the data is read.
fn ends_after(start: &TimeSpec, end: &TimeSpec) -> bool {
    match (start, end) {
        (TimeSpec::Absolute(a), TimeSpec::Absolute(b)) | (TimeSpec::ClockOfDay(a), TimeSpec::ClockOfDay(b)) => b > a,
        // Both from the end (negative) or both from the start (positive) of the data.
        (TimeSpec::Relative(a), TimeSpec::Relative(b)) if (*a < 0) == (*b < 0) => b > a,
        _ => true,
    }
}

/// `--format`'s values, offered by completion and help; anything else (the old `PATH=NAME`
/// spelling, or a wrong name) is judged where the formats are resolved, with a message naming it.
#[derive(Clone)]
struct OutputFormatValue;

impl clap::builder::TypedValueParser for OutputFormatValue {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        value
            .to_str()
            .map(str::to_string)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(["text", "json", "markdown", "jsonl"].into_iter().map(clap::builder::PossibleValue::new)))
    }
}

fn need_inputs(paths: &[PathBuf]) -> anyhow::Result<()> {
    if paths.is_empty() {
        return Err(anyhow!("no input: name log files or folders (or - for standard input)"));
    }
    Ok(())
}

/// Prints an error the way every subcommand does, and returns the usage/input exit code.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("culprit: {}", crate::text::escape_str(&format!("{e:#}")));
    ExitCode::from(EXIT_USAGE)
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
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "culprit", buf);
            Ok(())
        }),
        Some(Command::Man) => write_generated(|buf| {
            buf.extend_from_slice(man::render(&<Cli as clap::CommandFactory>::command()).as_bytes());
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
    let dumb = report::is_dumb(std::env::var_os("TERM").as_deref());
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
