//! The pipeline every command and the TUI share: the flags every command takes, resolved once
//! (time zone, time bounds, forced formats, rule folders), then load → index → analyse.

use crate::analysis::{self, AnalysisOptions};
use crate::findings::Findings;
use crate::format::FormatKind;
use crate::index::{Index, IndexOptions, InputInfo};
use crate::report::ReportFormat;
use crate::rules::RuleSet;
use crate::source::Notice;
use crate::time::{LocalZone, Millis, TimeSpec};
use anyhow::{anyhow, Context};
use clap::Args;
use std::path::PathBuf;

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
