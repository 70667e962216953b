//! Analysis: signals (rule hits and mined templates bucketed in time, per
//! service and host) → incident window → per-signal onset, rates against
//! baseline, host split → stories, changes, verdicts and ranking → [`Findings`].
//!
//! Every score carries its reasons as data; views only format them.

pub mod accounts;
pub mod change_facts;
mod impact;
pub mod rank;
mod ruled_out;
pub mod signals;
pub mod stats;
pub mod summary;
pub mod tuning;
pub mod window;

use crate::findings::{Cause, Findings, Incident, InputSummary, PatternStat, Series, TimelineEntry, Verdict, SCHEMA};
use crate::index::Index;
use crate::time::{clock, human_duration, LocalZone, Millis, TimeSpec, NO_TIME};
#[cfg(test)]
use impact::endpoint_key;
use impact::impact;
use rank::{Periods, SignalStat};
use rayon::prelude::*;
use ruled_out::{change_only_causes, chronic, consequences, ChangeContext};
use signals::{Role, SignalId, SignalTable};
use std::collections::HashMap;
use window::Window;

/// What the user narrowed or fixed on the command line.
#[derive(Clone, Debug, Default)]
pub struct AnalysisOptions {
    pub since: Option<TimeSpec>,
    pub until: Option<TimeSpec>,
    /// `--incident START[..END]`.
    pub incident: Option<(TimeSpec, Option<TimeSpec>)>,
    pub zone: LocalZone,
    /// The weights of the story score ([`tuning::Weights::DEFAULT`] unless an evaluation tries others).
    pub weights: tuning::Weights,
}

const MAX_PATTERNS: usize = 500;

