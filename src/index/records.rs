//! The index's per-record columns, packed to about 21 bytes a record.
//!
//! - Offsets keep their low 32 bits per record; the high bits change rarely (every 4 GiB of one
//!   source, or at a source boundary) and live in a short run table.
//! - Timestamps are 32-bit deltas from their block's earliest time. A block whose times span
//!   more than 49 days (a sparse audit log, a stray date) keeps full timestamps on the side.
//! - The source of a record is a run table too: records are contiguous per source.
//! - Line numbers are not stored: a mark every [`LINE_MARK`] records plus the newlines between
//!   the mark and the record give them back.
//! - Host, service, rule and template ids are 16-bit; the interners, the rule loader and the
//!   template cap keep them in range.

use crate::format::Level;
use crate::time::{Millis, NO_TIME};
use rayon::prelude::*;
use std::ops::Range;

/// Records per block summary (and per timestamp base).
pub const BLOCK: usize = 1 << BLOCK_SHIFT;
const BLOCK_SHIFT: usize = 12;
/// Records between stored line numbers.
pub const LINE_MARK: usize = 64;

/// A 16-bit id column's "none" (`rules::NO_RULE`, `patterns::NO_TEMPLATE` widen to `u32::MAX`).
const NONE16: u16 = u16::MAX;
/// Timestamp delta meaning "no timestamp".
const UNTIMED: u32 = u32::MAX;
/// A block base meaning "this block's deltas index `ts_wide`".
const WIDE_BLOCK: Millis = Millis::MAX;

/// One run of records from one source.
#[derive(Clone, Copy, Debug)]
pub struct SourceRun {
    pub first_record: u32,
    pub source: u32,
    /// Line number of the run's first record.
    pub first_line: u32,
}

/// One row per record (a line plus its continuation lines), column-wise and packed.
#[derive(Debug, Default)]
pub struct Records {
    offset_low: Vec<u32>,
    /// (first record, high 32 bits of the offset) per run of records sharing them.
    offset_high: Vec<(u32, u32)>,
    /// Byte length of the record, continuation lines included, without the final newline.
    len: Vec<u32>,
    ts_delta: Vec<u32>,
    /// Per block: its earliest timestamp, or `WIDE_BLOCK`.
    ts_base: Vec<Millis>,
    ts_wide: Vec<Millis>,
    level: Vec<Level>,
    host: Vec<u16>,
    service: Vec<u16>,
    rule: Vec<u16>,
    template: Vec<u16>,
    runs: Vec<SourceRun>,
    /// Line number of every `LINE_MARK`-th record.
    line_marks: Vec<u32>,
    /// How many log lines each record stands for; empty when every record is one line (a record
    /// can be a row of an aggregate, as a pushed-down ClickHouse query returns).
    weight: Vec<u32>,
}

fn narrow(id: u32) -> u16 {
    if id == u32::MAX {
        NONE16
    } else {
        debug_assert!(id < NONE16 as u32, "id {id} does not fit the 16-bit column");
        id.min(NONE16 as u32 - 1) as u16
    }
}

fn widen(id: u16) -> u32 {
    if id == NONE16 {
        u32::MAX
    } else {
        id as u32
    }
}

impl Records {
    pub fn len(&self) -> usize {
        self.len.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len.is_empty()
    }

    /// Byte offset of the record's first line in its source.
    #[inline]
    pub fn offset(&self, i: usize) -> u64 {
        let high = match self.offset_high.as_slice() {
            [(_, h)] => *h,
            runs => runs[runs.partition_point(|r| r.0 as usize <= i) - 1].1,
        };
        ((high as u64) << 32) | self.offset_low[i] as u64
    }

    /// Byte length of the record, continuation lines included, without the final newline.
    #[inline]
    pub fn byte_len(&self, i: usize) -> usize {
        self.len[i] as usize
    }

