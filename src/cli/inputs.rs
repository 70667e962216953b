//! `culprit inputs`: what was read, as what, and how well — the first command a user runs to trust the tool.

use super::{survey_status, InputsArgs};
use crate::pipeline::{Common, Pipeline};
use crate::text::escape_str;
use crate::time::{rfc3339, NO_TIME};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &InputsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let p = Pipeline::from_common(common)?;
    let (inputs, notices) = p.survey(&args.paths)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let notice_text: Vec<String> = notices.iter().map(|n| n.to_string()).collect();
        let doc = serde_json::json!({ "inputs": inputs, "notices": notice_text });
        crate::report::write_json(&mut out, &doc, true)?;
        return Ok(survey_status(&inputs, &notices));
    }
    writeln!(
        out,
        "{:<40} {:<13} {:>9} {:>9} {:>8} {:>8}  first .. last",
        "input", "format", "lines", "records", "unparsed", "untimed"
    )?;
    for i in &inputs {
        let span =
            if i.first == NO_TIME { "-".to_string() } else { format!("{} .. {}", rfc3339(i.first), rfc3339(i.last)) };
        writeln!(
            out,
            "{:<40} {:<13} {:>9} {:>9} {:>8} {:>8}  {}",
            escape_str(&i.path),
            i.format,
            i.lines,
            i.records,
            i.unparsed,
            i.untimed,
            span
        )?;
        for w in &i.warnings {
            writeln!(out, "  warning: {}", escape_str(w))?;
        }
    }
    for n in notices.iter().filter(|n| !n.unreadable) {
        writeln!(out, "skipped: {n}")?;
    }
    out.flush()?;
    Ok(survey_status(&inputs, &notices))
}
