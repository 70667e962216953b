//! Analysis on small synthetic incidents built in memory. Rules are left empty
//! on purpose: the ranking must stand on timing, rates, hosts and change
//! events even when no rule knows the messages.

use super::*;
use crate::index::IndexOptions;
use crate::rules::RuleSet;
use crate::source::{Data, Source};
use crate::time::{civil_to_millis, rfc3339, MS_PER_SEC};
use std::path::PathBuf;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
}

fn at(h: u32, m: u32, s: u32) -> Millis {
    civil_to_millis(2024, 1, 22, h, m, s, 0)
}

fn src(id: u32, name: &str, lines: Vec<String>) -> Source {
    let mut text = lines.join("\n");
    text.push('\n');
    Source {
        id,
        path: PathBuf::from(name),
        stream: name.to_string(),
        data: Data::Owned(text.into_bytes()),
        mtime: None,
        warnings: Vec::new(),
    }
}

/// Auth config change on auth-2/3 at 15:28 → token errors → 45% failed logins from 15:30 to 16:45;
/// a chronic, louder database error; a routine database change at 15:25; database retry noise after 15:30:40.
fn auth_incident(with_change: bool) -> Index {
    let mut rng = Rng(7);
    let (mut auth, mut access, mut db, mut audit) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let start = at(12, 0, 0);
    let onset = at(15, 30, 0);
    let end = at(16, 45, 0);
    let mut t = start;
    while t < at(17, 0, 0) {
        for host in ["auth-1", "auth-2", "auth-3"] {
            let broken = host != "auth-1" && t >= onset && t < end;
            let user = rng.next() % 5000;
            if broken && rng.chance(0.68) {
                auth.push(format!(
                    r#"{{"ts":"{}","level":"error","service":"auth","host":"{host}","msg":"token signing failed: key id k2 not found in keyset","user":"u{user}"}}"#,
                    rfc3339(t)
                ));
                access.push(format!(
                    r#"10.0.{}.{} - - [22/Jan/2024:{}] "POST /api/login HTTP/1.1" 500 71 "-" "app/2.1""#,
                    rng.next() % 9,
                    rng.next() % 250,
                    clf(t)
                ));
            } else {
                auth.push(format!(
                    r#"{{"ts":"{}","level":"info","service":"auth","host":"{host}","msg":"login ok","user":"u{user}","latency_ms":{}}}"#,
                    rfc3339(t),
                    rng.next() % 90
                ));
                access.push(format!(
                    r#"10.0.{}.{} - - [22/Jan/2024:{}] "POST /api/login HTTP/1.1" 200 312 "-" "app/2.1""#,
                    rng.next() % 9,
                    rng.next() % 250,
                    clf(t)
                ));
            }
        }
        // Chronic database noise, louder than the incident, all day; more after the onset (retries).
        let db_p = if t >= at(15, 30, 40) && t < end { 0.9 } else { 0.35 };
        if rng.chance(db_p) {
            db.push(format!(
                "{} UTC [{}] FATAL:  remaining connection slots are reserved for non-replication superuser connections",
                pg_time(t),
                1000 + rng.next() % 9000
            ));
        }
        if rng.chance(0.1) {
            db.push(format!(
                "{} UTC [{}] LOG:  checkpoint complete: wrote {} buffers",
                pg_time(t),
                77,
                rng.next() % 900
            ));
        }
        t += 4 * MS_PER_SEC;
    }
    audit.push(format!(
        r#"{{"ts":"{}","actor":"dba","action":"config.applied","target":"postgres","detail":"work_mem set to 64MB","ticket":"CHG-4409"}}"#,
        rfc3339(at(15, 25, 3))
    ));
    if with_change {
        for (i, host) in ["auth-2", "auth-3"].iter().enumerate() {
            audit.push(format!(
                r#"{{"ts":"{}","actor":"deploy-bot","action":"config.applied","target":"auth","host":"{host}","detail":"token signing key id set to k2","ticket":"CHG-4411"}}"#,
                rfc3339(at(15, 28, 1 + i as u32 * 2))
            ));
        }
    }
    audit.push(format!(
        r#"{{"ts":"{}","actor":"oncall","action":"config.rolled back","target":"auth","detail":"token signing key id set to k1","ticket":"CHG-4412"}}"#,
        rfc3339(at(16, 30, 0))
    ));
    audit.sort();
    let sources = vec![
        src(0, "auth.log", auth),
        src(1, "access.log", access),
        src(2, "postgresql.log", db),
        src(3, "audit.jsonl", audit),
    ];
    Index::build(sources, Vec::new(), vocabulary_only(), &IndexOptions::default())
}

