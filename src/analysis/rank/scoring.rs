//! The story score (timing, order, strength, novelty, the change that explains it) and severity.

use super::{story_subsystem, Story};
use crate::analysis::signals::{SignalId, SignalTable};
use crate::analysis::tuning::{self, Weights, NEAR_ONSET};
use crate::index::Index;
use crate::time::Millis;

/// Scores stories: timing, strength, novelty, and the change that explains them.
///
/// Order matters most: errors that began before everything else outrank those that
/// followed. A story on the service that also reports the users' failures (the
/// proxy) is downstream of the cause unless a change of its own explains it; so is one
/// whose errors name the service of a story that began no later ("orders API returned 401"
/// while the orders service fails).
pub fn score_stories(
    stories: &mut [Story],
    symptom_services: &[u32],
    incident_onset: Millis,
    path_known: bool,
    weights: &Weights,
) {
    // Minutes ahead of the failures, on other hosts and services, and named by nothing that
    // fails: something else broke first (a deploy's own hiccup), not necessarily the cause.
    let detached = |s: &Story| path_known && !s.on_failing_path && incident_onset - s.onset > NEAR_ONSET;
    // Order among substantial stories only: a stray line long before says nothing about the chain,
    // and neither does a detached story.
    let earliest = stories.iter().filter(|s| s.substantial() && !detached(s)).map(|s| s.onset).min();
    let begun: Vec<(u32, Millis)> = stories.iter().map(|s| (s.service, s.onset)).collect();
    struct Begun {
        idx: usize,
        onset: Millis,
        substantial: bool,
        /// A new error a rule names, however few its lines (a crash writes two).
        evident: bool,
        service: u32,
        hosts: Vec<u32>,
        new: bool,
        detached: bool,
        change: Option<u32>,
    }
    let related: Vec<Begun> = stories
        .iter()
        .enumerate()
        .map(|(idx, s)| Begun {
            idx,
            onset: s.onset,
            substantial: s.substantial(),
            evident: s.new && s.severity >= 1.0 && s.stats.iter().any(|x| x.rule_hit),
            service: s.service,
            hosts: s.hosts.clone(),
            new: s.new,
            detached: detached(s),
            change: s.change.as_ref().map(|c| c.rec),
        })
        .collect();
    for (idx, st) in stories.iter_mut().enumerate() {
        // In the same second counts as no later: many logs stamp whole seconds, so errors stamped
        // 21:33:55 may follow the crash they name at 21:33:55.407.
        let second = |t: Millis| t.div_euclid(crate::time::MS_PER_SEC);
        st.downstream_of = begun
            .iter()
            .find(|&&(svc, onset)| {
                svc != st.service && second(onset) <= second(st.onset) && st.named_services.contains(&svc)
            })
            .map(|&(svc, _)| svc);
        st.downstream_of_host = related
            .iter()
            .filter(|r| r.idx != idx && r.service != st.service && r.onset <= st.onset)
            .find_map(|r| r.hosts.iter().copied().find(|h| st.named_hosts.contains(h) && !st.hosts.contains(h)));
        // Timeouts wait on something: a new story of another service that began shortly before
        // is the likelier thing they waited on (a full disk on the database, a hung NVMe drive),
        // unless a change of their own explains them.
        let waited_on = related
            .iter()
            .filter(|r| {
                st.waits
                    && st.change.is_none()
                    && r.idx != idx
                    && r.service != st.service
                    && r.new
                    && (r.substantial || r.evident)
                    && r.onset < st.onset
                    && st.onset - r.onset <= NEAR_ONSET
            })
            .min_by_key(|r| r.onset)
            .map(|r| (r.onset, r.service));
        st.waited_on = waited_on.map(|(_, service)| service);
        let waited_on_onset = waited_on.map(|(onset, _)| onset);
        let lead = incident_onset - st.onset;
        let timing = if lead < 0 {
            tuning::TIMING_AFTER_ONSET
        } else if lead <= NEAR_ONSET {
            1.0
        } else {
            (-((lead - NEAR_ONSET) as f64) / tuning::TIMING_DECAY).exp()
        };
        // Later than another story counts against a story fully when the two are tied (shared
        // hosts, a named service or host): then the later one is likely the echo. Later than an unrelated
        // story counts half: two things broke, and the first need not be the cause.
        let tied_earliest = related
            .iter()
            .filter(|r| {
                r.substantial
                    && !r.detached
                    && r.idx != idx
                    && (r.service == st.service
                        || st.named_services.contains(&r.service)
                        || r.hosts.iter().any(|h| st.hosts.contains(h) || st.named_hosts.contains(h)))
            })
            .map(|r| r.onset)
            .chain(waited_on_onset)
            .min();
        let after = |e: Millis| ((st.onset - e).max(0) as f64 / tuning::ORDER_FULL_AFTER as f64).min(1.0);
        let order = if st.substantial() {
            let tied = tied_earliest.map_or(0.0, |e| tuning::ORDER_TIED_PENALTY * after(e));
            let any = earliest.map_or(0.0, |e| tuning::ORDER_ANY_PENALTY * after(e));
            1.0 - tied.max(any)
        } else {
            1.0
        };
        // A line or two stamped after the failures began did not start them, whatever explains
        // those lines (one old pod's error during a rollout); a few seconds' skew between files aside.
        let stray_after = !st.substantial() && lead < -tuning::STRAY_SKEW;
        let mut strength = 1.0 - (-st.g / tuning::STRENGTH_G_SCALE).exp();
        if st.new && lead <= NEAR_ONSET && !stray_after {
            // A rare event never seen before (an OOM kill, a disk-full error) is strong however few
            // its lines, when it comes with the incident; a trickle that began long before is not.
            strength = strength.max(tuning::NEW_STRENGTH_FLOOR);
        }
        let mut score = weights.timing * timing
            + weights.order * order
            + weights.strength * strength * st.severity.min(1.0)
            + if st.new { weights.novelty } else { 0.0 };
        let detached = detached(st);
        st.detached = detached;
        // A proxy's own errors usually echo its backends' failures, unless they are new and
        // came before every other story (an expired certificate on the proxy itself).
        let first_and_new =
            st.new && st.substantial() && !related.iter().any(|r| r.substantial && r.idx != idx && r.onset <= st.onset);
        // Another service's new errors that began between a change and this story, when the change
        // came minutes before: those errors are the nearer explanation (a database's disk filled
        // 3 s before the app failed, 9 minutes after the app's deploy).
        st.overtaken_by = st.change.as_ref().and_then(|c| {
            related
                .iter()
                .find(|r| {
                    r.idx != idx
                        && r.service != st.service
                        && r.new
                        && r.substantial
                        && r.change != Some(c.rec)
                        && st.onset - c.ts >= tuning::OVERTAKEN_MIN_GAP
                        && c.ts < r.onset
                        && r.onset <= st.onset
                })
                .map(|r| r.service)
        });
        if let Some(c) = &st.change {
            // A change explains a detached story, which does not explain the failures. When the
            // errors in between are of a server these errors name (the database the app cannot
            // reach), the change is not needed to explain them at all.
            let reach = match st.overtaken_by {
                Some(s) if st.named_services.contains(&s) => 0.0,
                Some(_) => tuning::PARTIAL_REACH,
                None if detached => tuning::PARTIAL_REACH,
                None => 1.0,
            };
            score += reach
                * (weights.change * c.link * c.proximity + if c.host_match { tuning::HOST_MATCH_BONUS } else { 0.0 });
        } else if symptom_services.contains(&st.service) && !first_and_new {
            score *= tuning::SYMPTOM_SERVICE_FACTOR;
        }
        if st.downstream_of.is_some() || st.downstream_of_host.is_some() || waited_on_onset.is_some() {
            score *= tuning::DOWNSTREAM_FACTOR;
        }
        if detached {
            score *= tuning::DETACHED_FACTOR;
        }
        if stray_after {
            score *= tuning::STRAY_FACTOR;
        }
        // Unclamped, so that two strong stories still rank apart; causes show it clamped to 0..1.
        st.score = score.max(0.0);
    }
}

/// Severity of a story: the worst level among its signals' onset records, weighted by rule weight.
/// Also sets each story's subsystem.
pub fn set_severity(stories: &mut [Story], t: &SignalTable, index: &Index) {
    for st in stories.iter_mut() {
        st.subsystem = story_subsystem(index, t, st);
        st.subsystem_is_specific = !index.rules.vocabulary.is_broad_subsystem(&st.subsystem);
        let mut sev: f64 = 0.0;
        for s in &st.stats {
            let level = index.records.level(s.onset_rec as usize);
            let mut v = if level >= crate::format::Level::Error { 1.0 } else { tuning::WARNING_SEVERITY };
            if let SignalId::Rule(r) = t.signals[s.sig].key.id {
                if let Some(rule) = index.rules.get(r) {
                    // Rules that name a real failure are errors whatever the line's level says.
                    v = f64::max(
                        v,
                        (tuning::RULE_SEVERITY_BASE + tuning::RULE_SEVERITY_PER_WEIGHT * rule.weight as f64)
                            .min(tuning::RULE_SEVERITY_MAX),
                    );
                }
            }
            sev = sev.max(v);
        }
        st.severity = sev.max(tuning::SEVERITY_FLOOR);
    }
}