    #[inline]
    pub fn ts(&self, i: usize) -> Millis {
        let d = self.ts_delta[i];
        let base = self.ts_base[i >> BLOCK_SHIFT];
        if d == UNTIMED {
            NO_TIME
        } else if base == WIDE_BLOCK {
            self.ts_wide[d as usize]
        } else {
            base + d as Millis
        }
    }

    #[inline]
    pub fn level(&self, i: usize) -> Level {
        self.level[i]
    }

    /// Host id (0: none).
    #[inline]
    pub fn host(&self, i: usize) -> u32 {
        self.host[i] as u32
    }

    #[inline]
    pub fn service(&self, i: usize) -> u32 {
        self.service[i] as u32
    }

    /// Index into the rule set, or `rules::NO_RULE`.
    #[inline]
    pub fn rule(&self, i: usize) -> u32 {
        widen(self.rule[i])
    }

    /// Index into the template table, or `patterns::NO_TEMPLATE`.
    #[inline]
    pub fn template(&self, i: usize) -> u32 {
        widen(self.template[i])
    }

    /// How many log lines record `i` stands for (1 unless it is a row of an aggregate).
    #[inline]
    pub fn weight(&self, i: usize) -> u32 {
        self.weight.get(i).copied().unwrap_or(1)
    }

    /// Gives the records of `range` the line counts `counts` (one per record, in order).
    pub fn set_weights(&mut self, range: Range<usize>, counts: &[u32]) {
        debug_assert_eq!(range.len(), counts.len());
        if self.weight.is_empty() {
            self.weight = vec![1; self.len()];
        }
        self.weight[range].copy_from_slice(counts);
    }

    /// The run holding record `i`.
    #[inline]
    pub fn run_of(&self, i: usize) -> &SourceRun {
        &self.runs[self.runs.partition_point(|r| r.first_record as usize <= i) - 1]
    }

    /// Source number of record `i`.
    #[inline]
    pub fn source(&self, i: usize) -> u32 {
        self.run_of(i).source
    }

    /// The source of every record, in record order (a walk over the runs, no search per record).
    pub fn source_ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.runs.len()).flat_map(|k| std::iter::repeat_n(self.runs[k].source, self.run_range(k).len()))
    }

    /// The source of every record in `range`, in record order (one search, then a walk over the runs).
    pub fn source_ids_in(&self, range: Range<usize>) -> impl Iterator<Item = u32> + '_ {
        let first_run = self.runs.partition_point(|r| r.first_record as usize <= range.start).saturating_sub(1);
        (first_run..self.runs.len())
            .map(move |k| {
                let run = self.run_range(k);
                (self.runs[k].source, run.start.max(range.start)..run.end.min(range.end))
            })
            .take_while(move |(_, part)| part.start < range.end)
            .flat_map(|(source, part)| std::iter::repeat_n(source, part.len()))
    }

    /// The runs of records per source, in record order.
    pub fn runs(&self) -> &[SourceRun] {
        &self.runs
    }

    /// Record range of one run.
    pub fn run_range(&self, run: usize) -> Range<usize> {
        let start = self.runs[run].first_record as usize;
        let end = self.runs.get(run + 1).map(|r| r.first_record as usize).unwrap_or(self.len());
        start..end
    }

    /// The nearest record at or before `i`, in the same source, whose line number is known, and
    /// that line number.
    pub fn line_anchor(&self, i: usize) -> (usize, u32) {
        let mark = i / LINE_MARK * LINE_MARK;
        let run = self.run_of(i);
        if (run.first_record as usize) > mark {
            (run.first_record as usize, run.first_line)
        } else {
            (mark, self.line_marks[i / LINE_MARK])
        }
    }

    /// Bytes the columns hold on the heap (capacity, not length: what the allocator gave).
    pub fn heap_bytes(&self) -> usize {
        fn col<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        col(&self.offset_low)
            + col(&self.offset_high)
            + col(&self.len)
            + col(&self.ts_delta)
            + col(&self.ts_base)
            + col(&self.ts_wide)
            + col(&self.level)
            + col(&self.host)
            + col(&self.service)
            + col(&self.rule)
            + col(&self.template)
            + col(&self.runs)
            + col(&self.line_marks)
            + col(&self.weight)
    }

    /// Record range of one source (`None` when it has no records).
    pub fn source_range(&self, source: u32) -> Option<Range<usize>> {
        let run = self.runs.iter().position(|r| r.source == source)?;
        Some(self.run_range(run))
    }
}

