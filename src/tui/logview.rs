//! The log view's model: which records are shown (all inputs merged in time
//! order, narrowed by filters), where the cursor is, and the incremental search.
//!
//! Rows are positions in the merged time order. With no filter the rows are
//! implicit (row `r` is position `r`), so millions of lines cost nothing until
//! a filter asks for a list. Filters and searches scan a bounded number of
//! records per step ([`LogState::work`]), so the UI keeps answering keys on big
//! inputs and shows the partial result while the scan goes on.

use super::Loaded;
use crate::format::Level;
use crate::time::{Millis, NO_TIME};

/// A user regex, compiled once for bytes (search, filters) and once for
/// display text (highlighting the escaped line).
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    pub bytes: regex::bytes::Regex,
    pub display: regex::Regex,
}

impl Pattern {
    /// Smart case: all-lowercase patterns match any case.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let insensitive = !text.chars().any(|c| c.is_uppercase());
        let bytes = regex::bytes::RegexBuilder::new(text)
            .case_insensitive(insensitive)
            .size_limit(8 << 20)
            .build()
            .map_err(|e| format!("bad regex: {}", first_line(&e.to_string())))?;
        let display = regex::RegexBuilder::new(text)
            .case_insensitive(insensitive)
            .size_limit(8 << 20)
            .build()
            .map_err(|e| format!("bad regex: {}", first_line(&e.to_string())))?;
        Ok(Pattern { text: text.to_string(), bytes, display })
    }
}

fn first_line(s: &str) -> String {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

/// What narrows the log view. Every field is optional and they combine with AND.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// Minimum level (records of unknown level are hidden by a level filter).
    pub level: Option<Level>,
    pub source: Option<u32>,
    pub host: Option<u32>,
    pub template: Option<u32>,
    pub include: Option<Pattern>,
    pub exclude: Option<Pattern>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.level.is_none()
            && self.source.is_none()
            && self.host.is_none()
            && self.template.is_none()
            && self.include.is_none()
            && self.exclude.is_none()
    }

    /// Whether record `id` passes every filter.
    pub fn keep(&self, ld: &Loaded, id: usize) -> bool {
        let r = &ld.index.records;
        if let Some(l) = self.level {
            if r.level(id) < l {
                return false;
            }
        }
        if self.source.is_some_and(|s| r.source(id) != s)
            || self.host.is_some_and(|h| r.host(id) != h)
            || self.template.is_some_and(|t| r.template(id) != t)
        {
            return false;
        }
        if self.include.is_some() || self.exclude.is_some() {
            let bytes = ld.index.record_bytes(id);
            if self.include.as_ref().is_some_and(|p| !p.bytes.is_match(bytes)) {
                return false;
            }
            if self.exclude.as_ref().is_some_and(|p| p.bytes.is_match(bytes)) {
                return false;
            }
        }
        true
    }
}

/// A search in progress: it resumes where the last step stopped.
#[derive(Clone, Debug)]
pub struct SearchJob {
    pub forward: bool,
    /// Next row to test.
    pub next: usize,
    pub scanned: usize,
    /// The row the search started from: a match on the other side of it wrapped around.
    pub from: usize,
    /// Looks for the next error-or-worse line (`e`/`E`) instead of the search pattern.
    pub errors: bool,
}

#[derive(Clone, Debug, Default)]
pub struct LogState {
    pub filters: Filters,
    /// Rows as positions in the merged order; `None` means every position.
    pub rows: Option<Vec<u32>>,
    /// While a filter is being built: the next position to scan.
    pub building: Option<usize>,
    /// Position to put the cursor on once the filter is built.
    pub keep_pos: Option<u32>,
    pub cursor: usize,
    pub top: usize,
    pub hscroll: usize,
    pub wrap: bool,
    /// Show the selected record in full (pretty JSON, continuation lines) below the list.
    pub detail: bool,
    pub search: Option<Pattern>,
    pub search_job: Option<SearchJob>,
}

/// Outcome of a bounded step of background work.
pub enum Step {
    Idle,
    Busy,
    Done(String),
}

impl LogState {
    pub fn row_count(&self, ld: &Loaded) -> usize {
        match &self.rows {
            Some(v) => v.len(),
            None => ld.order.len(),
        }
    }

    /// Position in the merged order of row `row`.
    pub fn pos_at(&self, row: usize) -> Option<u32> {
        match &self.rows {
            Some(v) => v.get(row).copied(),
            None => Some(row as u32),
        }
    }

    pub fn record_at(&self, ld: &Loaded, row: usize) -> Option<usize> {
        let p = self.pos_at(row)?;
        ld.order.get(p as usize).map(|&r| r as usize)
    }

    /// The first row at or after merged position `pos` (the last row when none is).
    pub fn row_of_pos(&self, ld: &Loaded, pos: u32) -> usize {
        let n = self.row_count(ld);
        let r = match &self.rows {
            Some(v) => v.partition_point(|&p| p < pos),
            None => pos as usize,
        };
        r.min(n.saturating_sub(1))
    }

    pub fn selected(&self, ld: &Loaded) -> Option<usize> {
        self.record_at(ld, self.cursor)
    }

    /// Starts (re)building the row list for the current filters, keeping the cursor's record in view.
    pub fn refilter(&mut self, ld: &Loaded) {
        let keep = self.pos_at(self.cursor).filter(|_| self.row_count(ld) > 0);
        self.search_job = None;
        if self.filters.is_empty() {
            self.rows = None;
            self.building = None;
            self.cursor = keep.map(|p| self.row_of_pos(ld, p)).unwrap_or(0);
        } else {
            self.rows = Some(Vec::new());
            self.building = Some(0);
            self.keep_pos = keep;
            self.cursor = 0;
            self.top = 0;
        }
    }

