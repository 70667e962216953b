//! Change events: what a change line is, its identity, and which changes are routine.

use super::{event_title, guess_subsystem, mentions, name_table, Topics};
use crate::analysis::signals::{SignalId, SignalTable};
use crate::analysis::tuning::{self, OCCASION_GAP};
use crate::index::Index;
use crate::time::Millis;
use std::collections::{BTreeSet, HashMap};

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
    /// Ports the line names (see [`super::context::ports_named`]).
    pub ports: Vec<u16>,
    /// It says what changed: a ticket, a port, or a rule's capture (a resource, a parameter, a
    /// file), or a heading above it does, not only where.
    pub names_what: bool,
    /// The heading above it in its file that says what changed (see [`heading_of`]).
    pub heading: Option<u32>,
    /// Distinctive values its line names (see [`value_tokens`]): a revision, a version.
    pub values: Vec<u64>,
    /// Its own service, or one it names, that has written many times its usual lines since (see [`Stir`]).
    pub stir: Option<Stir>,
}

/// A visible effect of a change: its own service or one it names (in its line or its heading)
/// wrote, minute after minute from the change on, many times the lines per minute it wrote before (see
/// [`tuning::STIR_RATIO`]). A change whose effect still shows when the failures begin acted on
/// them all along, however many minutes before it came (DEBUG logging that fills a disk).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stir {
    pub service: u32,
    /// Lines per minute since the change over lines per minute before it, over the stirred span.
    pub ratio: f64,
    /// The end of the last whole minute that still showed the effect.
    pub until: Millis,
}

/// The strongest stir among `services` from a change at `ts` (see [`Stir`]).
pub fn stir_of(t: &SignalTable, services: &[u32], ts: Millis) -> Option<Stir> {
    let b = &t.buckets;
    let start = b.of(ts)?;
    let per_step = ((tuning::STIR_STEP / b.size).max(1)) as usize;
    let before = ((tuning::STIR_BEFORE / b.size).max(1) as usize).min(start);
    let mut best: Option<Stir> = None;
    for &service in services {
        let Some(totals) = t.service_totals.get(&service) else { continue };
        let base: u64 = totals[start - before..start].iter().map(|&c| c as u64).sum();
        if before == 0 || base < tuning::STIR_MIN_BASE_LINES {
            continue;
        }
        let base_per_step = base as f64 * per_step as f64 / before as f64;
        let (mut at, mut lines, mut steps) = (start, 0u64, 0usize);
        while at + per_step <= totals.len() {
            let step: u64 = totals[at..at + per_step].iter().map(|&c| c as u64).sum();
            let floor =
                tuning::STIR_MIN_LINES_PER_MIN * per_step as f64 * b.size as f64 / crate::time::MS_PER_MIN as f64;
            if (step as f64) < (tuning::STIR_RATIO * base_per_step).max(floor) {
                break;
            }
            lines += step;
            steps += 1;
            at += per_step;
        }
        if steps == 0 {
            continue;
        }
        let stir = Stir { service, ratio: lines as f64 / (steps as f64 * base_per_step), until: b.time(at) };
        if best.is_none_or(|s| stir.ratio > s.ratio) {
            best = Some(stir);
        }
    }
    best
}

