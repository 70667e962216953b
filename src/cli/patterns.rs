//! `culprit patterns`: the mined templates, most frequent first; `--new-since`
//! for the ones that first appeared after a time; `--per-line` to score the
//! grouping with any external tool.

use super::{input_status, PatternsArgs};
use crate::analysis::summary::{summarise, TemplateSummary};
use crate::index::Index;
use crate::patterns::NO_TEMPLATE;
use crate::pipeline::{Common, Pipeline};
use crate::text::{escape, escape_str};
use crate::time::{rfc3339, TimeSpec};
use anyhow::anyhow;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

pub fn run(args: &PatternsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let p = Pipeline::from_common(common)?;
    let new_since = args
        .new_since
        .as_deref()
        .map(|s| TimeSpec::parse(s, &p.zone).map_err(|e| anyhow!("--new-since: {e}")))
        .transpose()?;
    let index = p.index(&args.paths)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.per_line {
        write_per_line(&mut out, &index)?;
        out.flush()?;
        return Ok(input_status(&index));
    }
    let mut list = summarise(&index);
    let since = match new_since {
        Some(spec) => {
            let (first, last) =
                index.time_span().ok_or_else(|| anyhow!("--new-since: the input has no timestamps to compare with"))?;
            let t = spec.resolve(first, last, &p.zone);
            list.retain(|s| s.first.is_some_and(|f| f > t));
            Some(t)
        }
        None => None,
    };
    if args.json {
        let doc = serde_json::json!({
            "templates": list,
            "new_since": since.map(rfc3339),
            "cap": index.templates.cap,
            "overflow_records": index.templates.overflow_records,
        });
        crate::report::write_json(&mut out, &doc, true)?;
    } else {
        write_table(&mut out, &list, &index)?;
    }
    out.flush()?;
    Ok(input_status(&index))
}

fn write_table(out: &mut impl Write, list: &[TemplateSummary], index: &Index) -> std::io::Result<()> {
    writeln!(out, "{:>9}  {:<24}  {:<9}  template", "count", "first seen", "id")?;
    for s in list {
        let first = s.first.map(rfc3339).unwrap_or_else(|| "-".into());
        writeln!(out, "{:>9}  {:<24}  {:<9}  {}", s.count, first, s.id, escape_str(&s.text))?;
    }
    if index.templates.overflow_records > 0 {
        writeln!(
            out,
            "note: {} records went to the overflow template (more than {} distinct templates)",
            index.templates.overflow_records, index.templates.cap
        )?;
    }
    Ok(())
}

/// `path<TAB>line<TAB>template_id` for every physical line of every input, in file order:
/// continuation lines carry their record's template, lines outside any mined record `-`.
fn write_per_line(out: &mut impl Write, index: &Index) -> std::io::Result<()> {
    let r = &index.records;
    for (sid, src) in index.sources.iter().enumerate() {
        let path = escape(src.display().as_bytes()).into_owned();
        let data = src.bytes();
        // A source's records are contiguous in the index, in offset order.
        let recs: Vec<usize> = r.source_range(sid as u32).unwrap_or(0..0).collect();
        let mut k = 0usize;
        let mut pos = 0usize;
        let mut line_no = 0u64;
        while pos < data.len() {
            line_no += 1;
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
            while k < recs.len() && (r.offset(recs[k]) as usize + r.byte_len(recs[k])) < pos {
                k += 1;
            }
            let id = recs
                .get(k)
                .filter(|&&i| r.offset(i) as usize <= pos)
                .map(|&i| r.template(i))
                .filter(|&t| t != NO_TEMPLATE)
                .and_then(|t| index.templates.get(t))
                .map_or("-", |t| t.id.as_str());
            writeln!(out, "{path}\t{line_no}\t{id}")?;
            pos = end + 1;
        }
    }
    Ok(())
}