/// Runs the whole analysis over an index.
pub fn analyse(index: &Index, opts: &AnalysisOptions) -> Findings {
    let mut findings = Findings {
        schema: SCHEMA.to_string(),
        inputs: input_summaries(index),
        incident: None,
        causes: Vec::new(),
        timeline: Vec::new(),
        summary: String::new(),
        notices: index.notices.iter().map(|n| n.to_string()).collect(),
        charts: Vec::new(),
        patterns: Vec::new(),
        change: None,
    };
    for i in &index.inputs {
        for w in &i.warnings {
            findings.notices.push(format!("{}: {}", i.path, w));
        }
    }
    let Some((first, last)) = index.time_span() else {
        findings.summary = "No timestamped records: nothing to analyse in time (see `culprit inputs`).".into();
        return findings;
    };
    let lo = opts.since.as_ref().map(|s| s.resolve(first, last, &opts.zone)).unwrap_or(first).max(first);
    let hi = opts.until.as_ref().map(|s| s.resolve(first, last, &opts.zone)).unwrap_or(last).min(last);
    if lo > hi {
        findings.summary = "No records between --since and --until.".into();
        return findings;
    }
    let table = signals::build(index, lo, hi);
    let window = match &opts.incident {
        Some((start, end)) => {
            let s = start.resolve(first, last, &opts.zone);
            let e = end.as_ref().map(|e| e.resolve(first, last, &opts.zone));
            Some(window::from_flag(&table, s, e))
        }
        None => window::detect(&table).or_else(|| {
            accounts::known_account_failures(index, &table, lo, hi).and_then(|s| window::detect_on(&table, s))
        }),
    };
    findings.charts = charts(index, &table);
    let Some(mut w) = window else {
        findings.patterns = pattern_stats(index, &table, None);
        findings.summary = format!(
            "No incident found: no user-facing symptom departs from its baseline over {} of logs ({}). No likely cause.",
            human_duration(hi - lo),
            crate::text::counted(table.timed_records, "record")
        );
        return findings;
    };
    if w.source == crate::findings::WindowSource::Auto {
        if let Some(r) = w.onset_rec {
            w.onset = index.records.ts(r as usize);
            w.start = w.onset;
        }
    }
    let periods = Periods::new(&table, &w);
    findings.patterns = pattern_stats(index, &table, Some(&periods));
    let symptom_name = symptom_name(index, &table, &w);
    let (impact, failing_path) = impact(index, &table, &w, &periods, &symptom_name);
    findings.incident = Some(Incident { start: w.start, onset: w.onset, end: w.end, source: w.source, impact });
    let stats: Vec<SignalStat> = (0..table.signals.len())
        .filter(|&i| rank::is_error(&table, i))
        .filter_map(|i| rank::signal_stat(&table, i, &periods, index))
        .collect();
    let topics = rank::Topics::new(&index.rules);
    let changes = rank::without_routine(
        rank::change_events(index, &table, &topics),
        table.buckets.time(periods.base_end),
        lo,
        &index.rules,
    );
    let (mut stories, late) = match rank::stories(&stats, &table, w.onset, rank::CAUSE_TOLERANCE) {
        (s, _) if s.is_empty() => rank::stories(&stats, &table, w.onset, rank::LATE_TOLERANCE),
        found => found,
    };
    rank::set_severity(&mut stories, &table, index);
    rank::set_context(&mut stories, &table, index, &topics);
    let pace = {
        let inside = w.series.sum(w.s, w.e) as f64;
        let minutes_in = table.buckets.minutes(w.e - w.s).max(table.buckets.minutes(1));
        let minutes_out = table.buckets.minutes(table.buckets.n - (w.e - w.s));
        let outside = w.series.total() as f64 - inside;
        let base = if minutes_out > 0.0 { outside / minutes_out } else { 0.0 };
        rank::Pace { excess_per_min: (inside / minutes_in - base).max(0.0) }
    };
    rank::link_changes(&mut stories, &changes, pace);
    let symptom_services: Vec<u32> = table.symptoms_by_service.keys().copied().collect();
    rank::mark_failing_path(&mut stories, index, &failing_path);
    rank::score_stories(&mut stories, &symptom_services, w.onset, failing_path.is_known(), &opts.weights);
    // Equal scores: the earlier first; within one second (files stamped to the second cannot say
    // which came first), the more severe meaning (a database's disk-full PANIC before systemd's note
    // that its unit exited).
    let even = |x: f64| (x * 1e6).round();
    let second = |t: Millis| t.div_euclid(crate::time::MS_PER_SEC);
    stories.sort_by(|a, b| {
        even(b.score)
            .total_cmp(&even(a.score))
            .then(second(a.onset).cmp(&second(b.onset)))
            .then(b.severity.total_cmp(&a.severity))
            .then(a.onset.cmp(&b.onset))
    });

    let mut causes: Vec<Cause> = Vec::new();
    let top_onset = stories.first().map(|s| s.onset);
    let top_service = stories.first().map(|s| index.services.get(s.service).to_string());
    for (i, st) in stories.iter().enumerate() {
        let mut c = rank::story_cause(index, &table, st, w.onset, &symptom_name);
        // Titles in the lines' own words: the change as stated, then what the first error said.
        let top = &st.stats[0];
        let mut error = rank::signal_title(index, table.signals[top.sig].key.id);
        quote_line(index, table.signals[top.sig].key.id, top.onset_rec, &mut error);
        c.title = match st.change.as_ref().and_then(|l| changes.iter().find(|c| c.rec == l.rec)) {
            Some(trigger) => format!("{} → {error}", change_facts::facts(index, &changes, trigger).describe()),
            None => error,
        };
        c.verdict = if i == 0 && st.score >= rank::LIKELY_THRESHOLD {
            Verdict::LikelyCause
        } else if i > 0 && top_onset.is_some_and(|t| st.onset > t + tuning::SAME_MOMENT) {
            c.reasons.insert(
                0,
                format!(
                    "consequence: began {} after the {} errors",
                    human_duration(st.onset - top_onset.unwrap_or(st.onset)),
                    top_service.as_deref().unwrap_or("first")
                ),
            );
            c.score = rank::round2(c.score * tuning::CONSEQUENCE_FACTOR);
            Verdict::Consequence
        } else {
            Verdict::Contributing
        };
        causes.push(c);
    }
    let claimed: Vec<u32> =
        stories.iter().filter_map(|s| s.change.as_ref()).flat_map(|c| c.recs.iter().copied()).collect();
    let context = ChangeContext { stats: &stats, periods: &periods, window: &w, path: &failing_path, pace };
    causes.extend(change_only_causes(index, &table, &changes, &stories, &context, &claimed));
    causes.extend(consequences(index, &table, &late, &w, &symptom_name));
    causes.extend(chronic(index, &table, &stats, &w));
    causes.sort_by(|a, b| verdict_order(a.verdict).cmp(&verdict_order(b.verdict)).then(b.score.total_cmp(&a.score)));
    for (i, c) in causes.iter_mut().enumerate() {
        c.rank = i as u32 + 1;
    }
    let likely_change = causes
        .iter()
        .find(|c| c.verdict == Verdict::LikelyCause)
        .and_then(|c| c.evidence.first()?.record)
        .and_then(|r| changes.iter().find(|ch| ch.rec == r));
    findings.change = likely_change.map(|trigger| change_facts::facts(index, &changes, trigger));
    findings.timeline = timeline(index, &table, &w, &stories, &changes, &causes);
    findings.summary = summary(&findings, &causes, &w);
    findings.causes = causes;
    findings
}