pub fn change_events(index: &Index, t: &SignalTable, topics: &Topics) -> Vec<ChangeEvent> {
    let hosts = name_table(index.hosts.names(), tuning::CHANGE_NAME_MIN_LEN);
    let services = name_table(index.services.names(), tuning::CHANGE_NAME_MIN_LEN);
    let mut out = Vec::with_capacity(t.changes.len());
    let all_hosts: BTreeSet<u32> = t.service_hosts.values().flatten().copied().collect();
    let per_host_daemon = |service: u32| {
        let n = t.service_hosts.get(&service).map_or(0, |hs| hs.len());
        n >= tuning::PER_HOST_DAEMON_MIN_HOSTS && tuning::PER_HOST_DAEMON_SHARE_DIVISOR * n >= all_hosts.len()
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
        let heading = heading_of(index, i);
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
            .map(|svc| guess_subsystem(index, index.services.get(svc)))
            .collect();
        touched_subsystems.sort();
        touched_subsystems.dedup();
        let ports = super::context::ports_named(text);
        let heading_text = heading.map(|h| index.record_bytes(h as usize));
        // What it touched: its own service (a server that logs its own setting change) and what
        // it names in its line or its heading: where its effect would show. A name inside its own
        // program's name (`systemd` of `systemd-networkd`) is not another service it touched.
        let own_name = index.services.get(r.service(i)).as_bytes();
        let touched: Vec<u32> = std::iter::once(r.service(i))
            .chain(
                services
                    .iter()
                    .filter(|(s, n)| {
                        *s != r.service(i)
                            && !mentions(own_name, n)
                            && (mentions(text, n) || heading_text.is_some_and(|h| mentions(h, n)))
                    })
                    .map(|(s, _)| *s),
            )
            .collect();
        let stir = stir_of(t, &touched, r.ts(i));
        let title = event_title(index, rec);
        let subject = match id {
            SignalId::Rule(rule) => captured_subject(index, rule, i),
            SignalId::Pattern(_) => Vec::new(),
        };
        // What the rule captured (a parameter, a resource, a file) is the subject, whatever words
        // surround it: `ALTER SYSTEM SET statement_timeout` and `parameter "statement_timeout"
        // changed` are one change.
        let mut identity = if subject.is_empty() {
            change_identity(title.as_bytes(), &hosts)
        } else {
            change_identity(subject.join(" ").as_bytes(), &hosts)
        };
        let values = value_tokens(title.as_bytes(), &hosts);
        if let Some(h) = heading {
            // Two plays' "changed: [host]" lines are two changes when their tasks differ.
            identity = identity.rotate_left(1) ^ change_identity(event_title(index, h).as_bytes(), &hosts);
        }
        out.push(ChangeEvent {
            rec,
            ts: r.ts(i),
            key: (id, r.service(i)),
            template: r.template(i),
            host: r.host(i),
            mentioned_hosts,
            mentioned_services,
            subsystem,
            topics: own | topics.of_text(text) | heading_text.map_or(0, |h| topics.of_text(h)),
            source: r.source(i),
            touched_subsystems,
            per_host_daemon: per_host_daemon(r.service(i)),
            identity,
            names_what: match id {
                SignalId::Rule(_) => {
                    heading.is_some() || change_id(text).is_some() || !ports.is_empty() || !subject.is_empty()
                }
                SignalId::Pattern(_) => false,
            },
            ports,
            heading,
            values,
            stir,
            at_once: match id {
                SignalId::Rule(rule) => index.rules.get(rule).is_some_and(|r| r.at_once),
                // A change-like line no rule names may be a deploy whose effect takes minutes.
                SignalId::Pattern(_) => false,
            },
        });
    }
    out
}

/// The heading that says what a change line reports, if its file has one above it: walking up the
/// same file while lines follow each other closely (see [`tuning::HEADING_MAX_GAP`]), the heading
/// of the highest weight (a diff's added line over its task, a task over its handler, the nearest
/// on a tie), up to a heading that opens a section (a play).
pub fn heading_of(index: &Index, i: usize) -> Option<u32> {
    let r = &index.records;
    let source = r.source(i);
    let mut later_ts = r.ts(i);
    let mut best: Option<(f32, u32)> = None;
    for j in (0..i).rev().take(tuning::HEADING_LOOKBACK_LINES) {
        if r.source(j) != source {
            break;
        }
        // An untimed line (a continuation) keeps the walk's clock.
        let ts = r.ts(j);
        if ts != crate::time::NO_TIME {
            if later_ts != crate::time::NO_TIME && later_ts.saturating_sub(ts) > tuning::HEADING_MAX_GAP {
                break;
            }
            later_ts = ts;
        }
        let Some(rule) = index.rules.get(r.rule(j)).filter(|rule| rule.kind == crate::rules::RuleKind::Heading) else {
            continue;
        };
        if best.is_none_or(|(w, _)| rule.weight > w) {
            best = Some((rule.weight, j as u32));
        }
        if rule.opens {
            break;
        }
    }
    best.map(|(_, j)| j)
}

