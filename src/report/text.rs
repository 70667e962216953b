//! The text report: what a responder reads in an 80-column terminal. Log text
//! is escaped, then wrapped or truncated; colour codes are added around
//! already laid-out pieces so they never affect the layout.

use super::layout::{truncate, wrap};
use super::*;
use crate::findings::{Cause, Evidence, WindowSource};
use crate::text::escape_str;
use std::io::{self, Write};

/// Evidence lines shown per cause.
const EVIDENCE_LINES: usize = 4;
/// Screen lines an evidence line's text may take before it is cut.
const EVIDENCE_TEXT_LINES: usize = 2;
/// Label column of `Label:    value` lines.
const LABEL: usize = 10;

struct Paint {
    on: bool,
}

impl Paint {
    fn sgr(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn heading(&self, s: &str) -> String {
        self.sgr("1;4", s)
    }
    fn bold(&self, s: &str) -> String {
        self.sgr("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.sgr("2", s)
    }
    fn badge(&self, v: Verdict) -> String {
        let code = match v {
            Verdict::LikelyCause => "1;31",
            Verdict::Contributing => "1;33",
            Verdict::Consequence => "36",
            Verdict::Chronic | Verdict::Unrelated => "2",
        };
        self.sgr(code, badge(v))
    }
}

struct Out<'a> {
    w: &'a mut dyn Write,
    p: Paint,
}

impl Out<'_> {
    fn line(&mut self, s: &str) -> io::Result<()> {
        writeln!(self.w, "{}", s.trim_end())
    }
    fn blank(&mut self) -> io::Result<()> {
        writeln!(self.w)
    }
    /// `indent` + `Label:` padded to the label column, value wrapped under itself.
    fn field(&mut self, indent: usize, label: &str, value: &str) -> io::Result<()> {
        let head = format!("{:indent$}{:<LABEL$}", "", format!("{label}:"));
        let rest = " ".repeat(head.len());
        let lines = wrap(value, &head, &rest, WIDTH);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                // Colour the label only; the value keeps its laid-out text.
                let (lab, val) = l.split_at(head.len().min(l.len()));
                writeln!(self.w, "{}{}", self.p.bold(lab.trim_end()), pad_after(lab, val))?;
            } else {
                self.line(l)?;
            }
        }
        Ok(())
    }
    fn wrapped(&mut self, text: &str, first: &str, rest: &str) -> io::Result<()> {
        for l in wrap(text, first, rest, WIDTH) {
            self.line(&l)?;
        }
        Ok(())
    }
}

/// The spaces between a bold label and its value, which the bold part dropped.
fn pad_after(lab: &str, val: &str) -> String {
    let spaces = lab.len() - lab.trim_end().len();
    format!("{}{}", " ".repeat(spaces), val.trim_end())
}

