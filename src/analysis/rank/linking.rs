//! Links between changes and stories: by scope (service, hosts, names, topics, subsystem), then time.

use super::{ChangeEvent, Stir, Story, CHANGE_HORIZON};
use crate::analysis::signals::SignalId;
use crate::analysis::tuning::{
    self, CHAIN_LINK_MIN, CHANGE_DECAY, NAMED_PORT_LINK, OCCASION_GAP, TIME_LINK, TIME_ONLY_SPAN, TOPIC_LINK,
};
use crate::time::{Millis, MS_PER_MIN};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct LinkedChange {
    /// The earliest instance, the trigger.
    pub rec: u32,
    /// When the instance nearest the story came (its proximity is measured from it).
    pub ts: Millis,
    pub key: (SignalId, u32),
    pub hosts: BTreeSet<u32>,
    pub link: f64,
    pub proximity: f64,
    /// Hosts of the story that the change touched / all hosts of the story.
    pub host_match: bool,
    /// Every line of this change event, in time order (the trigger first).
    pub recs: Vec<u32>,
    /// The topics that tie it to the story, when no service or host name does.
    pub via_topics: u64,
    /// Nothing but time ties it to the story (see [`TIME_LINK`]).
    pub by_time_only: bool,
    /// Its visible effect on a service it touched lasted until the story began (see [`Stir`]).
    pub stir: Option<Stir>,
}

impl LinkedChange {
    /// Tied to its story by a topic or by time alone, not by a host or service name.
    pub fn not_by_name(&self) -> bool {
        self.via_topics != 0 || self.by_time_only
    }
}

pub fn proximity(change_ts: Millis, onset: Millis) -> f64 {
    let d = (onset - change_ts).max(0) as f64;
    (-d / CHANGE_DECAY).exp()
}

/// How fast the failures came once they began: the yardstick for whether a change acted at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pace {
    /// Failures per minute in the incident, above the baseline's.
    pub excess_per_min: f64,
}

impl Pace {
    /// Whether a change at `change_ts` acted at once on failures that began at `onset`: within
    /// [`tuning::PROMPT_SPAN`], or before the healthy traffic in between would have carried
    /// [`tuning::PROMPT_MISSED_FAILURES`] failures had it broken then. A reload, restart or
    /// setting takes effect in seconds; one followed by minutes of healthy traffic did not set the
    /// time the failures began (a server's start six minutes before its crash, an unrelated reload
    /// three minutes before a certificate expired).
    pub fn prompt(&self, change_ts: Millis, onset: Millis) -> bool {
        let gap = onset - change_ts;
        gap <= tuning::PROMPT_SPAN
            || self.excess_per_min * gap as f64 / MS_PER_MIN as f64 <= tuning::PROMPT_MISSED_FAILURES
    }
}

impl ChangeEvent {
    /// Whether this change could have set off failures that began at `onset`: one that acts at
    /// once (its rule says `at_once`) must have been followed promptly (see [`Pace::prompt`]).
    pub fn could_set_off(&self, pace: Pace, onset: Millis) -> bool {
        !self.at_once || pace.prompt(self.ts, onset)
    }
}

