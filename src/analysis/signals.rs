//! Signals: rule hits and mined templates as time series per (signal, service),
//! with a per-host split, bucketed over the analysed span. One pass over the
//! index columns; no log bytes are touched except to classify templates once.

use crate::format::{FormatKind, Level};
use crate::hash::BuildWordHasher;
use crate::index::Index;
use crate::patterns::NO_TEMPLATE;
use crate::rules::{RuleKind, NO_RULE};
use crate::time::{Millis, MS_PER_MIN, NO_TIME};
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;

pub use crate::time::MAX_BUCKETS;

/// Time axis: `n` buckets of `size` ms from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buckets {
    pub start: Millis,
    pub size: i64,
    pub n: usize,
}

impl Buckets {
    /// Aims at a few hundred buckets: 10 s for short spans up to 1 h for weeks; whole hours,
    /// at most [`MAX_BUCKETS`] of them, beyond.
    pub fn for_span(lo: Millis, hi: Millis) -> Buckets {
        let size = crate::time::bucket_size(lo, hi);
        let start = lo.div_euclid(size) * size;
        let n = ((hi - start) / size + 1) as usize;
        Buckets { start, size, n }
    }

    #[inline]
    pub fn of(&self, ts: Millis) -> Option<usize> {
        if ts < self.start {
            return None;
        }
        let b = ((ts - self.start) / self.size) as usize;
        (b < self.n).then_some(b)
    }

    pub fn time(&self, b: usize) -> Millis {
        self.start + b as i64 * self.size
    }

    pub fn minutes(&self, buckets: usize) -> f64 {
        buckets as f64 * self.size as f64 / MS_PER_MIN as f64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalId {
    Rule(u32),
    Pattern(u32),
}

/// What a signal means for the ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Change,
    Error,
    Symptom,
    Success,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalKey {
    pub id: SignalId,
    pub service: u32,
    pub band: LevelBand,
}

/// Which levels an error signal of a rule counts. A rule's warnings and its errors are separate
/// signals: a chronic warning ("backend degraded … i/o timeout") and new errors that share its
/// rule ("write failed … deadline exceeded") are different stories with different onsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LevelBand {
    /// Every level: changes, symptoms, successes and mined patterns.
    Any,
    Warning,
    Error,
}

impl LevelBand {
    pub fn holds(self, level: Level) -> bool {
        match self {
            LevelBand::Any => true,
            LevelBand::Warning => level < Level::Error,
            LevelBand::Error => level >= Level::Error,
        }
    }
}

/// Counts per bucket, plus the earliest record of each bucket (for evidence and exact onsets).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub counts: Vec<u32>,
    pub first_rec: Vec<u32>,
    /// The time of `first_rec`: records come file by file, so the first read is not the earliest.
    pub first_ts: Vec<Millis>,
}

impl Series {
    pub fn new(n: usize) -> Series {
        Series { counts: vec![0; n], first_rec: vec![u32::MAX; n], first_ts: vec![Millis::MAX; n] }
    }