pub fn write(w: &mut dyn Write, f: &Findings, opts: &ReportOptions) -> io::Result<()> {
    let mut o = Out { w, p: Paint { on: opts.color } };
    let tf = TimeFmt::for_findings(f);

    let title = o.p.bold("culprit report");
    o.line(&title)?;
    // The answer first: what changed, where, when, and what it did.
    let headline = f.headline();
    if !headline.is_empty() {
        o.field(0, "Answer", &escape_str(&headline))?;
    }
    o.field(0, "Inputs", &escape_str(&inputs_text(f)))?;
    o.field(0, "Span", &span_text(f))?;
    for n in &f.notices {
        o.field(0, "Notice", &escape_str(n))?;
    }

    o.blank()?;
    let h = o.p.heading("INCIDENT");
    o.line(&h)?;
    incident(&mut o, f, &tf)?;

    o.blank()?;
    let cands = candidates(f);
    let has_likely = cands.iter().any(|c| c.verdict == Verdict::LikelyCause);
    let h = o.p.heading(if has_likely { "LIKELY CAUSES" } else { "CAUSES" });
    o.line(&h)?;
    if !has_likely {
        o.wrapped(no_cause_statement(f), "  ", "  ")?;
    }
    for c in &cands {
        if !has_likely || c.rank != cands[0].rank {
            o.blank()?;
        }
        cause(&mut o, c, &tf)?;
    }

    let groups = ruled_out(f);
    if !groups.is_empty() {
        o.blank()?;
        let h = o.p.heading("RULED OUT");
        o.line(&h)?;
        for (i, (v, cs)) in groups.iter().enumerate() {
            if i > 0 {
                o.blank()?;
            }
            let b = o.p.badge(*v);
            let meaning = ruled_out_meaning(*v);
            o.line(&format!("  {b} {meaning}"))?;
            for c in cs {
                ruled_out_cause(&mut o, c, &tf)?;
            }
        }
    }

    if !f.timeline.is_empty() {
        o.blank()?;
        let h = o.p.heading("TIMELINE (UTC)");
        o.line(&h)?;
        for t in &f.timeline {
            let time = tf.short(t.ts);
            let first = format!("  {time}  ");
            let rest = " ".repeat(first.len());
            let loc = format!("({}:{})", escape_str(&t.path), t.line);
            let text = format!("{} {loc}", escape_str(&t.summary));
            let lines = wrap(&text, &first, &rest, WIDTH);
            for (i, l) in lines.iter().enumerate() {
                if i == 0 {
                    let body = &l[first.len().min(l.len())..];
                    let stamp = o.p.dim(&time);
                    o.line(&format!("  {stamp}  {body}"))?;
                } else {
                    o.line(l)?;
                }
            }
        }
    }
    Ok(())
}

fn incident(o: &mut Out, f: &Findings, tf: &TimeFmt) -> io::Result<()> {
    let Some(inc) = &f.incident else {
        return o.wrapped(NO_INCIDENT, "  ", "  ");
    };
    let how = match inc.source {
        WindowSource::Auto => "detected from the logs",
        WindowSource::Flag => "given with --incident",
    };
    o.field(2, "Onset", &format!("{} UTC", full_time(inc.onset)))?;
    let window = match inc.end {
        Some(end) => {
            format!("{} .. {} UTC ({}, {how})", tf.short(inc.start), tf.short(end), duration(end - inc.start))
        }
        None => format!("{} UTC .. end of data, no recovery seen ({how})", tf.short(inc.start)),
    };
    o.field(2, "Window", &window)?;
    let imp = &inc.impact;
    let mut impact = escape_str(&imp.description).into_owned();
    if impact.is_empty() {
        impact = match (imp.incident_ratio, imp.baseline_ratio) {
            (Some(i), Some(b)) => format!("{} failing (baseline {})", fmt_ratio(i), fmt_ratio(b)),
            (Some(i), None) => format!("{} failing", fmt_ratio(i)),
            _ => "not measured (no user-facing success/failure signal)".into(),
        };
    }
    o.field(2, "Impact", &impact)?;
    if !imp.hosts.is_empty() {
        o.field(2, "Hosts", &escape_str(&sorted_hosts(&imp.hosts).join(", ")))?;
    }
    if !imp.services.is_empty() {
        o.field(2, "Services", &escape_str(&imp.services.join(", ")))?;
    }
    Ok(())
}

/// `service auth-api; hosts auth-2, auth-3; onset 15:29:58; 0.0/min before, 12.4/min during`
fn cause_facts(c: &Cause, tf: &TimeFmt) -> String {
    let mut facts = Vec::new();
    if !c.service.is_empty() {
        facts.push(format!("service {}", escape_str(&c.service)));
    }
    if !c.hosts.is_empty() {
        let label = if c.hosts.len() == 1 { "host" } else { "hosts" };
        facts.push(format!("{label} {}", escape_str(&sorted_hosts(&c.hosts).join(", "))));
    }
    if let Some(t) = c.onset {
        facts.push(format!("onset {}", tf.short(t)));
    }
    facts.extend(super::rate_phrase(c));
    facts.join("; ")
}

