//! One chunk of one source: split lines, parse, match rules, mine templates.

use crate::format::{LineKind, ParseCtx, Parsed, Parser, Span};
use crate::hash::BuildWordHasher;
use crate::patterns::Miner;
use crate::rules::{RuleSet, NO_RULE};
use crate::source::Source;
use crate::time::{Millis, NO_TIME};
use std::collections::HashMap;
use std::ops::Range;

/// Cuts `data` into ranges of about `size` bytes, each ending just after a newline (or at the end).
pub fn split(data: &[u8], size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(data.len() / size + 1);
    let mut start = 0;
    while start < data.len() {
        let target = (start + size).min(data.len());
        let end = if target == data.len() {
            target
        } else {
            match memchr::memchr(b'\n', &data[target..]) {
                Some(i) => target + i + 1,
                None => data.len(),
            }
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// Chunk-local columns; ids (host, service, template) are local to the chunk.
#[derive(Default)]
pub struct LocalRecords {
    pub offset: Vec<u64>,
    pub len: Vec<u32>,
    pub line: Vec<u32>,
    pub ts: Vec<Millis>,
    pub level: Vec<crate::format::Level>,
    pub host: Vec<u32>,
    pub service: Vec<u32>,
    pub rule: Vec<u32>,
    pub template: Vec<u32>,
}

impl LocalRecords {
    /// Columns sized for about `n` records: growing them by doubling would copy every column
    /// and fault its pages in again.
    fn with_capacity(n: usize) -> LocalRecords {
        LocalRecords {
            offset: Vec::with_capacity(n),
            len: Vec::with_capacity(n),
            line: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            level: Vec::with_capacity(n),
            host: Vec::with_capacity(n),
            service: Vec::with_capacity(n),
            rule: Vec::with_capacity(n),
            template: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }
}

pub struct ChunkOut {
    pub chunk_start: u64,
    /// Physical lines in the chunk.
    pub lines: u64,
    pub unparsed: u64,
    /// Bytes at the chunk start that continue the previous chunk's last record.
    pub leading_continuation: u32,
    pub records: LocalRecords,
    pub hosts: Vec<Vec<u8>>,
    pub services: Vec<Vec<u8>>,
    pub miner: Miner,
}

struct LocalInterner {
    ids: HashMap<Vec<u8>, u32, BuildWordHasher>,
    names: Vec<Vec<u8>>,
    /// The last name interned: consecutive records nearly always share host and service.
    last: u32,
}

impl LocalInterner {
    fn new() -> Self {
        LocalInterner { ids: HashMap::default(), names: Vec::new(), last: u32::MAX }
    }
    fn intern(&mut self, name: &[u8]) -> u32 {
        if self.names.get(self.last as usize).is_some_and(|n| n.as_slice() == name) {
            return self.last;
        }
        let id = match self.ids.get(name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.ids.insert(name.to_vec(), id);
                self.names.push(name.to_vec());
                id
            }
        };
        self.last = id;
        id
    }
}

pub fn index_chunk(
    src: &Source,
    parser: &Parser,
    ctx: &ParseCtx,
    rules: &RuleSet,
    range: Range<usize>,
    mine: bool,
    per_shape: bool,
) -> ChunkOut {
    let data = &src.bytes()[range.clone()];
    let default_service = parser.kind.default_service().map(|s| s.as_bytes()).unwrap_or(src.stream.as_bytes());
    let mut out = ChunkOut {
        chunk_start: range.start as u64,
        lines: 0,
        unparsed: 0,
        leading_continuation: 0,
        records: LocalRecords::with_capacity(expected_lines(data)),
        hosts: Vec::new(),
        services: Vec::new(),
        miner: Miner::new(),
    };
    let mut hosts = LocalInterner::new();
    let mut services = LocalInterner::new();
    hosts.intern(b"");
    let default_service_id = services.intern(default_service);
    let mut parsed = Parsed::default();
    let mut rule_scratch = crate::rules::MatchScratch::default();
    // Rule verdicts by the miner's shape ids, so only when the miner runs.
    let per_shape = per_shape && mine;
    let mut shape_memo = crate::rules::ShapeMemo::default();
    // Without rules the matcher would still resolve fields and probe its memos for nothing.
    let no_rules = rules.is_empty();
    let rec = &mut out.records;
    let mut pos = 0usize;
    let mut line_no = 0u32;
    // True while every line so far continues the previous chunk's last record.
    let mut still_leading = true;
    // Where the message of the last record lies in `data`, while it is blank but for tags (Rails:
    // `FATAL -- : [request-id]`, the exception on the lines below) and no continuation has replaced it.
    let mut blank_record: Option<Range<usize>> = None;
    // The line before continues into this one (a CRI `P` piece); the chunk's first line looks back.
    let mut after_partial = range.start > 0 && ends_partial(parser, ctx, &src.bytes()[..range.start], &mut parsed);
    while pos < data.len() {
        let nl = memchr::memchr(b'\n', &data[pos..]).map(|i| pos + i);
        let end = nl.unwrap_or(data.len());
        let mut line = &data[pos..end];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        line_no += 1;
        out.lines += 1;
        let mut kind = if line.is_empty() { LineKind::Continuation } else { parser.parse(line, ctx, &mut parsed) };
        if after_partial && kind == LineKind::Record {
            kind = LineKind::Continuation;
        }
        after_partial = kind != LineKind::Unparsed && !line.is_empty() && parsed.partial;
        still_leading &= kind == LineKind::Continuation;
        match kind {
            // Blank lines belong to no record: they neither extend nor start one.
            LineKind::Continuation if line.is_empty() => {}
            LineKind::Continuation => {
                if let Some(last) = rec.len().checked_sub(1) {
                    rec.len[last] = (end as u64 - rec.offset[last]).min(u32::MAX as u64) as u32;
                    if let Some(blank) = blank_record.take() {
                        // The record's own line said nothing: its first continuation says what happened.
                        let said = tagless(line);
                        if said.is_empty() {
                            blank_record = Some(blank);
                        } else {
                            if rec.rule[last] == NO_RULE && !no_rules {
                                let start = said.as_ptr() as usize - line.as_ptr() as usize;
                                let cont = Parsed {
                                    level: rec.level[last],
                                    msg: Span::new(start, start + said.len()),
                                    ..Parsed::default()
                                };
                                rec.rule[last] = rules.match_record_with(line, &cont, &mut rule_scratch);
                            }
                            if mine {
                                rec.template[last] = out.miner.add(said);
                            }
                        }
                    }
                } else if still_leading && range.start > 0 {
                    out.leading_continuation = end as u32;
                } else {
                    // A continuation with nothing above it (start of file): keep it as an unparsed record.
                    push_unparsed(rec, pos, line, line_no, default_service_id);
                    out.unparsed += 1;
                }
            }
            LineKind::Unparsed => {
                settle_blank(&mut blank_record, rec, &mut out.miner, data, mine);
                push_unparsed(rec, pos, line, line_no, default_service_id);
                out.unparsed += 1;
            }
            LineKind::Record => {
                let host = if parsed.host.is_empty() { 0 } else { hosts.intern(parsed.host.get(line)) };
                let svc_name = if parsed.service.is_empty() { default_service } else { parsed.service.get(line) };
                let service = services.intern(svc_name);
                let msg = if parsed.msg.is_empty() { Span::new(0, line.len()) } else { parsed.msg };
                settle_blank(&mut blank_record, rec, &mut out.miner, data, mine);
                let message = parsed.message(line);
                let template = if tagless(message).is_empty() {
                    // Judged again, and mined, once its first continuation line is seen (or the next record is).
                    blank_record = Some(pos + msg.start as usize..pos + msg.end as usize);
                    crate::patterns::NO_TEMPLATE
                } else if mine {
                    out.miner.add(message)
                } else {
                    crate::patterns::NO_TEMPLATE
                };
                let rule = if no_rules {
                    NO_RULE
                } else if per_shape && template != crate::patterns::NO_TEMPLATE && out.miner.is_whole_shape(template) {
                    rules.match_shaped(line, &parsed, template, &mut shape_memo, &mut rule_scratch)
                } else {
                    rules.match_record_with(line, &parsed, &mut rule_scratch)
                };
                rec.offset.push(pos as u64);
                rec.len.push(line.len() as u32);
                rec.line.push(line_no);
                rec.ts.push(parsed.ts);
                rec.level.push(parsed.level);
                rec.host.push(host);
                rec.service.push(service);
                rec.rule.push(rule);
                rec.template.push(template);
            }
        }
        pos = match nl {
            Some(n) => n + 1,
            None => data.len(),
        };
    }
    settle_blank(&mut blank_record, rec, &mut out.miner, data, mine);
    out.hosts = hosts.names;
    out.services = services.names;
    out
}

/// Whether the last line of `before` is a piece the next line continues.
fn ends_partial(parser: &Parser, ctx: &ParseCtx, before: &[u8], parsed: &mut Parsed) -> bool {
    if parser.kind != crate::format::FormatKind::Cri {
        return false;
    }
    let before = before.strip_suffix(b"\n").unwrap_or(before);
    let line = memchr::memrchr(b'\n', before).map_or(before, |i| &before[i + 1..]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    !line.is_empty() && parser.parse(line, ctx, parsed) == LineKind::Record && parsed.partial
}

/// The last record had a blank message and no continuation came: it is mined as it is.
fn settle_blank(blank: &mut Option<Range<usize>>, rec: &mut LocalRecords, miner: &mut Miner, data: &[u8], mine: bool) {
    if let (Some(message), Some(last)) = (blank.take(), rec.len().checked_sub(1)) {
        if mine {
            rec.template[last] = miner.add(&data[message]);
        }
    }
}

/// `text` without leading `[tag]` groups and blanks: what is left is what the line says.
fn tagless(text: &[u8]) -> &[u8] {
    let mut rest = text.trim_ascii_start();
    while rest.first() == Some(&b'[') {
        match memchr::memchr(b']', rest) {
            Some(close) => rest = rest[close + 1..].trim_ascii_start(),
            None => break,
        }
    }
    rest.trim_ascii_end()
}

/// The number of lines in `data`, guessed from the first 16 KiB with a quarter's margin:
/// counting every newline would cost a pass over the chunk.
fn expected_lines(data: &[u8]) -> usize {
    const SAMPLE: usize = 16 << 10;
    let head = &data[..data.len().min(SAMPLE)];
    let lines = memchr::memchr_iter(b'\n', head).count().max(1);
    let per_line = head.len().div_ceil(lines).max(1);
    (data.len() / per_line + 1) * 5 / 4
}

fn push_unparsed(rec: &mut LocalRecords, pos: usize, line: &[u8], line_no: u32, service: u32) {
    rec.offset.push(pos as u64);
    rec.len.push(line.len() as u32);
    rec.line.push(line_no);
    rec.ts.push(NO_TIME);
    rec.level.push(crate::format::Level::Unknown);
    rec.host.push(0);
    rec.service.push(service);
    rec.rule.push(NO_RULE);
    rec.template.push(crate::patterns::NO_TEMPLATE);
}