/// Builds [`Records`] while chunks merge. Timestamps stay full-width until [`RecordsBuilder::finish`],
/// since year fixes rewrite them in place.
#[derive(Default)]
pub struct RecordsBuilder {
    pub records: Records,
    pub ts: Vec<Millis>,
}

/// One record as a chunk produced it, ids already global.
#[cfg(test)]
pub struct Row {
    pub offset: u64,
    pub len: u32,
    pub line: u32,
    pub ts: Millis,
    pub level: Level,
    pub host: u32,
    pub service: u32,
    pub rule: u32,
    pub template: u32,
}

impl ChunkRows<'_> {
    /// The global template of a local one (unchanged when templates were not mined).
    #[inline]
    fn template(&self, local: u32) -> u32 {
        self.templates.get(local as usize).copied().unwrap_or(local)
    }
}

/// A chunk's records with the maps from its local ids to global ones.
pub struct ChunkRows<'a> {
    pub records: &'a super::chunk::LocalRecords,
    pub chunk_start: u64,
    pub line_base: u32,
    pub hosts: &'a [u32],
    pub services: &'a [u32],
    /// Empty when templates were not mined.
    pub templates: &'a [u32],
}

/// One chunk's slice of every column (or, before splitting, the rest of them).
struct ColumnsMut<'a> {
    offset_low: &'a mut [u32],
    len: &'a mut [u32],
    ts: &'a mut [Millis],
    level: &'a mut [Level],
    host: &'a mut [u16],
    service: &'a mut [u16],
    rule: &'a mut [u16],
    template: &'a mut [u16],
    line_marks: &'a mut [u32],
}

impl<'a> ColumnsMut<'a> {
    /// The first `n` records (and `marks` line marks), and the rest.
    fn split(self, n: usize, marks: usize) -> (ColumnsMut<'a>, ColumnsMut<'a>) {
        let (offset_low, offset_low_rest) = self.offset_low.split_at_mut(n);
        let (len, len_rest) = self.len.split_at_mut(n);
        let (ts, ts_rest) = self.ts.split_at_mut(n);
        let (level, level_rest) = self.level.split_at_mut(n);
        let (host, host_rest) = self.host.split_at_mut(n);
        let (service, service_rest) = self.service.split_at_mut(n);
        let (rule, rule_rest) = self.rule.split_at_mut(n);
        let (template, template_rest) = self.template.split_at_mut(n);
        let (line_marks, line_marks_rest) = self.line_marks.split_at_mut(marks);
        (
            ColumnsMut { offset_low, len, ts, level, host, service, rule, template, line_marks },
            ColumnsMut {
                offset_low: offset_low_rest,
                len: len_rest,
                ts: ts_rest,
                level: level_rest,
                host: host_rest,
                service: service_rest,
                rule: rule_rest,
                template: template_rest,
                line_marks: line_marks_rest,
            },
        )
    }

    /// Writes a chunk whose first record is record `start`, mapping its ids to global ones.
    fn fill(self, c: &ChunkRows, start: usize) {
        let rec = c.records;
        for (out, &o) in self.offset_low.iter_mut().zip(&rec.offset) {
            *out = (o + c.chunk_start) as u32;
        }
        self.len.copy_from_slice(&rec.len);
        self.ts.copy_from_slice(&rec.ts);
        self.level.copy_from_slice(&rec.level);
        for (out, &h) in self.host.iter_mut().zip(&rec.host) {
            *out = narrow(c.hosts[h as usize]);
        }
        for (out, &sv) in self.service.iter_mut().zip(&rec.service) {
            *out = narrow(c.services[sv as usize]);
        }
        for (out, &x) in self.rule.iter_mut().zip(&rec.rule) {
            *out = narrow(x);
        }
        for (out, &t) in self.template.iter_mut().zip(&rec.template) {
            *out = narrow(c.template(t));
        }
        let first_mark = start.div_ceil(LINE_MARK) * LINE_MARK;
        for (out, i) in self.line_marks.iter_mut().zip((first_mark..).step_by(LINE_MARK)) {
            *out = rec.line[i - start] + c.line_base;
        }
    }
}

