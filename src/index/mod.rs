//! Index: every source's bytes are cut into chunks at line boundaries and
//! parsed in parallel (rayon); each chunk also runs rule matching and pattern
//! mining, so the bytes are walked once. Chunk results merge in order into a
//! column-oriented [`Records`] table, with per-block summaries for seeks.
//!
//! Chunk boundaries depend only on the bytes and [`IndexOptions::chunk_size`],
//! never on the thread count, so a parallel build equals a sequential one.

mod chunk;
mod intern;
mod paths;
mod records;

pub use intern::Interner;
pub use paths::{container_log_name, pod_workload};
use paths::{host_within_name, without_log_extension, GENERIC_FILE_STEMS};
pub use records::{BlockSummary, Records, SourceRun, BLOCK, LINE_MARK};
use records::{ChunkRows, RecordsBuilder};

use crate::format::{self, FormatKind, ParseCtx, Parser};
use crate::patterns::{self, TemplateTable};
use crate::rules::RuleSet;
use crate::source::{Notice, Source};
use crate::time::{civil_from_days, days_from_civil, LocalZone, Millis, MS_PER_DAY, NO_TIME};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How to build an index.
#[derive(Clone, Debug)]
pub struct IndexOptions {
    pub zone: LocalZone,
    /// `--year`: year of the first record of yearless inputs.
    pub year: Option<i64>,
    /// `--format path=NAME` overrides, matched against the path as given or its file name.
    pub forced_formats: Vec<(String, FormatKind)>,
    pub chunk_size: usize,
    pub mine_patterns: bool,
    /// Decide rules once per message shape where the rule allows (see `rules::shape`); off,
    /// every rule runs on every line. The verdicts are the same; this is for tests and timing.
    pub rules_per_shape: bool,
    /// Receives bytes indexed so far, for a progress bar (read from another thread).
    pub progress: Option<Arc<IndexProgress>>,
    /// User-defined formats that take part in detection (see `format::custom::load_all`).
    pub custom_formats: Vec<std::sync::Arc<format::CustomFormat>>,
    /// How inputs are read (the decompression cap).
    pub load: crate::source::LoadOptions,
}

/// Indexing progress in bytes: `total` is set once the chunks are known, `done` grows as chunks finish.
#[derive(Debug, Default)]
pub struct IndexProgress {
    pub total: AtomicU64,
    pub done: AtomicU64,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            zone: LocalZone::Utc,
            year: None,
            forced_formats: Vec::new(),
            chunk_size: 4 << 20,
            mine_patterns: true,
            rules_per_shape: true,
            progress: None,
            custom_formats: Vec::new(),
            load: crate::source::LoadOptions::default(),
        }
    }
}

/// What `culprit inputs` reports per input.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    pub path: String,
    pub stream: String,
    pub format: String,
    pub lines: u64,
    pub records: u64,
    pub unparsed: u64,
    pub untimed: u64,
    #[serde(serialize_with = "ser_time")]
    pub first: Millis,
    #[serde(serialize_with = "ser_time")]
    pub last: Millis,
    pub warnings: Vec<String>,
}

fn ser_time<S: serde::Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    if *ms == NO_TIME {
        s.serialize_none()
    } else {
        s.serialize_str(&crate::time::rfc3339(*ms))
    }
}

/// The whole indexed input set.
pub struct Index {
    pub sources: Vec<Source>,
    pub parsers: Vec<Parser>,
    pub inputs: Vec<InputInfo>,
    pub notices: Vec<Notice>,
    pub records: Records,
    pub blocks: Vec<BlockSummary>,
    pub hosts: Interner,
    pub services: Interner,
    pub rules: RuleSet,
    pub templates: TemplateTable,
}

impl Index {
    /// Loads and indexes paths. Never fails as a whole; see `notices`.
    pub fn open(paths: &[PathBuf], rules: RuleSet, opts: &IndexOptions) -> Index {
        let (sources, notices) = crate::source::load_with(paths, &opts.load);
        Index::build(sources, notices, rules, opts)
    }

