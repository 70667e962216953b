//! Report: the findings as text (80 columns), Markdown (a postmortem draft) or JSON.
//! A view: it formats [`Findings`], it never analyses.
//!
//! Every string taken from a log goes through [`crate::text::escape_str`]
//! before it reaches text or Markdown output; secrets are masked beforehand,
//! on the findings themselves, by [`redact::redact_findings`].

mod layout;
pub mod markdown;
pub mod redact;
mod text;

pub use redact::{redact_findings, RedactOptions};

use crate::findings::{Cause, Findings, Verdict};
use crate::time::{human_duration as duration, Millis};
use std::collections::BTreeMap;
use std::io::Write;

/// Width the text report is laid out for.
pub const WIDTH: usize = 80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

/// Options every report view takes.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// Pretty-print JSON.
    pub pretty: bool,
    /// ANSI colour in the text report.
    pub color: bool,
    /// Secrets were masked (the Markdown draft says so).
    pub redacted: bool,
}

pub fn write(
    out: &mut dyn Write,
    findings: &Findings,
    format: ReportFormat,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Json => write_json(out, findings, opts.pretty),
        ReportFormat::Text => text::write(out, findings, opts),
        ReportFormat::Markdown => markdown::write(out, findings, opts),
    }
}

/// Writes a value as one JSON document and a newline. Besides the C0 controls serde_json escapes,
/// every char [`crate::text::is_dangerous`] names (DEL, C1, bidirectional and zero-width controls)
/// is written as a `\u` escape: the data is the same, but a person who `cat`s the file sees
/// the escape instead of text reordered or hidden by it.
pub fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T, pretty: bool) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(16 << 10);
    if pretty {
        serde_json::to_writer_pretty(&mut buf, value)?;
    } else {
        serde_json::to_writer(&mut buf, value)?;
    }
    buf.push(b'\n');
    out.write_all(&escape_json_controls(buf))
}

/// Outside its strings serde_json writes only ASCII (raw newlines and spaces between tokens
/// when pretty; C0 controls inside strings are escaped already), so every char from DEL up that
/// needs escaping is inside a string, where `\uXXXX` (all of them lie in the BMP) means the same.
fn escape_json_controls(json: Vec<u8>) -> Vec<u8> {
    let needs = |c: char| c >= '\u{7f}' && crate::text::is_dangerous(c);
    let Ok(text) = std::str::from_utf8(&json) else { return json };
    if !text.chars().any(needs) {
        return json;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        if needs(c) {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.into_bytes()
}

/// Renders into a string (tests, the TUI's export).
pub fn render(findings: &Findings, format: ReportFormat, opts: &ReportOptions) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(&mut buf, findings, format, opts);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Causes worth a responder's time: likely and contributing.
fn is_candidate(c: &Cause) -> bool {
    matches!(c.verdict, Verdict::LikelyCause | Verdict::Contributing)
}

fn badge(v: Verdict) -> &'static str {
    match v {
        Verdict::LikelyCause => "[LIKELY CAUSE]",
        Verdict::Contributing => "[CONTRIBUTING]",
        Verdict::Consequence => "[CONSEQUENCE]",
        Verdict::Chronic => "[CHRONIC]",
        Verdict::Unrelated => "[UNRELATED]",
    }
}

/// What a ruled-out verdict means, for the group heading.
fn ruled_out_meaning(v: Verdict) -> &'static str {
    match v {
        Verdict::Consequence => "began after a cause above and is explained by it",
        Verdict::Chronic => "just as present before the incident",
        Verdict::Unrelated => "no change around the incident",
        Verdict::LikelyCause | Verdict::Contributing => "",
    }
}

/// Ruled-out causes grouped by verdict, in rank order within a group.
fn ruled_out(f: &Findings) -> Vec<(Verdict, Vec<&Cause>)> {
    [Verdict::Consequence, Verdict::Chronic, Verdict::Unrelated]
        .into_iter()
        .map(|v| {
            let mut cs: Vec<&Cause> = f.causes.iter().filter(|c| c.verdict == v).collect();
            cs.sort_by_key(|c| c.rank);
            (v, cs)
        })
        .filter(|(_, cs)| !cs.is_empty())
        .collect()
}

fn candidates(f: &Findings) -> Vec<&Cause> {
    let mut cs: Vec<&Cause> = f.causes.iter().filter(|c| is_candidate(c)).collect();
    cs.sort_by_key(|c| c.rank);
    cs
}

/// The statement shown instead of a cause, so a view never implies one that is not there.
fn no_cause_statement(f: &Findings) -> &'static str {
    if f.incident.is_none() {
        "No likely cause: there is no incident window to explain."
    } else if f.causes.iter().any(is_candidate) {
        "No likely cause: the evidence is too weak to single out one subsystem; the contributing factors are below."
    } else {
        "No likely cause: nothing changed before the onset strongly enough to single out a subsystem."
    }
}

const NO_INCIDENT: &str = "No incident found: no user-facing symptom departs from its baseline in these logs. \
If you know when it happened, pass --incident START[..END].";