impl RecordsBuilder {
    #[cfg(test)]
    pub fn with_capacity(n: usize) -> RecordsBuilder {
        let r = Records {
            offset_low: Vec::with_capacity(n),
            len: Vec::with_capacity(n),
            ts_delta: Vec::with_capacity(n),
            level: Vec::with_capacity(n),
            host: Vec::with_capacity(n),
            service: Vec::with_capacity(n),
            rule: Vec::with_capacity(n),
            template: Vec::with_capacity(n),
            line_marks: Vec::with_capacity(n / LINE_MARK + 1),
            ..Records::default()
        };
        RecordsBuilder { records: r, ts: Vec::with_capacity(n) }
    }

    /// Opens a source run and an offset run at the next record when its source or its offset's
    /// high bits differ from the record before.
    #[cfg(test)]
    fn note_runs(&mut self, source: u32, first_line: u32, offset: u64) {
        let r = &mut self.records;
        let i = r.len.len() as u32;
        if r.runs.last().is_none_or(|run| run.source != source) {
            r.runs.push(SourceRun { first_record: i, source, first_line });
        }
        let high = (offset >> 32) as u32;
        if r.offset_high.last().is_none_or(|&(_, h)| h != high) {
            r.offset_high.push((i, high));
        }
    }

    /// Appends one record: the reference that [`RecordsBuilder::from_chunks`] is tested against.
    #[cfg(test)]
    pub fn push(&mut self, source: u32, row: Row) {
        self.note_runs(source, row.line, row.offset);
        let r = &mut self.records;
        if r.len.len() % LINE_MARK == 0 {
            r.line_marks.push(row.line);
        }
        r.offset_low.push(row.offset as u32);
        r.len.push(row.len);
        self.ts.push(row.ts);
        r.level.push(row.level);
        r.host.push(narrow(row.host));
        r.service.push(narrow(row.service));
        r.rule.push(narrow(row.rule));
        r.template.push(narrow(row.template));
    }

    /// The columns of chunks laid end to end, in order, each with its source. The run tables
    /// are found chunk by chunk; then every chunk fills its own slice of each column in parallel.
    /// Returns the builder and the index of each chunk's first record.
    pub fn from_chunks(chunks: &[(u32, ChunkRows)]) -> (RecordsBuilder, Vec<usize>) {
        let total: usize = chunks.iter().map(|(_, c)| c.records.len()).sum();
        let mut r = Records::default();
        let mut starts = Vec::with_capacity(chunks.len());
        let mut start = 0usize;
        for (source, c) in chunks {
            starts.push(start);
            let rec = c.records;
            if let Some(&first_line) = rec.line.first() {
                if r.runs.last().is_none_or(|run| run.source != *source) {
                    r.runs.push(SourceRun {
                        first_record: start as u32,
                        source: *source,
                        first_line: first_line + c.line_base,
                    });
                }
                // Offsets rise within a chunk, so their high bits change at most a few times.
                let high_of = |o: u64| ((o + c.chunk_start) >> 32) as u32;
                let mut j = 0;
                while j < rec.len() {
                    let high = high_of(rec.offset[j]);
                    if r.offset_high.last().is_none_or(|&(_, h)| h != high) {
                        r.offset_high.push(((start + j) as u32, high));
                    }
                    j += rec.offset[j..].partition_point(|&o| high_of(o) == high).max(1);
                }
            }
            start += rec.len();
        }
        // Zeroed allocations come fresh from the kernel: their pages fault in on the workers.
        r.offset_low = vec![0; total];
        r.len = vec![0; total];
        r.level = vec![Level::Unknown; total];
        r.host = vec![0; total];
        r.service = vec![0; total];
        r.rule = vec![0; total];
        r.template = vec![0; total];
        r.line_marks = vec![0; total.div_ceil(LINE_MARK)];
        let mut ts = vec![0; total];
        let mut rest = ColumnsMut {
            offset_low: &mut r.offset_low,
            len: &mut r.len,
            ts: &mut ts,
            level: &mut r.level,
            host: &mut r.host,
            service: &mut r.service,
            rule: &mut r.rule,
            template: &mut r.template,
            line_marks: &mut r.line_marks,
        };
        let mut parts = Vec::with_capacity(chunks.len());
        for ((_, c), &start) in chunks.iter().zip(&starts) {
            let n = c.records.len();
            let marks = (start + n).div_ceil(LINE_MARK) - start.div_ceil(LINE_MARK);
            let (part, after) = rest.split(n, marks);
            parts.push(part);
            rest = after;
        }
        parts.into_par_iter().zip(chunks).zip(&starts).for_each(|((part, (_, c)), &start)| part.fill(c, start));
        (RecordsBuilder { records: r, ts }, starts)
    }

