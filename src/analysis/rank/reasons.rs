//! The English of a cause: titles of signals and changes, reasons, rates.

use super::{change_id, evidence, first_on_hosts, host_names, trigger_key, Story, Topics};
use crate::analysis::signals::{Signal, SignalId, SignalTable};
use crate::analysis::tuning;
use crate::findings::{Cause, SignalKind, SignalRef, Verdict};
use crate::index::Index;
use crate::time::{clock, human_duration, Millis, MS_PER_MIN};
use std::collections::HashSet;

/// Title of a change event: what the line itself says ("config.applied auth-2: token signing key
/// id auth-2023-11 -> auth-2024-01") tells a responder more than a rule's generic title.
pub fn change_title(index: &Index, id: SignalId, rec: u32) -> String {
    let own = event_title(index, rec);
    if own.is_empty() {
        signal_title(index, id)
    } else {
        own
    }
}

/// A short title for one event line: its message, or for structured lines without one
/// (audit and deploy records), "action target: detail" from the usual keys.
pub fn event_title(index: &Index, rec: u32) -> String {
    let i = rec as usize;
    let line = index.first_line(i);
    let parser = &index.parsers[index.records.source(i) as usize];
    let mut p = crate::format::Parsed::default();
    parser.parse(line, &crate::format::ParseCtx::default(), &mut p);
    // No message, or only an event name (`"event":"cert.rotated"`): compose from the fields.
    let whole =
        p.msg.is_empty() || (p.msg.start == 0 && p.msg.end as usize >= line.len()) || !p.msg.get(line).contains(&b' ');
    let text = if whole && !p.fields.is_empty() {
        let pick = |keys: &[&[u8]]| keys.iter().find_map(|k| p.field(line, k)).filter(|v| !v.is_empty());
        let action =
            pick(&[b"action", b"event", b"event_type", b"eventName", b"type", b"operation", b"op", b"verb", b"kind"]);
        let target = pick(&[
            b"target",
            b"service",
            b"component",
            b"app",
            b"resource",
            b"cluster",
            b"requestURI",
            b"eventSource",
        ]);
        let detail = pick(&[
            b"detail",
            b"details",
            b"description",
            b"summary",
            b"reason",
            b"change",
            b"comment",
            b"requestParameters",
        ]);
        let mut t = Vec::new();
        for part in [action, target].into_iter().flatten() {
            if !t.is_empty() {
                t.push(b' ');
            }
            t.extend_from_slice(part);
        }
        if let Some(d) = detail {
            if !t.is_empty() {
                t.extend_from_slice(b": ");
            }
            t.extend_from_slice(d);
        }
        if t.is_empty() {
            line.to_vec()
        } else {
            t
        }
    } else {
        p.msg.get(line).to_vec()
    };
    let msg = crate::text::escape(&text).into_owned();
    crate::text::truncate_chars(msg.trim(), tuning::TITLE_CHARS).into_owned()
}

/// Display title of a signal.
pub fn signal_title(index: &Index, id: SignalId) -> String {
    match id {
        SignalId::Rule(r) => index.rules.get(r).map(|r| r.title.clone()).unwrap_or_default(),
        SignalId::Pattern(p) => index
            .templates
            .templates
            .get(p as usize)
            .map(|t| crate::text::truncate_chars(&t.text, tuning::TITLE_CHARS).into_owned())
            .unwrap_or_default(),
    }
}

pub fn signal_ref(index: &Index, id: SignalId) -> SignalRef {
    match id {
        SignalId::Rule(r) => {
            SignalRef { kind: SignalKind::Rule, id: index.rules.get(r).map(|r| r.id.clone()).unwrap_or_default() }
        }
        SignalId::Pattern(p) => SignalRef {
            kind: SignalKind::Pattern,
            id: index.templates.templates.get(p as usize).map(|t| t.id.clone()).unwrap_or_default(),
        },
    }
}

pub fn rate(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}/min")
    } else {
        format!("{x:.1}/min")
    }
}

/// All hosts a service logged from.
pub fn service_hosts(t: &SignalTable, service: u32) -> HashSet<u32> {
    t.service_hosts.get(&service).cloned().unwrap_or_default()
}

