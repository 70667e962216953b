//! `culprit report`: index, analyse, redact, then format the findings as text,
//! JSON or a Markdown postmortem draft, to stdout or `-o FILE`.
//!
//! `-o` never overwrites an input (same canonical path or same device and
//! inode as any input file, folders expanded) and writes the file in place:
//! no temporary files appear next to the logs.

use super::{ReportArgs, EXIT_FAIL_ON, EXIT_OK, EXIT_USAGE};
use crate::index::{Index, IndexProgress};
use crate::pipeline::{Common, Pipeline};
use crate::report::{self, redact_findings, RedactOptions, ReportFormat, ReportOptions};
use anyhow::{anyhow, Context};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal and NO_COLOR is unset or empty.
    #[default]
    Auto,
    /// Even when piped or NO_COLOR is set.
    Always,
    /// Plain text.
    Never,
}

/// `--redact [WHAT]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Redact {
    /// Tokens, passwords, API keys, emails.
    Secrets,
    /// Secrets and IP addresses.
    Ips,
    /// Nothing (turns off the Markdown default).
    None,
}

/// `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 when the findings name a likely cause.
    LikelyCause,
}

/// Colour decision: an explicit flag wins; `auto` needs a terminal that is not `TERM=dumb` and no
/// `NO_COLOR` (any non-empty value).
pub fn color_enabled(
    when: ColorWhen,
    is_terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && !crate::text::is_dumb_terminal(term) && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// The report format a file name asks for: `.md`/`.markdown` Markdown, `.json` JSON.
pub fn format_for_output(out: &Path) -> Option<ReportFormat> {
    let ext = out.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => Some(ReportFormat::Markdown),
        "json" => Some(ReportFormat::Json),
        "txt" | "text" => Some(ReportFormat::Text),
        _ => None,
    }
}

/// What gets masked: the flag, else secrets for Markdown (a draft meant to be shared) and nothing otherwise.
pub fn redaction(flag: Option<Redact>, format: ReportFormat) -> Option<RedactOptions> {
    match flag {
        Some(Redact::Secrets) => Some(RedactOptions { ips: false }),
        Some(Redact::Ips) => Some(RedactOptions { ips: true }),
        Some(Redact::None) => None,
        None if format == ReportFormat::Markdown => Some(RedactOptions { ips: false }),
        None => None,
    }
}

pub fn run(args: &ReportArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let mut p = Pipeline::from_common(common)?;
    let output = args.output.as_deref().filter(|o| o.as_os_str() != "-");
    // An explicit --format wins; else `-o report.md` means Markdown.
    let format = p.output_format.or_else(|| output.and_then(format_for_output)).unwrap_or(ReportFormat::Text);
    if let Some(out) = output {
        refuse_input_as_output(out, &args.paths)?;
    }
    let index = index_with_progress(&mut p, &args.paths)?;
    if index.sources.is_empty() {
        let why: Vec<String> = index.notices.iter().map(|n| n.to_string()).collect();
        if why.is_empty() {
            let named: Vec<String> = args.paths.iter().map(|p| crate::text::escape_path(p)).collect();
            return Err(anyhow!("no readable input: no files in {}", named.join(", ")));
        }
        return Err(anyhow!("no readable input ({})", why.join("; ")));
    }
    // Said on stderr too: a report of a mostly unread input looks like any other.
    for input in &index.inputs {
        if let Some(w) = crate::index::mostly_unparsed(input.lines, input.unparsed) {
            eprintln!("culprit: {}: {w}", crate::text::escape_str(&input.path));
        }
    }
    if args.pretty && format != ReportFormat::Json {
        eprintln!("culprit: --pretty applies to JSON only (--format json)");
    }
    let mut findings = p.analyse(&index);
    // As late as can be: an input truncated or rotated while it was indexed is named in the report.
    let shrunk = crate::source::shrunk_since_read(&index.sources);
    findings.notices.extend(shrunk.iter().map(|n| n.to_string()));

    let redact = redaction(args.redact, format);
    if let Some(r) = &redact {
        redact_findings(&mut findings, r);
        let what = if r.ips { "secrets and IP addresses" } else { "secrets" };
        findings.notices.push(format!("{what} in log text are masked (--redact; --redact none shows them)"));
    }
    let is_tty = output.is_none() && std::io::stdout().is_terminal();
    let color = format == ReportFormat::Text
        && color_enabled(
            args.color,
            is_tty,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        );
    let opts = ReportOptions { pretty: args.pretty, color, redacted: redact.is_some() };

    let mut buf = Vec::with_capacity(16 << 10);
    report::write(&mut buf, &findings, format, &opts)?;
    match output {
        Some(out) => {
            // Written in place (create + truncate): a temp file next to the report could land in a log folder.
            let mut f = std::fs::File::create(out)
                .with_context(|| format!("cannot write the report to {}", crate::text::escape_path(out)))?;
            f.write_all(&buf)
                .and_then(|_| f.flush())
                .with_context(|| format!("cannot write the report to {}", crate::text::escape_path(out)))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(&buf)?;
            lock.flush()?;
        }
    }
    let unreadable = super::report_input_problems(&index, &shrunk);
    // The process ends here: freeing the inputs and the columns one by one would cost a twentieth
    // of the run for nothing.
    std::mem::forget(index);
    Ok(ExitCode::from(exit_code(&findings, args.fail_on, unreadable)))
}

