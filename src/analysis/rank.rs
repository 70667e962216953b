//! Ranking: per-signal evidence (onset, rates against baseline, host split),
//! stories (a service's errors that began before the users noticed, with the
//! change that triggered them), verdicts and reasons.

use super::signals::{Role, Signal, SignalId, SignalKey, SignalTable};
use super::stats::{change_point_up, poisson_g};
use super::tuning;
use super::window::Window;
use crate::findings::{Cause, Evidence, SignalKind, SignalRef, Verdict};
use crate::index::Index;
use crate::time::{clock, human_duration, Millis, MS_PER_MIN, MS_PER_SEC};
use std::collections::{BTreeSet, HashMap, HashSet};

pub use super::tuning::{CAUSE_TOLERANCE, CHANGE_HORIZON, LATE_TOLERANCE, LEAD, LIKELY_THRESHOLD};
use super::tuning::{CHAIN_LINK_MIN, CHANGE_DECAY, OCCASION_GAP, TIME_LINK, TIME_ONLY_SPAN, TOPIC_LINK};

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
    let elevated =
        (after_k >= 3 && (new || (g >= 10.0 && after_rate >= 2.0 * base_per_min.max(1e-9)))) || (new && serious);
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

/// A service's problem signals that moved together.
#[derive(Clone, Debug, Default)]
pub struct Story {
    pub service: u32,
    pub stats: Vec<SignalStat>,
    pub onset: Millis,
    pub hosts: Vec<u32>,
    pub g: f64,
    pub new: bool,
    pub change: Option<LinkedChange>,
    pub score: f64,
    /// 1 for errors and worse, less for warnings.
    pub severity: f64,
    /// The subsystem its rules name most (or guessed from the service name).
    pub subsystem: String,
    /// Topics its signals are about (see [`Topics`]).
    pub topics: u64,
    /// Other services and hosts its first error lines name ("Killed process 812 (recommender)").
    pub named_services: Vec<u32>,
    pub named_hosts: Vec<u32>,
    /// Files its first error lines come from: a change in one of them shares their clock.
    pub sources: Vec<u32>,
    /// The service of an earlier story that its errors name: it is downstream of that one.
    pub downstream_of: Option<u32>,
    /// A host its errors name, where an earlier story of another service began ("can't connect to
    /// MySQL server on 'db-2'" after db-2's disk errors).
    pub downstream_of_host: Option<u32>,
    /// On the hosts or service that fail, or named by a story that is (see [`mark_failing_path`]).
    pub on_failing_path: bool,
    /// Off the failing path and minutes ahead of the failures (set by [`score_stories`]).
    pub detached: bool,
    /// Its first errors are timeouts: the service waited on something else (see [`waits`]).
    pub waits: bool,
    /// The service of a new story that began shortly before these timeouts: what they likely
    /// waited on (set by [`score_stories`]).
    pub waited_on: Option<u32>,
    /// The service of a new story that began between its linked change and it (set by [`score_stories`]).
    pub overtaken_by: Option<u32>,
}

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
}

impl LinkedChange {
    /// Tied to its story by a topic or by time alone, not by a host or service name.
    pub fn not_by_name(&self) -> bool {
        self.via_topics != 0 || self.by_time_only
    }
}

/// One change event.
#[derive(Clone, Debug)]
pub struct ChangeEvent {
    pub rec: u32,
    pub ts: Millis,
    pub key: (SignalId, u32),
    /// The line's mined template: what separates one cron command, or one unit, from another
    /// under the same rule.
    pub template: u32,
    pub host: u32,
    /// Hosts named in the line's text.
    pub mentioned_hosts: Vec<u32>,
    /// Services named in the line's text.
    pub mentioned_services: Vec<u32>,
    /// The subsystem its rule names (none for mined change-like templates).
    pub subsystem: Option<String>,
    /// Topics it is about (its rule's `relates`, and the topic words its line names).
    pub topics: u64,
    /// The file it was read from.
    pub source: u32,
    /// Subsystems of the services it touched: those running on its hosts and those it names.
    pub touched_subsystems: Vec<String>,
    /// Its service runs on most hosts (systemd, the kernel, cron): on one host it acts on that
    /// host's units, and says nothing about the same daemon's lines on another.
    pub per_host_daemon: bool,
    /// What changed (see [`change_identity`]): two lines of one rule or template are one change
    /// only when this agrees (`SET GLOBAL long_query_time` and `SET GLOBAL max_connections` are two).
    pub identity: u64,
    /// It takes effect the moment it happens (its rule says `at_once`): it explains only failures
    /// that followed at once (see [`Pace`]).
    pub at_once: bool,
}

/// Topics (see `relates` in `rules/`) as bit sets: what a rule relates to, what a line names.
pub struct Topics {
    names: Vec<String>,
    words: Vec<(u64, String)>,
    by_rule: Vec<u64>,
}

impl Topics {
    /// At most 64 topics: tags past that are ignored.
    pub fn new(rules: &crate::rules::RuleSet) -> Topics {
        let mut names: Vec<String> = rules.topics.keys().cloned().collect();
        for r in &rules.rules {
            for t in &r.relates {
                if !names.contains(t) {
                    names.push(t.clone());
                }
            }
        }
        names.truncate(64);
        let bit = |t: &str| names.iter().position(|n| n == t).map(|i| 1u64 << i).unwrap_or(0);
        let words = rules
            .topics
            .iter()
            .flat_map(|(t, ws)| ws.iter().map(move |w| (t, w)))
            .map(|(t, w)| (bit(t), w.clone()))
            .filter(|(b, _)| *b != 0)
            .collect();
        let by_rule = rules.rules.iter().map(|r| r.relates.iter().fold(0, |acc, t| acc | bit(t))).collect();
        Topics { names, words, by_rule }
    }

    pub fn of_rule(&self, rule: u32) -> u64 {
        self.by_rule.get(rule as usize).copied().unwrap_or(0)
    }

    /// Topics whose words the text names (as whole words).
    pub fn of_text(&self, text: &[u8]) -> u64 {
        self.words.iter().filter(|(_, w)| mentions(text, w)).fold(0, |acc, (b, _)| acc | b)
    }

    /// Topics of a signal: its rule's relations, or for a mined template the words its text names.
    pub fn of_signal(&self, index: &Index, id: SignalId) -> u64 {
        match id {
            SignalId::Rule(r) => self.of_rule(r),
            SignalId::Pattern(p) => {
                index.templates.templates.get(p as usize).map(|t| self.of_text(t.text.as_bytes())).unwrap_or(0)
            }
        }
    }

    /// Names of the topics in a bit set, comma-separated.
    pub fn names(&self, bits: u64) -> String {
        let v: Vec<&str> =
            self.names.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, n)| n.as_str()).collect();
        v.join(", ")
    }
}

