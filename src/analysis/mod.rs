//! Analysis: signals (rule hits and mined templates bucketed in time, per
//! service and host) → incident window → per-signal onset, rates against
//! baseline, host split → stories, changes, verdicts and ranking → [`Findings`].
//!
//! Every score carries its reasons as data; views only format them.

pub mod accounts;
pub mod change_facts;
pub mod rank;
pub mod signals;
pub mod stats;
pub mod tuning;
pub mod window;

use crate::findings::{
    Cause, Findings, Impact, Incident, InputSummary, PatternStat, Series, TimelineEntry, Verdict, SCHEMA,
};
use crate::index::Index;
use crate::time::{clock, human_duration, LocalZone, Millis, TimeSpec, MS_PER_MIN, NO_TIME};
use rank::{Periods, SignalStat};
use rayon::prelude::*;
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
}

/// How many chronic / consequence / unrelated entries to list.
const MAX_RULED_OUT: usize = 6;
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
            crate::report::counted(table.timed_records, "record")
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
    rank::score_stories(&mut stories, &symptom_services, w.onset, failing_path.is_known());
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
        } else if i > 0 && top_onset.is_some_and(|t| st.onset > t + crate::time::MS_PER_SEC) {
            c.reasons.insert(
                0,
                format!(
                    "consequence: began {} after the {} errors",
                    human_duration(st.onset - top_onset.unwrap_or(st.onset)),
                    top_service.as_deref().unwrap_or("first")
                ),
            );
            c.score = rank::round2(c.score * 0.5);
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

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn impact(index: &Index, t: &SignalTable, w: &Window, p: &Periods, symptom_name: &str) -> (Impact, rank::FailingPath) {
    let src = &w.series;
    let sym_in = src.sum(w.s, w.e) as f64;
    let sym_base = src.sum(0, p.base_end) as f64;
    // Compare like with like: failures and successes of the subsystem that carries most failures
    // (failed vs successful logins); without such successes, failures over all records of the
    // services that report them (5xx over all requests).
    let dominant = dominant_symptom_subsystem(index, t, w);
    let in_subsystem = |role: Role| {
        let (mut inside, mut base) = (0.0, 0.0);
        for s in t.signals.iter().filter(|s| s.role == role) {
            if signal_subsystem(index, s) == dominant {
                inside += s.series.sum(w.s, w.e) as f64;
                base += s.series.sum(0, p.base_end) as f64;
            }
        }
        (inside, base)
    };
    let (ok_in, ok_base) = in_subsystem(Role::Success);
    let by_endpoint = if w.from_symptoms { endpoint_impact(index, t, w, p) } else { None };
    let failing_endpoint = by_endpoint.as_ref().map(|e| e.endpoint.clone());
    let (ratio_in, ratio_base, noun) = if let Some(e) = by_endpoint {
        (Some(e.ratio_in), e.ratio_base, format!("{} requests", e.endpoint))
    } else if w.from_symptoms && ok_in + ok_base > 0.0 {
        let (bad_in, bad_base) = in_subsystem(Role::Symptom);
        let noun = if dominant == "auth" { "logins" } else { "requests" };
        (
            (bad_in + ok_in > 0.0).then(|| bad_in / (bad_in + ok_in)),
            (bad_base + ok_base > 0.0).then(|| bad_base / (bad_base + ok_base)),
            noun.to_string(),
        )
    } else if w.from_symptoms {
        let mut tot_in = 0.0;
        let mut tot_base = 0.0;
        for svc in t.symptoms_by_service.keys() {
            if let Some(c) = t.service_totals.get(svc) {
                tot_in += c[w.s..w.e.min(c.len())].iter().map(|&x| x as f64).sum::<f64>();
                tot_base += c[..p.base_end.min(c.len())].iter().map(|&x| x as f64).sum::<f64>();
            }
        }
        ((tot_in > 0.0).then(|| sym_in / tot_in), (tot_base > 0.0).then(|| sym_base / tot_base), "requests".to_string())
    } else {
        (None, None, String::new())
    };
    let mut hosts: Vec<(u32, u64)> = t
        .symptoms_by_host
        .iter()
        .map(|(&h, c)| (h, c[w.s..w.e.min(c.len())].iter().map(|&x| x as u64).sum::<u64>()))
        .filter(|&(h, c)| h != 0 && c as f64 * 20.0 >= sym_in)
        .collect();
    hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut services: Vec<(u32, u64)> = t
        .symptoms_by_service
        .iter()
        .map(|(&s, c)| (s, c[w.s..w.e.min(c.len())].iter().map(|&x| x as u64).sum::<u64>()))
        .filter(|&(_, c)| c > 0)
        .collect();
    services.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let host_names = rank::host_names(index, hosts.iter().map(|h| h.0));
    let service_names: Vec<String> = services.iter().map(|s| index.services.get(s.0).to_string()).collect();
    let minutes = t.buckets.minutes(w.e - w.s).max(1.0);
    let mut description = match (ratio_in, ratio_base) {
        (Some(i), Some(b)) => format!("{} of {noun} failed since {} (baseline {})", pct(i), clock(w.onset), pct(b)),
        (Some(i), None) => format!("{} of {noun} failed since {}", pct(i), clock(w.onset)),
        _ => format!(
            "{} {symptom_name}s in {} since {} ({} vs {} before)",
            sym_in,
            human_duration((minutes * MS_PER_MIN as f64) as i64),
            clock(w.onset),
            rank::rate(sym_in / minutes),
            rank::rate(sym_base / t.buckets.minutes(p.base_end).max(1.0))
        ),
    };
    let short = match ratio_in {
        Some(i) => format!("{} of {noun} failing", pct(i)),
        None if w.from_symptoms => format!("{} {symptom_name}s", sym_in),
        None => String::new(),
    };
    if let Some(end) = w.end {
        description.push_str(&format!(", until {}", clock(end)));
    }
    if !host_names.is_empty() && host_names.len() <= 6 {
        description.push_str(&format!(", on {}", crate::report::sorted_hosts(&host_names).join(", ")));
    }
    let path = rank::FailingPath {
        hosts: hosts.iter().map(|h| h.0).collect(),
        services: services.iter().map(|s| s.0).collect(),
        endpoint: failing_endpoint,
    };
    let impact = Impact {
        description,
        baseline_ratio: ratio_base.map(|x| rank::round2(x * 100.0) / 100.0),
        incident_ratio: ratio_in.map(|x| rank::round2(x * 100.0) / 100.0),
        hosts: host_names,
        services: service_names,
        short,
    };
    (impact, path)
}

fn signal_subsystem(index: &Index, s: &signals::Signal) -> String {
    match s.key.id {
        SignalId::Rule(r) => index.rules.get(r).map(|r| r.subsystem.clone()).unwrap_or_default(),
        SignalId::Pattern(_) => "web".into(),
    }
}

/// The subsystem whose symptom rules fired most inside the window.
fn dominant_symptom_subsystem(index: &Index, t: &SignalTable, w: &Window) -> String {
    let mut votes: HashMap<String, u64> = HashMap::new();
    for s in t.signals.iter().filter(|s| s.role == Role::Symptom) {
        *votes.entry(signal_subsystem(index, s)).or_default() += s.series.sum(w.s, w.e);
    }
    votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|v| v.0).unwrap_or_default()
}

