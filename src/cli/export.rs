//! `culprit export --format jsonl`: every record as one JSON object per line, in file order — what
//! the parsers understood (time, level, host, service, message, fields), and a way to load logs
//! into a store (`INSERT … FORMAT JSONEachRow`).
//!
//! Lines are written as they are produced, never collected; a reader that closes the pipe early
//! ends the run quietly. JSON escaping covers control characters, so hostile log text stays inert.

use super::{ExportArgs, EXIT_OK};
use crate::format::{Level, LineKind, ParseCtx, Parsed};
use crate::index::Index;
use crate::pipeline::{Common, Pipeline};
use crate::time::NO_TIME;
use anyhow::anyhow;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// The only output format; `--format` is shared with `report`, so it is checked here.
const JSONL: &str = "jsonl";

/// One exported record. Empty values are `null`, so a reader tells "none" from "empty".
#[derive(Serialize)]
struct Row<'a> {
    ts: Option<String>,
    level: Option<&'static str>,
    host: Option<&'a str>,
    service: Option<&'a str>,
    message: String,
    path: &'a str,
    line: u32,
    format: &'a str,
    fields: serde_json::Map<String, serde_json::Value>,
}

pub fn run(args: &ExportArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let mut common = common.clone();
    // Values without `=` name the output format; the old `--format PATH=NAME` still forces a log format.
    let mut outputs = Vec::new();
    common.format.retain(|f| {
        let output = !f.contains('=');
        if output {
            outputs.push(f.clone());
        }
        !output
    });
    if let Some(other) = outputs.iter().find(|f| f.as_str() != JSONL) {
        return Err(anyhow!("--format {other}: export writes jsonl (JSON lines) only"));
    }
    let p = Pipeline::from_common(&common)?;
    let index = p.index(&args.paths)?;
    if index.sources.is_empty() {
        let why: Vec<String> = index.notices.iter().map(|n| n.to_string()).collect();
        return Err(anyhow!("no readable input ({})", why.join("; ")));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
    write_records(&index, &mut out)?;
    out.flush()?;
    // The process ends here: freeing the index piece by piece would only cost time.
    std::mem::forget(index);
    Ok(ExitCode::from(EXIT_OK))
}

/// Writes every record of `index`, in source then file order, one JSON object a line.
pub fn write_records(index: &Index, out: &mut impl Write) -> anyhow::Result<()> {
    let paths: Vec<String> = index.sources.iter().map(|s| s.display()).collect();
    let formats: Vec<String> = index.parsers.iter().map(|p| p.name()).collect();
    let mut parsed = Parsed::default();
    let ctx = ParseCtx::default();
    let mut line = Vec::with_capacity(512);
    let r = &index.records;
    for i in 0..r.len() {
        let sid = r.source(i) as usize;
        let first = index.first_line(i);
        parsed.clear();
        let is_record = index.parsers[sid].parse(first, &ctx, &mut parsed) == LineKind::Record;
        let message = if is_record { parsed.message(first) } else { first };
        let is_json = formats[sid] == "json";
        let fields = if is_record { fields_of(first, &parsed, is_json) } else { serde_json::Map::new() };
        let ts = r.ts(i);
        let row = Row {
            ts: (ts != NO_TIME).then(|| crate::time::rfc3339(ts)),
            level: (r.level(i) != Level::Unknown).then(|| r.level(i).as_str()),
            host: Some(index.hosts.get(r.host(i))).filter(|h| !h.is_empty()),
            service: Some(index.services.get(r.service(i))).filter(|s| !s.is_empty()),
            message: text(message, is_json),
            path: &paths[sid],
            line: index.line_of(i),
            format: &formats[sid],
            fields,
        };
        line.clear();
        serde_json::to_writer(&mut line, &row)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// The parsed fields as strings; a key seen twice keeps its first value, as rules do.
fn fields_of(line: &[u8], parsed: &Parsed, is_json: bool) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for f in &parsed.fields {
        let key = String::from_utf8_lossy(f.key_bytes(line)).into_owned();
        if !m.contains_key(&key) {
            let value = f.value.get(line);
            let quoted = value.len() >= 2 && value.first() == Some(&b'"') && value.last() == Some(&b'"');
            let value = if quoted { &value[1..value.len() - 1] } else { value };
            m.insert(key, serde_json::Value::String(text(value, is_json)));
        }
    }
    m
}

/// Log bytes as text. Inside JSON input a string's escapes are decoded, so `\"` is exported as `"`
/// rather than escaped twice; bytes that are not UTF-8 become U+FFFD.
fn text(bytes: &[u8], json_escaped: bool) -> String {
    let s = String::from_utf8_lossy(bytes);
    if json_escaped && s.contains('\\') {
        if let Ok(decoded) = serde_json::from_str::<String>(&format!("\"{s}\"")) {
            return decoded;
        }
    }
    s.into_owned()
}
