//! The incident window: where user-facing symptoms depart from their baseline.

use super::signals::{Role, Series, SignalTable};
use super::stats::best_segment;
use crate::findings::WindowSource;
use crate::time::Millis;

use super::tuning::{self, MIN_EVENTS, MIN_G, MIN_RATIO};

#[derive(Clone, Debug)]
pub struct Window {
    /// First bucket of the window.
    pub s: usize,
    /// One past the last bucket.
    pub e: usize,
    pub start: Millis,
    pub onset: Millis,
    pub onset_rec: Option<u32>,
    /// Recovery, when the window ends before the data does.
    pub end: Option<Millis>,
    pub source: WindowSource,
    /// Which series found it: true for symptoms, false for the error-level fallback.
    pub from_symptoms: bool,
    pub g: f64,
    /// The series the window was found on (onset, peak and recovery are read from it).
    pub series: Series,
}

fn elevated_segment(series: &Series, totals: Option<&[u32]>) -> Option<(usize, usize, f64)> {
    let n = series.counts.len();
    if series.total() < MIN_EVENTS {
        return None;
    }
    let (s, e, g) = best_segment(&series.counts, 1)?;
    let inside = series.sum(s, e) as f64;
    let outside = series.total() as f64 - inside;
    let rate_in = inside / (e - s) as f64;
    // Half an event over the outside stretch keeps a zero baseline from dividing by zero.
    let rate_out = (outside + 0.5) / (n - (e - s)).max(1) as f64;
    let ok = g >= MIN_G && inside as u64 >= MIN_EVENTS && rate_in >= MIN_RATIO * rate_out;
    (ok && !happened_before(series, s, e, rate_out) && totals.is_none_or(|t| share_rose(series, t, s, e)))
        .then_some((s, e, g))
}

/// A burst that already happened before, as large (an hourly job's retry storm), is routine, not an
/// incident: some earlier stretch of the same length, ending before this one begins, carries at least
/// half its excess over the outside rate.
fn happened_before(series: &Series, s: usize, e: usize, rate_out: f64) -> bool {
    let len = e - s;
    if len == 0 || s < len {
        return false;
    }
    let excess = |sum: u64| sum as f64 - rate_out * len as f64;
    let inside = excess(series.sum(s, e));
    let mut run: u64 = series.sum(0, len);
    let mut best = run;
    // Windows [i, i + len) with i + len <= s.
    for i in 1..=(s - len) {
        run = run + series.counts[i + len - 1] as u64 - series.counts[i - 1] as u64;
        best = best.max(run);
    }
    let before = excess(best);
    before >= MIN_EVENTS as f64 && before >= tuning::SUSTAIN_SHARE * inside
}

/// More failures because there is more traffic (the morning rise) is not an incident: where the
/// failures are a small share of everything their services log, that share must rise too.
fn share_rose(series: &Series, totals: &[u32], s: usize, e: usize) -> bool {
    let sum = |lo: usize, hi: usize| {
        totals[lo.min(totals.len())..hi.min(totals.len())].iter().map(|&c| c as f64).sum::<f64>()
    };
    let (tot_in, tot_all) = (sum(s, e), sum(0, totals.len()));
    let tot_out = tot_all - tot_in;
    let inside = series.sum(s, e) as f64;
    let outside = series.total() as f64 - inside;
    if tot_in < tuning::SHARE_MIN_TOTAL || tot_out < tuning::SHARE_MIN_TOTAL {
        return true;
    }
    let share_out = (outside + 0.5) / tot_out;
    // A log of failures only (an error log) says nothing through its share.
    if share_out >= tuning::FAILURE_ONLY_SHARE {
        return true;
    }
    inside / tot_in >= MIN_RATIO * share_out
}

/// Records per bucket of the given services, summed.
fn totals_of(t: &SignalTable, services: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut out = vec![0u32; t.buckets.n];
    for svc in services {
        if let Some(c) = t.service_totals.get(&svc) {
            for (o, &x) in out.iter_mut().zip(c) {
                *o += x;
            }
        }
    }
    out
}

/// Whether `count` events over `buckets` buckets stand out from a baseline of `rate` per bucket:
/// beyond what Poisson noise around the baseline rarely reaches (three deviations, plus one).
fn stands_out(count: f64, buckets: usize, rate: f64) -> bool {
    let mean = rate * buckets as f64;
    count >= mean + 3.0 * mean.sqrt() + 1.0
}

