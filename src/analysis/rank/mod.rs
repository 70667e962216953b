//! Ranking: per-signal evidence (onset, rates against baseline, host split), stories (a service's
//! errors that began before the users noticed, with the change that triggered them), verdicts
//! and reasons.
//!
//! A [`Story`] is filled in by passes whose order matters; `analysis::analyse` runs them so:
//!
//! 1. [`stories`] groups elevated error signals by service: `service`, `stats`, `onset`, `hosts`,
//!    `g`, `new` (everything else at its default).
//! 2. [`set_severity`] (scoring.rs): `severity` and `subsystem`.
//! 3. [`set_context`] (context.rs): `topics`, `waits`, `sources`, `named_services`,
//!    `named_hosts`; needs `stats` only.
//! 4. [`link_changes`] (linking.rs): `change`; needs `hosts`, `sources`, `subsystem`, `topics` and
//!    the names of passes 2–3.
//! 5. [`mark_failing_path`] (context.rs): `on_failing_path`; needs `named_*` of pass 3.
//! 6. [`score_stories`] (scoring.rs): `downstream_of`, `downstream_of_host`, `waited_on`,
//!    `overtaken_by`, `detached` and `score`; needs every field above.
//! 7. [`story_cause`] (reasons.rs) reads the finished story and writes its reasons in English.

mod changes;
mod context;
mod evidence;
mod linking;
mod reasons;
mod scoring;
mod stat;
mod topics;

pub use changes::*;
pub use context::*;
pub use evidence::*;
pub use linking::*;
pub use reasons::*;
pub use scoring::*;
pub use stat::*;
pub use topics::*;

use super::signals::SignalTable;
use super::tuning;
pub use super::tuning::{CAUSE_TOLERANCE, CHANGE_HORIZON, LATE_TOLERANCE, LEAD, LIKELY_THRESHOLD};
use crate::time::Millis;
use std::collections::HashMap;

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
    /// Whether that subsystem is specific enough to link a change by (the vocabulary's broad
    /// subsystems, `app` or `deploy`, are not).
    pub subsystem_is_specific: bool,
    /// Topics its signals are about (see [`Topics`]).
    pub topics: u64,
    /// Other services and hosts its first error lines name ("Killed process 812 (recommender)").
    pub named_services: Vec<u32>,
    pub named_hosts: Vec<u32>,
    /// Ports its first error lines name ("port 5432", "10.0.1.22:5432").
    pub named_ports: Vec<u16>,
    /// Files its first error lines come from: a change in one of them shares their clock.
    pub sources: Vec<u32>,
    /// Its first error line in each of `sources` (same order): file order breaks a tie of stamps.
    pub first_in_source: Vec<u32>,
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
            // A signal never seen before began at its first line; a chronic one that rose began at
            // an estimated change point. When a service has both, the new one says what began.
            v.sort_by(|a, b| b.new.cmp(&a.new).then(a.onset.cmp(&b.onset)).then(b.inc_count.cmp(&a.inc_count)));
            let total: u64 = v.iter().map(|s| s.inc_count).sum();
            let mut host_counts: HashMap<u32, u64> = HashMap::new();
            for s in &v {
                for &(h, c) in &s.hosts {
                    *host_counts.entry(h).or_default() += c;
                }
            }
            let mut hosts: Vec<(u32, u64)> = host_counts
                .into_iter()
                .filter(|&(h, c)| h != 0 && c * tuning::HOST_SHARE_DIVISOR >= total.max(1))
                .collect();
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
                subsystem_is_specific: false,
                topics: 0,
                named_services: Vec::new(),
                named_hosts: Vec::new(),
                named_ports: Vec::new(),
                sources: Vec::new(),
                first_in_source: Vec::new(),
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

impl Story {
    /// More than a stray line or two.
    pub fn substantial(&self) -> bool {
        self.stats.iter().map(|s| s.inc_count).sum::<u64>() >= tuning::SUBSTANTIAL_MIN_LINES
    }
}

#[cfg(test)]
mod tests;