/// The failing share of the endpoint that fails most, from the access logs.
struct EndpointImpact {
    endpoint: String,
    ratio_in: f64,
    ratio_base: Option<f64>,
}

/// `/api/v1/items/9312?x=1` → `/api/v1/items/{id}`: requests to one endpoint group together.
/// `GET /api/v1/orders/{id}`: the method and the path without its query, segments holding
/// ids (a digit, three bytes or more) masked. Written into `out`, which is cleared first.
fn endpoint_key(method: &[u8], path: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let path = path.split(|&c| c == b'?').next().unwrap_or(path);
    out.extend_from_slice(method);
    out.push(b' ');
    for (i, seg) in path.split(|&c| c == b'/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        if seg.iter().any(|c| c.is_ascii_digit()) && seg.len() > 2 {
            out.extend_from_slice(b"{id}");
        } else {
            out.extend_from_slice(seg);
        }
    }
}

fn endpoint_impact(index: &Index, t: &SignalTable, w: &Window, p: &Periods) -> Option<EndpointImpact> {
    use crate::format::FormatKind;
    let access: Vec<bool> = index.parsers.iter().map(|p| p.kind == FormatKind::Access).collect();
    if !access.iter().any(|&a| a) {
        return None;
    }
    let r = &index.records;
    let base_end = t.buckets.time(p.base_end);
    let (win_lo, win_hi) = (t.buckets.time(w.s), t.buckets.time(w.e));
    // A bounded read on all cores: past 200k access lines, every k-th record estimates the shares
    // (200k samples put a failing share within a fraction of a percent).
    let access_runs: Vec<std::ops::Range<usize>> =
        (0..r.runs().len()).filter(|&k| access[r.runs()[k].source as usize]).map(|k| r.run_range(k)).collect();
    let candidates: usize = access_runs.iter().map(|run| run.len()).sum();
    let stride = (candidates / 200_000).max(1);
    let sampled: Vec<usize> =
        access_runs.into_iter().flat_map(|run| (run.start.next_multiple_of(stride)..run.end).step_by(stride)).collect();
    // Keys are built in a reused buffer; only a new endpoint allocates.
    type PerEndpoint = HashMap<Vec<u8>, [u64; 4]>;
    let per: PerEndpoint = sampled
        .into_par_iter()
        .with_min_len(1 << 12)
        .fold(
            || (PerEndpoint::new(), Vec::new()),
            |(mut per, mut key): (PerEndpoint, Vec<u8>), i| {
                let ts = r.ts(i);
                let slot = if ts >= win_lo && ts < win_hi {
                    0
                } else if ts != NO_TIME && ts >= t.buckets.start && ts < base_end {
                    2
                } else {
                    return (per, key);
                };
                let Some((method, path)) = crate::format::access::method_and_path(index.first_line(i)) else {
                    return (per, key);
                };
                endpoint_key(method, path, &mut key);
                let e = match per.get_mut(key.as_slice()) {
                    Some(e) => e,
                    None => per.entry(key.clone()).or_default(),
                };
                e[slot + 1] += 1;
                if signals::is_symptom(index, i) {
                    e[slot] += 1;
                }
                (per, key)
            },
        )
        .map(|(per, _)| per)
        .reduce(PerEndpoint::new, |mut a, b| {
            for (k, v) in b {
                let e = a.entry(k).or_default();
                for (x, y) in e.iter_mut().zip(v) {
                    *x += y;
                }
            }
            a
        });
    let (endpoint, c) = per.into_iter().max_by(|a, b| a.1[0].cmp(&b.1[0]).then(b.0.cmp(&a.0)))?;
    if c[0] < 5 || c[1] == 0 {
        return None;
    }
    Some(EndpointImpact {
        endpoint: String::from_utf8_lossy(&endpoint).into_owned(),
        ratio_in: c[0] as f64 / c[1] as f64,
        ratio_base: (c[3] > 0).then(|| c[2] as f64 / c[3] as f64),
    })
}