fn verdict_order(v: Verdict) -> u8 {
    match v {
        Verdict::LikelyCause => 0,
        Verdict::Contributing => 1,
        Verdict::Consequence => 2,
        Verdict::Chronic => 3,
        Verdict::Unrelated => 4,
    }
}

/// What users saw, in a few words: the dominant symptom's title.
fn symptom_name(index: &Index, t: &SignalTable, w: &Window) -> String {
    if !w.from_symptoms {
        return "error".into();
    }
    let best = t
        .signals
        .iter()
        .filter(|s| s.role == Role::Symptom)
        .max_by_key(|s| (s.series.sum(w.s, w.e), std::cmp::Reverse(s.key)));
    match best.map(|s| s.key.id) {
        Some(SignalId::Rule(r)) => {
            index.rules.get(r).map(|r| r.title.to_lowercase()).unwrap_or_else(|| "failure".into())
        }
        _ => "server error seen by users".into(),
    }
}

/// How often something happened over a span, as people say it: `12/min over 3h15m`, or for rare
/// events the count (`3 times in 3h15m`, `once in 1h6m`, `none in 1h6m`) rather than `0.0/min`.
fn how_often(count: u64, minutes: f64) -> String {
    let span = human_duration((minutes.max(0.0) * crate::time::MS_PER_MIN as f64) as i64);
    let per_min = if minutes > 0.0 { count as f64 / minutes } else { 0.0 };
    match count {
        0 => format!("none in {span}"),
        1 => format!("once in {span}"),
        n if per_min < 1.0 => format!("{n} times in {span}"),
        _ => format!("{} over {span}", rank::rate(per_min)),
    }
}

/// Minutes a count was taken over, from the count and its rate (the incident window's length
/// when there was none).
fn minutes_of(count: u64, per_min: f64, t: &SignalTable, w: &Window) -> f64 {
    if count > 0 && per_min > 0.0 {
        count as f64 / per_min
    } else {
        t.buckets.minutes(w.e.saturating_sub(w.s))
    }
}

/// A mined template's `<*>` holes hide what the line said: where a title ends with one, the
/// line it came from says it instead (a structured line's message, decoded and whole).
fn quote_line(index: &Index, id: SignalId, rec: u32, title: &mut String) {
    if let SignalId::Pattern(_) = id {
        let template = rank::signal_title(index, id);
        let line = String::from_utf8_lossy(index.first_line(rec as usize));
        let own = crate::readable::parse(&line)
            .and_then(|r| r.message)
            .map(|m| crate::text::escape_str(m.trim()).into_owned())
            .unwrap_or_else(|| rank::event_title(index, rec));
        if let Some(head) = title.strip_suffix(template.as_str()).filter(|_| !own.is_empty()) {
            *title = format!("{head}{own}");
        }
    }
}