    /// What `culprit inputs` reports, and the skipped paths: formats, counts and time spans only.
    /// Rules and pattern mining are most of an index's cost and change none of these figures,
    /// so neither runs (and no rule file is read).
    pub fn survey(paths: &[PathBuf], opts: &IndexOptions) -> (Vec<InputInfo>, Vec<Notice>) {
        let opts = IndexOptions { mine_patterns: false, ..opts.clone() };
        let index = Index::open(paths, RuleSet::empty(), &opts);
        (index.inputs, index.notices)
    }

    /// Indexes already-loaded sources.
    pub fn build(sources: Vec<Source>, notices: Vec<Notice>, rules: RuleSet, opts: &IndexOptions) -> Index {
        let mut ctxs: Vec<ParseCtx> = sources.iter().map(|s| parse_ctx(s, opts)).collect();
        let parsers: Vec<Parser> = sources
            .iter()
            .zip(&ctxs)
            .map(|(s, ctx)| {
                forced_format(s, opts, ctx).unwrap_or_else(|| format::detect(s.bytes(), ctx, &opts.custom_formats))
            })
            .collect();
        let yearless: Vec<bool> = sources.iter().zip(&parsers).map(|(s, p)| is_yearless(s, p)).collect();
        // Yearless stamps are read in a leap year, so that Feb 29 is still Feb 29 when the year is
        // settled (`fix_year_rollover`); the year they would have had is kept to settle it.
        let years: Vec<Years> = ctxs
            .iter_mut()
            .zip(&yearless)
            .map(|(ctx, &y)| {
                let wanted = ctx.year;
                if y {
                    ctx.year = leap_year_at_or_before(wanted);
                }
                Years { parsed_in: ctx.year, wanted }
            })
            .collect();

        // Tasks: (source, byte range), in source order then offset order.
        let mut tasks = Vec::new();
        for s in &sources {
            for r in chunk::split(s.bytes(), opts.chunk_size) {
                tasks.push((s.id as usize, r));
            }
        }
        if let Some(p) = &opts.progress {
            p.total.store(tasks.iter().map(|(_, r)| r.len() as u64).sum(), Ordering::Relaxed);
        }
        let outs: Vec<chunk::ChunkOut> = tasks
            .par_iter()
            .map(|(sid, range)| {
                let src = &sources[*sid];
                let out = chunk::index_chunk(
                    src,
                    &parsers[*sid],
                    &ctxs[*sid],
                    &rules,
                    range.clone(),
                    opts.mine_patterns,
                    opts.rules_per_shape,
                );
                if let Some(p) = &opts.progress {
                    p.done.fetch_add(range.len() as u64, Ordering::Relaxed);
                }
                out
            })
            .collect();

        let mut index = Index {
            inputs: Vec::with_capacity(sources.len()),
            parsers,
            notices,
            records: Records::default(),
            blocks: Vec::new(),
            hosts: Interner::with_empty(),
            services: Interner::with_empty(),
            rules,
            templates: TemplateTable::default(),
            sources,
        };
        index.merge(tasks.iter().map(|t| t.0).collect(), outs, &yearless, &years, opts);
        index
    }