    /// The record just before record `next`, when it comes from `source`: its offset and a
    /// handle on its length (a chunk's leading continuation lines extend it).
    pub fn record_before_mut(&mut self, next: usize, source: u32) -> Option<(u64, &mut u32)> {
        let r = &mut self.records;
        let last = next.checked_sub(1)?;
        if r.run_of(last).source != source {
            return None;
        }
        let offset = r.offset(last);
        Some((offset, &mut r.len[last]))
    }

    pub fn host_mut(&mut self, range: Range<usize>) -> &mut [u16] {
        &mut self.records.host[range]
    }

    pub fn service_mut(&mut self, range: Range<usize>) -> &mut [u16] {
        &mut self.records.service[range]
    }

    /// Packs the timestamps per block and returns the columns with their block summaries.
    pub fn finish(self) -> (Records, Vec<BlockSummary>) {
        let RecordsBuilder { mut records, ts, .. } = self;
        let blocks: Vec<BlockSummary> = ts
            .par_chunks(BLOCK)
            .zip(records.level.par_chunks(BLOCK))
            .map(|(ts, levels)| {
                let mut b = BlockSummary { min_ts: NO_TIME, max_ts: NO_TIME, level_mask: 0 };
                for &t in ts.iter().filter(|&&t| t != NO_TIME) {
                    b.min_ts = if b.min_ts == NO_TIME { t } else { b.min_ts.min(t) };
                    b.max_ts = b.max_ts.max(t);
                }
                for &l in levels {
                    b.level_mask |= 1 << (l as u8);
                }
                b
            })
            .collect();
        let mut deltas = vec![0u32; ts.len()];
        // Deltas up to UNTIMED - 1; a wider span stores the block's times whole (rare: filled after).
        records.ts_base = deltas
            .par_chunks_mut(BLOCK)
            .zip(ts.par_chunks(BLOCK))
            .zip(&blocks)
            .map(|((out, block), b)| {
                if b.min_ts != NO_TIME && b.max_ts.abs_diff(b.min_ts) >= UNTIMED as u64 {
                    return WIDE_BLOCK;
                }
                for (d, &t) in out.iter_mut().zip(block) {
                    *d = if t == NO_TIME { UNTIMED } else { (t - b.min_ts) as u32 };
                }
                b.min_ts
            })
            .collect();
        for (k, _) in records.ts_base.iter().enumerate().filter(|(_, &base)| base == WIDE_BLOCK) {
            let range = k * BLOCK..((k + 1) * BLOCK).min(ts.len());
            for (d, &t) in deltas[range.clone()].iter_mut().zip(&ts[range]) {
                if t == NO_TIME {
                    *d = UNTIMED;
                } else {
                    *d = records.ts_wide.len() as u32;
                    records.ts_wide.push(t);
                }
            }
        }
        records.ts_delta = deltas;
        records.ts_wide.shrink_to_fit();
        (records, blocks)
    }
}