    /// Counts record `rec` at `ts`, which stands for `lines` log lines.
    #[inline]
    pub fn add(&mut self, b: usize, rec: u32, ts: Millis, lines: u32) {
        self.counts[b] += lines;
        if ts < self.first_ts[b] {
            self.first_rec[b] = rec;
            self.first_ts[b] = ts;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }

    pub fn sum(&self, lo: usize, hi: usize) -> u64 {
        self.counts[lo.min(self.counts.len())..hi.min(self.counts.len())].iter().map(|&c| c as u64).sum()
    }

    /// First record at or after bucket `b`.
    pub fn first_from(&self, b: usize) -> Option<u32> {
        self.first_rec.iter().skip(b).copied().find(|&r| r != u32::MAX)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub key: SignalKey,
    pub role: Role,
    pub series: Series,
    /// Per host: counts per bucket.
    pub hosts: HashMap<u32, Vec<u32>, BuildWordHasher>,
}

/// Everything the analysis reads, computed in one pass.
#[derive(Debug, PartialEq)]
pub struct SignalTable {
    pub buckets: Buckets,
    pub signals: Vec<Signal>,
    /// All user-facing symptoms (rule symptoms, or server errors seen by the proxy).
    pub symptoms: Series,
    pub symptoms_by_host: HashMap<u32, Vec<u32>>,
    pub symptoms_by_service: HashMap<u32, Vec<u32>>,
    pub successes: Series,
    /// Every record at level error or worse (fallback symptom when no rule says what users see).
    pub errors: Series,
    /// Per service: all records per bucket (denominators).
    pub service_totals: HashMap<u32, Vec<u32>>,
    /// Per service: every host that logged for it (healthy ones included).
    pub service_hosts: HashMap<u32, std::collections::HashSet<u32>>,
    /// Change events (rule changes and change-like templates), record ids in file order.
    pub changes: Vec<u32>,
    /// Records in range, with a timestamp.
    pub timed_records: u64,
}

/// Marks templates that are rare enough to be events and whose text reads like a change (the
/// rule pack's vocabulary says which words do).
fn change_templates(index: &Index, template_counts: &[u64], timed: u64) -> Vec<bool> {
    let vocabulary = &index.rules.vocabulary;
    let rare = (timed / super::tuning::CHANGE_TEMPLATE_RARITY).max(super::tuning::CHANGE_TEMPLATE_MAX_MIN);
    index
        .templates
        .templates
        .iter()
        .zip(template_counts)
        .map(|(t, &c)| c > 0 && c <= rare && vocabulary.reads_like_change(t.text.as_bytes()))
        .collect()
}

/// Whether a record is a failure seen by users, by the same reading as the signals: a symptom
/// rule, or a server error in an access log that no rule claims.
pub fn is_symptom(index: &Index, i: usize) -> bool {
    let r = &index.records;
    match index.rules.get(r.rule(i)) {
        Some(rule) => rule.kind == RuleKind::Symptom,
        None => index.parsers[r.source(i) as usize].kind == FormatKind::Access && r.level(i) >= Level::Error,
    }
}

/// A heading is no signal: it only names the change a later line reports.
fn role_of_rule(kind: RuleKind) -> Option<Role> {
    match kind {
        RuleKind::Change => Some(Role::Change),
        RuleKind::Error => Some(Role::Error),
        RuleKind::Symptom => Some(Role::Symptom),
        RuleKind::Success => Some(Role::Success),
        RuleKind::Heading => None,
    }
}

/// Builds the signal table over records with `lo <= ts <= hi`.
///
/// Record ranges are tallied in parallel and merged in range order, so signal order, first
/// records and change order are exactly those of one pass in file order.
pub fn build(index: &Index, lo: Millis, hi: Millis) -> SignalTable {
    build_split(index, lo, hi, record_ranges(index.records.len(), worker_parts(index.records.len())))
}

/// [`build`] over the given record ranges, which must cover all records in order.
pub(crate) fn build_split(index: &Index, lo: Millis, hi: Millis, ranges: Vec<Range<usize>>) -> SignalTable {
    let r = &index.records;
    let buckets = Buckets::for_span(lo, hi);
    let n_templates = index.templates.templates.len();
    let (template_counts, timed) = ranges
        .par_iter()
        .map(|range| {
            let mut counts = vec![0u64; n_templates];
            let mut timed = 0u64;
            for i in range.clone() {
                if !in_range(r.ts(i), lo, hi) {
                    continue;
                }
                let lines = r.weight(i) as u64;
                timed += lines;
                if let Some(c) = counts.get_mut(r.template(i) as usize) {
                    *c += lines;
                }
            }
            (counts, timed)
        })
        .reduce(
            || (vec![0u64; n_templates], 0),
            |(mut a, ta), (b, tb)| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                (a, ta + tb)
            },
        );
    let kinds = RecordKinds {
        change_like: change_templates(index, &template_counts, timed),
        access_source: index.parsers.iter().map(|p| p.kind == FormatKind::Access).collect(),
        explaining_rule: index.rules.rules.iter().map(|r| r.patterns.is_empty() || r.explains).collect(),
    };
    let partials: Vec<SignalTable> =
        ranges.into_par_iter().map(|range| tally(index, range, buckets, lo, hi, &kinds)).collect();
    let mut partials = partials.into_iter();
    let mut table = partials.next().unwrap_or_else(|| tally(index, 0..0, buckets, lo, hi, &kinds));
    for later in partials {
        table.absorb(later);
    }
    table.timed_records = timed;
    table
}

#[inline]
fn in_range(t: Millis, lo: Millis, hi: Millis) -> bool {
    t != NO_TIME && t >= lo && t <= hi
}

/// How many record ranges to tally in parallel: one per worker, but small inputs stay whole,
/// since each range costs a partial table to merge.
pub(crate) fn worker_parts(len: usize) -> usize {
    const MIN_RANGE: usize = 1 << 16;
    rayon::current_num_threads().min(len / MIN_RANGE).max(1)
}

/// `0..len` cut into `parts` consecutive ranges.
pub(crate) fn record_ranges(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let step = len.div_ceil(parts).max(1);
    (0..parts).map(|k| (k * step).min(len)..((k + 1) * step).min(len)).collect()
}

/// Per-record readings that do not depend on the record range.
struct RecordKinds {
    change_like: Vec<bool>,
    access_source: Vec<bool>,
    explaining_rule: Vec<bool>,
}

/// One range's signal table (its `timed_records` is left at zero).
fn tally(index: &Index, range: Range<usize>, buckets: Buckets, lo: Millis, hi: Millis, k: &RecordKinds) -> SignalTable {
    let r = &index.records;
    let n = buckets.n;
    let mut table = SignalTable {
        buckets,
        signals: Vec::new(),
        symptoms: Series::new(n),
        symptoms_by_host: HashMap::new(),
        symptoms_by_service: HashMap::new(),
        successes: Series::new(n),
        errors: Series::new(n),
        service_totals: HashMap::new(),
        service_hosts: HashMap::new(),
        changes: Vec::new(),
        timed_records: 0,
    };
    let mut slot: HashMap<SignalKey, usize, BuildWordHasher> = HashMap::default();
    // Per-record tallies by dense service id; the maps are filled once at the end.
    let mut service_totals: Vec<Vec<u32>> = vec![Vec::new(); index.services.len()];
    let mut last_service_host = (u32::MAX, u32::MAX);
    for (i, source) in range.clone().zip(r.source_ids_in(range)) {
        let ts = r.ts(i);
        if !in_range(ts, lo, hi) {
            continue;
        }
        let Some(b) = buckets.of(ts) else { continue };
        let rec = i as u32;
        let service = r.service(i);
        let host = r.host(i);
        let level = r.level(i);
        let lines = r.weight(i);
        match service_totals.get_mut(service as usize) {
            Some(v) => {
                if v.is_empty() {
                    v.resize(n, 0);
                }
                v[b] += lines;
            }
            None => table.service_totals.entry(service).or_insert_with(|| vec![0; n])[b] += lines,
        }
        if host != 0 && (service, host) != last_service_host {
            table.service_hosts.entry(service).or_default().insert(host);
            last_service_host = (service, host);
        }
        if level >= Level::Error {
            table.errors.add(b, rec, ts, lines);
        }
        let rule = r.rule(i);
        let template = r.template(i);
        let (id, role) = if rule != NO_RULE {
            match index.rules.get(rule) {
                Some(rl) => match role_of_rule(rl.kind) {
                    Some(role) => (SignalId::Rule(rule), role),
                    None => continue,
                },
                None => continue,
            }
        } else if level < Level::Error
            && template != NO_TEMPLATE
            && k.change_like.get(template as usize).copied().unwrap_or(false)
        {
            // An error that uses a change word ("LEAK: … release() was not called") is an error.
            (SignalId::Pattern(template), Role::Change)
        } else if k.access_source[source as usize] {
            // The proxy's view of users: server errors are symptoms, the rest is traffic.
            if level >= Level::Error {
                (SignalId::Pattern(template), Role::Symptom)
            } else {
                continue;
            }
        } else if level >= Level::Warn && template != NO_TEMPLATE {
            (SignalId::Pattern(template), Role::Error)
        } else {
            continue;
        };
        match role {
            Role::Symptom => {
                table.symptoms.add(b, rec, ts, lines);
                table.symptoms_by_host.entry(host).or_insert_with(|| vec![0; n])[b] += lines;
                table.symptoms_by_service.entry(service).or_insert_with(|| vec![0; n])[b] += lines;
            }
            Role::Success => table.successes.add(b, rec, ts, lines),
            Role::Change => table.changes.push(rec),
            Role::Error => {}
        }
        let mut add = |id: SignalId, role: Role| {
            let band = match (id, role) {
                (SignalId::Rule(_), Role::Error) if level >= Level::Error => LevelBand::Error,
                (SignalId::Rule(_), Role::Error) => LevelBand::Warning,
                _ => LevelBand::Any,
            };
            let key = SignalKey { id, service, band };
            let idx = *slot.entry(key).or_insert_with(|| {
                table.signals.push(Signal { key, role, series: Series::new(n), hosts: HashMap::default() });
                table.signals.len() - 1
            });
            let sig = &mut table.signals[idx];
            sig.series.add(b, rec, ts, lines);
            sig.hosts.entry(host).or_insert_with(|| vec![0; n])[b] += lines;
        };
        add(id, role);
        // A symptom outside an access log that still says *why* in its text — an application's own
        // line that a status-only rule calls a symptom (a JSON line with status 500), or a rule
        // that says it explains (a proxy's "connect() failed while connecting to upstream") — is
        // an error signal too, by its template.
        if role == Role::Symptom
            && level >= Level::Error
            && template != NO_TEMPLATE
            && !k.access_source[source as usize]
            && k.explaining_rule.get(rule as usize).copied().unwrap_or(false)
        {
            add(SignalId::Pattern(template), Role::Error);
        }
    }
    for (service, totals) in service_totals.into_iter().enumerate() {
        if !totals.is_empty() {
            table.service_totals.insert(service as u32, totals);
        }
    }
    table
}

fn add_counts(into: &mut [u32], from: &[u32]) {
    into.iter_mut().zip(from).for_each(|(x, y)| *x += y);
}

fn absorb_map<K: std::hash::Hash + Eq, S: std::hash::BuildHasher>(
    into: &mut HashMap<K, Vec<u32>, S>,
    from: HashMap<K, Vec<u32>, S>,
) {
    for (k, v) in from {
        match into.entry(k) {
            std::collections::hash_map::Entry::Occupied(mut e) => add_counts(e.get_mut(), &v),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
}

impl Series {
    /// Adds a later range's counts; per bucket the earlier record stays first (on a tie, this
    /// range's, as in one pass).
    fn absorb(&mut self, later: &Series) {
        add_counts(&mut self.counts, &later.counts);
        for b in 0..self.first_rec.len().min(later.first_rec.len()) {
            if later.first_ts[b] < self.first_ts[b] {
                self.first_rec[b] = later.first_rec[b];
                self.first_ts[b] = later.first_ts[b];
            }
        }
    }
}

impl SignalTable {
    /// Merges the table of the record range that follows this one.
    fn absorb(&mut self, later: SignalTable) {
        let mut slot: HashMap<SignalKey, usize, BuildWordHasher> =
            self.signals.iter().enumerate().map(|(i, s)| (s.key, i)).collect();
        for sig in later.signals {
            match slot.get(&sig.key) {
                Some(&i) => {
                    let mine = &mut self.signals[i];
                    mine.series.absorb(&sig.series);
                    absorb_map(&mut mine.hosts, sig.hosts);
                }
                None => {
                    slot.insert(sig.key, self.signals.len());
                    self.signals.push(sig);
                }
            }
        }
        self.symptoms.absorb(&later.symptoms);
        self.successes.absorb(&later.successes);
        self.errors.absorb(&later.errors);
        absorb_map(&mut self.symptoms_by_host, later.symptoms_by_host);
        absorb_map(&mut self.symptoms_by_service, later.symptoms_by_service);
        absorb_map(&mut self.service_totals, later.service_totals);
        for (service, hosts) in later.service_hosts {
            self.service_hosts.entry(service).or_default().extend(hosts);
        }
        self.changes.extend(later.changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{MS_PER_HOUR, MS_PER_SEC};

    /// Records come file by file: a bucket's first record is its earliest, not the first read.
    #[test]
    fn a_bucket_keeps_its_earliest_record() {
        let mut s = Series::new(2);
        s.add(0, 7, 1_000, 1);
        s.add(0, 3, 400, 1);
        s.add(0, 9, 400, 1);
        s.add(1, 5, 2_000, 1);
        assert_eq!((s.first_rec[0], s.first_ts[0], s.counts[0]), (3, 400, 3));
        let mut later = Series::new(2);
        later.add(1, 11, 1_500, 1);
        later.add(0, 12, 400, 1);
        s.absorb(&later);
        // A tie keeps the earlier range's record, as one pass would.
        assert_eq!((s.first_rec[0], s.first_rec[1], s.first_ts[1]), (3, 11, 1_500));
        assert_eq!(s.first_from(1), Some(11));
    }

    #[test]
    fn bucket_sizes_follow_the_span() {
        let b = Buckets::for_span(0, 30 * MS_PER_MIN);
        assert_eq!(b.size, 10 * MS_PER_SEC);
        let b = Buckets::for_span(0, 5 * MS_PER_HOUR);
        assert_eq!(b.size, 30 * MS_PER_SEC);
        assert_eq!(b.of(5 * MS_PER_HOUR), Some(b.n - 1));
        assert_eq!(b.of(-1), None);
        let b = Buckets::for_span(0, 30 * 24 * MS_PER_HOUR);
        assert_eq!(b.size, MS_PER_HOUR);
        // A stray stamp decades away: still a bounded axis, in whole hours.
        let b = Buckets::for_span(0, 53 * 365 * 24 * MS_PER_HOUR);
        assert!(b.n as i64 <= MAX_BUCKETS + 1, "{} buckets", b.n);
        assert_eq!(b.size % MS_PER_HOUR, 0);
    }
}