    fn merge(
        &mut self,
        task_source: Vec<usize>,
        mut outs: Vec<chunk::ChunkOut>,
        yearless: &[bool],
        years: &[Years],
        opts: &IndexOptions,
    ) {
        // Templates first: chunk-local ids can outnumber the 16-bit column; global ids cannot.
        let template_maps = if opts.mine_patterns {
            let miners = outs.iter_mut().map(|o| std::mem::take(&mut o.miner)).collect();
            let (table, maps) = patterns::merge(miners);
            self.templates = table;
            maps
        } else {
            Vec::new()
        };
        let mut per_source_lines = vec![0u64; self.sources.len()];
        let mut per_source_unparsed = vec![0u64; self.sources.len()];
        // Ids are interned in chunk order (so they do not depend on scheduling); the columns
        // are then filled in parallel.
        let mut id_maps = Vec::with_capacity(outs.len());
        let mut line_bases = Vec::with_capacity(outs.len());
        for (&sid, out) in task_source.iter().zip(&outs) {
            line_bases.push(per_source_lines[sid] as u32);
            per_source_lines[sid] += out.lines;
            per_source_unparsed[sid] += out.unparsed;
            let host_map: Vec<u32> = out.hosts.iter().map(|h| self.hosts.intern(h)).collect();
            let service_map: Vec<u32> = out.services.iter().map(|s| self.services.intern(s)).collect();
            id_maps.push((host_map, service_map));
        }
        let rows: Vec<(u32, ChunkRows)> = outs
            .iter()
            .enumerate()
            .map(|(k, out)| {
                let rows = ChunkRows {
                    records: &out.records,
                    chunk_start: out.chunk_start,
                    line_base: line_bases[k],
                    hosts: &id_maps[k].0,
                    services: &id_maps[k].1,
                    templates: template_maps.get(k).map(|m| m.as_slice()).unwrap_or(&[]),
                };
                (task_source[k] as u32, rows)
            })
            .collect();
        let (mut b, starts) = RecordsBuilder::from_chunks(&rows);
        drop(rows);
        // A chunk that starts with continuation lines extends the previous record of the same source.
        for ((&sid, out), &start) in task_source.iter().zip(&outs).zip(&starts) {
            if out.leading_continuation > 0 {
                if let Some((offset, len)) = b.record_before_mut(start, sid as u32) {
                    let end = out.chunk_start + out.leading_continuation as u64;
                    *len = (end - offset).min(u32::MAX as u64) as u32;
                }
            }
        }
        // Thousands of chunk columns: freed on the workers too.
        outs.into_par_iter().for_each(drop);
        let mut leap_days = vec![Vec::new(); yearless.len()];
        for (sid, &is_yearless) in yearless.iter().enumerate() {
            if let Some(range) = b.records.source_range(sid as u32).filter(|_| is_yearless) {
                let mtime = self.sources[sid].mtime;
                leap_days[sid] = fix_year_rollover(&mut b.ts[range], opts.year, mtime, years[sid]);
            }
        }
        if opts.year.is_none() {
            align_yearless_to_dated(&mut b, yearless, &leap_days);
        }
        self.hosts_from_paths(&mut b);
        self.services_from_paths(&mut b);
        let (mut records, blocks) = b.finish();
        for (sid, src) in self.sources.iter().enumerate() {
            let Some(counts) = src.data.counts() else { continue };
            // Every row is one record; a mismatch (a row no format read) leaves the counts at one.
            if let Some(range) = records.source_range(sid as u32).filter(|r| r.len() == counts.len()) {
                records.set_weights(range, counts);
            }
        }
        self.records = records;
        self.blocks = blocks;
        self.inputs = self.input_infos(&per_source_lines, &per_source_unparsed);
    }

    /// Log bundles often name the host in the path (`db-1/postgresql.log`, `proxy/edge-2.access.log`)
    /// while the lines themselves do not. When a file's records carry no host and a part of its
    /// path is a host that other inputs name, its records are attributed to that host.
    ///
    /// No other input naming the host, a layout of one file per host still does: the same file name
    /// in sibling folders (`lb-a/error.log`, `lb-b/error.log`) or the same suffix after differing
    /// names (`gw-1.access.log`, `gw-2.access.log`), when those names look like hosts.
    fn hosts_from_paths(&mut self, b: &mut RecordsBuilder) {
        let per_host = per_host_names(self.sources.iter().map(|s| s.path.as_path()));
        for sid in 0..self.sources.len() {
            let Some(range) = b.records.source_range(sid as u32) else { continue };
            if b.host_mut(range.clone()).iter().any(|&h| h != 0) {
                continue;
            }
            let path = &self.sources[sid].path;
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let mut names = vec![file.split('.').next().unwrap_or("").to_string()];
            names.extend(
                path.parent()
                    .into_iter()
                    .flat_map(|p| p.components().rev().take(3))
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            );
            let known = names
                .iter()
                .filter(|n| n.len() >= 2)
                .find_map(|n| self.hosts.lookup(n))
                .or_else(|| host_within_name(&names[0], |n| self.hosts.lookup(n)));
            // The kubelet names a container's log after its pod, as does `kubectl logs POD > POD.log`:
            // the pod is where the lines ran.
            let stem = without_log_extension(&file);
            let pod = stem
                .and_then(container_log_name)
                .map(|(pod, _, _)| pod)
                .or_else(|| stem.filter(|s| pod_workload(s).is_some()));
            let Some(host) = known
                .or_else(|| pod.map(|p| self.hosts.intern(p.as_bytes())))
                .or_else(|| per_host.get(&sid).map(|n| self.hosts.intern(n.as_bytes())))
            else {
                continue;
            };
            b.host_mut(range).fill(host as u16);
        }
    }

