//! What the incident scenarios must show: first in the servers' own text (so the
//! scenario is proven to have happened as its truth says), then in culprit's findings.

use super::incidents::*;
use super::*;
use culprit::findings::Verdict;
use regex::Regex;

/// How far culprit's incident start may sit from the trigger, and its end from the fix: the
/// logs have whole seconds, failures begin on the next request (≤ 0.35 s, or 2 s of lock
/// wait), and the analysis works in time buckets of its own choosing.
pub const WINDOW_TOLERANCE_MS: i64 = 30_000;

/// Lines of `file` matching `needle` dated in [from, to), both taken to whole seconds
/// (most logs here have whole seconds: a line of the trigger's second counts as after it).
fn count_in(run: &IncidentRun, file: &str, needle: &str, from: Millis, to: Millis) -> usize {
    let (from, to) = (from.div_euclid(1000) * 1000, to.div_euclid(1000) * 1000);
    lines(&run.logs.join(file))
        .iter()
        .filter(|l| l.contains(needle) && line_ms(l).is_some_and(|t| t >= from && t < to))
        .count()
}

fn count_all(run: &IncidentRun, file: &str, needle: &str) -> usize {
    count_containing(&lines(&run.logs.join(file)), needle)
}

/// Statuses of the client's requests on `route` answered in [from, to).
fn statuses(run: &IncidentRun, route: &str, from: Millis, to: Millis) -> Vec<u16> {
    run.hits.iter().filter(|h| h.route == route && h.at >= from && h.at < to).map(|h| h.status).collect()
}

