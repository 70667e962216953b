//! Evidence lines: a record as evidence, and the earliest record of a signal on given hosts.

use crate::analysis::signals::{SignalId, SignalKey};
use crate::analysis::tuning;
use crate::findings::Evidence;
use crate::index::Index;
use crate::time::Millis;

pub fn evidence(index: &Index, rec: u32) -> Evidence {
    let i = rec as usize;
    let ts = index.records.ts(i);
    Evidence {
        path: index.path_of(i),
        line: index.line_of(i) as u64,
        ts: (ts != crate::time::NO_TIME).then_some(ts),
        text: String::from_utf8_lossy(index.first_line(i)).chars().take(tuning::EVIDENCE_TEXT_CHARS).collect(),
        record: Some(rec),
    }
}

/// Host names in natural order (`auth-2, auth-3, auth-10`), as a responder reads a list.
pub fn host_names(index: &Index, hosts: impl IntoIterator<Item = u32>) -> Vec<String> {
    let names: Vec<String> = hosts.into_iter().filter(|&h| h != 0).map(|h| index.hosts.get(h).to_string()).collect();
    crate::text::sorted_hosts(&names).into_iter().map(str::to_string).collect()
}

/// The earliest record of signal `key` on one of `hosts` at or after `from`, searching each
/// source from `from` on (sources are in file order, which is time order in practice) for a
/// bounded number of records.
pub(super) fn first_on_hosts(index: &Index, key: SignalKey, hosts: &[u32], from: Millis) -> Option<u32> {
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
        for i in lo..run.end.min(lo + tuning::FIRST_ON_HOSTS_LOOK_AHEAD) {
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