    /// A service named after its file (`orders-2.log`, no service in the lines) is better named by
    /// its host (`orders-2` → `orders`, when other inputs know that service), else by the file's
    /// name when that name says something (`backup-pull.log` → `backup-pull`), else by its folder
    /// (`checkout/app.log`, or `lb-a/error.log` beside `lb-b/error.log`). The folder comes after the
    /// file's name so that `culprit DIR/`, `culprit DIR/*` and `cd DIR; culprit .` agree: the folder
    /// an incident was copied into is not a service.
    fn services_from_paths(&mut self, b: &mut RecordsBuilder) {
        let mut folders_per_stream: HashMap<&str, std::collections::HashSet<&std::path::Path>> = HashMap::new();
        for src in &self.sources {
            folders_per_stream
                .entry(src.stream.as_str())
                .or_default()
                .insert(src.path.parent().unwrap_or(std::path::Path::new("")));
        }
        let telling_stems: Vec<Option<String>> = self
            .sources
            .iter()
            .map(|src| {
                let stem = without_log_extension(&src.stream)?;
                if let Some((_, _, container)) = container_log_name(stem) {
                    return Some(container.to_string());
                }
                if let Some(workload) = pod_workload(stem) {
                    return Some(workload.to_string());
                }
                // `0.log` under `/var/log/pods/NS_POD_UID/CONTAINER/`: the folder names it.
                if stem.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let shared = folders_per_stream.get(src.stream.as_str()).is_some_and(|f| f.len() > 1);
                // A file named after its host (`orders-2.log`) says where, not what.
                let host = self.hosts.lookup(stem).is_some();
                (!shared && !host && !GENERIC_FILE_STEMS.contains(&stem.to_ascii_lowercase().as_str()))
                    .then(|| stem.to_string())
            })
            .collect();
        for (sid, telling_stem) in telling_stems.into_iter().enumerate() {
            let Some(range) = b.records.source_range(sid as u32) else { continue };
            let Some(stream_id) = self.services.lookup(&self.sources[sid].stream) else { continue };
            let stream_id = stream_id as u16;
            if !b.service_mut(range.clone()).contains(&stream_id) {
                continue;
            }
            // Only a per-host file: one host throughout, and that host named in the path.
            let mut hosts = b.host_mut(range.clone()).iter().copied().filter(|&h| h != 0);
            let host = hosts.next();
            let one_host = host.is_some_and(|h| hosts.all(|o| o == h));
            let mut host_name = host.map(|h| self.hosts.get(h as u32).to_string()).unwrap_or_default();
            let path_text = self.sources[sid].path.to_string_lossy();
            if !one_host || host_name.is_empty() || !path_text.contains(host_name.as_str()) {
                host_name.clear();
            }
            let base = host_name.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches(['-', '_']);
            let path = &self.sources[sid].path;
            let parent = path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
            let service = if base.len() >= 2 && base != host_name && self.services.lookup(base).is_some() {
                Some(base.to_string())
            } else if let Some(stem) = telling_stem {
                Some(stem)
            } else {
                parent
                    .filter(|p| {
                        !matches!(p.as_str(), "log" | "logs" | "var" | "." | "..")
                            && *p != host_name
                            && self.hosts.lookup(p).is_none()
                    })
                    // Else the file's name without its extension: `feed-api.log` → `feed-api`.
                    .or_else(|| without_log_extension(&self.sources[sid].stream).map(str::to_string))
            };
            if let Some(service) = service {
                let id = self.services.intern(service.as_bytes()) as u16;
                for s in b.service_mut(range) {
                    if *s == stream_id {
                        *s = id;
                    }
                }
            }
        }
    }