/// Whether `needle` occurs in `hay` as a word start (not inside a longer word), case-insensitively.
pub fn mentions(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    if n.len() < 2 || hay.len() < n.len() {
        return false;
    }
    let is_word = |c: u8| c.is_ascii_alphanumeric();
    let mut i = 0;
    while i + n.len() <= hay.len() {
        if hay[i..i + n.len()].eq_ignore_ascii_case(n) {
            let before_ok = i == 0 || !is_word(hay[i - 1]);
            // `auth` matches `auth-service` and `auth_2`, not `authz`; `db-1` does not match `db-10`.
            let after_ok = hay.get(i + n.len()).is_none_or(|c| !is_word(*c));
            if before_ok && after_ok {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Interned names (id, name) worth looking for in a line: at least `min_len` long, at most 4096
/// of them (a line naming thousands of hosts is not worth quadratic work).
fn name_table(names: &[String], min_len: usize) -> Vec<(u32, &str)> {
    names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| n.len() >= min_len)
        .take(4096)
        .map(|(i, n)| (i as u32, n.as_str()))
        .collect()
}

pub fn change_events(index: &Index, t: &SignalTable, topics: &Topics) -> Vec<ChangeEvent> {
    let hosts = name_table(index.hosts.names(), 2);
    let services = name_table(index.services.names(), 2);
    let mut out = Vec::with_capacity(t.changes.len());
    let all_hosts: BTreeSet<u32> = t.service_hosts.values().flatten().copied().collect();
    let per_host_daemon = |service: u32| {
        let n = t.service_hosts.get(&service).map_or(0, |hs| hs.len());
        n >= 3 && 2 * n >= all_hosts.len()
    };
    for &rec in &t.changes {
        let i = rec as usize;
        let r = &index.records;
        let id = if r.rule(i) != crate::rules::NO_RULE {
            SignalId::Rule(r.rule(i))
        } else {
            SignalId::Pattern(r.template(i))
        };
        let text = index.record_bytes(i);
        // Bounded by `name_table`: a change line naming thousands of hosts is not worth quadratic work.
        let mentioned_hosts: Vec<u32> =
            hosts.iter().filter(|(h, n)| *h != r.host(i) && mentions(text, n)).map(|(h, _)| *h).collect();
        let mentioned_services: Vec<u32> =
            services.iter().filter(|(s, n)| *s != r.service(i) && mentions(text, n)).map(|(s, _)| *s).collect();
        let subsystem = match id {
            SignalId::Rule(rule) => index.rules.get(rule).map(|r| r.subsystem.clone()),
            SignalId::Pattern(_) => None,
        };
        let own = if let SignalId::Rule(rule) = id { topics.of_rule(rule) } else { 0 };
        let change_hosts: Vec<u32> =
            std::iter::once(r.host(i)).filter(|&h| h != 0).chain(mentioned_hosts.iter().copied()).collect();
        let mut touched_subsystems: Vec<String> = t
            .service_hosts
            .iter()
            .filter(|(&svc, hs)| svc != r.service(i) && change_hosts.iter().any(|h| hs.contains(h)))
            .map(|(&svc, _)| svc)
            .chain(mentioned_services.iter().copied())
            .map(|svc| guess_subsystem(index.services.get(svc)))
            .collect();
        touched_subsystems.sort();
        touched_subsystems.dedup();
        out.push(ChangeEvent {
            rec,
            ts: r.ts(i),
            key: (id, r.service(i)),
            template: r.template(i),
            host: r.host(i),
            mentioned_hosts,
            mentioned_services,
            subsystem,
            topics: own | topics.of_text(text),
            source: r.source(i),
            touched_subsystems,
            per_host_daemon: per_host_daemon(r.service(i)),
            identity: change_identity(event_title(index, rec).as_bytes(), &hosts),
            at_once: match id {
                SignalId::Rule(rule) => index.rules.get(rule).is_some_and(|r| r.at_once),
                // A change-like line no rule names may be a deploy whose effect takes minutes.
                SignalId::Pattern(_) => false,
            },
        });
    }
    out
}

/// The identity of a change line: its change ticket when it names one (`CHG-4411 started` and
/// `CHG-4411 done` are one change), else its subject words in order — the words without digits
/// that are not host names (`SET GLOBAL max_connections`, `token.alg`), so values, versions, ids
/// and the host each line ran on do not split one change applied across a fleet.
pub fn change_identity(title: &[u8], hosts: &[(u32, &str)]) -> u64 {
    use std::hash::Hasher;
    let mut h = crate::hash::WordHasher::default();
    if let Some(ticket) = change_id(title) {
        h.write(ticket.as_bytes());
        return h.finish();
    }
    let is_word = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/');
    for word in title.split(|c| !is_word(c)).filter(|w| w.len() >= 2) {
        let edge = |c: &u8| matches!(c, b'.' | b'-' | b'/');
        let start = word.iter().position(|c| !edge(c)).unwrap_or(word.len());
        let end = word.iter().rposition(|c| !edge(c)).map_or(start, |e| e + 1);
        let word = &word[start..end.max(start)];
        if word.is_empty() || word.iter().any(u8::is_ascii_digit) {
            continue;
        }
        if hosts.iter().any(|(_, n)| n.as_bytes().eq_ignore_ascii_case(word)) {
            continue;
        }
        h.write(&word.to_ascii_lowercase());
        h.write_u64(0xff);
    }
    h.finish()
}

impl ChangeEvent {
    /// Lines of the same rule or template, service and subject: one change, wherever it ran.
    pub fn same_change(&self, other: &ChangeEvent) -> bool {
        self.key == other.key && self.identity == other.identity
    }

    pub fn hosts(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.host).filter(|&h| h != 0).chain(self.mentioned_hosts.iter().copied())
    }

    /// Whether the change came before the story began. Clocks of different files lag by a second or
    /// two, so a change in another file may be stamped up to 2 s after; one in the same file as the
    /// story's first errors shares their clock (an automatic restart after a crash is not its cause).
    pub fn may_precede(&self, st: &Story) -> bool {
        self.ts <= st.onset || (self.ts <= st.onset + 2 * MS_PER_SEC && !st.sources.contains(&self.source))
    }

    /// How strongly this change relates to a story's service, hosts and topics (0 = not at all).
    pub fn link_to(&self, st: &Story) -> f64 {
        if self.key.1 == st.service {
            // The same service on other hosts is a weaker tie: systemd restarting an app on one
            // host says nothing about systemd's errors on another.
            let elsewhere = self.host != 0 && !st.hosts.is_empty() && !self.hosts().any(|h| st.hosts.contains(&h));
            if !elsewhere {
                return 1.0;
            }
            if !self.per_host_daemon {
                return 0.5;
            }
        }
        if self.mentioned_services.contains(&st.service) {
            return 0.9;
        }
        if self.hosts().any(|h| st.hosts.contains(&h)) {
            return 0.8;
        }
        // The errors name what the change touched: "Killed process 812 (recommender)" after a flag
        // of the recommender, "upstream pay-2 timed out" after a change on pay-2.
        let touched = std::iter::once(self.key.1).chain(self.mentioned_services.iter().copied());
        if touched.into_iter().any(|s| st.named_services.contains(&s)) {
            return 0.8;
        }
        if self.hosts().any(|h| st.named_hosts.contains(&h)) {
            return 0.75;
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
        let generic = ["deploy", "config", "app", "web", "system", ""];
        if !generic.contains(&story_subsystem)
            && (self.subsystem.as_deref() == Some(story_subsystem)
                || self.touched_subsystems.iter().any(|s| s == story_subsystem))
        {
            return 0.6;
        }
        0.0
    }
}

/// Drops routine changes. A change is counted in *occasions*: its lines less than 5 minutes
/// apart are one (a playbook run touching every host is one occasion, not seven). Kinds are told
/// apart by rule (or template), service and the line's template, so a sysstat job every ten
/// minutes does not make a never-seen cron command routine.
/// - A kind of change that a rule names is routine when it happened about hourly or more through the
///   baseline (log rotation, cron-driven restarts, periodic sessions): a deploy a day is not.
/// - A change-like line that no rule names (a mined template such as "Starting Rotate log
///   files...") is routine once it happened on two occasions in the baseline without an incident.
/// - A kind whose rule says `news_once` (cron's commands) is news only the first time its line is
///   seen: any earlier occasion makes it routine.
pub fn without_routine(
    changes: Vec<ChangeEvent>,
    baseline_end: Millis,
    data_start: Millis,
    rules: &crate::rules::RuleSet,
) -> Vec<ChangeEvent> {
    let hours = ((baseline_end - data_start) as f64 / crate::time::MS_PER_HOUR as f64).max(0.0);
    let mut times: HashMap<((SignalId, u32), u32), Vec<Millis>> = HashMap::new();
    for c in changes.iter().filter(|c| c.ts < baseline_end) {
        times.entry((c.key, c.template)).or_default().push(c.ts);
    }
    let occasions: HashMap<((SignalId, u32), u32), usize> = times
        .into_iter()
        .map(|(key, mut ts)| {
            ts.sort_unstable();
            (key, 1 + ts.windows(2).filter(|w| w[1] - w[0] >= OCCASION_GAP).count())
        })
        .collect();
    // Kinds that are news once: the earliest time each line was seen.
    let mut first_seen: HashMap<((SignalId, u32), u32), Millis> = HashMap::new();
    for c in &changes {
        let first = first_seen.entry((c.key, c.template)).or_insert(c.ts);
        *first = (*first).min(c.ts);
    }
    let news_once = |c: &ChangeEvent| match c.key.0 {
        SignalId::Rule(r) => rules.get(r).is_some_and(|r| r.news_once),
        SignalId::Pattern(_) => false,
    };
    changes
        .into_iter()
        .filter(|c| {
            if news_once(c) && first_seen.get(&(c.key, c.template)).is_some_and(|&t| t < c.ts - OCCASION_GAP) {
                return false;
            }
            let n = occasions.get(&(c.key, c.template)).copied().unwrap_or(0) as f64;
            let routine = match c.key.0 {
                // Hourly, give or take the edges of the data: three occasions or more, at most
                // an hour and a half apart on average.
                SignalId::Rule(_) => n >= 3.0 && hours > 0.0 && hours / n <= 1.5,
                SignalId::Pattern(_) => n >= 2.0,
            };
            !routine
        })
        .collect()
}

pub fn proximity(change_ts: Millis, onset: Millis) -> f64 {
    let d = (onset - change_ts).max(0) as f64;
    (-d / CHANGE_DECAY).exp()
}

/// Builds stories from early elevated error signals (begun no later than `tolerance` after the
/// onset), grouped by service.
pub fn stories(stats: &[SignalStat], t: &SignalTable, onset: Millis, tolerance: i64) -> (Vec<Story>, Vec<SignalStat>) {
    let mut by_service: HashMap<u32, Vec<SignalStat>> = HashMap::new();
    let mut late = Vec::new();
    for s in stats.iter().filter(|s| s.elevated) {
        if s.onset <= onset + tolerance {
            by_service.entry(t.signals[s.sig].key.service).or_default().push(s.clone());
        } else {
            late.push(s.clone());
        }
    }
    let mut out: Vec<Story> = by_service
        .into_iter()
        .map(|(service, mut v)| {
            v.sort_by(|a, b| a.onset.cmp(&b.onset).then(b.inc_count.cmp(&a.inc_count)));
            let total: u64 = v.iter().map(|s| s.inc_count).sum();
            let mut host_counts: HashMap<u32, u64> = HashMap::new();
            for s in &v {
                for &(h, c) in &s.hosts {
                    *host_counts.entry(h).or_default() += c;
                }
            }
            let mut hosts: Vec<(u32, u64)> =
                host_counts.into_iter().filter(|&(h, c)| h != 0 && c * 20 >= total.max(1)).collect();
            hosts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Story {
                service,
                onset: v[0].onset,
                g: v.iter().map(|s| s.g).fold(0.0, f64::max),
                new: v.iter().any(|s| s.new),
                hosts: hosts.into_iter().map(|h| h.0).collect(),
                stats: v,
                change: None,
                score: 0.0,
                severity: 1.0,
                subsystem: String::new(),
                topics: 0,
                named_services: Vec::new(),
                named_hosts: Vec::new(),
                sources: Vec::new(),
                downstream_of: None,
                downstream_of_host: None,
                on_failing_path: false,
                detached: false,
                waits: false,
                waited_on: None,
                overtaken_by: None,
            }
        })
        .collect();
    out.sort_by(|a, b| a.onset.cmp(&b.onset).then(a.service.cmp(&b.service)));
    (out, late)
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
            substantial: s.substantial(),
        })
        .collect();
    let reaction = |c: &ChangeEvent| {
        failing.iter().any(|f| {
            let same_place = if c.host != 0 { f.hosts.contains(&c.host) } else { f.service == c.key.1 };
            let after = (f.substantial && f.onset + 2 * MS_PER_SEC < c.ts)
                || (f.sources.contains(&c.source) && f.onset <= c.ts);
            same_place && after && c.ts - f.onset <= 5 * MS_PER_MIN
        })
    };
    for st in stories.iter_mut() {
        let mut best: Option<(f64, &ChangeEvent, f64, f64)> = None;
        for c in changes {
            if !c.may_precede(st)
                || c.ts < st.onset - CHANGE_HORIZON
                || reaction(c)
                || (c.at_once && !pace.prompt(c.ts, st.onset))
            {
                continue;
            }
            let link = c.link_to(st);
            if link == 0.0 {
                continue;
            }
            let prox = proximity(c.ts, st.onset);
            let w = link * prox;
            if best.is_none_or(|b| w > b.0 || (w == b.0 && c.ts < b.1.ts)) {
                best = Some((w, c, link, prox));
            }
        }
        if let Some((_, c, link, prox)) = best {
            st.change = Some(linked(c, changes, st, link, prox));
        } else if st.new && st.substantial() {
            // Only a change never seen before: a job that ran earlier today is not news.
            let seen_before = |c: &ChangeEvent| {
                changes.iter().any(|o| o.key == c.key && o.template == c.template && o.ts < c.ts - OCCASION_GAP)
            };
            let just_before = changes
                .iter()
                .filter(|c| c.may_precede(st) && st.onset - c.ts <= TIME_ONLY_SPAN && !reaction(c) && !seen_before(c))
                .max_by_key(|c| (c.ts, std::cmp::Reverse(c.rec)));
            if let Some(c) = just_before {
                let mut change = linked(c, changes, st, TIME_LINK, proximity(c.ts, st.onset));
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
/// it led to) is one event; its earliest line is the trigger.
pub fn linked(c: &ChangeEvent, changes: &[ChangeEvent], st: &Story, link: f64, prox: f64) -> LinkedChange {
    const SPAN: Millis = 15 * MS_PER_MIN;
    const STEP: Millis = 3 * MS_PER_MIN;
    let c_hosts: Vec<u32> = c.hosts().collect();
    let near: Vec<&ChangeEvent> =
        // The best line itself may be tied by time alone (no link).
        changes
            .iter()
            .filter(|o| o.rec == c.rec || (o.may_precede(st) && (o.ts - c.ts).abs() <= SPAN && o.link_to(st) > 0.0))
            .collect();
    let mut joined: Vec<bool> = near
        .iter()
        .map(|o| {
            let same_kind = o.same_change(c);
            let same_topic = o.topics & c.topics & st.topics != 0 && o.hosts().any(|h| c_hosts.contains(&h));
            o.rec == c.rec || same_kind || same_topic
        })
        .collect();
    // Other kinds of change join only when tied by name (service, host), not by a subsystem or
    // topic alone (a database tweak a minute before a deploy is a rival, not a part), and only a
    // few minutes from a line already joined: a rollout's start, each host's restart and its
    // "finished" are one chain however long the rollout.
    loop {
        let mut grew = false;
        for k in 0..near.len() {
            // Another subject under the same rule is another change, never a step of this one.
            if joined[k] || near[k].link_to(st) <= CHAIN_LINK_MIN || (near[k].key == c.key && !near[k].same_change(c)) {
                continue;
            }
            if near.iter().zip(&joined).any(|(m, &j)| j && (near[k].ts - m.ts).abs() <= STEP) {
                joined[k] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let same: Vec<&ChangeEvent> = near.iter().zip(&joined).filter(|(_, &j)| j).map(|(o, _)| *o).collect();
    let first = same.iter().min_by_key(|o| (o.ts, o.rec)).map(|o| o.rec).unwrap_or(c.rec);
    let mut recs: Vec<(Millis, u32)> = same.iter().map(|o| (o.ts, o.rec)).collect();
    recs.sort_unstable();
    recs.dedup();
    let hosts: BTreeSet<u32> = same.iter().flat_map(|o| o.hosts()).collect();
    let host_match = !st.hosts.is_empty() && st.hosts.iter().all(|h| hosts.contains(h));
    LinkedChange {
        rec: first,
        ts: c.ts,
        key: c.key,
        hosts,
        link,
        proximity: prox,
        host_match,
        recs: recs.into_iter().map(|r| r.1).collect(),
        via_topics: if (link - TOPIC_LINK).abs() < 1e-9 { c.topics & st.topics } else { 0 },
        by_time_only: false,
    }
}

/// The signal a change line belongs to.
pub fn trigger_key(index: &Index, rec: u32) -> SignalId {
    let i = rec as usize;
    if index.records.rule(i) != crate::rules::NO_RULE {
        SignalId::Rule(index.records.rule(i))
    } else {
        SignalId::Pattern(index.records.template(i))
    }
}

/// Scores stories: timing, strength, novelty, and the change that explains them.
///
/// Order matters most: errors that began before everything else outrank those that
/// followed. A story on the service that also reports the users' failures (the
/// proxy) is downstream of the cause unless a change of its own explains it; so is one
/// whose errors name the service of a story that began no later ("orders API returned 401"
/// while the orders service fails).
pub fn score_stories(stories: &mut [Story], symptom_services: &[u32], incident_onset: Millis, path_known: bool) {
    const NEAR: Millis = 5 * MS_PER_MIN;
    const STRAY_SKEW: Millis = 5 * MS_PER_SEC;
    // Minutes ahead of the failures, on other hosts and services, and named by nothing that
    // fails: something else broke first (a deploy's own hiccup), not necessarily the cause.
    let detached = |s: &Story| path_known && !s.on_failing_path && incident_onset - s.onset > NEAR;
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
        st.downstream_of = begun
            .iter()
            .find(|&&(svc, onset)| svc != st.service && onset <= st.onset && st.named_services.contains(&svc))
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
                    && st.onset - r.onset <= NEAR
            })
            .min_by_key(|r| r.onset)
            .map(|r| (r.onset, r.service));
        st.waited_on = waited_on.map(|(_, service)| service);
        let waited_on_onset = waited_on.map(|(onset, _)| onset);
        let lead = incident_onset - st.onset;
        let timing = if lead < 0 {
            0.9
        } else if lead <= NEAR {
            1.0
        } else {
            (-((lead - NEAR) as f64) / (15.0 * MS_PER_MIN as f64)).exp()
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
        let after = |e: Millis| ((st.onset - e).max(0) as f64 / MS_PER_MIN as f64).min(1.0);
        let order = if st.substantial() {
            let tied = tied_earliest.map_or(0.0, |e| 0.6 * after(e));
            let any = earliest.map_or(0.0, |e| 0.3 * after(e));
            1.0 - tied.max(any)
        } else {
            1.0
        };
        // A line or two stamped after the failures began did not start them, whatever explains
        // those lines (one old pod's error during a rollout); a few seconds' skew between files aside.
        let stray_after = !st.substantial() && lead < -STRAY_SKEW;
        let mut strength = 1.0 - (-st.g / 40.0).exp();
        if st.new && lead <= NEAR && !stray_after {
            // A rare event never seen before (an OOM kill, a disk-full error) is strong however few
            // its lines, when it comes with the incident; a trickle that began long before is not.
            strength = strength.max(0.6);
        }
        let mut score =
            0.15 * timing + 0.15 * order + 0.25 * strength * st.severity.min(1.0) + if st.new { 0.10 } else { 0.0 };
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
                        && st.onset - c.ts >= 2 * MS_PER_MIN
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
                Some(_) => 0.5,
                None if detached => 0.5,
                None => 1.0,
            };
            score += reach * (0.35 * c.link * c.proximity + if c.host_match { 0.05 } else { 0.0 });
        } else if symptom_services.contains(&st.service) && !first_and_new {
            score *= 0.8;
        }
        if st.downstream_of.is_some() || st.downstream_of_host.is_some() || waited_on_onset.is_some() {
            score *= 0.8;
        }
        if detached {
            score *= 0.75;
        }
        if stray_after {
            score *= 0.6;
        }
        // Unclamped, so that two strong stories still rank apart; causes show it clamped to 0..1.
        st.score = score.max(0.0);
    }
}

impl Story {
    /// More than a stray line or two.
    pub fn substantial(&self) -> bool {
        self.stats.iter().map(|s| s.inc_count).sum::<u64>() >= 3
    }
}

/// Display title of a signal.
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
    crate::text::truncate_chars(msg.trim(), 90).into_owned()
}

pub fn signal_title(index: &Index, id: SignalId) -> String {
    match id {
        SignalId::Rule(r) => index.rules.get(r).map(|r| r.title.clone()).unwrap_or_default(),
        SignalId::Pattern(p) => index
            .templates
            .templates
            .get(p as usize)
            .map(|t| crate::text::truncate_chars(&t.text, 90).into_owned())
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

/// Subsystem of a signal: the rule's, or a guess from the service name for mined templates.
pub fn subsystem_of(index: &Index, id: SignalId, service: u32) -> String {
    if let SignalId::Rule(r) = id {
        if let Some(rule) = index.rules.get(r) {
            return rule.subsystem.clone();
        }
    }
    guess_subsystem(index.services.get(service))
}

pub fn guess_subsystem(service: &str) -> String {
    let s = service.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    let sub = if has(&["postgres", "mysql", "mariadb", "mongo", "redis", "db", "sql", "cassandra"]) {
        "database"
    } else if has(&["auth", "login", "sso", "oauth", "ldap", "keycloak", "sshd", "identity", "token"]) {
        "auth"
    } else if has(&["nginx", "proxy", "haproxy", "envoy", "access", "httpd", "apache", "ingress", "lb"]) {
        "web"
    } else if has(&["dns", "resolv", "named", "unbound", "bind", "network", "firewall", "iptables"]) {
        "network"
    } else if has(&["kernel", "systemd", "cron", "ntp", "chrony", "timesyncd", "syslog", "oom"]) {
        "system"
    } else if has(&["deploy", "audit", "config", "release", "argo", "jenkins", "ci"]) {
        "deploy"
    } else {
        return if s.is_empty() { "app".into() } else { s };
    };
    sub.to_string()
}

pub fn evidence(index: &Index, rec: u32) -> Evidence {
    let i = rec as usize;
    let ts = index.records.ts(i);
    Evidence {
        path: index.path_of(i),
        line: index.line_of(i) as u64,
        ts: (ts != crate::time::NO_TIME).then_some(ts),
        text: String::from_utf8_lossy(index.first_line(i)).chars().take(2000).collect(),
        record: Some(rec),
    }
}

pub fn host_names(index: &Index, hosts: impl IntoIterator<Item = u32>) -> Vec<String> {
    hosts.into_iter().filter(|&h| h != 0).map(|h| index.hosts.get(h).to_string()).collect()
}

/// `CHG-4411`, `INC-12`, `JIRA-881`: a change ticket named in a line, if any.
pub fn change_id(text: &[u8]) -> Option<String> {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::bytes::Regex::new(r"\b[A-Z][A-Z0-9]{1,9}-[0-9]{2,8}\b").expect("static regex"));
    re.find(text).map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
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
    if lead > MS_PER_SEC {
        reasons.push(format!("began {} before the first {symptom_name}", human_duration(lead)));
    } else if lead >= -MS_PER_SEC {
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
        if c.via_topics != 0 {
            reasons.push(format!(
                "the change and the errors are both about {} (no host or service name ties them); it acted on {}",
                Topics::new(&index.rules).names(c.via_topics),
                host_names(index, c.hosts.iter().copied()).join(", ")
            ));
        }
        title = format!("{change_title} → {error_title}");
        evidence_recs.push(c.rec);
        for &r in c.recs.iter().skip(1).take(2) {
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
    for s in st.stats.iter().take(3) {
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
    for s in st.stats.iter().skip(1).take(4) {
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
        evidence: evidence_recs.into_iter().take(4).map(|r| evidence(index, r)).collect(),
        related,
    }
}

/// The earliest record of signal `key` on one of `hosts` at or after `from`, searching each
/// source from `from` on (sources are in file order, which is time order in practice) for a
/// bounded number of records.
fn first_on_hosts(index: &Index, key: SignalKey, hosts: &[u32], from: Millis) -> Option<u32> {
    const LOOK_AHEAD: usize = 50_000;
    let r = &index.records;
    let is_signal = |i: usize| match key.id {
        SignalId::Rule(rule) => r.rule(i) == rule,
        SignalId::Pattern(t) => r.rule(i) == crate::rules::NO_RULE && r.template(i) == t,
    };
    let mut best: Option<(Millis, u32)> = None;
    for k in 0..r.runs().len() {
        let run = r.run_range(k);
        // A file is mostly one host's: skip those that begin and end on other hosts.
        if run.is_empty() || !(hosts.contains(&r.host(run.start)) || hosts.contains(&r.host(run.end - 1))) {
            continue;
        }
        // The first record at or after `from` (untimed records sort as early: they are skipped).
        let (mut lo, mut hi) = (run.start, run.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let ts = r.ts(mid);
            if ts == crate::time::NO_TIME || ts < from {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for i in lo..run.end.min(lo + LOOK_AHEAD) {
            let ts = r.ts(i);
            if best.is_some_and(|(b, _)| ts >= b) {
                break;
            }
            if hosts.contains(&r.host(i)) && r.service(i) == key.service && is_signal(i) && key.band.holds(r.level(i)) {
                best = Some((ts, i as u32));
                break;
            }
        }
    }
    best.map(|(_, i)| i)
}

pub fn story_subsystem(index: &Index, t: &SignalTable, st: &Story) -> String {
    let mut votes: HashMap<String, u64> = HashMap::new();
    for s in &st.stats {
        let sig = &t.signals[s.sig];
        if let SignalId::Rule(_) = sig.key.id {
            *votes.entry(subsystem_of(index, sig.key.id, sig.key.service)).or_default() += s.inc_count + 1;
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|v| v.0)
        .unwrap_or_else(|| guess_subsystem(index.services.get(st.service)))
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Where the incident shows: the hosts that fail, the services that report the failures, and
/// the endpoint that fails most.
#[derive(Debug, Default)]
pub struct FailingPath {
    pub hosts: Vec<u32>,
    pub services: Vec<u32>,
    pub endpoint: Option<String>,
}

impl FailingPath {
    pub fn is_known(&self) -> bool {
        !self.hosts.is_empty() || !self.services.is_empty() || self.endpoint.is_some()
    }

    /// A service serves the failing endpoint when a word of its name of 4 letters or more
    /// names a path segment, or its plural: `orders-api` and `GET /v1/orders/{id}`, `payout`
    /// and `POST /v1/payouts`.
    fn serves_endpoint(&self, service: &str) -> bool {
        let Some(endpoint) = &self.endpoint else { return false };
        service
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 4 && !GENERIC_SERVICE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
            .any(|w| mentions(endpoint.as_bytes(), w) || mentions(endpoint.as_bytes(), &format!("{w}s")))
    }
}

/// Words of service names that say nothing about what a service serves.
const GENERIC_SERVICE_WORDS: &[&str] = &["service", "server", "daemon", "worker", "proxy", "http", "main", "prod"];

/// Marks the stories on the failing path: on a failing host, of a service that reports the
/// failures or serves the failing endpoint, or named by such a story (a dependency its errors
/// mention: "connection to db-1 refused").
pub fn mark_failing_path(stories: &mut [Story], index: &Index, path: &FailingPath) {
    for st in stories.iter_mut() {
        st.on_failing_path = st.hosts.iter().any(|h| path.hosts.contains(h))
            || path.services.contains(&st.service)
            || path.serves_endpoint(index.services.get(st.service));
    }
    let direct: Vec<(Vec<u32>, Vec<u32>)> = stories
        .iter()
        .filter(|s| s.on_failing_path)
        .map(|s| (s.named_services.clone(), s.named_hosts.clone()))
        .collect();
    for st in stories.iter_mut().filter(|s| !s.on_failing_path) {
        st.on_failing_path = direct
            .iter()
            .any(|(services, hosts)| services.contains(&st.service) || st.hosts.iter().any(|h| hosts.contains(h)));
    }
}

/// Role of a signal, for callers that only hold its index.
pub fn is_error(t: &SignalTable, idx: usize) -> bool {
    t.signals[idx].role == Role::Error
}

/// What ties a story to changes besides its service and hosts: its topics, the services and hosts
/// its first error lines name, and the files they come from.
pub fn set_context(stories: &mut [Story], t: &SignalTable, index: &Index, topics: &Topics) {
    // Names shorter than 4 characters ("api", "db") are too common in messages to tie anything.
    let services = name_table(index.services.names(), 4);
    let hosts = name_table(index.hosts.names(), 4);
    for st in stories.iter_mut() {
        st.topics = st.stats.iter().fold(0, |acc, s| acc | topics.of_signal(index, t.signals[s.sig].key.id));
        st.waits = st.stats.first().is_some_and(|s| waits(index, t.signals[s.sig].key.id));
        st.sources.clear();
        st.named_services.clear();
        st.named_hosts.clear();
        for s in st.stats.iter().take(8) {
            let i = s.onset_rec as usize;
            let source = index.records.source(i);
            if !st.sources.contains(&source) {
                st.sources.push(source);
            }
            let text = index.record_bytes(i);
            for &(id, name) in &services {
                if id != st.service && !st.named_services.contains(&id) && mentions(text, name) {
                    st.named_services.push(id);
                }
            }
            // A client's error names its server by port as often as by name ("connection to server
            // at 10.90.1.10, port 5432 failed").
            for &(id, name) in &services {
                if id != st.service && !st.named_services.contains(&id) && port_names_service(text, name) {
                    st.named_services.push(id);
                }
            }
            for &(id, name) in &hosts {
                if id != index.records.host(i) && !st.named_hosts.contains(&id) && mentions(text, name) {
                    st.named_hosts.push(id);
                }
            }
        }
    }
}

/// Default ports of the servers applications most often fail to reach, and the words their
/// services go by.
const SERVER_PORTS: &[(&str, &[&str])] = &[
    ("5432", &["postgres", "postgresql", "pgbouncer"]),
    ("6432", &["pgbouncer"]),
    ("3306", &["mysql", "mysqld", "mariadb"]),
    ("6379", &["redis", "redis-server"]),
    ("27017", &["mongod", "mongodb"]),
    ("9200", &["elasticsearch", "opensearch"]),
    ("9092", &["kafka"]),
    ("5672", &["rabbitmq"]),
    ("11211", &["memcached"]),
];

/// Does `text` name, by its default port (`:5432`, `port 5432`), the server that `service` runs?
fn port_names_service(text: &[u8], service: &str) -> bool {
    let runs = |name: &str| {
        service.len() >= name.len()
            && service.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(service.as_bytes().get(name.len()), None | Some(b'-' | b'@'))
    };
    SERVER_PORTS.iter().any(|(port, names)| {
        names.iter().any(|n| runs(n))
            && memchr::memmem::find_iter(text, port.as_bytes()).any(|at| {
                let before = &text[..at];
                !text.get(at + port.len()).is_some_and(u8::is_ascii_digit)
                    && (before.ends_with(b":")
                        || before.len() >= 5 && before[before.len() - 5..].eq_ignore_ascii_case(b"port "))
            })
    })
}

/// Does a signal say its service waited on something else and gave up? A rule says so
/// (`waits = true`); a mined template, by naming a timeout ("WORKER TIMEOUT", "deadline exceeded").
pub fn waits(index: &Index, id: SignalId) -> bool {
    match id {
        SignalId::Rule(r) => index.rules.get(r).is_some_and(|r| r.waits),
        SignalId::Pattern(p) => index.templates.templates.get(p as usize).is_some_and(|t| {
            let text = t.text.as_bytes();
            ["timeout", "timed out", "deadline exceeded"].iter().any(|w| mentions(text, w))
        }),
    }
}

/// Severity of a story: the worst level among its signals' onset records, weighted by rule weight.
/// Also sets each story's subsystem.
pub fn set_severity(stories: &mut [Story], t: &SignalTable, index: &Index) {
    for st in stories.iter_mut() {
        st.subsystem = story_subsystem(index, t, st);
        let mut sev: f64 = 0.0;
        for s in &st.stats {
            let level = index.records.level(s.onset_rec as usize);
            let mut v = if level >= crate::format::Level::Error { 1.0 } else { 0.7 };
            if let SignalId::Rule(r) = t.signals[s.sig].key.id {
                if let Some(rule) = index.rules.get(r) {
                    // Rules that name a real failure are errors whatever the line's level says.
                    v = f64::max(v, (0.8 + 0.2 * rule.weight as f64).min(1.2));
                }
            }
            sev = sev.max(v);
        }
        st.severity = sev.max(0.5);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_respects_word_boundaries() {
        assert!(mentions(b"applied to auth-2, auth-3", "auth-2"));
        assert!(mentions(b"service=auth-service", "auth"));
        assert!(!mentions(b"oauth token", "auth"));
        assert!(!mentions(b"host db-10 ready", "db-1"));
        assert!(mentions(b"host DB-1 ready", "db-1"));
        assert!(!mentions(b"authz", "auth"));
    }

    #[test]
    fn a_service_serves_the_endpoint_its_name_spells() {
        let path = |e: &str| FailingPath { endpoint: Some(e.into()), ..Default::default() };
        assert!(path("GET /v1/orders/{id}").serves_endpoint("orders-api"));
        assert!(path("POST /v1/payouts").serves_endpoint("payout"));
        assert!(path("POST /api/checkout").serves_endpoint("checkout"));
        // Generic and short words tie nothing; nor does a word inside another.
        assert!(!path("GET /api/worker/status").serves_endpoint("search-worker"));
        assert!(!path("GET /api/v1/items").serves_endpoint("api"));
        assert!(!path("GET /v1/reportsummary").serves_endpoint("reports"));
        assert!(!FailingPath::default().serves_endpoint("orders"));
        assert!(!FailingPath::default().is_known());
    }

    fn change_on(service: u32, host: u32) -> ChangeEvent {
        ChangeEvent {
            rec: 0,
            ts: 0,
            key: (SignalId::Rule(0), service),
            template: 0,
            host,
            mentioned_hosts: Vec::new(),
            mentioned_services: Vec::new(),
            subsystem: None,
            topics: 0,
            source: 0,
            touched_subsystems: Vec::new(),
            per_host_daemon: false,
            identity: 0,
            at_once: false,
        }
    }

    /// Two settings changed under one rule are two changes; one setting applied on several hosts,
    /// or with another value, is one; a ticket names its change whatever else the line says.
    #[test]
    fn a_changes_identity_is_what_it_changed() {
        let hosts = [(1, "db-1"), (2, "db-2")];
        let id = |t: &str| change_identity(t.as_bytes(), &hosts);
        assert_ne!(id("SET GLOBAL long_query_time = 0.5"), id("SET GLOBAL max_connections = 10"));
        assert_eq!(id("SET GLOBAL max_connections = 10"), id("SET GLOBAL max_connections = 500"));
        assert_eq!(id("parameter work_mem changed on db-1"), id("parameter work_mem changed on db-2"));
        assert_eq!(id("CHG-4411 started by mlopez"), id("CHG-4411 finished on db-2"));
        assert_ne!(id("flag checkout.new_pricing on"), id("flag search.fuzzy on"));
    }

    /// A reload acts at once: within the prompt span, or before the healthy traffic in between
    /// would have carried many failures, it explains them; six minutes of healthy traffic at 100
    /// failures a minute does not.
    #[test]
    fn a_change_acts_at_once_or_not_at_all() {
        let pace = Pace { excess_per_min: 100.0 };
        let onset = 60 * MS_PER_MIN;
        assert!(pace.prompt(onset - 2 * MS_PER_SEC, onset));
        assert!(pace.prompt(onset - tuning::PROMPT_SPAN, onset));
        assert!(!pace.prompt(onset - 6 * MS_PER_MIN, onset));
        // A trickle of failures: minutes between the change and the first one are no evidence.
        assert!(Pace { excess_per_min: 2.0 }.prompt(onset - 5 * MS_PER_MIN, onset));
    }

    #[test]
    fn link_skips_an_at_once_change_followed_by_minutes_of_healthy_traffic() {
        let onset = 60 * MS_PER_MIN;
        let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
        let story = Story { service: 4, onset, new: true, stats: vec![stat], ..Default::default() };
        let start = ChangeEvent { rec: 3, ts: onset - 6 * MS_PER_MIN, at_once: true, ..change_on(4, 0) };
        let deploy = ChangeEvent { rec: 4, ts: onset - 6 * MS_PER_MIN, identity: 1, ..change_on(4, 0) };
        let pace = Pace { excess_per_min: 100.0 };
        let mut stories = vec![story.clone()];
        link_changes(&mut stories, std::slice::from_ref(&start), pace);
        assert!(stories[0].change.is_none(), "a start six minutes before did not start the failures");
        // A deploy of the same service may act later (a pool drained, a cache expired).
        let mut stories = vec![story];
        link_changes(&mut stories, &[start, deploy], pace);
        assert_eq!(stories[0].change.as_ref().map(|c| c.rec), Some(4));
    }

    /// A zero in a short baseline means something only when the signal is frequent enough that the
    /// baseline would have shown it.
    #[test]
    fn a_short_baselines_zero_counts_when_the_rate_would_have_shown() {
        assert!(zero_means_new(45.0, 0.01));
        assert!(zero_means_new(6.0, 0.8), "two crash lines in 2.5 minutes against 6 silent minutes");
        assert!(!zero_means_new(6.0, 0.1), "one line in ten minutes could hide in six");
        assert!(!zero_means_new(1.0, 50.0), "a minute of baseline says nothing");
    }

    /// Change line 1 of `service` on host 5, linked fully to a story on that host.
    fn change_of(service: u32, ts: Millis, proximity: f64) -> LinkedChange {
        LinkedChange {
            rec: 1,
            ts,
            key: (SignalId::Rule(0), service),
            hosts: BTreeSet::from([5]),
            link: 1.0,
            proximity,
            host_match: true,
            recs: vec![1],
            via_topics: 0,
            by_time_only: false,
        }
    }

    #[test]
    fn the_same_service_on_other_hosts_is_a_weaker_link() {
        let story = Story { service: 7, hosts: vec![3], ..Default::default() };
        assert_eq!(change_on(7, 3).link_to(&story), 1.0);
        assert_eq!(change_on(7, 0).link_to(&story), 1.0);
        assert_eq!(change_on(7, 4).link_to(&story), 0.5);
        let mut naming = change_on(7, 4);
        naming.mentioned_hosts.push(3);
        assert_eq!(naming.link_to(&story), 1.0);
    }

    /// Timeouts that began 20 s after another service's new errors are their echo, however loud;
    /// without the earlier story (or with a change of their own) they keep their score.
    #[test]
    fn timeouts_after_another_new_story_wait_on_it() {
        let stat = |count: u64| SignalStat { inc_count: count, new: true, ..Default::default() };
        let story = |service: u32, onset: Millis, g: f64, waits: bool, count: u64| Story {
            service,
            onset,
            g,
            new: true,
            waits,
            severity: 1.0,
            stats: vec![stat(count)],
            ..Default::default()
        };
        let onset = 10 * MS_PER_MIN;
        let disk = story(1, onset - 40 * MS_PER_SEC, 5.0, false, 4);
        let timeouts = story(2, onset - 20 * MS_PER_SEC, 400.0, true, 300);
        let mut both = vec![disk.clone(), timeouts.clone()];
        score_stories(&mut both, &[], onset, false);
        assert_eq!(both[1].waited_on, Some(1));
        assert!(both[0].score > both[1].score, "{} vs {}", both[0].score, both[1].score);

        let mut plain = vec![disk.clone(), Story { waits: false, ..timeouts.clone() }];
        score_stories(&mut plain, &[], onset, false);
        assert_eq!(plain[1].waited_on, None);
        assert!(plain[1].score > both[1].score);

        let mut first = vec![Story { onset: onset - 50 * MS_PER_SEC, ..timeouts }, disk];
        score_stories(&mut first, &[], onset, false);
        assert_eq!(first[0].waited_on, None, "the timeouts began first");
    }

    #[test]
    fn a_per_host_daemon_on_another_host_is_no_link() {
        let story = Story { service: 7, hosts: vec![3], ..Default::default() };
        let daemon = ChangeEvent { per_host_daemon: true, ..change_on(7, 4) };
        assert_eq!(daemon.link_to(&story), 0.0);
        assert_eq!(ChangeEvent { per_host_daemon: true, ..change_on(7, 3) }.link_to(&story), 1.0);
    }

    /// A deploy 9 minutes before an app's errors, with the database's new errors 3 s before them:
    /// the deploy keeps half its credit, and the story says what came in between.
    #[test]
    fn errors_elsewhere_between_a_change_and_a_story_halve_the_change() {
        let onset = 30 * MS_PER_MIN;
        let stat = SignalStat { inc_count: 50, new: true, ..Default::default() };
        let change = |ts: Millis| change_of(2, ts, 0.6);
        let db = Story {
            service: 1,
            onset: onset - 3 * MS_PER_SEC,
            new: true,
            stats: vec![stat.clone()],
            ..Default::default()
        };
        let app = Story {
            service: 2,
            onset,
            new: true,
            stats: vec![stat],
            change: Some(change(onset - 9 * MS_PER_MIN)),
            ..Default::default()
        };
        let mut with_db = vec![db.clone(), app.clone()];
        score_stories(&mut with_db, &[], onset, false);
        assert_eq!(with_db[1].overtaken_by, Some(1));
        let mut alone = vec![app.clone()];
        score_stories(&mut alone, &[], onset, false);
        assert_eq!(alone[0].overtaken_by, None);
        assert!(alone[0].score > with_db[1].score);
        // A change just before the story is not overtaken by errors in between.
        let mut recent = vec![db, Story { change: Some(change(onset - 30 * MS_PER_SEC)), ..app }];
        score_stories(&mut recent, &[], onset, false);
        assert_eq!(recent[1].overtaken_by, None);
    }

    /// One old pod's error 10 s after the failures began, right after its own restart, does not
    /// outrank the story that began with the failures; stamped within the skew, it still could.
    #[test]
    fn a_stray_line_after_the_onset_did_not_start_the_failures() {
        let onset = 30 * MS_PER_MIN;
        let restart = change_of(2, onset - 50 * MS_PER_SEC, 0.9);
        let stat = |count: u64| SignalStat { inc_count: count, new: true, ..Default::default() };
        let stray = |at: Millis| Story {
            service: 2,
            hosts: vec![5],
            onset: at,
            g: 2.0,
            new: true,
            severity: 1.0,
            stats: vec![stat(1)],
            change: Some(restart.clone()),
            ..Default::default()
        };
        let main = Story {
            service: 1,
            hosts: vec![6],
            onset,
            g: 300.0,
            new: true,
            severity: 1.0,
            stats: vec![stat(400)],
            ..Default::default()
        };
        let mut late = vec![main.clone(), stray(onset + 10 * MS_PER_SEC)];
        score_stories(&mut late, &[], onset, false);
        assert!(late[0].score > late[1].score, "{} vs {}", late[0].score, late[1].score);
        let mut skewed = vec![main, stray(onset + 2 * MS_PER_SEC)];
        score_stories(&mut skewed, &[], onset, false);
        assert!(skewed[1].score > late[1].score);
    }

    /// A rollout is one change: its start, each host's restart minutes apart and its "finished",
    /// chained a few minutes at a time; the start is the trigger even when the finish is nearest.
    #[test]
    fn a_rollouts_lines_chain_into_one_change() {
        let at = |rec: u32, min: i64, rule: u32, service: u32, host: u32| ChangeEvent {
            rec,
            ts: min * MS_PER_MIN,
            key: (SignalId::Rule(rule), service),
            mentioned_services: vec![9],
            ..change_on(service, host)
        };
        let story = Story { service: 9, hosts: vec![1, 2, 3], onset: 40 * MS_PER_MIN, ..Default::default() };
        let started = at(1, 20, 10, 4, 0);
        let restarts = [at(2, 20, 11, 5, 1), at(3, 23, 11, 5, 2), at(4, 25, 11, 5, 3)];
        let finished = at(5, 26, 12, 4, 0);
        // Another kind of change an hour earlier is not part of it.
        let earlier = at(6, -40, 10, 4, 0);
        let mut all = vec![earlier, started];
        all.extend(restarts);
        all.push(finished.clone());
        let linked = linked(&finished, &all, &story, 0.9, 0.5);
        assert_eq!(linked.rec, 1, "the rollout's start");
        assert_eq!(linked.recs, vec![1, 2, 3, 4, 5]);
        // Without the restarts in between, a start 6 minutes before the finish is another change.
        let gap = vec![at(1, 20, 10, 4, 0), finished.clone()];
        assert_eq!(super::linked(&finished, &gap, &story, 0.9, 0.5).recs, vec![5]);
        // A change tied by time alone is still its own line.
        let unnamed = ChangeEvent { mentioned_services: Vec::new(), ..at(7, 38, 13, 8, 9) };
        let by_time = super::linked(&unnamed, std::slice::from_ref(&unnamed), &story, TIME_LINK, 0.9);
        assert_eq!((by_time.rec, by_time.recs, by_time.hosts), (7, vec![7], BTreeSet::from([9])));
    }

    #[test]
    fn a_servers_default_port_names_it() {
        let text = b"ConnectionNotEstablished (connection to server at \"10.90.1.10\", port 5432 failed";
        assert!(port_names_service(text, "postgres"));
        assert!(port_names_service(text, "postgresql@17-main"));
        assert!(!port_names_service(text, "mysql"));
        assert!(port_names_service(b"dial tcp 10.0.0.5:6379: connect: connection refused", "redis"));
        assert!(port_names_service(b"Can't connect to MySQL server on 'db-2:3306' (111)", "MySQL"));
        // Other numbers that hold the digits, and the port without its server, name nothing.
        assert!(!port_names_service(b"dial tcp 10.0.0.5:63790: i/o timeout", "redis"));
        assert!(!port_names_service(b"request 5432 failed", "postgres"));
        assert!(!port_names_service(b"dial tcp 10.0.0.5:6379: refused", "orders"));
    }

    /// A database's shutdown seconds after its own PANIC is a reaction, even when its lines carry
    /// no host: it links to no story, so the app's errors do not take it as their change.
    #[test]
    fn a_servers_change_after_its_own_errors_is_a_reaction() {
        let onset = 30 * MS_PER_MIN;
        let stat = SignalStat { inc_count: 5, new: true, ..Default::default() };
        let db = Story { service: 4, onset, new: true, stats: vec![stat.clone()], ..Default::default() };
        let app = Story {
            service: 7,
            hosts: vec![2],
            onset: onset + 3 * MS_PER_SEC,
            new: true,
            stats: vec![stat],
            named_services: vec![4],
            ..Default::default()
        };
        let shutdown = |ts: Millis| ChangeEvent { rec: 9, ts, ..change_on(4, 0) };
        let mut stories = vec![db.clone(), app.clone()];
        link_changes(&mut stories, &[shutdown(onset + 4 * MS_PER_SEC)], Pace::default());
        assert!(stories[1].change.is_none(), "the shutdown came after the database's own errors");
        // The same change before the database failed is a cause candidate.
        let mut before = vec![db, app];
        link_changes(&mut before, &[shutdown(onset - 30 * MS_PER_SEC)], Pace::default());
        assert_eq!(before[0].change.as_ref().map(|c| c.rec), Some(9));
    }

    #[test]
    fn ticket_ids() {
        assert_eq!(change_id(b"applied CHG-4411 to auth").as_deref(), Some("CHG-4411"));
        assert_eq!(change_id(b"no ticket here"), None);
    }
}