/// Where the incident began inside (or just before) the segment `s..e`.
///
/// The segment may open on a stray baseline failure just before the real rise: the onset is the
/// first bucket that stands out from the baseline (or is closer to the incident rate than to the
/// baseline rate), and after which the next two minutes stand out too (a lone failure followed by
/// quiet is noise, not the start).
///
/// The segment may also open late: it fits one rate, so a first, smaller step (a canary host
/// failing before the rollout reaches the rest, a pool that drains over minutes) is left out when
/// the bigger step follows. The onset moves back over such a stretch, bucket by bucket, while every
/// bucket and the two minutes after it stand out from the baseline (at most 30 minutes).
fn dense_start(series: &Series, s: usize, e: usize, bucket_ms: i64) -> usize {
    let n = series.counts.len();
    let inside = series.sum(s, e) as f64;
    let outside = series.total() as f64 - inside;
    let rate_in = inside / (e - s).max(1) as f64;
    let rate_out = outside / (n - (e - s)).max(1) as f64;
    let threshold = ((rate_in + rate_out) / 2.0).max(1.0);
    let ahead = (tuning::SUSTAIN_SPAN / bucket_ms.max(1)).max(1) as usize;
    let sustained = |b: usize, end: usize| {
        let h = ahead.min(end - b);
        let sum = series.sum(b, b + h) as f64;
        sum >= tuning::SUSTAIN_SHARE * rate_in * h as f64 || stands_out(sum, h, rate_out)
    };
    let dense = |b: &usize| {
        let c = series.counts[*b] as f64;
        c >= threshold || stands_out(c, 1, rate_out)
    };
    let mut start = (s..e).filter(dense).find(|&b| sustained(b, e)).or_else(|| (s..e).find(dense)).unwrap_or(s);
    if start == s {
        let earliest = s.saturating_sub((tuning::MAX_START_BACK / bucket_ms.max(1)) as usize);
        while start > earliest
            && stands_out(series.counts[start - 1] as f64, 1, rate_out)
            && stands_out(series.sum(start - 1, (start - 1 + ahead).min(e)) as f64, ahead.min(e - start + 1), rate_out)
        {
            start -= 1;
        }
    }
    start
}

/// Finds the window from symptoms, falling back to error-level records when no rule says what users see.
///
/// Every symptom signal is also tried on its own: a chronic symptom (brute-force logins all day) can
/// drown a real burst of 5xx in the aggregate.
pub fn detect(t: &SignalTable) -> Option<Window> {
    let all_symptom_services = totals_of(t, t.symptoms_by_service.keys().copied());
    let mut candidates: Vec<(&Series, Vec<u32>)> = vec![(&t.symptoms, all_symptom_services)];
    let mut own: Vec<_> =
        t.signals.iter().filter(|s| s.role == Role::Symptom && s.series.total() >= MIN_EVENTS).collect();
    own.sort_by_key(|s| std::cmp::Reverse(s.series.total()));
    candidates.extend(
        own.into_iter()
            .take(tuning::OWN_WINDOW_CANDIDATES)
            .map(|s| (&s.series, totals_of(t, std::iter::once(s.key.service)))),
    );
    let best = candidates
        .iter()
        .filter_map(|(series, totals)| elevated_segment(series, Some(totals)).map(|seg| (seg, *series)))
        .max_by(|a, b| a.0 .2.total_cmp(&b.0 .2));
    let ((s, e, g), series, from_symptoms) = match best {
        Some((seg, series)) => (seg, series.clone(), true),
        None => {
            let everything = totals_of(t, t.service_totals.keys().copied());
            (elevated_segment(&t.errors, Some(&everything))?, t.errors.clone(), false)
        }
    };
    Some(window_on(t, series, (s, e, g), from_symptoms))
}

/// The window on a series no rule marks as what users see (the failures of accounts that work,
/// see `accounts`), when it departs from its baseline by the same tests as the symptoms.
pub fn detect_on(t: &SignalTable, series: Series) -> Option<Window> {
    let seg = elevated_segment(&series, None)?;
    Some(window_on(t, series, seg, false))
}

fn window_on(t: &SignalTable, series: Series, (s, e, g): (usize, usize, f64), from_symptoms: bool) -> Window {
    let s = dense_start(&series, s, e, t.buckets.size);
    let onset_rec = series.first_from(s);
    Window {
        s,
        e,
        start: t.buckets.time(s),
        onset: t.buckets.time(s),
        onset_rec,
        end: (e < t.buckets.n).then(|| t.buckets.time(e)),
        source: WindowSource::Auto,
        from_symptoms,
        g,
        series,
    }
}

/// A window given with `--incident START[..END]`.
pub fn from_flag(t: &SignalTable, start: Millis, end: Option<Millis>) -> Window {
    let b = &t.buckets;
    let s = b.of(start.max(b.start)).unwrap_or(0);
    let e = end.and_then(|e| b.of(e)).map(|e| e + 1).unwrap_or(b.n).max(s + 1);
    let onset_rec = t.symptoms.first_from(s).filter(|&r| t.symptoms.first_rec[..e.min(b.n)].contains(&r));
    Window {
        s,
        e,
        start,
        onset: start,
        onset_rec,
        end,
        source: WindowSource::Flag,
        from_symptoms: t.symptoms.total() > 0,
        g: 0.0,
        series: t.symptoms.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(counts: Vec<u32>) -> Series {
        let first_rec: Vec<u32> =
            counts.iter().enumerate().map(|(i, &c)| if c > 0 { i as u32 } else { u32::MAX }).collect();
        let first_ts = first_rec.iter().map(|&r| if r == u32::MAX { Millis::MAX } else { r as Millis }).collect();
        Series { counts, first_rec, first_ts }
    }

    /// A first, smaller step (a canary) before the big one: the onset is the first step, however
    /// late the fitted segment opens; a stray failure before it is not the onset.
    #[test]
    fn onset_moves_back_over_a_smaller_first_step() {
        let mut counts = vec![0u32; 400];
        counts[150] = 1;
        for c in &mut counts[200..240] {
            *c = 4;
        }
        for c in &mut counts[240..360] {
            *c = 40;
        }
        let s = series(counts);
        // 10 s buckets: the segment opens at the big step.
        assert_eq!(dense_start(&s, 240, 360, 10_000), 200);
        // Quiet before the big step: the onset stays where the segment opens.
        let mut quiet = s.counts.clone();
        quiet[200..240].fill(0);
        assert_eq!(dense_start(&series(quiet), 240, 360, 10_000), 240);
    }
}