    fn input_infos(&self, lines: &[u64], unparsed: &[u64]) -> Vec<InputInfo> {
        self.sources
            .iter()
            .enumerate()
            .map(|(sid, src)| {
                let range = self.records.source_range(sid as u32).unwrap_or(0..0);
                let timed = range.clone().map(|i| self.records.ts(i)).filter(|&t| t != NO_TIME);
                let first = timed.clone().min().unwrap_or(NO_TIME);
                let last = timed.clone().max().unwrap_or(NO_TIME);
                let untimed = (range.len() - timed.count()) as u64;
                let weighted: u64 = range.clone().map(|i| self.records.weight(i) as u64).sum();
                let mut warnings = src.warnings.clone();
                if !range.is_empty() && untimed == range.len() as u64 {
                    warnings.push("no timestamps found: browsable, but left out of time analysis".into());
                } else if let Some(w) = mostly_unparsed(lines[sid], unparsed[sid]) {
                    warnings.push(w);
                }
                let name = self.parsers[sid].name();
                InputInfo {
                    path: src.display(),
                    stream: src.stream.clone(),
                    format: name,
                    lines: lines[sid],
                    records: weighted,
                    unparsed: unparsed[sid],
                    untimed,
                    first,
                    last,
                    warnings,
                }
            })
            .collect()
    }

    /// The record's bytes (first line plus continuation lines), without the final newline.
    pub fn record_bytes(&self, i: usize) -> &[u8] {
        let src = &self.sources[self.records.source(i) as usize];
        let start = self.records.offset(i) as usize;
        let end = start + self.records.byte_len(i);
        src.bytes().get(start..end).unwrap_or(&[])
    }

    /// 1-based line number of the record's first line in its file.
    pub fn line_of(&self, i: usize) -> u32 {
        let (anchor, line) = self.records.line_anchor(i);
        if anchor == i {
            return line;
        }
        let bytes = self.sources[self.records.source(i) as usize].bytes();
        let (from, to) = (self.records.offset(anchor) as usize, self.records.offset(i) as usize);
        let between = bytes.get(from..to).unwrap_or(&[]);
        line + memchr::memchr_iter(b'\n', between).count() as u32
    }

    /// The record's first physical line, without `\r`.
    pub fn first_line(&self, i: usize) -> &[u8] {
        let b = self.record_bytes(i);
        let l = memchr::memchr(b'\n', b).map(|e| &b[..e]).unwrap_or(b);
        l.strip_suffix(b"\r").unwrap_or(l)
    }

    /// The message part of the record's first line.
    /// Reparsed on demand: the index keeps no message offsets.
    pub fn message(&self, i: usize) -> &[u8] {
        let l = self.first_line(i);
        let mut parsed = format::Parsed::default();
        let parser = &self.parsers[self.records.source(i) as usize];
        let is_record = parser.parse(l, &ParseCtx::default(), &mut parsed) == format::LineKind::Record;
        if !is_record || parsed.msg.is_empty() {
            return l;
        }
        l.get(parsed.msg.start as usize..).unwrap_or(l)
    }

    pub fn path_of(&self, i: usize) -> String {
        self.sources[self.records.source(i) as usize].display()
    }

    /// Earliest and latest timestamps over all records.
    pub fn time_span(&self) -> Option<(Millis, Millis)> {
        let lo = self.blocks.iter().map(|b| b.min_ts).filter(|&t| t != NO_TIME).min()?;
        let hi = self.blocks.iter().map(|b| b.max_ts).max()?;
        Some((lo, hi))
    }

    /// Record ids in time order (untimed records keep their place after the timed record before them).
    pub fn time_order(&self) -> Vec<u32> {
        let r = &self.records;
        let mut eff = Vec::with_capacity(r.len());
        for run in 0..r.runs().len() {
            let mut prev = NO_TIME;
            for i in r.run_range(run) {
                let t = r.ts(i);
                if t != NO_TIME {
                    prev = t;
                }
                eff.push(prev);
            }
        }
        // Runs go in source order, so record order breaks ties by source, then by place.
        let mut order: Vec<u32> = (0..r.len() as u32).collect();
        order.par_sort_by_key(|&i| (eff[i as usize], i));
        order
    }
}