/// Attaches to each story the change most likely to have triggered it.
pub fn link_changes(stories: &mut [Story], changes: &[ChangeEvent], pace: Pace) {
    // A change on a host whose own new errors began minutes before it is a reaction to them (systemd
    // stopping a crashed database, an operator's restart), not a cause of anything after.
    // So is a server's own change after its errors (a database shutting down after its PANIC),
    // when its lines carry no host; and a change written after the errors in the same file, which
    // shares their clock, however close.
    struct Failing {
        hosts: Vec<u32>,
        service: u32,
        onset: Millis,
        sources: Vec<u32>,
        first_in_source: Vec<u32>,
        substantial: bool,
    }
    let failing: Vec<Failing> = stories
        .iter()
        .filter(|s| s.new)
        .map(|s| Failing {
            hosts: s.hosts.clone(),
            service: s.service,
            onset: s.onset,
            sources: s.sources.clone(),
            first_in_source: s.first_in_source.clone(),
            substantial: s.substantial(),
        })
        .collect();
    let reaction = |c: &ChangeEvent| {
        failing.iter().any(|f| {
            let same_place = if c.host != 0 { f.hosts.contains(&c.host) } else { f.service == c.key.1 };
            let after = (f.substantial && f.onset + tuning::FILE_CLOCK_SKEW < c.ts)
                || f.sources.iter().zip(&f.first_in_source).any(|(&source, &first)| {
                    // Stamped in the same second, the line written first in the file came first.
                    source == c.source && (f.onset < c.ts || (f.onset == c.ts && c.rec > first))
                });
            same_place && after && c.ts - f.onset <= tuning::REACTION_SPAN
        })
    };
    for st in stories.iter_mut() {
        let mut best: Option<(f64, &ChangeEvent, f64, f64)> = None;
        for c in changes {
            // A change whose effect still shows when the failures begin acted on them all along.
            let acting = c.stirs_until(st.onset);
            if !c.may_precede(st)
                || c.ts < st.onset - CHANGE_HORIZON
                || reaction(c)
                || !(acting || c.could_set_off(pace, st.onset))
            {
                continue;
            }
            let link = c.link_to(st);
            if link == 0.0 {
                continue;
            }
            let prox = if acting { 1.0 } else { proximity(c.ts, st.onset) };
            let w = link * prox;
            if best.is_none_or(|b| w > b.0 || (w == b.0 && c.ts < b.1.ts)) {
                best = Some((w, c, link, prox));
            }
        }
        if let Some((_, c, link, prox)) = best {
            st.change = Some(linked(c, changes, st, link, prox, pace));
        } else if st.new && st.substantial() && st.topics == 0 {
            // Errors about a topic (an expired certificate is about time) are explained by a change
            // about it (linked above) or by nothing else: the clock expires a certificate, and a
            // sync that merely came last does not.
            // Only a change never seen before: a job that ran earlier today is not news.
            let seen_before = |c: &ChangeEvent| {
                changes.iter().any(|o| o.key == c.key && o.template == c.template && o.ts < c.ts - OCCASION_GAP)
            };
            // A change whose effect lasted up to the failures (see [`Stir`]) is as near as any,
            // and nearer than one that merely came last.
            let just_before = changes
                .iter()
                .map(|c| (c.stirs_until(st.onset) && c.ts >= st.onset - CHANGE_HORIZON, c))
                .filter(|&(acting, c)| {
                    c.may_precede(st)
                        && (acting || (st.onset - c.ts <= TIME_ONLY_SPAN && c.could_set_off(pace, st.onset)))
                        && !reaction(c)
                        && !seen_before(c)
                })
                .max_by_key(|&(acting, c)| (acting, c.ts, std::cmp::Reverse(c.rec)));
            if let Some((acting, c)) = just_before {
                let prox = if acting { 1.0 } else { proximity(c.ts, st.onset) };
                let mut change = linked(c, changes, st, TIME_LINK, prox, pace);
                change.by_time_only = true;
                st.change = Some(change);
            }
        }
    }
}