fn entry(index: &Index, rec: u32, summary: String) -> TimelineEntry {
    let i = rec as usize;
    TimelineEntry {
        ts: index.records.ts(i),
        path: index.path_of(i),
        line: index.line_of(i) as u64,
        summary,
        record: Some(rec),
    }
}

fn timeline(
    index: &Index,
    t: &SignalTable,
    w: &Window,
    stories: &[rank::Story],
    changes: &[rank::ChangeEvent],
    causes: &[Cause],
) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    let trigger = stories.first().and_then(|s| s.change.as_ref()).map(|c| c.rec);
    for c in changes {
        let near_before = c.ts >= w.onset - tuning::TIMELINE_BEFORE && c.ts <= w.onset;
        let after = c.ts > w.onset && w.end.is_none_or(|e| c.ts <= e + tuning::TIMELINE_AFTER);
        if !(near_before || after) {
            continue;
        }
        let title = rank::change_title(index, c.key.0, c.rec);
        let label = if Some(c.rec) == trigger {
            "trigger"
        } else if after {
            "change during the incident"
        } else {
            "change"
        };
        out.push(entry(index, c.rec, format!("{label}: {title} ({})", index.services.get(c.key.1))));
    }
    if let Some(st) = stories.first() {
        let top = &st.stats[0];
        let id = t.signals[top.sig].key.id;
        let mut title = rank::signal_title(index, id);
        quote_line(index, id, top.onset_rec, &mut title);
        out.push(entry(index, top.onset_rec, format!("first {title} ({})", index.services.get(st.service))));
    }
    if let Some(r) = w.onset_rec {
        out.push(entry(index, r, "incident onset: first failure seen by users".into()));
    }
    for c in causes.iter().filter(|c| c.verdict == Verdict::Consequence).take(3) {
        if let Some(e) = c.evidence.first().and_then(|e| e.record) {
            out.push(entry(index, e, format!("consequence begins: {} ({})", c.title, c.service)));
        }
    }
    let src = &w.series;
    if let Some((b, &peak)) =
        src.counts[w.s..w.e.min(src.counts.len())].iter().enumerate().max_by_key(|&(i, c)| (*c, std::cmp::Reverse(i)))
    {
        if let Some(r) = src.first_rec.get(w.s + b).copied().filter(|&r| r != u32::MAX) {
            let per_min = peak as f64 / t.buckets.minutes(1);
            out.push(entry(index, r, format!("peak: {} failures", rank::rate(per_min))));
        }
    }
    if w.end.is_some() && w.e > w.s {
        if let Some(r) = (w.s..w.e).rev().find_map(|b| src.first_rec.get(b).copied().filter(|&r| r != u32::MAX)) {
            out.push(entry(index, r, "recovery: failures back to baseline after this".into()));
        }
    }
    out.sort_by(|a, b| a.ts.cmp(&b.ts).then(a.path.cmp(&b.path)).then(a.line.cmp(&b.line)));
    out.dedup_by(|a, b| a.record == b.record && a.summary == b.summary);
    out
}

fn summary(f: &Findings, causes: &[Cause], w: &Window) -> String {
    let impact = f.incident.as_ref().map(|i| i.impact.description.clone()).unwrap_or_default();
    match causes.iter().find(|c| c.verdict == Verdict::LikelyCause) {
        Some(c) => {
            let hosts = if c.hosts.is_empty() {
                String::new()
            } else {
                format!(" on {}", crate::text::sorted_hosts(&c.hosts).join(", "))
            };
            format!(
                "Likely cause: {} ({}{hosts}) — {}. Impact: {impact}.",
                c.title,
                c.subsystem,
                c.reasons.first().cloned().unwrap_or_default()
            )
        }
        None => {
            let best = causes.iter().find(|c| c.verdict == Verdict::Contributing);
            format!(
                "No likely cause: the evidence is weak{}. Incident since {}: {impact}.",
                best.map(|c| format!("; best candidate: {} (score {:.2})", c.title, c.score)).unwrap_or_default(),
                clock(w.onset)
            )
        }
    }
}