/// Yearless inputs (BSD syslog, klog) get their year from the file's mtime, which a copy or a
/// checkout resets. When other inputs carry full dates, the year that puts the yearless
/// records inside (or nearest to) their span is the better guess.
fn align_yearless_to_dated(b: &mut RecordsBuilder, yearless: &[bool], leap_days: &[Vec<LeapDay>]) {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for (sid, &y) in yearless.iter().enumerate() {
        let Some(range) = b.records.source_range(sid as u32).filter(|_| !y) else { continue };
        for &t in &b.ts[range] {
            if t != NO_TIME {
                lo = lo.min(t);
                hi = hi.max(t);
            }
        }
    }
    if lo > hi {
        return;
    }
    for (sid, &y) in yearless.iter().enumerate() {
        let Some(range) = b.records.source_range(sid as u32).filter(|_| y) else { continue };
        let ts = &mut b.ts[range];
        let timed = || ts.iter().copied().filter(|&t| t != NO_TIME);
        let (Some(first), Some(last)) = (timed().min(), timed().max()) else { continue };
        let distance = |shift: i64| {
            let (a, b) = (add_years(first, shift), add_years(last, shift));
            // Zero when the spans overlap; otherwise the gap between them.
            (lo - b).max(a - hi).max(0)
        };
        let best = (-5i64..=5).min_by_key(|&k| (distance(k), k.abs())).unwrap_or(0);
        if best != 0 && distance(best) < distance(0) {
            for t in ts.iter_mut().filter(|t| **t != NO_TIME) {
                *t = add_years(*t, best);
            }
            // A Feb 29 that a common year had made Feb 28 is Feb 29 again in a leap year.
            for d in &leap_days[sid] {
                ts[d.at] = add_years(d.raw, d.years + best);
            }
        }
    }
}

fn parse_ctx(src: &Source, opts: &IndexOptions) -> ParseCtx {
    let year = opts.year.unwrap_or_else(|| {
        let ms = src
            .mtime
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
        crate::time::year_of(ms)
    });
    ParseCtx { zone: opts.zone.clone(), year }
}

fn forced_format(src: &Source, opts: &IndexOptions, ctx: &ParseCtx) -> Option<Parser> {
    let path = src.path.to_string_lossy();
    let name = src.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    opts.forced_formats
        .iter()
        .find(|(p, _)| *p == path || *p == name || path.ends_with(&format!("/{p}")))
        .map(|(_, k)| format::forced(*k, src.bytes(), ctx, &opts.custom_formats))
}

/// A source is yearless when its first timed line parses differently under two assumed years.
fn is_yearless(src: &Source, parser: &Parser) -> bool {
    let mut p = format::Parsed::default();
    let a = ParseCtx { year: 2001, ..Default::default() };
    let b = ParseCtx { year: 2002, ..Default::default() };
    for line in src.bytes().split(|&c| c == b'\n').take(64) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if parser.parse(line, &a, &mut p) != format::LineKind::Record || p.ts == NO_TIME {
            continue;
        }
        let ta = p.ts;
        parser.parse(line, &b, &mut p);
        return ta != p.ts;
    }
    false
}

/// Shifts one year's worth of `ms` by `years`, keeping month/day/time.
fn add_years(ms: Millis, years: i64) -> Millis {
    let days = ms.div_euclid(MS_PER_DAY);
    let tod = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    // Feb 29 of a common year is its Feb 28.
    let d = if m == 2 && d == 29 && !crate::time::valid_date(y + years, 2, 29) { 28 } else { d };
    days_from_civil(y + years, m, d) * MS_PER_DAY + tod
}

/// A name that reads like a host of a fleet: starts with a letter, and carries a digit (`web01`,
/// `ip-10-0-0-7`) or ends in a one-letter member suffix (`lb-a`); not a date, not a word like `nginx`.
fn host_like(name: &str) -> bool {
    let b = name.as_bytes();
    let ok = b.len() >= 2
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    let numbered = b.iter().any(|c| c.is_ascii_digit());
    let lettered = b.len() >= 3 && matches!(b[b.len() - 2], b'-' | b'_') && b[b.len() - 1].is_ascii_lowercase();
    ok && (numbered || lettered)
}