fn cause_title(c: &Cause) -> String {
    if c.subsystem.is_empty() {
        escape_str(&c.title).into_owned()
    } else {
        format!("{}: {}", escape_str(&c.subsystem), escape_str(&c.title))
    }
}

fn cause(o: &mut Out, c: &Cause, tf: &TimeFmt) -> io::Result<()> {
    let rank = format!("  #{} ", c.rank);
    let b = o.p.badge(c.verdict);
    let score = o.p.dim(&format!("score {:.2}", c.score));
    o.line(&format!("{rank}{b} {score}"))?;
    let ind = " ".repeat(rank.len());
    for l in wrap(&cause_title(c), &ind, &ind, WIDTH) {
        let bold = o.p.bold(l.trim_start());
        o.line(&format!("{ind}{bold}"))?;
    }
    o.wrapped(&cause_facts(c, tf), &ind, &ind)?;
    if !c.reasons.is_empty() {
        o.line(&format!("{ind}Why:"))?;
        let bullet = format!("{ind}- ");
        let hang = format!("{ind}  ");
        for r in &c.reasons {
            o.wrapped(&escape_str(r), &bullet, &hang)?;
        }
    }
    if !c.evidence.is_empty() {
        o.line(&format!("{ind}Evidence:"))?;
        for e in c.evidence.iter().take(EVIDENCE_LINES) {
            evidence(o, e, &ind)?;
        }
        if c.evidence.len() > EVIDENCE_LINES {
            o.line(&format!("{ind}(and {} more in the JSON report)", c.evidence.len() - EVIDENCE_LINES))?;
        }
    }
    Ok(())
}

/// `path:line` then the line's text (structured lines made readable), truncated to the width.
fn evidence(o: &mut Out, e: &Evidence, ind: &str) -> io::Result<()> {
    let loc = truncate(&format!("{}:{}", escape_str(&e.path), e.line), WIDTH - ind.len());
    let loc = o.p.bold(&loc);
    o.line(&format!("{ind}{loc}"))?;
    let text_ind = format!("{ind}  ");
    // Structured lines read as `time level service: message key=value`: the message before the cut.
    let shown = crate::readable::render(&e.text).unwrap_or_else(|| e.text.clone());
    let mut lines = wrap(&escape_str(&shown), "", "", WIDTH - text_ind.len());
    if lines.len() > EVIDENCE_TEXT_LINES {
        // Mark the cut: keep the start of the last shown line and end it with `…`.
        lines.truncate(EVIDENCE_TEXT_LINES);
        let last = lines.pop().unwrap_or_default();
        lines.push(truncate(&format!("{last}…"), WIDTH - text_ind.len()));
    }
    for l in lines {
        let text = o.p.dim(&l);
        o.line(&format!("{text_ind}{text}"))?;
    }
    Ok(())
}

fn ruled_out_cause(o: &mut Out, c: &Cause, tf: &TimeFmt) -> io::Result<()> {
    let head = format!("    #{} ", c.rank);
    let ind = " ".repeat(head.len());
    let lines = wrap(&cause_title(c), &head, &ind, WIDTH);
    for l in &lines {
        o.line(l)?;
    }
    o.wrapped(&cause_facts(c, tf), &ind, &ind)?;
    let bullet = format!("{ind}- ");
    let hang = format!("{ind}  ");
    for r in &c.reasons {
        o.wrapped(&escape_str(r), &bullet, &hang)?;
    }
    if let Some(e) = c.evidence.first() {
        let loc = format!("e.g. {}:{}", escape_str(&e.path), e.line);
        let loc = truncate(&loc, WIDTH - ind.len());
        let loc = o.p.dim(&loc);
        o.line(&format!("{ind}{loc}"))?;
    }
    Ok(())
}
