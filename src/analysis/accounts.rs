//! Accounts that worked and now fail: when no symptom departs from its baseline, the failed
//! logins of accounts that also log in successfully in these logs are a symptom of their own. A
//! scanner guessing at accounts fails all day and never succeeds; a service account locked out by
//! a configuration change fails only from that moment, and drowns in the scanner's noise unless
//! its failures are counted apart.

use super::signals::{Series, SignalTable};
use crate::format::{ParseCtx, Parsed};
use crate::index::Index;
use crate::rules::RuleKind;
use crate::time::{Millis, NO_TIME};
use std::collections::HashSet;

/// Records read for their account at most: beyond this the split costs more than it tells.
const MAX_RECORDS: usize = 200_000;

/// Failures (error or symptom rules that capture a `user`) of accounts that some success rule
/// also names, bucketed like the signal table; None when no such account failed.
pub fn known_account_failures(index: &Index, t: &SignalTable, lo: Millis, hi: Millis) -> Option<Series> {
    // Per rule: None when it names no account, else whether it is a success.
    let names_account: Vec<Option<bool>> = (0..index.rules.rules.len() as u32)
        .map(|id| {
            let success = match index.rules.get(id).map(|r| r.kind) {
                Some(RuleKind::Success) => true,
                Some(RuleKind::Error | RuleKind::Symptom) => false,
                _ => return None,
            };
            index.rules.names_capture(id, "user").then_some(success)
        })
        .collect();
    if !names_account.contains(&Some(true)) {
        return None;
    }
    let records = &index.records;
    let mut worked: HashSet<String> = HashSet::new();
    let mut failed: Vec<(u32, Millis, String)> = Vec::new();
    let mut read = 0usize;
    for i in 0..records.len() {
        let rule = records.rule(i);
        let Some(Some(success)) = names_account.get(rule as usize) else { continue };
        let ts = records.ts(i);
        if ts == NO_TIME || ts < lo || ts > hi {
            continue;
        }
        read += 1;
        if read > MAX_RECORDS {
            return None;
        }
        let line = index.first_line(i);
        let mut parsed = Parsed::default();
        index.parsers[records.source(i) as usize].parse(line, &ParseCtx::default(), &mut parsed);
        let Some(user) =
            index.rules.captures(rule, line, &parsed).into_iter().find(|(name, _)| name == "user").map(|(_, v)| v)
        else {
            continue;
        };
        if *success {
            worked.insert(user);
        } else {
            failed.push((i as u32, ts, user));
        }
    }
    let mut series = Series::new(t.buckets.n);
    let mut any = false;
    for (rec, ts, user) in &failed {
        if !worked.contains(user) {
            continue;
        }
        let Some(b) = t.buckets.of(*ts) else { continue };
        series.counts[b] += records.weight(*rec as usize);
        if *ts < series.first_ts[b] {
            series.first_ts[b] = *ts;
            series.first_rec[b] = *rec;
        }
        any = true;
    }
    any.then_some(series)
}