/// Sources laid out one file per host, by source number: the same file name in at least two
/// sibling folders with host-like names, or the same suffix after at least two host-like names
/// in one folder.
fn per_host_names<'a>(paths: impl Iterator<Item = &'a std::path::Path>) -> HashMap<usize, String> {
    // (layout, shared part) -> [(source, varying name)]
    let mut groups: HashMap<(u8, String), Vec<(usize, String)>> = HashMap::new();
    for (sid, path) in paths.enumerate() {
        let Some(file) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else { continue };
        let parent = path.parent();
        if let Some(dir) = parent.and_then(|p| p.file_name()).map(|d| d.to_string_lossy().into_owned()) {
            let above = parent.and_then(|p| p.parent()).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            groups.entry((0, format!("{above}\0{file}"))).or_default().push((sid, dir));
        }
        if let Some((stem, rest)) = file.split_once('.') {
            let dir = parent.map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            groups.entry((1, format!("{dir}\0{rest}"))).or_default().push((sid, stem.to_string()));
        }
    }
    let mut out = HashMap::new();
    let mut keys: Vec<_> = groups.keys().cloned().collect();
    keys.sort();
    for k in keys {
        let members = &groups[&k];
        let mut names: Vec<&str> = members.iter().map(|m| m.1.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() >= 2 && names.iter().all(|n| host_like(n)) {
            for (sid, name) in members {
                out.entry(*sid).or_insert_with(|| name.clone());
            }
        }
    }
    out
}

/// The year a yearless source was read in (a leap year) and the year it would have had (its
/// mtime's, or this year's).
#[derive(Clone, Copy, Debug)]
pub struct Years {
    pub parsed_in: i64,
    pub wanted: i64,
}

/// A record read as Feb 29: where it is in its source, its stamp as read, and the years it moved.
#[derive(Clone, Copy, Debug)]
pub struct LeapDay {
    at: usize,
    raw: Millis,
    years: i64,
}

fn leap_year_at_or_before(mut year: i64) -> i64 {
    while !crate::time::valid_date(year, 2, 29) {
        year -= 1;
    }
    year
}

/// Yearless timestamps were parsed with one provisional year. Walking in file
/// order, a jump backwards of more than half a year is a New Year rollover.
/// Then the whole run is placed: with `--year`, the first record is in that
/// year; otherwise the last record must not be after the file's mtime. Every
/// record moves once from its stamp as read, so a Feb 29 stays one when its year
/// is a leap year; those records are returned, for a later move to stay exact.
pub fn fix_year_rollover(
    ts: &mut [Millis],
    year: Option<i64>,
    mtime: Option<std::time::SystemTime>,
    years: Years,
) -> Vec<LeapDay> {
    // The rollover shift of each record, walked twice: once to place the run, once to move it.
    let rollovers = |ts: &[Millis]| {
        let mut shift = 0i64;
        let mut prev = NO_TIME;
        ts.iter()
            .map(move |&raw| {
                if raw != NO_TIME {
                    if prev != NO_TIME && raw < prev - 180 * MS_PER_DAY {
                        shift += 1;
                    }
                    prev = raw;
                }
                shift
            })
            .collect::<Vec<i64>>()
    };
    let shifts = rollovers(ts);
    let timed = |i: &usize| ts[*i] != NO_TIME;
    let (Some(fi), Some(li)) = ((0..ts.len()).find(timed), (0..ts.len()).rev().find(timed)) else { return Vec::new() };
    let (first, last) = (add_years(ts[fi], shifts[fi]), add_years(ts[li], shifts[li]));
    let delta = match year {
        Some(y) => y - crate::time::year_of(first),
        None => {
            let base = years.wanted - years.parsed_in;
            match mtime.and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok()) {
                // In the wanted year the last record must not land after mtime (+1 day slack for
                // zones); if it does, the file is last year's.
                Some(mt) if add_years(last, base) > mt.as_millis() as i64 + MS_PER_DAY => base - 1,
                _ => base,
            }
        }
    };
    let mut leap_days = Vec::new();
    for (i, t) in ts.iter_mut().enumerate() {
        if *t == NO_TIME {
            continue;
        }
        let raw = *t;
        let moved = shifts[i] + delta;
        let (_, m, d) = civil_from_days(raw.div_euclid(MS_PER_DAY));
        if m == 2 && d == 29 {
            leap_days.push(LeapDay { at: i, raw, years: moved });
        }
        if moved != 0 {
            *t = add_years(raw, moved);
        }
    }
    leap_days
}

#[cfg(test)]
mod tests;

/// A warning when most of an input's lines were read by no format: its analysis rests on the rest.
pub fn mostly_unparsed(lines: u64, unparsed: u64) -> Option<String> {
    (lines >= 20 && unparsed * 2 > lines).then(|| {
        format!("{unparsed} of {lines} lines unparsed: most of this input is in no format culprit reads (--log-format PATH=NAME forces one)")
    })
}