/// `5/h before, 12/min during` for a cause, or `None` when it has no rate either side (a one-off
/// event such as a change: its reasons give its time, and "0/min before, 0/min during" says nothing).
pub fn rate_phrase(c: &crate::findings::Cause) -> Option<String> {
    let none = |x: f64| !x.is_finite() || x <= 0.0;
    if none(c.baseline_per_min) && none(c.incident_per_min) {
        return None;
    }
    Some(format!("{} before, {} during", fmt_rate(c.baseline_per_min), fmt_rate(c.incident_per_min)))
}

/// A rate people read at a glance: per minute from one a minute up, per hour below (a rare event
/// is `0.6/h`, not `0.0/min`), `0/min` for none.
pub fn fmt_rate(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x <= 0.0 {
        "0/min".into()
    } else if x < 1.0 {
        let h = x * 60.0;
        let s = if h >= 10.0 { format!("{h:.0}") } else { format!("{h:.1}") };
        format!("{}/h", s.strip_suffix(".0").unwrap_or(&s))
    } else if x >= 100.0 {
        format!("{x:.0}/min")
    } else {
        format!("{x:.1}/min")
    }
}

pub use crate::text::{counted, sorted_hosts, thousands};

fn fmt_ratio(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn datetime(ms: Millis) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(ms)
}

/// `2024-01-22 15:30:12`
fn full_time(ms: Millis) -> String {
    datetime(ms).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "-".into())
}

fn same_day(a: Millis, b: Millis) -> bool {
    a.div_euclid(crate::time::MS_PER_DAY) == b.div_euclid(crate::time::MS_PER_DAY)
}

/// Times inside the report: the clock alone when everything is on one UTC day, else with the date.
struct TimeFmt {
    multi_day: bool,
}

impl TimeFmt {
    fn for_findings(f: &Findings) -> TimeFmt {
        let mut all: Vec<Millis> = f.timeline.iter().map(|t| t.ts).collect();
        if let Some(i) = &f.incident {
            all.extend([i.start, i.onset]);
            all.extend(i.end);
        }
        all.extend(f.causes.iter().filter_map(|c| c.onset));
        let multi_day = match (all.iter().min(), all.iter().max()) {
            (Some(&a), Some(&b)) => !same_day(a, b),
            _ => false,
        };
        TimeFmt { multi_day }
    }

    fn short(&self, ms: Millis) -> String {
        let fmt = if self.multi_day { "%Y-%m-%d %H:%M:%S" } else { "%H:%M:%S" };
        datetime(ms).map(|d| d.format(fmt).to_string()).unwrap_or_else(|| "-".into())
    }
}

/// Time span over all inputs.
fn span(f: &Findings) -> Option<(Millis, Millis)> {
    let first = f.inputs.iter().filter_map(|i| i.first).min()?;
    let last = f.inputs.iter().filter_map(|i| i.last).max()?;
    Some((first, last))
}

fn span_text(f: &Findings) -> String {
    match span(f) {
        None => "no timestamps".into(),
        Some((a, b)) => {
            let end = if same_day(a, b) {
                datetime(b).map(|d| d.format("%H:%M:%S").to_string()).unwrap_or_default()
            } else {
                full_time(b)
            };
            format!("{} .. {end} UTC ({})", full_time(a), duration(b - a))
        }
    }
}

/// `3 files (2 json, 1 postgres), 12,840 records, 3 unparsed lines`
fn inputs_text(f: &Findings) -> String {
    if f.inputs.is_empty() {
        return "no readable input".into();
    }
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &f.inputs {
        *formats.entry(i.format.as_str()).or_default() += 1;
    }
    let mut formats: Vec<(&str, usize)> = formats.into_iter().collect();
    formats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let formats: Vec<String> = formats.iter().map(|(n, c)| format!("{c} {n}")).collect();
    let records: u64 = f.inputs.iter().map(|i| i.records).sum();
    let unparsed: u64 = f.inputs.iter().map(|i| i.unparsed).sum();
    let mut s =
        format!("{} ({}), {}", counted(f.inputs.len() as u64, "file"), formats.join(", "), counted(records, "record"));
    if unparsed > 0 {
        s.push_str(&format!(", {}", counted(unparsed, "unparsed line")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12345678), "12,345,678");
        assert_eq!(fmt_rate(0.0), "0/min");
        assert_eq!(fmt_rate(0.01), "0.6/h");
        assert_eq!(fmt_rate(0.5), "30/h");
        assert_eq!(fmt_rate(0.1), "6/h");
        assert_eq!(counted(1, "record"), "1 record");
        assert_eq!(counted(12_840, "record"), "12,840 records");
        let hosts: Vec<String> = ["auth-3", "auth-10", "auth-2", "db"].map(String::from).to_vec();
        assert_eq!(sorted_hosts(&hosts), ["auth-2", "auth-3", "auth-10", "db"]);
        assert_eq!(fmt_rate(12.44), "12.4/min");
        assert_eq!(fmt_rate(250.4), "250/min");
        assert_eq!(fmt_rate(f64::NAN), "-");
        assert_eq!(fmt_ratio(0.448), "44.8%");
        assert_eq!(duration(6 * 3_600_000 + 59 * 60_000), "6h59m");
        assert_eq!(duration(201_388 * 3_600_000), "8391d4h");
        assert_eq!(duration(3 * 86_400_000), "3d");
    }
}