/// What a change that no story claimed is judged against.
struct ChangeContext<'a> {
    stats: &'a [SignalStat],
    periods: &'a Periods,
    window: &'a Window,
    path: &'a rank::FailingPath,
    pace: rank::Pace,
}

/// Changes shortly before the onset that no story claimed: possible causes, or ruled out as unrelated.
fn change_only_causes(
    index: &Index,
    t: &SignalTable,
    changes: &[rank::ChangeEvent],
    stories: &[rank::Story],
    ctx: &ChangeContext,
    claimed: &[u32],
) -> Vec<Cause> {
    let (stats, p, w) = (ctx.stats, ctx.periods, ctx.window);
    // Lines of a change a story claimed (its other instances: another host, a later retry).
    let claimed_changes: Vec<&rank::ChangeEvent> = changes.iter().filter(|c| claimed.contains(&c.rec)).collect();
    let mut seen: Vec<&rank::ChangeEvent> = Vec::new();
    let mut out: Vec<Cause> = Vec::new();
    // (time, host, service, index in `out`) of each change listed.
    let mut events: Vec<(Millis, u32, u32, usize)> = Vec::new();
    for c in changes {
        if c.ts < w.onset - rank::CHANGE_HORIZON || c.ts > w.onset + rank::CAUSE_TOLERANCE {
            continue;
        }
        if claimed.contains(&c.rec) || claimed_changes.iter().any(|o| o.same_change(c)) {
            continue;
        }
        // One change is often several lines ("signal process started", then "reconfiguring"): a
        // line on the same host and service within a minute after one already listed joins its cause.
        if let Some(&(_, _, _, at)) = events
            .iter()
            .find(|&&(ts, host, svc, _)| host == c.host && svc == c.key.1 && c.ts >= ts && c.ts - ts <= MS_PER_MIN)
        {
            let cause: &mut Cause = &mut out[at];
            if cause.evidence.len() < 4 && !cause.evidence.iter().any(|e| e.record == Some(c.rec)) {
                cause.evidence.push(rank::evidence(index, c.rec));
            }
            seen.push(c);
            continue;
        }
        if seen.iter().any(|o| o.same_change(c)) {
            continue;
        }
        seen.push(c);
        // The services the change touched: its own, those its line names, those running on its hosts.
        let change_hosts: Vec<u32> = c.hosts().collect();
        let on_hosts =
            t.service_hosts.iter().filter(|(_, hs)| change_hosts.iter().any(|h| hs.contains(h))).map(|(&svc, _)| svc);
        let services: Vec<u32> =
            std::iter::once(c.key.1).chain(c.mentioned_services.iter().copied()).chain(on_hosts).collect();
        // Did any problem signal of the services this change touched move before the users noticed?
        let touched: Vec<&SignalStat> =
            stats.iter().filter(|s| services.contains(&t.signals[s.sig].key.service)).collect();
        let moved_early = touched.iter().any(|s| s.elevated && s.onset <= w.onset + rank::CAUSE_TOLERANCE);
        let title = rank::change_title(index, c.key.0, c.rec);
        let svc_name = index.services.get(c.key.1).to_string();
        let prox = rank::proximity(c.ts, w.onset);
        let text = index.record_bytes(c.rec as usize);
        let ticket = rank::change_id(text).map(|t| format!(" {t}")).unwrap_or_default();
        // Stamped up to a second apart, two files cannot say which came first.
        let when = match w.onset - c.ts {
            d if d >= crate::time::MS_PER_SEC => format!("{} before the first failure", human_duration(d)),
            d if d > -crate::time::MS_PER_SEC => "at the same time as the first failure".to_string(),
            d => format!("just after the first failure ({} later, within clock skew)", human_duration(-d)),
        };
        let mut reasons = vec![format!("change{ticket} at {}, {when}", clock(c.ts))];
        // A change on the service or hosts that report the failures, which they followed at once
        // (nginx reloaded a second before its own 502s): its errors had no time to move, and
        // the failures themselves are what it broke.
        let on_failing_path = ctx.path.services.contains(&c.key.1) || c.hosts().any(|h| ctx.path.hosts.contains(&h));
        let breaks_the_path = on_failing_path && ctx.pace.prompt(c.ts, w.onset);
        if breaks_the_path {
            reasons.push(format!("on {svc_name}, which reports the failures; they began at once after it"));
        }
        let (verdict, score) = if !touched.is_empty() && !moved_early && !breaks_the_path {
            // Error rate of the touched services before the change vs between the change and the incident.
            let cb = t.buckets.of(c.ts).unwrap_or(0);
            let (mut before, mut after) = (0u64, 0u64);
            for s in &touched {
                let series = &t.signals[s.sig].series;
                before += series.sum(0, cb.min(p.base_end.max(1)));
                after += series.sum(cb, w.s.max(cb + 1));
            }
            let before_min = t.buckets.minutes(cb.min(p.base_end.max(1))).max(1.0);
            let after_min = t.buckets.minutes(w.s.max(cb + 1) - cb).max(t.buckets.minutes(1));
            let mut names: Vec<String> =
                touched.iter().map(|s| index.services.get(t.signals[s.sig].key.service).to_string()).collect();
            names.sort();
            names.dedup();
            reasons.insert(
                0,
                format!(
                    "unrelated: {} errors did not move after it ({} before, {} between the change and the incident)",
                    names.join(", "),
                    how_often(before, before_min),
                    how_often(after, after_min)
                ),
            );
            (Verdict::Unrelated, 0.05)
        } else if w.onset - c.ts > 15 * MS_PER_MIN {
            // Too long before the failures, and nothing ties it to them: not worth a responder's time.
            continue;
        } else if stories.is_empty() {
            reasons.push("no error signal explains the failures; this is the closest change before them".into());
            (Verdict::Contributing, 0.25 + 0.4 * prox)
        } else {
            reasons.push("not linked by service or host to the errors that began".into());
            (Verdict::Contributing, 0.1 + 0.25 * prox)
        };
        out.push(Cause {
            rank: 0,
            score: rank::round2(score),
            verdict,
            // The subsystem the change acted on (the one its line names), else the change's own.
            subsystem: c
                .mentioned_services
                .first()
                .map(|&s| rank::guess_subsystem(index.services.get(s)))
                .unwrap_or_else(|| rank::subsystem_of(index, c.key.0, c.key.1)),
            service: svc_name,
            hosts: rank::host_names(index, c.hosts()),
            title,
            signal: rank::signal_ref(index, c.key.0),
            onset: Some(c.ts),
            baseline_per_min: 0.0,
            incident_per_min: 0.0,
            reasons,
            evidence: vec![rank::evidence(index, c.rec)],
            related: Vec::new(),
        });
        events.push((c.ts, c.host, c.key.1, out.len() - 1));
    }
    // With no error story at all, and no error that moved even after the onset, the closest change
    // may be the likely cause.
    if stories.is_empty() && !stats.iter().any(|s| s.elevated) {
        if let Some(best) =
            out.iter_mut().filter(|c| c.verdict == Verdict::Contributing).max_by(|a, b| a.score.total_cmp(&b.score))
        {
            if best.score >= rank::LIKELY_THRESHOLD {
                best.verdict = Verdict::LikelyCause;
            }
        }
    }
    out
}