/// 2 when an input could not be read (an error outranks a finding); else 1 when `--fail-on
/// likely-cause` and the findings name one; 0 otherwise.
pub fn exit_code(findings: &crate::findings::Findings, fail_on: Option<FailOn>, unreadable: bool) -> u8 {
    match fail_on {
        _ if unreadable => EXIT_USAGE,
        Some(FailOn::LikelyCause) if findings.likely_cause().is_some() => EXIT_FAIL_ON,
        _ => EXIT_OK,
    }
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Errors when `out` already exists and is one of the input files (folders expanded, skipped files included).
fn refuse_input_as_output(out: &Path, paths: &[PathBuf]) -> anyhow::Result<()> {
    let Ok(out_meta) = std::fs::metadata(out) else {
        // Nothing there yet (or unreachable, which File::create will report): it cannot be an input.
        return Ok(());
    };
    let out_canon = std::fs::canonicalize(out).ok();
    let out_id = file_id(&out_meta);
    let (candidates, _) = crate::source::discover(paths);
    for c in candidates.iter().map(|c| &c.path).chain(paths) {
        if c.as_os_str() == "-" {
            continue;
        }
        let same_path = out_canon.is_some() && std::fs::canonicalize(c).ok() == out_canon;
        let same_file = out_id.is_some() && std::fs::metadata(c).ok().and_then(|m| file_id(&m)) == out_id;
        if same_path || same_file {
            return Err(anyhow!(
                "refusing to write the report to {}: it is the input {} (choose another -o FILE)",
                crate::text::escape_path(out),
                crate::text::escape_path(c)
            ));
        }
    }
    Ok(())
}

/// Indexes with a progress bar on stderr when stderr is a terminal and indexing takes long enough to notice.
fn index_with_progress(p: &mut Pipeline, paths: &[PathBuf]) -> anyhow::Result<Index> {
    // A bar redraws itself in place, which a dumb terminal cannot do.
    if !std::io::stderr().is_terminal() || crate::text::is_dumb_terminal(std::env::var_os("TERM").as_deref()) {
        return p.index(paths);
    }
    let progress = Arc::new(IndexProgress::default());
    p.index_opts.progress = Some(progress.clone());
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| show_progress(&progress, &finished));
        let r = p.index(paths);
        finished.store(true, Ordering::Release);
        r
    })
}

fn show_progress(progress: &IndexProgress, finished: &AtomicBool) {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    // Small inputs finish before a bar would only flash.
    const DELAY: Duration = Duration::from_millis(400);
    let start = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !finished.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(50));
        if bar.is_none() && start.elapsed() >= DELAY {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("indexing {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            {
                b.set_style(style);
            }
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_length(progress.total.load(Ordering::Relaxed));
            b.set_position(progress.done.load(Ordering::Relaxed));
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_follows_flag_terminal_and_no_color() {
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(color_enabled(ColorWhen::Auto, true, None, xterm));
        assert!(color_enabled(ColorWhen::Auto, true, None, None));
        assert!(color_enabled(ColorWhen::Auto, true, Some(OsStr::new("")), xterm));
        assert!(!color_enabled(ColorWhen::Auto, true, Some(OsStr::new("1")), xterm));
        assert!(!color_enabled(ColorWhen::Auto, false, None, xterm));
        assert!(!color_enabled(ColorWhen::Auto, true, None, Some(OsStr::new("dumb"))));
        assert!(color_enabled(ColorWhen::Always, false, Some(OsStr::new("1")), Some(OsStr::new("dumb"))));
        assert!(!color_enabled(ColorWhen::Never, true, None, xterm));
    }

    #[test]
    fn output_file_extension_picks_the_format() {
        assert_eq!(format_for_output(Path::new("postmortem.md")), Some(ReportFormat::Markdown));
        assert_eq!(format_for_output(Path::new("x.MARKDOWN")), Some(ReportFormat::Markdown));
        assert_eq!(format_for_output(Path::new("out/findings.json")), Some(ReportFormat::Json));
        assert_eq!(format_for_output(Path::new("report.txt")), Some(ReportFormat::Text));
        assert_eq!(format_for_output(Path::new("report")), None);
    }

    #[test]
    fn markdown_is_redacted_by_default_and_can_opt_out() {
        assert_eq!(redaction(None, ReportFormat::Markdown), Some(RedactOptions { ips: false }));
        assert_eq!(redaction(None, ReportFormat::Text), None);
        assert_eq!(redaction(None, ReportFormat::Json), None);
        assert_eq!(redaction(Some(Redact::None), ReportFormat::Markdown), None);
        assert_eq!(redaction(Some(Redact::Ips), ReportFormat::Json), Some(RedactOptions { ips: true }));
    }
}