/// Per-block summary: lets time seeks and level filters skip whole blocks.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockSummary {
    pub min_ts: Millis,
    pub max_ts: Millis,
    /// Bit `l` set when a record of level `l` is in the block.
    pub level_mask: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(offset: u64, ts: Millis, k: u32) -> Row {
        Row {
            offset,
            len: k % 300,
            line: k + 1,
            ts,
            level: if k % 3 == 0 { Level::Error } else { Level::Info },
            host: k % 5,
            service: k % 7,
            rule: if k % 4 == 0 { u32::MAX } else { k % 40 },
            template: if k % 6 == 0 { u32::MAX } else { k % 900 },
        }
    }

    /// Every accessor gives back what was pushed: offsets past 4 GiB, a source change, untimed
    /// records, a block whose times span years, and "none" ids.
    #[test]
    fn packed_columns_give_back_what_was_pushed() {
        let n = 3 * BLOCK as u32 + 17;
        let base: Millis = 1_705_937_401_000;
        let mut want = Vec::new();
        let mut b = RecordsBuilder::with_capacity(n as usize);
        for k in 0..n {
            let source = if k < n / 2 { 0 } else { 3 };
            let offset = if source == 0 { k as u64 * 2_000_000 } else { (k - n / 2) as u64 * 100 };
            let ts = match k {
                _ if k % 11 == 0 => NO_TIME,
                // The second block spans from 2001 to 2024.
                _ if (BLOCK as u32..2 * BLOCK as u32).contains(&k) && k % 2 == 0 => 978_307_200_000 + k as Millis,
                _ => base + k as Millis * 250,
            };
            want.push((source, row(offset, ts, k)));
            b.push(source, row(offset, ts, k));
        }
        let (r, blocks) = b.finish();
        assert_eq!(r.len(), n as usize);
        assert_eq!(blocks.len(), 4);
        assert!(r.offset_high.len() > 2, "offsets crossed 4 GiB and went back at the source change");
        for (i, (source, w)) in want.iter().enumerate() {
            assert_eq!(r.source(i), *source, "record {i}");
            assert_eq!(r.offset(i), w.offset, "record {i}");
            assert_eq!(r.byte_len(i), w.len as usize);
            assert_eq!(r.ts(i), w.ts, "record {i}");
            assert_eq!(r.level(i), w.level);
            assert_eq!((r.host(i), r.service(i), r.rule(i), r.template(i)), (w.host, w.service, w.rule, w.template));
        }
        assert_eq!(r.runs().len(), 2);
        assert_eq!(r.source_range(3), Some(n as usize / 2..n as usize));
        assert_eq!(r.source_range(1), None);
        let (mark, line) = r.line_anchor(LINE_MARK + 5);
        assert_eq!((mark, line), (LINE_MARK, LINE_MARK as u32 + 1));
        // The first record of the second source anchors its own lines.
        assert_eq!(r.line_anchor(n as usize / 2 + 1), (n as usize / 2, n / 2 + 1));
    }

    /// The sources of any record range equal the same slice of the full walk, whichever runs
    /// the range starts, ends or lies in.
    #[test]
    fn source_ids_of_a_range_equal_the_full_walk() {
        let mut b = RecordsBuilder::with_capacity(40);
        for (k, source) in [0u32, 0, 0, 2, 2, 1, 1, 1, 1, 0, 3].into_iter().enumerate() {
            b.push(source, row(k as u64 * 10, 1_705_937_401_000, k as u32));
        }
        let (r, _) = b.finish();
        let all: Vec<u32> = r.source_ids().collect();
        assert_eq!(all, [0, 0, 0, 2, 2, 1, 1, 1, 1, 0, 3]);
        for start in 0..=all.len() {
            for end in start..=all.len() {
                let part: Vec<u32> = r.source_ids_in(start..end).collect();
                assert_eq!(part, all[start..end], "{start}..{end}");
            }
        }
    }

    /// Chunks laid end to end and filled in parallel equal pushing each record: a chunk whose
    /// offsets cross 4 GiB, a source change, an empty chunk, and line marks across chunk ends.
    #[test]
    fn chunks_filled_in_parallel_equal_pushed_records() {
        let chunk = |start: u64, n: u32| {
            let mut local = super::super::chunk::LocalRecords::default();
            for k in 0..n {
                local.offset.push(k as u64 * 40_000_000);
                local.len.push(100 + k);
                local.line.push(2 * k + 1);
                local.ts.push(1_705_937_401_000 + k as Millis);
                local.level.push(if k % 5 == 0 { Level::Error } else { Level::Warn });
                local.host.push(k % 2);
                local.service.push(0);
                local.rule.push(if k % 3 == 0 { u32::MAX } else { k });
                local.template.push(k % 4);
            }
            (start, local)
        };
        // The third chunk starts just under 4 GiB and runs past it; the last is another source.
        let chunks = [
            (5, chunk(0, 70)),
            (5, chunk(3_000_000_000, 0)),
            (5, chunk((1 << 32) - 100_000_000, 90)),
            (6, chunk(0, 33)),
        ];
        let (hosts, services, templates) = ([7u32, 9], [3u32], [20u32, 21, 22, 23]);
        let mut pushed = RecordsBuilder::with_capacity(0);
        let mut rows = Vec::new();
        let mut line_base = 0;
        for (source, (start, local)) in &chunks {
            rows.push((
                *source,
                ChunkRows {
                    records: local,
                    chunk_start: *start,
                    line_base,
                    hosts: &hosts,
                    services: &services,
                    templates: &templates,
                },
            ));
            for j in 0..local.len() {
                let row = Row {
                    offset: local.offset[j] + start,
                    len: local.len[j],
                    line: local.line[j] + line_base,
                    ts: local.ts[j],
                    level: local.level[j],
                    host: hosts[local.host[j] as usize],
                    service: services[local.service[j] as usize],
                    rule: local.rule[j],
                    template: templates[local.template[j] as usize],
                };
                pushed.push(*source, row);
            }
            line_base += 2 * local.len() as u32;
        }
        let (filled, starts) = RecordsBuilder::from_chunks(&rows);
        assert_eq!(starts, [0, 70, 70, 160]);
        let ((a, a_blocks), (p, p_blocks)) = (filled.finish(), pushed.finish());
        assert_eq!(a.len(), 193);
        for i in 0..a.len() {
            let row = |r: &Records| {
                (
                    r.source(i),
                    r.offset(i),
                    r.byte_len(i),
                    r.ts(i),
                    r.level(i),
                    r.host(i),
                    r.service(i),
                    r.rule(i),
                    r.template(i),
                )
            };
            assert_eq!(row(&a), row(&p), "record {i}");
            assert_eq!(a.line_anchor(i), p.line_anchor(i), "record {i}");
        }
        assert_eq!(a.runs().len(), 2);
        assert_eq!(a.offset_high, p.offset_high);
        assert!(a.offset(159) > 1 << 32);
        assert_eq!(a_blocks.len(), p_blocks.len());
        assert_eq!(a_blocks[0].level_mask, p_blocks[0].level_mask);
    }

    #[test]
    fn columns_hold_at_most_22_bytes_per_record() {
        let n = 100_000u32;
        let mut b = RecordsBuilder::with_capacity(n as usize);
        for k in 0..n {
            b.push(0, row(k as u64 * 120, 1_705_937_401_000 + k as Millis, k));
        }
        let (r, _) = b.finish();
        let per_record = r.heap_bytes() as f64 / n as f64;
        assert!(per_record <= 22.0, "{per_record:.2} bytes per record");
    }
}
