//! Per-signal evidence relative to the incident window: onset, rates against the baseline, host split.

use super::LEAD;
use crate::analysis::signals::{Role, SignalId, SignalTable};
use crate::analysis::stats::{change_point_up, poisson_g};
use crate::analysis::tuning;
use crate::analysis::window::Window;
use crate::index::Index;
use crate::time::Millis;

/// Per-signal evidence relative to the window.
#[derive(Clone, Debug, Default)]
pub struct SignalStat {
    pub sig: usize,
    pub onset: Millis,
    pub onset_rec: u32,
    pub base_per_min: f64,
    pub inc_per_min: f64,
    pub base_minutes: f64,
    pub g: f64,
    pub new: bool,
    pub elevated: bool,
    pub inc_count: u64,
    pub base_count: u64,
    /// Hosts carrying the incident-time counts, most first.
    pub hosts: Vec<(u32, u64)>,
    /// A rule names it (not a mined template).
    pub rule_hit: bool,
}

/// Baseline and incident periods in buckets.
#[derive(Clone, Copy, Debug)]
pub struct Periods {
    pub base_end: usize,
    pub lead_start: usize,
    pub s: usize,
    pub e: usize,
}

impl Periods {
    pub fn new(t: &SignalTable, w: &Window) -> Periods {
        let lead_buckets = (LEAD / t.buckets.size).max(1) as usize;
        let lead_start = w.s.saturating_sub(lead_buckets);
        if t.buckets.minutes(lead_start) >= tuning::LONG_BASELINE_MIN {
            return Periods { base_end: lead_start, lead_start, s: w.s, e: w.e };
        }
        // Minutes of logs before the failures: a shorter lead-in, still long enough that the
        // trigger's own burst seconds before the onset is not counted as baseline.
        let before = t.buckets.time(w.s) - t.buckets.start;
        let lead = ((before as f64 * tuning::SHORT_LEAD_SHARE) as Millis).clamp(tuning::SHORT_LEAD_MIN, LEAD);
        let lead_start = w.s.saturating_sub(((lead + t.buckets.size - 1) / t.buckets.size).max(1) as usize);
        Periods { base_end: lead_start, lead_start, s: w.s, e: w.e }
    }
}

pub fn signal_stat(t: &SignalTable, idx: usize, p: &Periods, index: &Index) -> Option<SignalStat> {
    let sig = &t.signals[idx];
    let counts = &sig.series.counts;
    let base_count = sig.series.sum(0, p.base_end);
    let base_minutes = t.buckets.minutes(p.base_end);
    let (k, _) = change_point_up(counts, p.lead_start, p.e).unwrap_or((p.s, 0.0));
    let from = k.min(p.s);
    let inc_count = sig.series.sum(from, p.e);
    let inc_minutes = t.buckets.minutes(p.e - from).max(t.buckets.minutes(1));
    let after_k = sig.series.sum(k, p.e);
    let after_minutes = t.buckets.minutes(p.e - k).max(t.buckets.minutes(1));
    let base_per_min = if base_minutes > 0.0 { base_count as f64 / base_minutes } else { 0.0 };
    let inc_per_min = inc_count as f64 / inc_minutes;
    let after_rate = after_k as f64 / after_minutes;
    let g = if base_minutes > 0.0 {
        poisson_g(after_k as f64, after_minutes, base_count as f64, base_minutes)
    } else {
        0.0
    };
    let new = base_count == 0 && after_k >= 1 && zero_means_new(base_minutes, after_k as f64 / after_minutes);
    let serious = index.records.level(sig.series.first_from(k).unwrap_or(0) as usize) >= crate::format::Level::Error
        || matches!(sig.key.id, SignalId::Rule(_));
    let elevated = (after_k >= tuning::ELEVATED_MIN_LINES
        && (new || (g >= tuning::ELEVATED_MIN_G && after_rate >= tuning::ELEVATED_MIN_RATIO * base_per_min.max(1e-9))))
        || (new && serious);
    let onset_bucket = if new { sig.series.first_from(0).map(|_| 0).unwrap_or(k).max(p.lead_start) } else { k };
    let onset_rec = sig.series.first_from(onset_bucket.min(p.e))?;
    let onset = index.records.ts(onset_rec as usize);
    let mut hosts: Vec<(u32, u64)> = sig
        .hosts
        .iter()
        .map(|(&h, c)| (h, c[from.min(c.len())..p.e.min(c.len())].iter().map(|&x| x as u64).sum::<u64>()))
        .filter(|&(_, c)| c > 0)
        .collect();
    hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Some(SignalStat {
        sig: idx,
        onset,
        onset_rec,
        base_per_min,
        inc_per_min,
        base_minutes,
        g,
        new,
        elevated,
        inc_count,
        base_count,
        hosts,
        rule_hit: matches!(sig.key.id, SignalId::Rule(_)),
    })
}

/// Whether a baseline of `base_minutes` without a signal says it is new, for a signal seen at
/// `rate` per minute since: outright when the baseline is long, else when that rate would almost
/// surely have shown in it (see [`tuning::NEW_SEEN_PROBABILITY`]).
pub fn zero_means_new(base_minutes: f64, rate: f64) -> bool {
    base_minutes >= tuning::NEW_BASELINE_MIN
        || (base_minutes >= tuning::NEW_MIN_BASELINE_MIN
            && 1.0 - (-rate * base_minutes).exp() >= tuning::NEW_SEEN_PROBABILITY)
}

/// Role of a signal, for callers that only hold its index.
pub fn is_error(t: &SignalTable, idx: usize) -> bool {
    t.signals[idx].role == Role::Error
}