/// Percent (rounded down) of `v` for which `f` holds.
fn pct(v: &[u16], f: impl Fn(u16) -> bool) -> usize {
    v.iter().filter(|&&s| f(s)).count() * 100 / v.len().max(1)
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// The scenario happened: steady baseline, noise throughout, the herring before the trigger,
/// the failures between trigger and fix and not before.
pub fn check_raw(run: &IncidentRun) -> Result<(), String> {
    let (h, t, f) = (run.herring_at, run.trigger_at, run.fix_at);
    let start = run.hits.first().map(|x| x.at).unwrap_or(h);
    let end = i64::MAX;
    // The baseline, herring included, serves the main route.
    let base = statuses(run, "api", start, t);
    ensure!(base.len() >= scaled(100), "only {} baseline requests", base.len());
    ensure!(pct(&base, |s| s == 200) >= 97, "baseline not healthy: {base:?}");
    // Chronic noise, before the herring and during the incident.
    ensure!(count_in(run, "access.log", "\" 404 ", start, h) >= scaled(5), "no 404s before the herring");
    ensure!(count_in(run, "access.log", "\" 404 ", t, f) >= scaled(5), "no 404s during the incident");
    if run.logs.join("auth.log").exists() {
        ensure!(count_in(run, "auth.log", "Invalid user", start, t) >= scaled(10), "scanner quiet in the baseline");
        ensure!(count_in(run, "auth.log", "Invalid user", t, f) >= scaled(8), "scanner quiet in the incident");
    }
    let relation = "relation \"pg_stat_statements\" does not exist";
    let exporter = "Access denied for user 'exporter'";
    if run.logs.join("postgres.log").exists() {
        ensure!(count_in(run, "postgres.log", relation, start, t) >= scaled(8), "metrics noise missing");
    }
    if run.logs.join("mysql-error.log").exists() {
        ensure!(count_in(run, "mysql-error.log", exporter, start, t) >= scaled(8), "exporter noise missing");
    }
    // During the incident (from 3 s after the trigger, so the first request has seen it, to the fix).
    let during = statuses(run, "api", t + 3000, f);
    let after = statuses(run, "api", f + scaled(5000) as i64, end);
    match run.kind {
        Kind::PgStatementTimeout => {
            let log = "postgres.log";
            ensure!(
                count_all(run, log, "parameter \"log_min_duration_statement\" changed to \"500ms\"") == 1,
                "herring"
            );
            ensure!(count_all(run, log, "parameter \"statement_timeout\" changed to \"50ms\"") == 1, "trigger line");
            let cancel = "canceling statement due to statement timeout";
            ensure!(count_in(run, log, cancel, start, t) == 0, "cancellations before the trigger");
            ensure!(count_in(run, log, cancel, t, f + 2000) >= scaled(30), "too few cancellations");
            ensure!(count_in(run, log, relation, t, f) >= scaled(5), "metrics noise gone during the incident");
        }
        Kind::PgLockHeld => {
            let log = "postgres.log";
            ensure!(count_all(run, log, "parameter \"work_mem\" changed to \"16MB\"") == 1, "herring");
            ensure!(count_all(run, log, "statement: LOCK TABLE sessions IN EXCLUSIVE MODE") == 1, "blocker");
            let timeout = "canceling statement due to lock timeout";
            ensure!(count_in(run, log, timeout, start, t) == 0, "lock timeouts before the trigger");
            ensure!(count_in(run, log, timeout, t, f + 3000) >= scaled(20), "too few lock timeouts");
            ensure!(
                count_in(run, log, "still waiting for RowExclusiveLock", t, f + 3000) >= scaled(20),
                "no lock waits"
            );
            ensure!(count_all(run, log, "terminating connection due to administrator command") == 1, "no terminate");
        }
        Kind::PgRoleExpired => {
            let log = "postgres.log";
            ensure!(count_all(run, log, "alter role reporting connection limit 5") == 1, "herring");
            ensure!(count_all(run, log, "alter role app valid until '2020-01-01'") == 1, "trigger line");
            let expired = "User \"app\" has an expired password";
            ensure!(count_in(run, log, expired, start, t) == 0, "expired before the trigger");
            ensure!(count_in(run, log, expired, f + 2000, end) == 0, "expired after the fix");
            ensure!(count_in(run, log, expired, t, f + 2000) >= scaled(30), "too few expired-password failures");
            ensure!(count_in(run, log, relation, t, f) >= scaled(5), "the metrics role stopped connecting");
        }
        Kind::MariadbReadOnly => {
            ensure!(count_all(run, "server_audit.log", "'SET GLOBAL max_connections = 300',0") == 1, "herring");
            ensure!(count_all(run, "server_audit.log", "'SET GLOBAL read_only = 1',0") == 1, "trigger line");
            let ro = "running with the --read-only option";
            ensure!(count_in(run, "orders-api.log", ro, start, t) == 0, "read-only before the trigger");
            ensure!(count_in(run, "orders-api.log", ro, t, f + 2000) >= scaled(30), "too few read-only failures");
            let audited = lines(&run.logs.join("server_audit.log"));
            let failed = audited.iter().filter(|l| l.contains("insert into orders") && l.ends_with(",1290")).count();
            ensure!(failed >= scaled(30), "only {failed} audited inserts failed with 1290");
            ensure!(
                count_in(run, "mysql-error.log", exporter, t, f) >= scaled(5),
                "exporter noise gone during the incident"
            );
        }
        Kind::MariadbKilled => {
            ensure!(count_all(run, "server_audit.log", "'SET GLOBAL wait_timeout = 600',0") == 1, "herring");
            let refused = "Can't connect to";
            ensure!(count_in(run, "orders-api.log", refused, start, t) == 0, "refusals before the kill");
            ensure!(count_in(run, "orders-api.log", refused, t, f + 1000) >= scaled(30), "too few refused connections");
            ensure!(count_all(run, "mysql-error.log", "ready for connections") == 2, "no restart after the kill");
        }
        Kind::NginxBodyTooLarge => {
            ensure!(count_all(run, "error.log", "signal process started") == 3, "herring, trigger and fix reloads");
            let big = "client intended to send too large body";
            ensure!(count_in(run, "error.log", big, start, t) == 0, "413s before the trigger");
            ensure!(count_in(run, "error.log", big, t, f + 2000) >= scaled(20), "too few rejected uploads");
            let up = statuses(run, "upload", t + 3000, f);
            let (answered, rejected) = (pct(&up, |s| s == 413 || s == 0), pct(&up, |s| s == 413));
            ensure!(answered == 100 && rejected >= 50, "uploads: {up:?}");
            // Logins never noticed.
            ensure!(pct(&during, |s| s == 200) >= 97, "logins failed during the incident: {during:?}");
        }
        Kind::NginxUpstreamKilled => {
            ensure!(count_all(run, "error.log", "signal process started") == 1, "one reload (the herring)");
            let refused = "connect() failed (111: Connection refused) while connecting to upstream";
            ensure!(count_in(run, "error.log", refused, start, t) == 0, "refusals before the kill");
            ensure!(count_in(run, "error.log", refused, t, f + 2000) >= scaled(30), "too few refused connections");
            ensure!(pct(&during, |s| s == 502) >= 97, "during: {during:?}");
        }
        Kind::Quiet => {
            let all = statuses(run, "api", start, end);
            ensure!(pct(&all, |s| s == 200) >= 97, "the quiet run failed requests: {all:?}");
            ensure!(count_all(run, "error.log", "signal process started") == 1, "one nginx reload");
            let log = "postgres.log";
            ensure!(
                count_all(run, log, "parameter \"log_min_duration_statement\" changed to \"500ms\"") == 1,
                "herring"
            );
            return Ok(());
        }
    }
    if !matches!(run.kind, Kind::NginxBodyTooLarge) {
        ensure!(pct(&during, |s| s != 200) >= 90, "the main route kept working: {during:?}");
    }
    ensure!(!after.is_empty() && pct(&after, |s| s == 200) >= 97, "no recovery after the fix: {after:?}");
    Ok(())
}

/// Culprit's top three causes, for messages.
pub fn top_causes(run: &IncidentRun) -> String {
    let mut s = String::new();
    for c in run.findings.causes.iter().take(3) {
        let first =
            c.evidence.first().map(|e| format!("{}:{} {}", e.path.rsplit('/').next().unwrap_or(""), e.line, e.text));
        s += &format!(
            "#{} {} [{}] {}\n    {}\n",
            c.rank,
            c.verdict.as_str(),
            c.subsystem,
            c.title,
            first.unwrap_or_default()
        );
    }
    if let Some(i) = &run.findings.incident {
        s += &format!("incident {} .. {:?}\n", culprit::time::rfc3339(i.start), i.end.map(culprit::time::rfc3339));
    } else {
        s += "no incident\n";
    }
    s
}

/// The grade of the real-server incident sets ("strict"), plus the incident window.
pub fn check_ranking(run: &IncidentRun) -> Result<(), String> {
    let truth = &run.truth;
    let causes = &run.findings.causes;
    let ctx = || format!("culprit said:\n{}", top_causes(run));
    let regexes = |v: &serde_json::Value| -> Vec<Regex> {
        v.as_array().into_iter().flatten().filter_map(|r| r.as_str().and_then(|r| Regex::new(r).ok())).collect()
    };
    if truth["cause"].is_null() {
        let likely = causes.iter().find(|c| c.verdict == Verdict::LikelyCause);
        ensure!(likely.is_none(), "a likely cause on a quiet run: {}", ctx());
        return Ok(());
    }
    let accept = regexes(&truth["cause"]["accept"]);
    let herrings: Vec<(String, Regex)> = truth["red_herrings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| matches!(h["kind"].as_str(), Some("chronic" | "unrelated-change")))
        .filter_map(|h| Some((h["file"].as_str()?.to_string(), Regex::new(h["regex"].as_str()?).ok()?)))
        .collect();
    let top = causes.first().ok_or_else(|| format!("no cause; {}", ctx()))?;
    ensure!(top.verdict == Verdict::LikelyCause, "top cause is {}; {}", top.verdict.as_str(), ctx());
    let head = top.evidence.first().ok_or_else(|| format!("top cause without evidence; {}", ctx()))?;
    ensure!(accept.iter().any(|a| a.is_match(&head.text)), "headline line is not the trigger; {}", ctx());
    for e in &top.evidence {
        let name = e.path.rsplit('/').next().unwrap_or("");
        let bad = herrings.iter().any(|(f, r)| f == name && r.is_match(&e.text));
        ensure!(!bad, "top cause's evidence has a red herring: {}; {}", e.text, ctx());
    }
    let inc = run.findings.incident.as_ref().ok_or_else(|| format!("no incident window; {}", ctx()))?;
    let d = inc.start - run.trigger_at;
    ensure!(d.abs() <= WINDOW_TOLERANCE_MS, "incident starts {d} ms from the trigger; {}", ctx());
    if let Some(end) = inc.end {
        ensure!(
            end >= run.fix_at - WINDOW_TOLERANCE_MS,
            "incident ends {} ms before the fix; {}",
            run.fix_at - end,
            ctx()
        );
    }
    Ok(())
}