/// One change is usually several lines: the audit record, each host's reload, the deploy tool's
/// "done". Every linked change within a few minutes of the best one, every instance of the
/// same change within 15 minutes (a rollout host by host), and every change on the same host
/// about the same topic within 15 minutes (an edit of chrony.conf, the restart, the clock step
/// it led to) is one event, named after its most telling line. A line of a change that acts at
/// once but was followed by healthy traffic is not part of it: the same reload done twice, two
/// minutes apart, is two events, and only the second set the failures off.
pub fn linked(c: &ChangeEvent, changes: &[ChangeEvent], st: &Story, link: f64, prox: f64, pace: Pace) -> LinkedChange {
    let c_hosts: Vec<u32> = c.hosts().collect();
    let near: Vec<&ChangeEvent> =
        // The best line itself may be tied by time alone (no link).
        changes
            .iter()
            .filter(|o| {
                o.rec == c.rec
                    || (o.may_precede(st)
                        && (o.ts - c.ts).abs() <= tuning::CHAIN_SPAN
                        && o.link_to(st) > 0.0
                        && o.could_set_off(pace, st.onset))
            })
            .collect();
    // A line on the same host, within seconds, of another subject of a rule this change has lines
    // under (the sshd task of the play whose firewall task is the change) is that one's effect.
    let effect_of_rival = |o: &ChangeEvent, joined: &[bool]| {
        changes.iter().any(|x| {
            (x.ts - o.ts).abs() <= tuning::EFFECT_SPAN
                && x.hosts().any(|h| o.hosts().any(|g| g == h))
                && near.iter().zip(joined).any(|(m, &j)| j && m.rival_of(x))
        })
    };
    // Lines join nearest first, so that of two subjects under one rule the one nearer the best
    // line is this change and the other a rival (two runs of one play setting different values).
    let mut order: Vec<usize> = (0..near.len()).collect();
    order.sort_by_key(|&k| ((near[k].ts - c.ts).abs(), near[k].rec));
    let mut joined: Vec<bool> = near.iter().map(|o| o.rec == c.rec).collect();
    let stirred = c.stirs_until(st.onset);
    // Other kinds of change join only when tied by name (service, host), not by a subsystem or
    // topic alone (a database tweak a minute before a deploy is a rival, not a part), and only a
    // few minutes from a line already joined: a rollout's start, each host's restart and its
    // "finished" are one chain however long the rollout.
    loop {
        let mut grew = false;
        for &k in &order {
            let o = near[k];
            // Another subject under a rule already in the chain is another change, never a step of this one.
            if joined[k] || near.iter().zip(&joined).any(|(m, &j)| j && m.rival_of(o)) {
                continue;
            }
            let same_kind = o.same_change(c);
            let same_topic = o.topics & c.topics & st.topics != 0 && o.hosts().any(|h| c_hosts.contains(&h));
            // A change known by its own effect (see [`Stir`]) is not renamed after lines before it.
            let chained = o.link_to(st) > CHAIN_LINK_MIN
                && !(stirred && o.ts < c.ts)
                && near.iter().zip(&joined).any(|(m, &j)| j && (o.ts - m.ts).abs() <= tuning::CHAIN_STEP)
                && !effect_of_rival(o, &joined);
            if same_kind || same_topic || chained {
                joined[k] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let same: Vec<&ChangeEvent> = near.iter().zip(&joined).filter(|(_, &j)| j).map(|(o, _)| *o).collect();
    // The change is named after its most telling line: one a rule names over a mined change-like
    // line ("Applying configuration version" before the resource that changed), one that says what
    // changed (a captured resource or parameter, a ticket, a port) over one that only says where
    // ("Received SIGHUP; restarting" of the same play), then the earliest (a rollout's start).
    let class = |o: &ChangeEvent| (matches!(o.key.0, SignalId::Rule(_)), o.names_what);
    let top = same.iter().map(|o| class(o)).max();
    // A line whose heading says what changed is named after that heading (the task above a play's
    // "changed: [db-1]").
    let named = same.iter().filter(|o| Some(class(o)) == top).min_by_key(|o| (o.ts, o.rec)).copied().unwrap_or(c);
    // Its own lines first (each host's result of one task), then the changes chained to it, each
    // part in time order: evidence shows the change before what came with it.
    let mut recs: Vec<(bool, Millis, u32)> = same
        .iter()
        .flat_map(|o| {
            let other = !o.same_change(named);
            [(other, o.ts, o.headline()), (other, o.ts, o.rec)]
        })
        .collect();
    recs.sort_unstable();
    let mut seen = BTreeSet::new();
    recs.retain(|r| seen.insert(r.2));
    let hosts: BTreeSet<u32> = same.iter().flat_map(|o| o.hosts()).collect();
    let host_match = !st.hosts.is_empty() && st.hosts.iter().all(|h| hosts.contains(h));
    LinkedChange {
        rec: named.headline(),
        ts: c.ts,
        key: c.key,
        hosts,
        link,
        proximity: prox,
        host_match,
        recs: recs.into_iter().map(|r| r.2).collect(),
        via_topics: if (link - TOPIC_LINK).abs() < 1e-9 { c.topics & st.topics } else { 0 },
        by_time_only: false,
        stir: c.stir.filter(|_| c.stirs_until(st.onset)),
    }
}

impl ChangeEvent {
    /// Whether its visible effect (see [`Stir`]) began at it and still showed at `onset`.
    pub fn stirs_until(&self, onset: Millis) -> bool {
        self.stir.is_some_and(|s| self.ts <= onset && s.until + tuning::STIR_STEP >= onset)
    }

    /// Whether the change came before the story began. Clocks of different files lag by a second or
    /// two, so a change in another file may be stamped up to 2 s after; one in the same file as the
    /// story's first errors shares their clock (an automatic restart after a crash is not its cause).
    pub fn may_precede(&self, st: &Story) -> bool {
        self.ts <= st.onset || (self.ts <= st.onset + tuning::FILE_CLOCK_SKEW && !st.sources.contains(&self.source))
    }

    /// How strongly this change relates to a story's service, hosts and topics (0 = not at all).
    pub fn link_to(&self, st: &Story) -> f64 {
        if self.key.1 == st.service {
            // The same service on other hosts is a weaker tie: systemd restarting an app on one
            // host says nothing about systemd's errors on another.
            let elsewhere = self.host != 0 && !st.hosts.is_empty() && !self.hosts().any(|h| st.hosts.contains(&h));
            if !elsewhere {
                return tuning::LINK_SAME_SERVICE;
            }
            if !self.per_host_daemon {
                return tuning::LINK_SAME_SERVICE_ELSEWHERE;
            }
        }
        if self.mentioned_services.contains(&st.service) {
            return tuning::LINK_NAMES_SERVICE;
        }
        // A change on the very host and port the errors name (a firewall rule for 5432 on the
        // database the app cannot reach) is tied more closely than one that merely ran on a
        // failing host (the same play reloading sshd there).
        if self.ports.iter().any(|p| st.named_ports.contains(p)) && self.hosts().any(|h| st.named_hosts.contains(&h)) {
            return NAMED_PORT_LINK;
        }
        if self.hosts().any(|h| st.hosts.contains(&h)) {
            return tuning::LINK_SHARED_HOST;
        }
        // The errors name what the change touched: "Killed process 812 (recommender)" after a flag
        // of the recommender, "upstream pay-2 timed out" after a change on pay-2.
        let touched = std::iter::once(self.key.1).chain(self.mentioned_services.iter().copied());
        if touched.into_iter().any(|s| st.named_services.contains(&s)) {
            return tuning::LINK_ERRORS_NAME_SERVICE;
        }
        if self.hosts().any(|h| st.named_hosts.contains(&h)) {
            return tuning::LINK_ERRORS_NAME_HOST;
        }
        // A clock step before tokens "used before issued": no name connects them, their meaning does.
        if self.topics & st.topics != 0 {
            return TOPIC_LINK;
        }
        let story_subsystem = st.subsystem.as_str();
        // A database migration before database errors, a DNS change before resolution failures:
        // the same specific subsystem is a weaker link when names do not connect them.
        // A change on a database host (its audit record says only "parameter.set") before database
        // errors elsewhere: the subsystem of what the change touched.
        if st.subsystem_is_specific
            && (self.subsystem.as_deref() == Some(story_subsystem)
                || self.touched_subsystems.iter().any(|s| s == story_subsystem))
        {
            return tuning::LINK_SUBSYSTEM;
        }
        0.0
    }
}