/// Elevated errors that began after the users noticed: effects, grouped by service.
fn consequences(index: &Index, t: &SignalTable, late: &[SignalStat], w: &Window, symptom_name: &str) -> Vec<Cause> {
    let mut by_service: HashMap<u32, &SignalStat> = HashMap::new();
    for s in late {
        let svc = t.signals[s.sig].key.service;
        let e = by_service.entry(svc).or_insert(s);
        if s.onset < e.onset {
            *e = s;
        }
    }
    let mut v: Vec<_> = by_service.into_iter().collect();
    v.sort_by(|a, b| a.1.onset.cmp(&b.1.onset).then(a.0.cmp(&b.0)));
    v.into_iter()
        .take(MAX_RULED_OUT)
        .map(|(svc, s)| {
            let sig = &t.signals[s.sig];
            let mut title = rank::signal_title(index, sig.key.id);
            quote_line(index, sig.key.id, s.onset_rec, &mut title);
            Cause {
                rank: 0,
                score: 0.1,
                verdict: Verdict::Consequence,
                subsystem: rank::subsystem_of(index, sig.key.id, svc),
                service: index.services.get(svc).to_string(),
                hosts: rank::host_names(index, s.hosts.iter().map(|h| h.0)),
                title,
                signal: rank::signal_ref(index, sig.key.id),
                onset: Some(s.onset),
                baseline_per_min: rank::round2(s.base_per_min),
                incident_per_min: rank::round2(s.inc_per_min),
                reasons: vec![
                    format!("consequence: began {} after the first {symptom_name}", human_duration(s.onset - w.onset)),
                    format!(
                        "{} before, {} during",
                        how_often(s.base_count, s.base_minutes),
                        how_often(s.inc_count, minutes_of(s.inc_count, s.inc_per_min, t, w))
                    ),
                ],
                evidence: vec![rank::evidence(index, s.onset_rec)],
                related: Vec::new(),
            }
        })
        .collect()
}