/// What a change line's rule captured beyond the host it ran on (`parameter=statement_timeout`),
/// in capture order.
fn captured_subject(index: &Index, rule: u32, i: usize) -> Vec<String> {
    let line = index.first_line(i);
    let mut parsed = crate::format::Parsed::default();
    index.parsers[index.records.source(i) as usize].parse(line, &crate::format::ParseCtx::default(), &mut parsed);
    index
        .rules
        .captures(rule, line, &parsed)
        .into_iter()
        .filter(|(name, value)| name != "host" && !value.is_empty())
        .map(|(name, value)| format!("{name} {value}"))
        .collect()
}

/// Distinctive values a change line names: words of at least [`tuning::VALUE_MIN_LEN`] bytes that
/// mix digits with letters or dots (`cbefe46`, `v1.16.2`, `2024.06.1`), not host names and not
/// bare numbers (a count, a limit), hashed.
pub fn value_tokens(title: &[u8], hosts: &[(u32, &str)]) -> Vec<u64> {
    use std::hash::Hasher;
    let is_word = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-');
    let mut out: Vec<u64> = title
        .split(|c| !is_word(c))
        .map(|w| w.trim_ascii_end().strip_suffix(b".").unwrap_or(w))
        .filter(|w| {
            w.len() >= tuning::VALUE_MIN_LEN
                && w.iter().any(u8::is_ascii_digit)
                && w.iter().any(|c| !c.is_ascii_digit())
                && !hosts.iter().any(|(_, n)| n.as_bytes().eq_ignore_ascii_case(w))
        })
        .map(|w| {
            let mut h = crate::hash::WordHasher::default();
            h.write(&w.to_ascii_lowercase());
            h.finish()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
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
    for word in title.split(|c| !is_word(c)).filter(|w| w.len() >= tuning::IDENTITY_MIN_WORD_LEN) {
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
    /// The line that says what changed: its heading, else itself.
    pub fn headline(&self) -> u32 {
        self.heading.unwrap_or(self.rec)
    }

    /// Lines of the same rule or template, service and subject: one change, wherever it ran.
    pub fn same_change(&self, other: &ChangeEvent) -> bool {
        self.key == other.key && self.identity == other.identity
    }

    /// Another change under the same rule: both say what changed, another subject, and no
    /// revision or version in common ("Initiated sync to 'cbefe46'" and "Sync operation to
    /// cbefe46 succeeded" are one change; `+ maxconn 6000` and `+ option httpchk GET /healthz` are
    /// two). A line that only says that something happened ("received SIGHUP, reloading
    /// configuration files") is a step of whichever change it follows, never a rival.
    pub fn rival_of(&self, other: &ChangeEvent) -> bool {
        self.key == other.key
            && self.names_what
            && other.names_what
            && !self.same_change(other)
            && !self.values.iter().any(|v| other.values.contains(v))
    }

    pub fn hosts(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.host).filter(|&h| h != 0).chain(self.mentioned_hosts.iter().copied())
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
                SignalId::Rule(_) => {
                    n >= tuning::ROUTINE_MIN_OCCASIONS && hours > 0.0 && hours / n <= tuning::ROUTINE_MAX_HOURS_APART
                }
                SignalId::Pattern(_) => n >= tuning::ROUTINE_PATTERN_OCCASIONS,
            };
            !routine
        })
        .collect()
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

/// `CHG-4411`, `INC-12`, `JIRA-881`: a change ticket named in a line, if any.
pub fn change_id(text: &[u8]) -> Option<String> {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::bytes::Regex::new(r"\b[A-Z][A-Z0-9]{1,9}-[0-9]{2,8}\b").expect("static regex"));
    re.find(text).map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
}