/// Makes the cause entry for a story.
pub fn story_cause(index: &Index, t: &SignalTable, st: &Story, symptom_onset: Millis, symptom_name: &str) -> Cause {
    let top = &st.stats[0];
    let top_sig: &Signal = &t.signals[top.sig];
    let error_title = signal_title(index, top_sig.key.id);
    let service_name = index.services.get(st.service).to_string();
    let mut reasons = Vec::new();
    let lead = symptom_onset - st.onset;
    if lead > tuning::SAME_MOMENT {
        reasons.push(format!("began {} before the first {symptom_name}", human_duration(lead)));
    } else if lead >= -tuning::SAME_MOMENT {
        reasons.push(format!("began with the first {symptom_name} ({})", clock(symptom_onset)));
    } else {
        reasons.push(format!("began {} after the first {symptom_name}", human_duration(-lead)));
    }
    if top.new {
        reasons.push(format!(
            "new: never seen in the {} before; {} during",
            human_duration((top.base_minutes * MS_PER_MIN as f64) as i64),
            rate(top.inc_per_min)
        ));
    } else {
        reasons.push(format!(
            "rate rose from {} to {} (G = {:.0})",
            rate(top.base_per_min),
            rate(top.inc_per_min),
            top.g
        ));
    }
    if st.detached {
        reasons
            .push("off the failing path: none of its hosts or services fail, and nothing that fails names it".into());
    }
    let all_hosts = service_hosts(t, st.service);
    let mut title = error_title.clone();
    let mut evidence_recs = Vec::new();
    let mut signal = signal_ref(index, top_sig.key.id);
    let mut related = Vec::new();
    if let Some(c) = &st.change {
        let text = index.record_bytes(c.rec as usize);
        let ticket = change_id(text);
        let trigger_key = trigger_key(index, c.rec);
        let change_title = change_title(index, trigger_key, c.rec);
        let ts = index.records.ts(c.rec as usize);
        let ticket_note = ticket.as_ref().map(|t| format!(" {t}")).unwrap_or_default();
        reasons.push(if ts <= st.onset {
            format!(
                "right after change{ticket_note} \"{change_title}\" at {} ({} before)",
                clock(ts),
                human_duration(st.onset - ts)
            )
        } else {
            // Within the clock skew between files: stamped after the first error, but no later.
            format!(
                "with change{ticket_note} \"{change_title}\" at {} (stamped {} after, within clock skew)",
                clock(ts),
                human_duration(ts - st.onset)
            )
        });
        if c.by_time_only {
            reasons.push("only time ties them: they share no host, service or topic".into());
        }
        if let Some(stir) = c.stir {
            reasons.push(format!(
                "{} has written {:.0}× its usual lines per minute since the change, up to the failures",
                index.services.get(stir.service),
                stir.ratio
            ));
        }
        if c.via_topics != 0 {
            reasons.push(format!(
                "the change and the errors are both about {} (no host or service name ties them); it acted on {}",
                Topics::new(&index.rules).names(c.via_topics),
                host_names(index, c.hosts.iter().copied()).join(", ")
            ));
        }
        title = format!("{change_title} → {error_title}");
        evidence_recs.push(c.rec);
        for &r in c.recs.iter().filter(|&&r| r != c.rec).take(tuning::CHANGE_EVIDENCE_EXTRA) {
            evidence_recs.push(r);
        }
        related.push(signal);
        signal = signal_ref(index, trigger_key);
        if c.host_match && st.hosts.len() < all_hosts.len() {
            reasons.push(format!(
                "only on {} — the hosts that applied {}",
                host_names(index, st.hosts.iter().copied()).join(", "),
                ticket.unwrap_or_else(|| "the change".into())
            ));
        }
    }
    if !(st.change.as_ref().is_some_and(|c| c.host_match && st.hosts.len() < all_hosts.len()))
        && !st.hosts.is_empty()
        && st.hosts.len() < all_hosts.len()
    {
        let healthy: Vec<u32> = all_hosts.iter().copied().filter(|h| !st.hosts.contains(h)).collect();
        let mut healthy_names = host_names(index, healthy);
        healthy_names.sort();
        reasons.push(format!(
            "only on {} (not on {})",
            host_names(index, st.hosts.iter().copied()).join(", "),
            healthy_names.join(", ")
        ));
    }
    for s in st.stats.iter().take(tuning::EVIDENCE_SIGNALS) {
        // A story confined to some hosts shows lines from them, even when another host logged the
        // same error first for a moment.
        let rec = if !st.hosts.is_empty() && !st.hosts.contains(&index.records.host(s.onset_rec as usize)) {
            // From the start of the onset's bucket: its first record is the first read, not the earliest.
            let from = t.buckets.of(s.onset).map_or(s.onset, |b| t.buckets.time(b));
            first_on_hosts(index, t.signals[s.sig].key, &st.hosts, from).unwrap_or(s.onset_rec)
        } else {
            s.onset_rec
        };
        if !evidence_recs.contains(&rec) {
            evidence_recs.push(rec);
        }
    }
    for s in st.stats.iter().skip(1).take(tuning::RELATED_SIGNALS) {
        related.push(signal_ref(index, t.signals[s.sig].key.id));
    }
    if st.stats.len() > 1 {
        reasons.push(format!("{} related error signals on {service_name} moved with it", st.stats.len() - 1));
    }
    if let Some(up) = st.downstream_of {
        reasons.push(format!("its errors name {}, whose errors began no later", index.services.get(up)));
    } else if let Some(host) = st.downstream_of_host {
        reasons.push(format!("its errors name {}, where errors began no later", index.hosts.get(host)));
    }
    if let Some(up) = st.overtaken_by {
        reasons.push(format!("{} began failing after that change and before these errors", index.services.get(up)));
    }
    if let Some(up) = st.waited_on {
        reasons
            .push(format!("timeouts: waiting on something, and {} began failing just before", index.services.get(up)));
    }
    Cause {
        rank: 0,
        score: (st.score.min(1.0) * 100.0).round() / 100.0,
        verdict: Verdict::Contributing,
        subsystem: st.subsystem.clone(),
        service: service_name,
        // Tied by meaning or time only, the cause lies on the hosts the change acted on, then those
        // that failed.
        hosts: host_names(
            index,
            st.change.iter().filter(|c| c.not_by_name()).flat_map(|c| c.hosts.iter().copied()).chain(
                st.hosts
                    .iter()
                    .copied()
                    .filter(|h| !st.change.as_ref().is_some_and(|c| c.not_by_name() && c.hosts.contains(h))),
            ),
        ),
        title,
        signal,
        onset: Some(st.onset),
        baseline_per_min: round2(top.base_per_min),
        incident_per_min: round2(top.inc_per_min),
        reasons,
        evidence: evidence_recs.into_iter().take(tuning::MAX_EVIDENCE).map(|r| evidence(index, r)).collect(),
        related,
    }
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
