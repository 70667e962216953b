//! `culprit rules list | check | test | explain`: the tools an engineer uses to
//! see, validate and extend what culprit thinks lines mean.

use super::{RulesCommand, EXIT_FAIL_ON, EXIT_OK, EXIT_USAGE};
use crate::format::LineKind;
use crate::pipeline::{Common, Pipeline};
use crate::rules::{check_examples, parse_line, Layer, RuleSet, NO_RULE};
use crate::text::escape_str;
use anyhow::anyhow;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(cmd: &RulesCommand, common: &Common) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::List { json } => list(common, *json),
        RulesCommand::Check { dirs } => check(dirs),
        RulesCommand::Test { rule_id, line } => test(common, rule_id, line),
        RulesCommand::Explain { line } => explain(common, line),
    }
}

fn load(common: &Common) -> anyhow::Result<RuleSet> {
    Pipeline::from_common(common)?.rules()
}

#[derive(Serialize)]
struct ListEntry<'a> {
    id: &'a str,
    subsystem: &'a str,
    kind: &'a str,
    title: &'a str,
    weight: f32,
    patterns: &'a [String],
    fields: std::collections::BTreeMap<&'a str, &'a str>,
    source_file: &'a str,
    line: u32,
}

fn list(common: &Common, json: bool) -> anyhow::Result<ExitCode> {
    let set = load(common)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let entries: Vec<ListEntry> = set
            .rules
            .iter()
            .map(|r| ListEntry {
                id: &r.id,
                subsystem: &r.subsystem,
                kind: r.kind.as_str(),
                title: &r.title,
                weight: r.weight,
                patterns: &r.patterns,
                fields: r.fields.iter().map(|f| (f.key.as_str(), f.pattern.as_str())).collect(),
                source_file: &r.source_file,
                line: r.line,
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    let w_id = set.rules.iter().map(|r| r.id.chars().count()).max().unwrap_or(2).max(2);
    let w_sub = set.rules.iter().map(|r| r.subsystem.chars().count()).max().unwrap_or(9).max(9);
    writeln!(out, "{:<w_id$}  {:<7}  {:<w_sub$}  {:>6}  TITLE  (SOURCE)", "ID", "KIND", "SUBSYSTEM", "WEIGHT")?;
    for r in &set.rules {
        writeln!(
            out,
            "{:<w_id$}  {:<7}  {:<w_sub$}  {:>6.2}  {}  ({}:{})",
            escape_str(&r.id),
            r.kind.as_str(),
            escape_str(&r.subsystem),
            r.weight,
            escape_str(&r.title),
            escape_str(&r.source_file),
            r.line
        )?;
    }
    writeln!(out, "{} rules", set.len())?;
    Ok(ExitCode::from(EXIT_OK))
}

fn check(dirs: &[PathBuf]) -> anyhow::Result<ExitCode> {
    // The built-in pack promises both kinds of example on every rule; user folders need not.
    let targets: Vec<(String, Result<Layer, crate::rules::RuleError>, bool)> = if dirs.is_empty() {
        vec![("built-in rules".to_string(), Ok(Layer::builtin()), true)]
    } else {
        dirs.iter().map(|d| (d.display().to_string(), Layer::read(d), false)).collect()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for (name, layer, strict) in targets {
        let layer = match layer {
            Ok(l) => l,
            Err(e) => {
                writeln!(out, "{}", escape_str(&e.to_string()))?;
                failed = true;
                continue;
            }
        };
        let set = match RuleSet::from_layers(&[layer]) {
            Ok(s) => s,
            Err(e) => {
                for e in e.into_vec() {
                    writeln!(out, "{}", escape_str(&e.to_string()))?;
                }
                failed = true;
                continue;
            }
        };
        for (r, p) in set.unfiltered_patterns() {
            if let Some(rule) = set.get(r) {
                writeln!(
                    out,
                    "note: {}:{}: rule '{}': pattern {} has no literal text to prefilter on, so it runs on every line",
                    escape_str(&rule.source_file),
                    rule.line,
                    escape_str(&rule.id),
                    p + 1
                )?;
            }
        }
        let failures = check_examples(&set, strict);
        for f in &failures {
            writeln!(out, "{f}")?;
        }
        let examples: usize =
            set.rules.iter().map(|r| r.examples.matching.len() + r.examples.no_match.len()).sum::<usize>()
                + set.vocabulary.example_count();
        if failures.is_empty() {
            writeln!(out, "ok: {}: {} rules, {examples} examples", escape_str(&name), set.len())?;
        } else {
            writeln!(out, "FAILED: {}: {} of {examples} examples", escape_str(&name), failures.len())?;
            failed = true;
        }
    }
    Ok(ExitCode::from(if failed { EXIT_FAIL_ON } else { EXIT_OK }))
}

fn write_captures(out: &mut impl Write, caps: &[(String, String)]) -> std::io::Result<()> {
    for (k, v) in caps {
        writeln!(out, "  {}={}", escape_str(k), escape_str(v))?;
    }
    Ok(())
}

fn test(common: &Common, rule_id: &str, line: &str) -> anyhow::Result<ExitCode> {
    let set = load(common)?;
    let Some(rule) = set.find(rule_id) else {
        eprintln!("culprit: no rule with id '{}' (see `culprit rules list`)", escape_str(rule_id));
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    let bytes = line.as_bytes();
    let p = parse_line(bytes);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let Some(which) = set.check_rule(rule, bytes, &p.parsed) else {
        writeln!(out, "no match: {}", escape_str(rule_id))?;
        return Ok(ExitCode::from(EXIT_FAIL_ON));
    };
    let r = set.get(rule).ok_or_else(|| anyhow!("rule vanished"))?;
    match which {
        Some(i) => writeln!(out, "match: {} (pattern {}: {})", escape_str(rule_id), i + 1, escape_str(&r.patterns[i]))?,
        None => writeln!(out, "match: {} (field conditions)", escape_str(rule_id))?,
    }
    write_captures(&mut out, &set.captures(rule, bytes, &p.parsed))?;
    let best = set.match_record(bytes, &p.parsed);
    if best != rule {
        if let Some(b) = set.get(best) {
            writeln!(out, "note: the line is counted as '{}', which ranks higher", escape_str(&b.id))?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn explain(common: &Common, line: &str) -> anyhow::Result<ExitCode> {
    let set = load(common)?;
    let bytes = line.as_bytes();
    let p = parse_line(bytes);
    let parsed = &p.parsed;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let kind = match p.kind {
        LineKind::Record => "record",
        LineKind::Continuation => "continuation (matched as a whole line)",
        LineKind::Unparsed => "unparsed (matched as a whole line)",
    };
    writeln!(out, "format:   {} ({kind})", p.format.name())?;
    if parsed.ts != crate::time::NO_TIME {
        writeln!(out, "time:     {}", crate::time::rfc3339(parsed.ts))?;
    }
    writeln!(out, "level:    {}", parsed.level.as_str())?;
    for (name, span) in [("host", parsed.host), ("service", parsed.service)] {
        if !span.is_empty() {
            writeln!(out, "{name}:{:pad$}{}", "", crate::text::escape(span.get(bytes)), pad = 9 - name.len())?;
        }
    }
    writeln!(out, "message:  {}", crate::text::escape(parsed.message(bytes)))?;
    for f in &parsed.fields {
        writeln!(
            out,
            "field:    {}={}",
            crate::text::escape(f.key_bytes(bytes)),
            crate::text::escape(f.value.get(bytes))
        )?;
    }
    let best = set.match_record(bytes, parsed);
    let mut hits = 0;
    for (i, r) in set.rules.iter().enumerate() {
        let Some(which) = set.check_rule(i as u32, bytes, parsed) else { continue };
        hits += 1;
        let mark = if i as u32 == best { "*" } else { " " };
        writeln!(
            out,
            "{mark} {}  {} {}  weight {:.2}  ({}:{})",
            escape_str(&r.id),
            r.kind.as_str(),
            escape_str(&r.subsystem),
            r.weight,
            escape_str(&r.source_file),
            r.line
        )?;
        if let Some(pi) = which {
            writeln!(out, "    pattern {}: {}", pi + 1, escape_str(&r.patterns[pi]))?;
        }
        for f in &r.fields {
            writeln!(out, "    field {} ~ {}", escape_str(&f.key), escape_str(&f.pattern))?;
        }
        write_captures(&mut out, &set.captures(i as u32, bytes, parsed))?;
    }
    if hits == 0 {
        writeln!(out, "no rule matches")?;
    } else if best != NO_RULE {
        writeln!(out, "(* = the rule the line counts as)")?;
    }
    Ok(ExitCode::from(EXIT_OK))
}
