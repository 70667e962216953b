//! Command line: argument definitions (clap derive) and dispatch. Each
//! subcommand's handler lives in its own file; the pipeline they share is
//! [`Pipeline`].

mod export;
mod inputs;
mod patterns;
pub mod report;
mod rules;

use crate::analysis::{self, AnalysisOptions};
use crate::findings::Findings;
use crate::format::FormatKind;
use crate::index::{Index, IndexOptions};
use crate::report::ReportFormat;
use crate::rules::RuleSet;
use crate::time::{LocalZone, Millis, TimeSpec};
use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, documented in the README.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAIL_ON: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "culprit",
    version,
    about = "Which subsystem most likely caused the incident — and which loud ones are not worth your time",
    long_about = "culprit reads the logs you already have (auth service, database, proxy, syslog, deploy and \
config audit), finds when things changed, and ranks likely causes with evidence lines and reasons.\n\n\
With no subcommand it opens the TUI on a terminal, and prints the text report otherwise."
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
    #[arg(long, global = true, value_name = "TIME")]
    pub since: Option<String>,
    /// Only look at records up to this time (same forms as --since).
    #[arg(long, global = true, value_name = "TIME")]
    pub until: Option<String>,
    /// The incident window, when you know it: START[..END] (same forms as --since).
    #[arg(long, global = true, value_name = "START[..END]")]
    pub incident: Option<String>,
    /// Time zone for timestamps that carry none: UTC, +02:00, or an IANA name.
    #[arg(long, global = true, default_value = "UTC", value_name = "ZONE")]
    pub tz: String,
    /// Year of yearless syslog timestamps (default: from each file's modification time).
    #[arg(long, global = true, value_name = "YEAR")]
    pub year: Option<i64>,
    /// Extra rule folder (repeatable); later folders override earlier rules with the same id.
    #[arg(long = "rules", global = true, value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Force an input's log format (PATH=NAME, e.g. auth.log=syslog; repeatable). For `report`, a value
    /// without `=` picks the output format (text, json, markdown).
    #[arg(long = "format", global = true, value_name = "PATH=NAME|OUTPUT")]
    pub format: Vec<String>,
    /// Worker threads for indexing (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
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
    /// Every record as one JSON line (`--format jsonl`): time, level, host, service, message, path, line,
    /// format and parsed fields — to see what was understood, or to load logs into a store.
    Export(ExportArgs),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Args, Debug, Default)]
pub struct ReportArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    /// Pretty-print JSON.
    #[arg(long)]
    pub pretty: bool,
    /// Write the report to FILE (never one of the inputs).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
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
    pub paths: Vec<PathBuf>,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List every loaded rule.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Validate rule files and run every rule's examples (exit 1 on failure).
    Check { dirs: Vec<PathBuf> },
    /// Does RULE_ID match LINE?
    Test { rule_id: String, line: String },
    /// Which rules match LINE, and why.
    Explain { line: String },
}

#[derive(Args, Debug, Default)]
pub struct ExportArgs {
    /// Log files or folders (`-` reads standard input).
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug, Default)]
pub struct PatternsArgs {
    pub paths: Vec<PathBuf>,
    /// Only templates first seen after TIME (RFC 3339, a clock time, or relative: -15m).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub new_since: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Print `path<TAB>line<TAB>template_id` for every physical line, in file order.
    #[arg(long)]
    pub per_line: bool,
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
                        "--format {f}: expected text, json or markdown (or PATH=FORMAT to force an input's log format)"
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
                Some((start, end))
            }
        };
        if let Some(n) = c.threads {
            // Only the first call in a process can size the global pool; later calls are harmless no-ops.
            let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
        }
        Ok(Pipeline {
            index_opts: IndexOptions {
                zone: zone.clone(),
                year: c.year,
                forced_formats: forced,
                custom_formats,
                ..IndexOptions::default()
            },
            analysis_opts: AnalysisOptions {
                since: spec("--since", &c.since)?,
                until: spec("--until", &c.until)?,
                incident,
                zone: zone.clone(),
            },
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
        if paths.is_empty() {
            return Err(anyhow!("no input: name log files or folders (or - for standard input)"));
        }
        let rules = self.rules().context("loading rules")?;
        let (tables, files): (Vec<&PathBuf>, Vec<&PathBuf>) =
            paths.iter().partition(|p| p.to_str().is_some_and(crate::source::clickhouse::is_url));
        if tables.is_empty() {
            return Ok(Index::open(paths, rules, &self.index_opts));
        }
        let files: Vec<PathBuf> = files.into_iter().cloned().collect();
        let (mut sources, notices) = if files.is_empty() { Default::default() } else { crate::source::load(&files) };
        let mut opts = self.index_opts.clone();
        opts.custom_formats.push(std::sync::Arc::new(crate::source::clickhouse::row_format()));
        let row_format = FormatKind::Custom((opts.custom_formats.len() - 1) as u16);
        for t in tables {
            let url = crate::source::clickhouse::Url::parse(t.to_str().unwrap_or_default())?;
            let fetched =
                crate::source::clickhouse::fetch(&url, |span| self.resolve_times(span), sources.len() as u32)?;
            for s in &fetched.sources {
                opts.forced_formats.push((s.path.to_string_lossy().into_owned(), row_format));
            }
            sources.extend(fetched.sources);
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

    pub fn analyse(&self, index: &Index) -> Findings {
        let resolved = self.resolved_times.lock().ok().and_then(|r| r.clone());
        analysis::analyse(index, resolved.as_ref().unwrap_or(&self.analysis_opts))
    }
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
        Some(Command::Export(args)) => export::run(&args, &cli.common),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "culprit", &mut std::io::stdout());
            Ok(ExitCode::from(EXIT_OK))
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .map(|_| ExitCode::from(EXIT_OK))
                .map_err(Into::into)
        }
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
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run_default(paths: &[PathBuf], common: &Common) -> anyhow::Result<ExitCode> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        // The TUI indexes and analyses on its worker thread, so its first frame appears at once.
        let p = Pipeline::from_common(common)?;
        crate::tui::run(paths.to_vec(), p)?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    report::run(&ReportArgs { paths: paths.to_vec(), ..Default::default() }, common)
}