/// Rates of a few series over the whole span, for the TUI's timeline chart.
fn charts(index: &Index, t: &SignalTable) -> Vec<Series> {
    let mut out = Vec::new();
    let mk =
        |label: String, counts: Vec<u32>| Series { label, start: t.buckets.start, bucket_ms: t.buckets.size, counts };
    if t.symptoms.total() > 0 {
        out.push(mk("symptoms".into(), t.symptoms.counts.clone()));
    }
    let mut per_service: HashMap<u32, Vec<u32>> = HashMap::new();
    for s in t.signals.iter().filter(|s| s.role == Role::Error) {
        let acc = per_service.entry(s.key.service).or_insert_with(|| vec![0; t.buckets.n]);
        for (a, c) in acc.iter_mut().zip(&s.series.counts) {
            *a += c;
        }
    }
    let mut v: Vec<_> = per_service.into_iter().collect();
    v.sort_by_key(|(svc, c)| (std::cmp::Reverse(c.iter().map(|&x| x as u64).sum::<u64>()), *svc));
    for (svc, counts) in v.into_iter().take(4) {
        out.push(mk(format!("errors: {}", index.services.get(svc)), counts));
    }
    if !t.changes.is_empty() {
        let mut counts = vec![0u32; t.buckets.n];
        for &r in &t.changes {
            if let Some(b) = t.buckets.of(index.records.ts(r as usize)) {
                counts[b] += 1;
            }
        }
        out.push(mk("changes".into(), counts));
    }
    out
}

/// Per-template counts, rates against the baseline and sparklines.
fn pattern_stats(index: &Index, t: &SignalTable, p: Option<&Periods>) -> Vec<PatternStat> {
    let len = index.records.len();
    pattern_stats_split(index, t, p, signals::record_ranges(len, signals::worker_parts(len)))
}