/// No rules, only the pack's vocabulary: what mined templates alone find.
fn vocabulary_only() -> RuleSet {
    let files = crate::rules::BUILTIN.iter().filter(|(name, _)| name.ends_with("vocabulary.toml"));
    let files = files.map(|(n, t)| (n.to_string(), t.to_string())).collect();
    RuleSet::from_layers(&[crate::rules::Layer { files, built_in: true }]).expect("the vocabulary loads")
}

fn clf(t: Millis) -> String {
    let dt = chrono::DateTime::from_timestamp_millis(t).unwrap();
    dt.format("%H:%M:%S +0000").to_string()
}

fn pg_time(t: Millis) -> String {
    let dt = chrono::DateTime::from_timestamp_millis(t).unwrap();
    dt.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

#[test]
fn auth_config_change_ranks_first_and_database_is_ruled_out() {
    let index = auth_incident(true);
    let f = analyse(&index, &AnalysisOptions::default());
    let inc = f.incident.as_ref().expect("an incident");
    assert!((inc.onset - at(15, 30, 0)).abs() <= 60 * MS_PER_SEC, "onset {}", rfc3339(inc.onset));
    let end = inc.end.expect("recovery");
    assert!((end - at(16, 45, 0)).abs() <= 2 * 60 * MS_PER_SEC, "end {}", rfc3339(end));
    let ratio = inc.impact.incident_ratio.expect("ratio");
    assert!((0.35..0.55).contains(&ratio), "ratio {ratio}");
    let top = &f.causes[0];
    assert_eq!(top.verdict, Verdict::LikelyCause, "{:#?}", f.causes);
    assert_eq!(top.service, "auth");
    assert!(top.evidence[0].text.contains("CHG-4411"), "{:#?}", top.evidence);
    assert_eq!(top.evidence[0].path, "audit.jsonl");
    assert_eq!(top.hosts, vec!["auth-2", "auth-3"]);
    assert!(top.reasons.iter().any(|r| r.contains("only on auth-2, auth-3")), "{:#?}", top.reasons);
    // The database is never a cause: chronic, consequence or unrelated.
    for c in f.causes.iter().filter(|c| c.service == "postgres" || c.title.contains("work_mem")) {
        assert!(
            matches!(c.verdict, Verdict::Chronic | Verdict::Consequence | Verdict::Unrelated),
            "{} is {:?}",
            c.title,
            c.verdict
        );
    }
    assert!(f.causes.iter().any(|c| c.service == "postgres" && c.verdict == Verdict::Consequence));
    assert!(f.timeline.iter().any(|e| e.summary.starts_with("trigger")));
}

#[test]
fn without_the_change_the_errors_still_lead() {
    let index = auth_incident(false);
    let f = analyse(&index, &AnalysisOptions::default());
    let top = &f.causes[0];
    assert_eq!(top.service, "auth", "{:#?}", f.causes);
    assert!(top.title.contains("token signing failed"));
    assert!(matches!(top.verdict, Verdict::LikelyCause | Verdict::Contributing));
}

#[test]
fn quiet_day_has_no_likely_cause() {
    let mut rng = Rng(3);
    let mut lines = Vec::new();
    let mut t = at(8, 0, 0);
    while t < at(14, 0, 0) {
        let lvl = if rng.chance(0.05) { "error" } else { "info" };
        lines.push(format!(
            r#"{{"ts":"{}","level":"{lvl}","msg":"request handled in {} ms"}}"#,
            rfc3339(t),
            rng.next() % 80
        ));
        t += 3 * MS_PER_SEC;
    }
    let index = Index::build(vec![src(0, "app.log", lines)], Vec::new(), vocabulary_only(), &IndexOptions::default());
    let f = analyse(&index, &AnalysisOptions::default());
    assert!(f.incident.is_none(), "{:?}", f.incident);
    assert!(f.likely_cause().is_none());
    assert!(f.summary.contains("No incident"));
}

#[test]
fn incident_flag_overrides_detection() {
    let index = auth_incident(true);
    let opts = AnalysisOptions {
        incident: Some((TimeSpec::Absolute(at(15, 30, 0)), Some(TimeSpec::Absolute(at(16, 0, 0))))),
        ..Default::default()
    };
    let f = analyse(&index, &opts);
    let inc = f.incident.unwrap();
    assert_eq!(inc.source, crate::findings::WindowSource::Flag);
    assert_eq!(inc.onset, at(15, 30, 0));
    assert_eq!(f.causes[0].service, "auth");
}

#[test]
#[ignore]
fn debug_dump() {
    let index = auth_incident(true);
    for i in &index.inputs {
        eprintln!("{:?}", i);
    }
    let f = analyse(&index, &AnalysisOptions::default());
    eprintln!("{}", serde_json::to_string_pretty(&f.causes).unwrap());
    eprintln!("{}", f.summary);
}

/// Tallying record ranges in parallel and merging them gives the table and the pattern
/// statistics of one pass in file order, wherever the cuts fall.
#[test]
fn split_tallies_equal_one_pass() {
    let index = auth_incident(true);
    let (lo, hi) = index.time_span().expect("timed records");
    let len = index.records.len();
    let whole = signals::build_split(&index, lo, hi, signals::record_ranges(len, 1));
    assert!(whole.signals.len() > 3 && !whole.changes.is_empty());
    let w = window::detect(&whole).expect("an incident window");
    let periods = Periods::new(&whole, &w);
    let patterns = pattern_stats_split(&index, &whole, Some(&periods), signals::record_ranges(len, 1));
    assert!(!patterns.is_empty());
    for parts in [2, 3, 7, len + 3] {
        let split = signals::build_split(&index, lo, hi, signals::record_ranges(len, parts));
        assert!(split == whole, "signal table differs with {parts} ranges");
        let split_patterns = pattern_stats_split(&index, &whole, Some(&periods), signals::record_ranges(len, parts));
        assert_eq!(split_patterns, patterns, "pattern statistics differ with {parts} ranges");
    }
}

/// The impact names the failing endpoint from the access log, ids masked, with its failing share:
/// two of three auth hosts fail 68% of their logins, so about 45% of `POST /api/login` fails.
#[test]
fn impact_names_the_failing_endpoint_and_its_share() {
    let f = analyse(&auth_incident(true), &AnalysisOptions::default());
    let impact = &f.incident.as_ref().expect("an incident").impact;
    assert!(impact.description.contains("POST /api/login requests"), "{}", impact.description);
    let share = impact.incident_ratio.expect("a failing share");
    assert!((0.35..0.55).contains(&share), "share {share}");
    assert!(impact.baseline_ratio.expect("a baseline share") < 0.01);
    let mut key = Vec::new();
    endpoint_key(b"GET", b"/api/v1/orders/12345/items?page=2", &mut key);
    assert_eq!(key, b"GET /api/v1/orders/{id}/items");
}

/// A rule's warnings and its errors are separate signals: a chronic timeout warning and new timeout
/// errors of the same rule keep their own onsets, so the warning cannot date the errors early.
#[test]
fn a_rules_warnings_and_errors_are_separate_signals() {
    let mut lines = Vec::new();
    for m in 0..120 {
        let t = at(13, 0, 0) + m * 60 * MS_PER_SEC;
        lines.push(format!(
            r#"ts={} level=warn msg="suggestions unavailable" err="dial tcp 10.0.0.9:9200: i/o timeout""#,
            rfc3339(t)
        ));
    }
    let first_error = at(14, 30, 20);
    for k in 0..20 {
        let t = first_error + k * 7 * MS_PER_SEC;
        lines.push(format!(r#"ts={} level=error msg="save failed" err="context deadline exceeded""#, rfc3339(t)));
    }
    lines.sort();
    let rules = RuleSet::builtin().expect("built-in rules");
    let index = Index::build(vec![src(0, "cart.log", lines)], Vec::new(), rules, &IndexOptions::default());
    let (lo, hi) = index.time_span().expect("timed records");
    let table = signals::build(&index, lo, hi);
    let timeout_rule = index.rules.rules.iter().position(|r| r.id == "net.connection-timeout").expect("rule") as u32;
    let of_band = |band: signals::LevelBand| {
        table
            .signals
            .iter()
            .find(|s| s.key.id == signals::SignalId::Rule(timeout_rule) && s.key.band == band)
            .unwrap_or_else(|| panic!("no {band:?} signal"))
    };
    let warnings = of_band(signals::LevelBand::Warning);
    let errors = of_band(signals::LevelBand::Error);
    assert_eq!(warnings.series.counts.iter().sum::<u32>(), 120);
    assert_eq!(errors.series.counts.iter().sum::<u32>(), 20);
    let first = errors.series.first_ts.iter().copied().min().expect("a bucket");
    assert_eq!(first, first_error);
}

/// sshd on one bastion: a scanner fails twenty times a minute all along and never gets in; a
/// backup and a deploy account log in every 15 and 21 s until `PasswordAuthentication no` is reloaded, then each of
/// its logins is closed before authentication. Only the failures of an account that also worked
/// show the incident, and the reload is its cause.
fn sshd_lockout(reload: bool) -> Index {
    sshd_lockout_with(reload, false)
}

/// As [`sshd_lockout`]; with `louder_scanner`, the scanner also tries twice as often from the
/// reload on, and the accounts' first failure comes 40 s later: the chronic signal's rise begins
/// before the new failures.
fn sshd_lockout_with(reload: bool, louder_scanner: bool) -> Index {
    let mut lines = Vec::new();
    let start = at(17, 0, 0);
    let change = at(17, 6, 30);
    let lock_from = change + if louder_scanner { 40 } else { 5 } * MS_PER_SEC;
    let stop = at(17, 10, 0);
    let stamp = |t: Millis| chrono::DateTime::from_timestamp_millis(t).unwrap().format("%b %e %H:%M:%S").to_string();
    let mut t = start;
    let mut pid = 1000;
    while t < stop {
        pid += 1;
        lines.push((t, format!("{} bastion-1 sshd[{pid}]: Invalid user oracle from 10.9.8.7 port 4{pid}", stamp(t))));
        if louder_scanner && t > change {
            let again = t + 1500;
            lines.push((
                again,
                format!("{} bastion-1 sshd[{pid}]: Invalid user admin from 10.9.8.7 port 3{pid}", stamp(again)),
            ));
        }
        lines.push((
            t + 500,
            format!(
                "{} bastion-1 sshd[{pid}]: Failed password for invalid user oracle from 10.9.8.7 port 4{pid} ssh2",
                stamp(t + 500)
            ),
        ));
        // Two accounts that log in with passwords: a backup job every 15 s, a deploy job every 21 s.
        for (user, every) in [("svc-backup", 15), ("deploy", 21)] {
            if (t - start) % (every * MS_PER_SEC) != 0 {
                continue;
            }
            let at_ms = t + 1000;
            let text = if reload && at_ms > lock_from {
                format!(
                    "{} bastion-1 sshd[{}]: Connection closed by authenticating user {user} 10.0.9.20 port 5{pid} [preauth]",
                    stamp(at_ms),
                    pid + 50_000
                )
            } else {
                format!(
                    "{} bastion-1 sshd[{}]: Accepted password for {user} from 10.0.9.20 port 5{pid} ssh2",
                    stamp(at_ms),
                    pid + 50_000
                )
            };
            lines.push((at_ms, text));
        }
        t += 3 * MS_PER_SEC;
    }
    if reload {
        lines.push((change, format!("{} bastion-1 sshd[900]: Received SIGHUP; restarting.", stamp(change))));
    }
    lines.sort();
    let sources = vec![src(0, "auth.log", lines.into_iter().map(|l| l.1).collect())];
    let opts = IndexOptions { year: Some(2024), ..IndexOptions::default() };
    Index::build(sources, Vec::new(), RuleSet::builtin().expect("built-in rules"), &opts)
}

#[test]
fn an_account_that_worked_and_now_fails_shows_the_incident_under_a_scanners_noise() {
    let f = analyse(&sshd_lockout(true), &AnalysisOptions::default());
    let incident = f.incident.as_ref().expect("an incident from the account's failures");
    assert!(incident.onset >= at(17, 6, 30) && incident.onset <= at(17, 7, 0), "onset {}", incident.onset);
    let first = &f.causes[0];
    assert_eq!(first.verdict, Verdict::LikelyCause, "{}", f.summary);
    assert!(first.evidence[0].text.contains("Received SIGHUP"), "{:?}", first.evidence);
    // Without the reload the account keeps logging in: the scanner alone is no incident.
    let quiet = analyse(&sshd_lockout(false), &AnalysisOptions::default());
    assert!(quiet.incident.is_none(), "{}", quiet.summary);
}

/// When the scanner's chronic failures also rise at the reload, the account's failures (never
/// seen before) still say what began: the cause's evidence holds no scanner line.
#[test]
fn a_new_failure_headlines_over_a_chronic_one_that_rose_with_it() {
    let f = analyse(&sshd_lockout_with(true, true), &AnalysisOptions::default());
    let first = &f.causes[0];
    assert_eq!(first.verdict, Verdict::LikelyCause, "{}", f.summary);
    assert!(first.evidence[0].text.contains("Received SIGHUP"), "{:?}", first.evidence);
    let scanner = first.evidence.iter().find(|e| e.text.contains("10.9.8.7"));
    assert!(scanner.is_none(), "the scanner's line is the cause's evidence: {scanner:?}\n{}", f.summary);
    assert!(first.evidence.iter().any(|e| e.text.contains("authenticating user")), "{:?}", first.evidence);
}

/// Rows of an aggregate (a ClickHouse group each) stand for many lines: the signals count lines,
/// not records.
#[test]
fn signals_count_the_lines_a_record_stands_for() {
    use crate::index::{Index, IndexOptions};
    use crate::source::{Data, Source};
    let text =
        "2024-01-22T15:30:01Z ERROR disk full\n\n2024-01-22T15:30:02Z ERROR disk full\n2024-01-22T15:30:03Z INFO ok\n";
    let src = Source {
        id: 0,
        path: "app.log".into(),
        stream: "app.log".into(),
        data: Data::Counted { bytes: text.as_bytes().to_vec(), counts: vec![40, 2, 5] },
        mtime: None,
        warnings: Vec::new(),
    };
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    let idx = Index::build(vec![src], Vec::new(), crate::rules::RuleSet::empty(), &opts);
    let (lo, hi) = idx.time_span().unwrap();
    let table = crate::analysis::signals::build(&idx, lo, hi);
    assert_eq!(table.errors.total(), 42);
    assert_eq!(table.timed_records, 47);
    assert_eq!(table.service_totals.values().map(|v| v.iter().map(|&c| c as u64).sum::<u64>()).sum::<u64>(), 47);
}

/// Within one service, a signal never seen before began at its first line, while a chronic one
/// that rose began at an estimated change point: the new one leads its story and dates it, even
/// when the estimate comes first.
#[test]
fn a_new_signal_leads_its_story_before_a_chronic_one_that_rose() {
    let index = auth_incident(true);
    let (lo, hi) = index.time_span().expect("timed records");
    let table = signals::build(&index, lo, hi);
    let n = table.signals.len();
    let (first, other) = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .find(|&(a, b)| table.signals[a].key.service == table.signals[b].key.service)
        .expect("two signals of one service");
    let stat = |sig: usize, onset: Millis, new: bool, inc_count: u64| rank::SignalStat {
        sig,
        onset,
        new,
        inc_count,
        elevated: true,
        ..Default::default()
    };
    let rose = stat(first, at(15, 29, 0), false, 400);
    let began = stat(other, at(15, 30, 0), true, 40);
    let (stories, _) = rank::stories(&[rose, began], &table, at(15, 30, 0), 60 * MS_PER_SEC);
    assert_eq!(stories.len(), 1);
    assert_eq!((stories[0].stats[0].sig, stories[0].onset), (other, at(15, 30, 0)));
}

/// DEBUG logging switched on for a worker fills the host's disk seven minutes later; a reload of
/// the proxy on the same host comes between. With `surge`, the worker writes fifteen times its
/// lines from the change on; without, it writes as before (and the disk fills anyway).
fn log_surge_fills_disk(surge: bool) -> Index {
    log_surge_fills_disk_with(surge, false)
}

/// As [`log_surge_fills_disk`]; with `self_logged`, the worker writes the change in its own log
/// (a server that logs its own setting change) instead of an audit log.
fn log_surge_fills_disk_with(surge: bool, self_logged: bool) -> Index {
    let stamp = |t: Millis| chrono::DateTime::from_timestamp_millis(t).unwrap().format("%b %e %H:%M:%S").to_string();
    let (start, change, reload, full, stop) = (at(6, 0, 0), at(6, 10, 0), at(6, 14, 0), at(6, 17, 0), at(6, 22, 0));
    let mut worker = Vec::new();
    let mut t = start;
    let mut job = 0;
    while t < stop {
        job += 1;
        worker.push(format!(
            r#"{{"ts":"{}","level":"info","service":"billing-worker","host":"app-1","msg":"job {job} done"}}"#,
            rfc3339(t)
        ));
        if surge && t >= change {
            for k in 0..14 {
                worker.push(format!(
                    r#"{{"ts":"{}","level":"debug","service":"billing-worker","host":"app-1","msg":"cache probe {k} for job {job}"}}"#,
                    rfc3339(t + k * 100)
                ));
            }
        }
        t += 2 * MS_PER_SEC;
    }
    let audit = if self_logged {
        worker.push(format!(
            r#"{{"ts":"{}","level":"info","service":"billing-worker","host":"app-1","msg":"log level set to DEBUG by admin request"}}"#,
            rfc3339(change)
        ));
        worker.sort();
        vec![r#"{"ts":"2024-01-22T06:00:00Z","actor":"deploy","action":"login","host":"app-1"}"#.to_string()]
    } else {
        vec![format!(
            r#"{{"ts":"{}","actor":"deploy","action":"config.changed","host":"app-1","target":"billing-worker","detail":"log level set to DEBUG"}}"#,
            rfc3339(change)
        )]
    };
    let mut syslog = vec![
        format!("{} app-1 systemd[1]: Reloading nginx.service - A high performance web server...", stamp(reload)),
        format!("{} app-1 systemd[1]: Reloaded nginx.service - A high performance web server.", stamp(reload)),
    ];
    let mut t = full;
    while t < stop {
        syslog.push(format!(
            "{} app-1 postgres[812]: ERROR:  could not extend file \"base/16384/2619\": No space left on device",
            stamp(t)
        ));
        t += 5 * MS_PER_SEC;
    }
    let sources = vec![src(0, "billing-worker.jsonl", worker), src(1, "audit.jsonl", audit), src(2, "syslog", syslog)];
    let opts = IndexOptions { year: Some(2024), ..IndexOptions::default() };
    Index::build(sources, Vec::new(), RuleSet::builtin().expect("built-in rules"), &opts)
}

/// A change whose effect still shows when the failures begin (the worker writing fifteen times
/// its lines) acted on them all along: it is the cause, over a nearer change on the same host,
/// and the reasons say what it stirred. Without the surge, nothing prefers it to the nearer one.
#[test]
fn a_change_whose_effect_lasts_until_the_failures_outranks_a_nearer_one() {
    let f = analyse(&log_surge_fills_disk(true), &AnalysisOptions::default());
    let first = &f.causes[0];
    assert!(first.evidence[0].text.contains("log level set to DEBUG"), "{:?}\n{}", first.evidence, f.summary);
    let stirred = first.reasons.iter().find(|r| r.contains("billing-worker has written"));
    assert!(stirred.is_some_and(|r| r.contains("its usual lines per minute")), "{:?}", first.reasons);
    // A server that logs its own change: its own lines are what the change stirred.
    let own = analyse(&log_surge_fills_disk_with(true, true), &AnalysisOptions::default());
    let first = &own.causes[0];
    assert!(first.evidence[0].text.contains("log level set to DEBUG"), "{:?}\n{}", first.evidence, own.summary);
    let quiet = analyse(&log_surge_fills_disk(false), &AnalysisOptions::default());
    let first = &quiet.causes[0];
    assert!(!first.evidence[0].text.contains("log level set to DEBUG"), "{:?}", first.evidence);
    assert!(!first.reasons.iter().any(|r| r.contains("usual lines")), "{:?}", first.reasons);
}