    /// Moves the cursor to merged position `pos` (or the next row shown after it).
    pub fn goto_pos(&mut self, ld: &Loaded, pos: u32) {
        if self.building.is_some() {
            self.keep_pos = Some(pos);
        }
        self.cursor = self.row_of_pos(ld, pos);
    }

    /// First merged position whose time is at or after `t`.
    pub fn pos_of_time(ld: &Loaded, t: Millis) -> u32 {
        ld.order.partition_point(|&id| effective_ts(ld, id) < t) as u32
    }

    /// Runs up to `budget` records of pending filter or search work.
    pub fn work(&mut self, ld: &Loaded, budget: usize) -> Step {
        if let Some(start) = self.building {
            let n = ld.order.len();
            let end = (start + budget).min(n);
            let rows = self.rows.get_or_insert_with(Vec::new);
            for pos in start..end {
                if self.filters.keep(ld, ld.order[pos] as usize) {
                    rows.push(pos as u32);
                }
            }
            if end >= n {
                self.building = None;
                if let Some(p) = self.keep_pos.take() {
                    self.cursor = self.row_of_pos(ld, p);
                }
                let shown = self.row_count(ld);
                return Step::Done(format!("filter: {shown} of {} shown", crate::text::counted(n as u64, "line")));
            }
            self.building = Some(end);
            return Step::Busy;
        }
        let n = self.row_count(ld);
        let Some(job) = self.search_job.as_mut() else { return Step::Idle };
        let pat = self.search.as_ref().filter(|_| !job.errors);
        if pat.is_none() && !job.errors {
            self.search_job = None;
            return Step::Idle;
        }
        if n == 0 {
            self.search_job = None;
            return Step::Done("no lines to search".into());
        }
        let mut left = budget;
        while left > 0 && job.scanned < n {
            let row = job.next % n;
            let id = match &self.rows {
                Some(v) => ld.order[v[row] as usize] as usize,
                None => ld.order[row] as usize,
            };
            let hit = match pat {
                Some(p) => p.bytes.is_match(ld.index.record_bytes(id)),
                None => ld.index.records.level(id) >= crate::format::Level::Error,
            };
            if hit {
                let wrapped = if job.forward { row <= job.from } else { row >= job.from };
                let what = pat.map_or_else(|| "error".to_string(), |p| format!("/{}", p.text));
                let note = match (wrapped, job.forward) {
                    (false, _) => "",
                    (true, true) => " (wrapped past the end to the top)",
                    (true, false) => " (wrapped past the top to the end)",
                };
                self.cursor = row;
                self.search_job = None;
                return Step::Done(format!("{what}  line {} of {n}{note}", row + 1));
            }
            job.next = if job.forward { (row + 1) % n } else { (row + n - 1) % n };
            job.scanned += 1;
            left -= 1;
        }
        if job.scanned >= n {
            let msg = match pat {
                Some(p) => format!("pattern not found: {}", p.text),
                None => "no error lines among the lines shown".to_string(),
            };
            self.search_job = None;
            return Step::Done(msg);
        }
        Step::Busy
    }

    /// Starts a search for the next match after (or before) the cursor.
    pub fn start_search(&mut self, ld: &Loaded, forward: bool) {
        self.start_scan(ld, forward, false);
    }

    /// Starts looking for the next (or previous) line at level error or worse, as lnav's `e`/`E`.
    pub fn start_error_search(&mut self, ld: &Loaded, forward: bool) {
        self.start_scan(ld, forward, true);
    }

    fn start_scan(&mut self, ld: &Loaded, forward: bool, errors: bool) {
        let n = self.row_count(ld).max(1);
        let next = if forward { (self.cursor + 1) % n } else { (self.cursor + n - 1) % n };
        self.search_job = Some(SearchJob { forward, next, scanned: 0, from: self.cursor, errors });
    }

    /// Starts a forward search that includes the line under the cursor (a new pattern).
    pub fn start_search_here(&mut self) {
        self.search_job =
            Some(SearchJob { forward: true, next: self.cursor, scanned: 0, from: self.cursor, errors: false });
    }

    /// Share of the pending work done, for the status bar.
    pub fn progress(&self, ld: &Loaded) -> Option<(&'static str, f64)> {
        let n = ld.order.len().max(1) as f64;
        if let Some(b) = self.building {
            return Some(("filtering", b as f64 / n));
        }
        self.search_job.as_ref().map(|j| ("searching", j.scanned as f64 / self.row_count(ld).max(1) as f64))
    }
}

/// A record's time, or the time of the nearest earlier timed record in the
/// merged order (the order sorts untimed records after their predecessor).
fn effective_ts(ld: &Loaded, id: u32) -> Millis {
    let ts = ld.index.records.ts(id as usize);
    if ts != NO_TIME {
        return ts;
    }
    let Some(&pos) = ld.pos.get(id as usize) else { return NO_TIME };
    // Bounded walk: a long run of untimed lines sorts as "before everything".
    let mut p = pos as usize;
    let stop = p.saturating_sub(4096);
    while p > stop {
        p -= 1;
        let t = ld.index.records.ts(ld.order[p] as usize);
        if t != NO_TIME {
            return t;
        }
    }
    NO_TIME
}