/// [`pattern_stats`] over the given record ranges, which must cover all records in order.
fn pattern_stats_split(
    index: &Index,
    t: &SignalTable,
    p: Option<&Periods>,
    ranges: Vec<std::ops::Range<usize>>,
) -> Vec<PatternStat> {
    let n_templates = index.templates.templates.len();
    if n_templates == 0 {
        return Vec::new();
    }
    let b = &t.buckets;
    // Record ranges tally in parallel and merge in range order: the same services and examples
    // as one pass in file order.
    let acc = ranges.into_par_iter().map(|range| template_tally(index, b, p, range)).reduce(
        || (0..n_templates).map(|_| None).collect(),
        |mut earlier, later| {
            for (mine, theirs) in earlier.iter_mut().zip(later) {
                match (mine.as_mut(), theirs) {
                    (Some(m), Some(t)) => m.absorb(&t),
                    (None, Some(t)) => *mine = Some(t),
                    _ => {}
                }
            }
            earlier
        },
    );
    let base_minutes = p.map(|p| b.minutes(p.base_end)).unwrap_or(0.0);
    let inc_minutes = p.map(|p| b.minutes(p.e - p.s)).unwrap_or(0.0);
    let mut out: Vec<PatternStat> = acc
        .into_iter()
        .enumerate()
        .filter_map(|(id, a)| a.map(|a| (id, a)))
        .map(|(id, a)| PatternStat {
            id: index.templates.templates[id].id.clone(),
            text: index.templates.templates[id].text.clone(),
            count: a.count,
            services: a.services.iter().map(|&s| index.services.get(s).to_string()).collect(),
            first: Some(a.first),
            last: Some(a.last),
            baseline_per_min: if base_minutes > 0.0 { rank::round2(a.base as f64 / base_minutes) } else { 0.0 },
            incident_per_min: if inc_minutes > 0.0 { rank::round2(a.inc as f64 / inc_minutes) } else { 0.0 },
            new: p.is_some()
                && a.base == 0
                && a.inc > 0
                && rank::zero_means_new(base_minutes, a.inc as f64 / inc_minutes.max(1e-9)),
            sparkline: a.spark.to_vec(),
            examples: a.examples.iter().map(|&r| rank::evidence(index, r)).collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    out.truncate(MAX_PATTERNS);
    out
}

const SPARK: usize = 48;

/// One template's tallies over a record range.
struct TemplateAcc {
    count: u64,
    first: Millis,
    last: Millis,
    base: u64,
    inc: u64,
    spark: [u32; SPARK],
    services: Vec<u32>,
    examples: Vec<u32>,
}

impl TemplateAcc {
    /// Adds the tallies of a later record range.
    fn absorb(&mut self, later: &TemplateAcc) {
        self.count += later.count;
        self.first = self.first.min(later.first);
        self.last = self.last.max(later.last);
        self.base += later.base;
        self.inc += later.inc;
        self.spark.iter_mut().zip(&later.spark).for_each(|(x, y)| *x += y);
        for &s in &later.services {
            if self.services.len() < 3 && !self.services.contains(&s) {
                self.services.push(s);
            }
        }
        let room = 2usize.saturating_sub(self.examples.len());
        self.examples.extend(later.examples.iter().take(room));
    }
}

fn template_tally(
    index: &Index,
    b: &signals::Buckets,
    p: Option<&Periods>,
    range: std::ops::Range<usize>,
) -> Vec<Option<Box<TemplateAcc>>> {
    let n_templates = index.templates.templates.len();
    let mut acc: Vec<Option<Box<TemplateAcc>>> = (0..n_templates).map(|_| None).collect();
    // At most MAX_BUCKETS hours: times SPARK, well inside i64.
    let span = (b.n as i64 * b.size).max(1);
    let r = &index.records;
    for i in range {
        let ts = r.ts(i);
        let tpl = r.template(i) as usize;
        if ts == NO_TIME || tpl >= n_templates {
            continue;
        }
        let Some(bucket) = b.of(ts) else { continue };
        let a = acc[tpl].get_or_insert_with(|| {
            Box::new(TemplateAcc {
                count: 0,
                first: ts,
                last: ts,
                base: 0,
                inc: 0,
                spark: [0; SPARK],
                services: Vec::new(),
                examples: Vec::new(),
            })
        });
        let lines = r.weight(i);
        a.count += lines as u64;
        a.first = a.first.min(ts);
        a.last = a.last.max(ts);
        let sb = (((ts - b.start) * SPARK as i64) / span).clamp(0, SPARK as i64 - 1) as usize;
        a.spark[sb] += lines;
        if let Some(p) = p {
            if bucket < p.base_end {
                a.base += lines as u64;
            } else if bucket >= p.s && bucket < p.e {
                a.inc += lines as u64;
            }
        }
        let service = r.service(i);
        if a.services.len() < 3 && !a.services.contains(&service) {
            a.services.push(service);
        }
        if a.examples.len() < 2 {
            a.examples.push(i as u32);
        }
    }
    acc
}

pub fn input_summaries(index: &Index) -> Vec<InputSummary> {
    index
        .inputs
        .iter()
        .map(|i| InputSummary {
            path: i.path.clone(),
            format: i.format.clone(),
            records: i.records,
            unparsed: i.unparsed,
            first: (i.first != NO_TIME).then_some(i.first),
            last: (i.last != NO_TIME).then_some(i.last),
        })
        .collect()
}

#[cfg(test)]
mod tests;