/// How often something happened over a span, as people say it: `12/min over 3h15m`, or for rare
/// events the count (`3 times in 3h15m`, `once in 1h6m`, `none in 1h6m`) rather than `0.0/min`.
fn how_often(count: u64, minutes: f64) -> String {
    let span = human_duration((minutes.max(0.0) * MS_PER_MIN as f64) as i64);
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

/// Loud errors that were there all along, the loudest per service.
fn chronic(index: &Index, t: &SignalTable, stats: &[SignalStat], window: &Window) -> Vec<Cause> {
    let mut by_service: HashMap<u32, &SignalStat> = HashMap::new();
    for s in stats.iter().filter(|s| !s.elevated && s.base_count > 0) {
        let svc = t.signals[s.sig].key.service;
        let e = by_service.entry(svc).or_insert(s);
        if s.base_count + s.inc_count > e.base_count + e.inc_count {
            *e = s;
        }
    }
    let mut v: Vec<_> = by_service.into_iter().collect();
    v.sort_by(|a, b| (b.1.base_count + b.1.inc_count).cmp(&(a.1.base_count + a.1.inc_count)).then(a.0.cmp(&b.0)));
    v.into_iter()
        .take(MAX_RULED_OUT)
        .map(|(svc, s)| {
            let sig = &t.signals[s.sig];
            let first = sig.series.first_from(0).unwrap_or(s.onset_rec);
            let mut title = rank::signal_title(index, sig.key.id);
            quote_line(index, sig.key.id, first, &mut title);
            Cause {
                rank: 0,
                score: 0.0,
                verdict: Verdict::Chronic,
                subsystem: rank::subsystem_of(index, sig.key.id, svc),
                service: index.services.get(svc).to_string(),
                hosts: rank::host_names(index, s.hosts.iter().map(|h| h.0)),
                title,
                signal: rank::signal_ref(index, sig.key.id),
                onset: None,
                baseline_per_min: rank::round2(s.base_per_min),
                incident_per_min: rank::round2(s.inc_per_min),
                reasons: vec![format!(
                    "chronic: {} before the incident, {} during",
                    how_often(s.base_count, s.base_minutes),
                    how_often(s.inc_count, minutes_of(s.inc_count, s.inc_per_min, t, window))
                )],
                evidence: vec![rank::evidence(index, first)],
                related: Vec::new(),
            }
        })
        .collect()
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
        let near_before = c.ts >= w.onset - 30 * MS_PER_MIN && c.ts <= w.onset;
        let after = c.ts > w.onset && w.end.is_none_or(|e| c.ts <= e + 15 * MS_PER_MIN);
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
                format!(" on {}", crate::report::sorted_hosts(&c.hosts).join(", "))
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
        a.count += 1;
        a.first = a.first.min(ts);
        a.last = a.last.max(ts);
        let sb = (((ts - b.start) * SPARK as i64) / span).clamp(0, SPARK as i64 - 1) as usize;
        a.spark[sb] += 1;
        if let Some(p) = p {
            if bucket < p.base_end {
                a.base += 1;
            } else if bucket >= p.s && bucket < p.e {
                a.inc += 1;
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
