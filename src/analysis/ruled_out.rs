//! Causes besides the stories: changes no story claimed (possible causes or unrelated), errors
//! that began after the users noticed (consequences) and loud errors there all along (chronic).

use super::tuning;
use super::window::Window;
use super::{rank, signals};
use crate::findings::{Cause, Verdict};
use crate::index::Index;
use crate::time::{clock, human_duration, Millis};
use rank::{Periods, SignalStat};
use signals::SignalTable;
use std::collections::HashMap;
/// What a change that no story claimed is judged against.
pub(super) struct ChangeContext<'a> {
    pub(super) stats: &'a [SignalStat],
    pub(super) periods: &'a Periods,
    pub(super) window: &'a Window,
    pub(super) path: &'a rank::FailingPath,
    pub(super) pace: rank::Pace,
}

/// Changes shortly before the onset that no story claimed: possible causes, or ruled out as unrelated.
pub(super) fn change_only_causes(
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
        if let Some(&(_, _, _, at)) = events.iter().find(|&&(ts, host, svc, _)| {
            host == c.host && svc == c.key.1 && c.ts >= ts && c.ts - ts <= tuning::LONE_CHANGE_JOIN
        }) {
            let cause: &mut Cause = &mut out[at];
            if cause.evidence.len() < tuning::MAX_EVIDENCE && !cause.evidence.iter().any(|e| e.record == Some(c.rec)) {
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
                    super::how_often(before, before_min),
                    super::how_often(after, after_min)
                ),
            );
            (Verdict::Unrelated, tuning::UNRELATED_SCORE)
        } else if w.onset - c.ts > tuning::LONE_CHANGE_SPAN {
            // Too long before the failures, and nothing ties it to them: not worth a responder's time.
            continue;
        } else if stories.is_empty() {
            reasons.push("no error signal explains the failures; this is the closest change before them".into());
            (Verdict::Contributing, tuning::NO_STORY_CHANGE_BASE + tuning::NO_STORY_CHANGE_PER_PROXIMITY * prox)
        } else {
            reasons.push("not linked by service or host to the errors that began".into());
            (Verdict::Contributing, tuning::LONE_CHANGE_BASE + tuning::LONE_CHANGE_PER_PROXIMITY * prox)
        };
        out.push(Cause {
            rank: 0,
            score: rank::round2(score),
            verdict,
            // The subsystem the change acted on (the one its line names), else the change's own.
            subsystem: c
                .mentioned_services
                .first()
                .map(|&s| rank::guess_subsystem(index, index.services.get(s)))
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
pub(super) fn consequences(
    index: &Index,
    t: &SignalTable,
    late: &[SignalStat],
    w: &Window,
    symptom_name: &str,
) -> Vec<Cause> {
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
        .take(tuning::MAX_RULED_OUT)
        .map(|(svc, s)| {
            let sig = &t.signals[s.sig];
            let mut title = rank::signal_title(index, sig.key.id);
            super::quote_line(index, sig.key.id, s.onset_rec, &mut title);
            Cause {
                rank: 0,
                score: tuning::CONSEQUENCE_SCORE,
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
                        super::how_often(s.base_count, s.base_minutes),
                        super::how_often(s.inc_count, super::minutes_of(s.inc_count, s.inc_per_min, t, w))
                    ),
                ],
                evidence: vec![rank::evidence(index, s.onset_rec)],
                related: Vec::new(),
            }
        })
        .collect()
}

/// Loud errors that were there all along, the loudest per service.
pub(super) fn chronic(index: &Index, t: &SignalTable, stats: &[SignalStat], window: &Window) -> Vec<Cause> {
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
        .take(tuning::MAX_RULED_OUT)
        .map(|(svc, s)| {
            let sig = &t.signals[s.sig];
            let first = sig.series.first_from(0).unwrap_or(s.onset_rec);
            let mut title = rank::signal_title(index, sig.key.id);
            super::quote_line(index, sig.key.id, first, &mut title);
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
                    super::how_often(s.base_count, s.base_minutes),
                    super::how_often(s.inc_count, super::minutes_of(s.inc_count, s.inc_per_min, t, window))
                )],
                evidence: vec![rank::evidence(index, first)],
                related: Vec::new(),
            }
        })
        .collect()
}
