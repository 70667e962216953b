//! culprit against logs that real servers wrote on this machine: sshd through
//! rsyslog, PostgreSQL, MariaDB and nginx, each started on loopback with its logs
//! in a temporary folder and driven with its own client; plus a real outage
//! (nginx → login service → PostgreSQL, with the database stopped mid-traffic).
//!
//! Each scenario runs once per test process (a `OnceLock` fixture) and several
//! tests check what it left: first what the servers wrote (counted in the raw
//! text, so the scenario itself is proven), then how culprit reads it.
//! Tests skip with a message when a server's binaries are absent (`.ci/run`
//! installs them). Run alone with `cargo test --test real_servers`.

mod real;

use culprit::format::{Level, LineKind};
use culprit::rules::{RuleKind, NO_RULE};
use real::scenarios::*;
use real::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Why a fixture has nothing to offer.
enum Fail {
    /// Binaries (or root, for sshd) are missing: the tests pass with a message.
    Skip(String),
    /// The scenario itself broke: every test using it fails with this.
    Broken(String),
}

fn get<T>(f: &'static Result<T, Fail>) -> Option<&'static T> {
    match f {
        Ok(t) => Some(t),
        Err(Fail::Skip(m)) => {
            skip(m);
            None
        }
        Err(Fail::Broken(m)) => panic!("scenario failed: {m}"),
    }
}

fn broken(e: String) -> Fail {
    Fail::Broken(e)
}

/// Level of a line whose text has `word` as its severity token.
fn records_with<'a>(views: &'a [LineView], needle: &str) -> Vec<&'a LineView> {
    views.iter().filter(|v| v.text.contains(needle)).collect()
}

// =================================================================== sshd via rsyslog

struct SshRun {
    _w: Workdir,
    window: Window,
    traditional: PathBuf,
    rfc3339: PathBuf,
    key_logins: usize,
    bad_passwords: usize,
    invalid_users: Vec<String>,
}

const SSH_KEY_LOGINS: usize = 3;
const SSH_BAD_PASSWORDS: usize = 4;
const SSH_INVALID_USERS: [&str; 3] = ["oracle", "admin", "deploy-test"];

fn ssh_run() -> Option<&'static SshRun> {
    static RUN: OnceLock<Result<SshRun, Fail>> = OnceLock::new();
    get(RUN.get_or_init(|| {
        for (bin, path) in [("sshd", "/usr/sbin/sshd"), ("rsyslogd", "/usr/sbin/rsyslogd"), ("ssh", "/usr/bin/ssh")] {
            if find_bin(bin, &[path]).is_none() {
                return Err(Fail::Skip(format!("{bin} not installed (.ci/run installs openssh-server and rsyslog)")));
            }
        }
        if !is_root() {
            return Err(Fail::Skip("sshd tests need root (sshd privilege separation, /dev/log)".into()));
        }
        let ids = service_ids().map_err(broken)?;
        let w = Workdir::new("sshd", ids);
        let logs = w.mkdir("logs");
        let start = now_ms();
        let syslog = Rsyslog::start(&w, &logs).map_err(|e| Fail::Broken(w.failed(e)))?;
        let sshd = Sshd::start(&w, &syslog).map_err(|e| Fail::Broken(w.failed(e)))?;
        for _ in 0..SSH_KEY_LOGINS {
            sshd.key_login().map_err(|e| Fail::Broken(w.failed(e)))?;
        }
        // Failures cost sshd/PAM ~2 s each: run them side by side.
        let mut users: Vec<String> = vec![SERVICE_USER.to_string(); SSH_BAD_PASSWORDS];
        users.extend(SSH_INVALID_USERS.iter().map(|u| u.to_string()));
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let hs: Vec<_> = users.iter().map(|u| s.spawn(|| sshd.failed_password(u))).collect();
            hs.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("client thread panicked".into()))).collect()
        });
        results.into_iter().collect::<Result<Vec<()>, String>>().map_err(|e| Fail::Broken(w.failed(e)))?;
        // rsyslog writes asynchronously: wait for the last expected lines.
        let closes = SSH_BAD_PASSWORDS + SSH_INVALID_USERS.len();
        let ok = wait_until(Duration::from_secs(20), || {
            let t = lines(&syslog.traditional);
            let r = lines(&syslog.rfc3339);
            count_containing(&t, "[preauth]") >= closes
                && count_containing(&r, "[preauth]") >= closes
                && count_containing(&t, "Disconnected from user root") >= SSH_KEY_LOGINS
        });
        let end = now_ms();
        let (traditional, rfc3339) = (syslog.traditional.clone(), syslog.rfc3339.clone());
        drop(sshd);
        drop(syslog);
        if !ok {
            return Err(Fail::Broken(
                w.failed(format!("auth lines missing after 20 s; auth.log:\n{}", read_lossy(&traditional))),
            ));
        }
        Ok(SshRun {
            _w: w,
            window: Window { start, end },
            traditional,
            rfc3339,
            key_logins: SSH_KEY_LOGINS,
            bad_passwords: SSH_BAD_PASSWORDS,
            invalid_users: SSH_INVALID_USERS.iter().map(|u| u.to_string()).collect(),
        })
    }))
}

/// The ports of lines matching `prefix ... port N`.
fn ports_after(lines: &[String], needle: &str) -> Vec<u16> {
    let mut v: Vec<u16> = lines
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find(needle)? + needle.len()..];
            let p = rest.split(" port ").nth(1)?;
            p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn sshd_via_rsyslog_logs_each_provoked_event_once() {
    let Some(run) = ssh_run() else { return };
    for path in [&run.traditional, &run.rfc3339] {
        let l = lines(path);
        let ctx = format!("in {}:\n{}", path.display(), l.join("\n"));
        assert_eq!(count_containing(&l, "Server listening on 127.0.0.1 port"), 1, "{ctx}");
        assert_eq!(count_containing(&l, "Accepted publickey for root from 127.0.0.1 port"), run.key_logins, "{ctx}");
        let user = format!("Failed password for {SERVICE_USER} from 127.0.0.1 port");
        assert_eq!(count_containing(&l, &user), run.bad_passwords, "{ctx}");
        for u in &run.invalid_users {
            assert_eq!(count_containing(&l, &format!("Invalid user {u} from 127.0.0.1 port")), 1, "{ctx}");
            assert_eq!(count_containing(&l, &format!("Failed password for invalid user {u} from")), 1, "{ctx}");
            assert_eq!(count_containing(&l, &format!("Connection closed by invalid user {u} 127.0.0.1")), 1, "{ctx}");
        }
        assert_eq!(count_containing(&l, "Failed password"), run.bad_passwords + run.invalid_users.len(), "{ctx}");
        let closed = format!("Connection closed by authenticating user {SERVICE_USER} 127.0.0.1 port");
        assert_eq!(count_containing(&l, &closed), run.bad_passwords, "{ctx}");
        // No other connection was dropped (the harness never probes sshd's port).
        assert_eq!(count_containing(&l, "Connection closed by"), run.bad_passwords + run.invalid_users.len(), "{ctx}");
        assert_eq!(count_containing(&l, "kex_exchange_identification"), 0, "{ctx}");
        // Every accepted session ends with exactly one disconnect, on the same client port.
        let accepted = ports_after(&l, "Accepted publickey for root from 127.0.0.1");
        let disconnected = ports_after(&l, "Disconnected from user root 127.0.0.1");
        assert_eq!(accepted.len(), run.key_logins, "{ctx}");
        assert_eq!(accepted, disconnected, "{ctx}");
        // Nothing but sshd writes to these files during the test (PAM modules log as sshd too).
        for line in &l {
            assert!(line.contains(" sshd["), "unexpected writer: {line}");
        }
    }
    // Both templates received the same messages in the same order.
    let msg = |l: &String| l.split_once(" sshd[").map(|(_, m)| m.to_string()).unwrap_or_default();
    let t: Vec<String> = lines(&run.traditional).iter().map(msg).collect();
    let r: Vec<String> = lines(&run.rfc3339).iter().map(msg).collect();
    assert_eq!(t, r);
}

#[test]
fn sshd_auth_logs_parse_as_syslog_records_with_their_times() {
    let Some(run) = ssh_run() else { return };
    let ix = index(&[run.traditional.clone(), run.rfc3339.clone()]);
    let host = hostname();
    let trad = line_views(&ix, source_id(&ix, "/auth.log"));
    let rfc = line_views(&ix, source_id(&ix, "/auth-rfc3339.log"));
    assert_eq!(trad.len(), rfc.len());
    for (name, views) in [("auth.log", &trad), ("auth-rfc3339.log", &rfc)] {
        let sid = source_id(&ix, name);
        assert_eq!(format_of(&ix, sid), "syslog", "{name}");
        assert_eq!(ix.inputs[sid].unparsed, 0, "{name}");
        assert_eq!(ix.inputs[sid].records as usize, views.len(), "{name}: one record per line");
        for v in views.iter() {
            assert_eq!(v.kind, LineKind::Record, "{name}: {}", v.text);
            assert!(run.window.contains(v.ts), "{name}: {} outside {:?}: {}", v.ts, run.window, v.text);
            assert_eq!(v.host, host, "{}", v.text);
            assert_eq!(v.service, "sshd", "{}", v.text);
            assert!(v.text.ends_with(&v.msg) && !v.msg.starts_with(' ') && !v.msg.is_empty(), "{}", v.text);
        }
    }
    for (t, r) in trad.iter().zip(&rfc) {
        // The same message: the RFC 3339 stamp carries microseconds, the traditional one whole seconds.
        assert_eq!(t.msg, r.msg);
        assert_eq!(t.ts, r.ts.div_euclid(1000) * 1000, "{} / {}", t.text, r.text);
        // The RFC 3339 stamp is the line's first token; culprit keeps its milliseconds.
        let stamp = r.text.split(' ').next().unwrap_or_default();
        let want = chrono::DateTime::parse_from_rfc3339(stamp).map(|d| d.timestamp_millis()).unwrap_or(i64::MIN);
        assert_eq!(r.ts, want, "{}", r.text);
    }
}

#[test]
fn sshd_failed_logins_hit_error_or_symptom_rules() {
    let Some(run) = ssh_run() else { return };
    let ix = index(std::slice::from_ref(&run.traditional));
    let mut failed = 0;
    for i in 0..ix.records.len() {
        let line = String::from_utf8_lossy(ix.first_line(i)).into_owned();
        let rule = ix.records.rule(i);
        if line.contains("Failed password") {
            failed += 1;
            let r = ix.rules.get(rule).unwrap_or_else(|| panic!("no rule for {line}"));
            assert!(matches!(r.kind, RuleKind::Error | RuleKind::Symptom), "{} is {:?}: {line}", r.id, r.kind);
        }
        if line.contains("Accepted publickey") {
            if let Some(r) = ix.rules.get(rule) {
                assert!(!matches!(r.kind, RuleKind::Error | RuleKind::Symptom), "{} is {:?}: {line}", r.id, r.kind);
            }
        }
    }
    assert_eq!(failed, run.bad_passwords + run.invalid_users.len());
}

// =================================================================== PostgreSQL

struct PgRun {
    _w: Workdir,
    window: Window,
    log_dir: PathBuf,
    bad_passwords: usize,
    too_many: usize,
}

const PG_BAD_PASSWORDS: usize = 5;
const PG_MAX_CONNECTIONS: usize = 6;
const PG_TOO_MANY: usize = 2;

fn pg_skip() -> Option<Fail> {
    if postgres_bindir().is_none() {
        return Some(Fail::Skip("PostgreSQL not installed (.ci/run installs postgresql)".into()));
    }
    None
}

/// Counts `connection authorized: user=app` lines: how many app sessions got in so far.
fn pg_authorized(log: &std::path::Path) -> usize {
    count_containing(&lines(log), "connection authorized: user=app")
}

fn pg_run() -> Option<&'static PgRun> {
    static RUN: OnceLock<Result<PgRun, Fail>> = OnceLock::new();
    get(RUN.get_or_init(|| {
        if let Some(s) = pg_skip() {
            return Err(s);
        }
        let ids = service_ids().map_err(broken)?;
        let w = Workdir::new("postgres", ids);
        let log_dir = w.mkdir("logs");
        let start = now_ms();
        let conf = format!(
            "log_destination = 'stderr,csvlog,jsonlog'\nlog_connections = on\nlog_checkpoints = on\n\
             max_connections = {PG_MAX_CONNECTIONS}\nsuperuser_reserved_connections = 0\ndeadlock_timeout = '200ms'\n"
        );
        let mut pg = Postgres::init(&w, &log_dir, &conf).map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.start().map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.create_app().map_err(|e| Fail::Broken(w.failed(e)))?;
        let log = log_dir.join("postgres.log");
        let t = Duration::from_secs(60);

        // Wrong passwords over TCP (scram-sha-256 in pg_hba), and one role that does not exist.
        for _ in 0..PG_BAD_PASSWORDS {
            let (st, _, err) =
                run(&mut pg.psql_tcp("app", "wrong", "app", "select 1"), t).map_err(|e| Fail::Broken(w.failed(e)))?;
            if st.success() || !err.contains("password authentication failed") {
                return Err(Fail::Broken(w.failed(format!("bad password accepted? {st} {err}"))));
            }
        }
        let _ = run(&mut pg.psql_tcp("ghost", "wrong", "app", "select 1"), t).map_err(|e| Fail::Broken(w.failed(e)))?;

        // A syntax error in a statement written over several lines.
        let (st, _, _) = run(&mut pg.psql_tcp("app", PG_APP_PASSWORD, "app", "select 1 from\nnosuch where\n  ;"), t)
            .map_err(|e| Fail::Broken(w.failed(e)))?;
        if st.success() {
            return Err(Fail::Broken("syntax error not reported".into()));
        }

        // A deadlock: two sessions take the same two rows in opposite order.
        let tx = |a: u32, b: u32| {
            format!(
                "begin; update t set v = v + 1 where id = {a}; select pg_sleep(1); \
                 update t set v = v + 1 where id = {b}; commit;"
            )
        };
        let mut s1 = pg.psql_tcp("app", PG_APP_PASSWORD, "app", &tx(1, 2));
        let mut s2 = pg.psql_tcp("app", PG_APP_PASSWORD, "app", &tx(2, 1));
        let (r1, r2) = std::thread::scope(|s| {
            let h1 = s.spawn(|| run(&mut s1, t));
            let h2 = s.spawn(|| run(&mut s2, t));
            (h1.join(), h2.join())
        });
        let errs: String = [r1, r2]
            .into_iter()
            .map(|r| match r {
                Ok(Ok((_, _, e))) => e,
                _ => String::new(),
            })
            .collect();
        if !errs.contains("deadlock detected") {
            return Err(Fail::Broken(w.failed(format!("no deadlock: {errs}"))));
        }

        // Too many connections: fill every slot with sleeping sessions, then knock twice.
        let before = pg_authorized(&log);
        let holders: Vec<_> = (0..PG_MAX_CONNECTIONS)
            .map(|_| {
                pg.psql_tcp("app", PG_APP_PASSWORD, "app", "select pg_sleep(8)")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| Fail::Broken(w.failed(e)))?;
        let full = wait_until(Duration::from_secs(20), || pg_authorized(&log) >= before + PG_MAX_CONNECTIONS);
        let mut refused = 0;
        if full {
            for _ in 0..PG_TOO_MANY {
                let (_, _, err) = run(&mut pg.psql_tcp("app", PG_APP_PASSWORD, "app", "select 1"), t)
                    .map_err(|e| Fail::Broken(w.failed(e)))?;
                refused += usize::from(err.contains("too many clients"));
            }
        }
        for mut h in holders {
            let _ = h.wait();
        }
        if !full || refused != PG_TOO_MANY {
            return Err(Fail::Broken(w.failed(format!("connection slots: full={full}, refused {refused}"))));
        }

        // A forced checkpoint, then a fast shutdown, a restart, and the final fast shutdown.
        pg.psql_super("checkpoint").map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.pg_ctl_stop("fast").map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.start().map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.psql_super("select 1").map_err(|e| Fail::Broken(w.failed(e)))?;
        pg.pg_ctl_stop("fast").map_err(|e| Fail::Broken(w.failed(e)))?;
        let end = now_ms();
        let _ = std::fs::remove_dir_all(&pg.data);
        Ok(PgRun {
            _w: w,
            window: Window { start, end },
            log_dir,
            bad_passwords: PG_BAD_PASSWORDS,
            too_many: PG_TOO_MANY,
        })
    }))
}

const PG_AUTH_FAILED: &str = "password authentication failed for user \"app\"";

#[test]
fn postgres_logs_each_provoked_event() {
    let Some(run) = pg_run() else { return };
    let l = lines(&run.log_dir.join("postgres.log"));
    let ctx = l.join("\n");
    assert_eq!(count_containing(&l, &format!("FATAL:  {PG_AUTH_FAILED}")), run.bad_passwords, "{ctx}");
    assert_eq!(count_containing(&l, "FATAL:  password authentication failed for user \"ghost\""), 1, "{ctx}");
    assert_eq!(count_containing(&l, "DETAIL:  Role \"ghost\" does not exist."), 1, "{ctx}");
    assert_eq!(count_containing(&l, "DETAIL:  Connection matched pg_hba.conf line"), run.bad_passwords, "{ctx}");
    // The unknown role's DETAIL has two lines: the second is a tab-indented continuation.
    assert_eq!(count_containing(&l, "\tConnection matched pg_hba.conf line"), 1, "{ctx}");
    // Every TCP connection the scenario made, and no other: wrong passwords, the unknown role, the
    // set-up, the syntax error, two deadlocked sessions, the slot holders and the refused knocks.
    let tcp = run.bad_passwords + 1 + 1 + 1 + 2 + PG_MAX_CONNECTIONS + run.too_many;
    assert_eq!(count_containing(&l, "LOG:  connection received: host=127.0.0.1 port="), tcp, "{ctx}");
    assert_eq!(count_containing(&l, "ERROR:  syntax error at or near \";\""), 1, "{ctx}");
    assert_eq!(count_containing(&l, "ERROR:  deadlock detected"), 1, "{ctx}");
    assert_eq!(count_containing(&l, "FATAL:  sorry, too many clients already"), run.too_many, "{ctx}");
    assert_eq!(count_containing(&l, "LOG:  checkpoint starting: immediate force wait"), 1, "{ctx}");
    assert_eq!(count_containing(&l, "LOG:  received fast shutdown request"), 2, "{ctx}");
    assert_eq!(count_containing(&l, "LOG:  database system is shut down"), 2, "{ctx}");
    assert_eq!(count_containing(&l, "LOG:  database system is ready to accept connections"), 2, "{ctx}");
    // Continuation lines are the only lines without the `%m [%p] ` prefix: they start with a tab.
    let stamped = |s: &str| s.len() > 24 && s.as_bytes()[4] == b'-' && s[19..24].starts_with('.');
    for line in &l {
        assert!(stamped(line) || line.starts_with('\t'), "neither prefixed nor a continuation: {line:?}");
    }
    assert!(l.iter().any(|s| s == "\tnosuch where"), "{ctx}");
    assert!(l.iter().any(|s| s.starts_with("\tProcess ") && s.contains("waits for ShareLock")), "{ctx}");

    // The same events in the CSV and JSON logs.
    let csv = read_lossy(&run.log_dir.join("postgres.csv"));
    assert_eq!(csv.matches("password authentication failed for user \"\"app\"\"").count(), run.bad_passwords);
    assert_eq!(csv.matches(",\"deadlock detected\",").count(), 1);
    let json = lines(&run.log_dir.join("postgres.json"));
    let auth: Vec<serde_json::Value> = json
        .iter()
        .map(|s| serde_json::from_str::<serde_json::Value>(s).expect("every jsonlog line is JSON"))
        .filter(|v| v["message"].as_str() == Some(PG_AUTH_FAILED))
        .collect();
    assert_eq!(auth.len(), run.bad_passwords);
    assert!(auth.iter().all(|v| v["error_severity"] == "FATAL" && v["state_code"] == "28P01"), "{auth:?}");
}

/// `2026-11-29 11:10:39.208 UTC [26886] ...` → (ms, pid).
fn pg_prefix(line: &str) -> Option<(i64, &str)> {
    let stamp = line.get(..23)?;
    line.get(23..28).filter(|s| *s == " UTC ")?;
    let pid = line.get(28..)?.strip_prefix('[')?.split(']').next()?;
    Some((utc_ms(stamp), pid))
}

#[test]
fn postgres_stderr_log_parses_with_exact_times_levels_and_continuations() {
    let Some(run) = pg_run() else { return };
    let path = run.log_dir.join("postgres.log");
    let ix = index(std::slice::from_ref(&path));
    assert_eq!(format_of(&ix, 0), "postgres");
    assert_eq!(ix.inputs[0].unparsed, 0);
    let views = line_views(&ix, 0);
    for v in &views {
        if v.text.starts_with('\t') {
            assert_eq!(v.kind, LineKind::Continuation, "{}", v.text);
            continue;
        }
        let (ts, _) = pg_prefix(&v.text).unwrap_or_else(|| panic!("no prefix: {}", v.text));
        // DETAIL/HINT/CONTEXT/STATEMENT may start records or join the one above; either way, timed.
        if v.kind == LineKind::Continuation {
            assert!(
                ["DETAIL:  ", "HINT:  ", "CONTEXT:  ", "STATEMENT:  ", "QUERY:  ", "LOCATION:  "]
                    .iter()
                    .any(|k| v.text.contains(&format!("] {k}"))),
                "{}",
                v.text
            );
            continue;
        }
        assert_eq!(v.kind, LineKind::Record, "{}", v.text);
        assert_eq!(v.ts, ts, "{}", v.text);
        assert!(run.window.contains(v.ts), "{}", v.text);
        let want = if v.text.contains("] LOG:  ") {
            Some(Level::Info)
        } else if v.text.contains("] FATAL:  ") {
            Some(Level::Fatal)
        } else if v.text.contains("] ERROR:  ") {
            Some(Level::Error)
        } else {
            None
        };
        if let Some(want) = want {
            assert_eq!(v.level, want, "{}", v.text);
        }
    }
    let auth = records_with(&views, PG_AUTH_FAILED);
    assert_eq!(auth.len(), run.bad_passwords);
    assert!(auth.iter().all(|v| v.level == Level::Fatal && v.msg.contains(PG_AUTH_FAILED)));
    // Index records: one per prefixed severity line at least, every record a postgres service record.
    let pg_service = ix.services.get(ix.records.service(0)).to_string();
    assert_eq!(pg_service, "postgres");
    // The multi-line statement joins the record of its STATEMENT line (same pid and stamp).
    let i = (0..ix.records.len())
        .find(|&i| String::from_utf8_lossy(ix.record_bytes(i)).contains("\n\tnosuch where"))
        .expect("a record holds the statement's continuation");
    let first = String::from_utf8_lossy(ix.first_line(i)).into_owned();
    let err = views.iter().find(|v| v.text.contains("ERROR:  syntax error")).expect("syntax error line");
    assert_eq!(pg_prefix(&first), pg_prefix(&err.text), "{first}");
}

#[test]
fn postgres_csv_and_json_logs_parse_with_exact_times() {
    let Some(run) = pg_run() else { return };
    let csv = run.log_dir.join("postgres.csv");
    let json = run.log_dir.join("postgres.json");
    let ix = index(&[csv.clone(), json.clone()]);
    let (c, j) = (source_id(&ix, "postgres.csv"), source_id(&ix, "postgres.json"));
    assert_eq!(format_of(&ix, c), "postgres-csv");
    assert_eq!(format_of(&ix, j), "postgres-json");
    // JSON: one record per line, stamped with its `timestamp`, levelled by `error_severity`.
    let views = line_views(&ix, j);
    assert_eq!(ix.inputs[j].records as usize, views.len());
    for v in &views {
        let obj: serde_json::Value = serde_json::from_str(&v.text).expect("json line");
        let stamp = obj["timestamp"].as_str().and_then(|s| s.strip_suffix(" UTC")).expect("timestamp");
        assert_eq!(v.kind, LineKind::Record, "{}", v.text);
        assert_eq!(v.ts, utc_ms(stamp), "{}", v.text);
        if obj["error_severity"] == "FATAL" {
            assert_eq!(v.level, Level::Fatal, "{}", v.text);
        }
    }
    // CSV: as many records as JSON (the same events), multi-line fields joined.
    assert_eq!(ix.inputs[c].records, ix.inputs[j].records);
    assert_eq!(ix.inputs[c].unparsed, 0);
    let auth = (0..ix.records.len())
        .filter(|&i| ix.records.source(i) as usize == c)
        .filter(|&i| String::from_utf8_lossy(ix.record_bytes(i)).contains("password authentication failed for user"))
        .count();
    assert_eq!(auth, run.bad_passwords + 1);
}

#[test]
fn postgres_failures_hit_error_rules() {
    let Some(run) = pg_run() else { return };
    let ix = index(&[run.log_dir.join("postgres.log")]);
    let mut seen = [0usize; 3];
    for i in 0..ix.records.len() {
        let line = String::from_utf8_lossy(ix.first_line(i)).into_owned();
        let k = if line.contains(PG_AUTH_FAILED) {
            0
        } else if line.contains("deadlock detected") {
            1
        } else if line.contains("too many clients") {
            2
        } else {
            continue;
        };
        seen[k] += 1;
        let rule = ix.records.rule(i);
        assert_ne!(rule, NO_RULE, "no rule for {line}");
        let r = ix.rules.get(rule).expect("rule");
        assert!(matches!(r.kind, RuleKind::Error | RuleKind::Symptom), "{} is {:?}: {line}", r.id, r.kind);
    }
    assert_eq!(seen, [run.bad_passwords, 1, run.too_many]);
}

// =================================================================== MariaDB

struct MyRun {
    _w: Workdir,
    window: Window,
    error_log: PathBuf,
    denied: usize,
    timeouts: usize,
}

const MY_DENIED: usize = 4;
const MY_TIMEOUTS: usize = 2;

fn my_run() -> Option<&'static MyRun> {
    static RUN: OnceLock<Result<MyRun, Fail>> = OnceLock::new();
    get(RUN.get_or_init(|| {
        if find_bin("mariadbd", &["/usr/sbin/mariadbd"]).is_none() {
            return Err(Fail::Skip("MariaDB not installed (.ci/run installs mariadb-server)".into()));
        }
        let ids = service_ids().map_err(broken)?;
        let w = Workdir::new("mariadb", ids);
        let logs = w.mkdir("logs");
        let start = now_ms();
        let mut my = Mariadb::init(&w, &logs).map_err(|e| Fail::Broken(w.failed(e)))?;
        my.start().map_err(|e| Fail::Broken(w.failed(e)))?;
        my.sql_root(
            "create user 'app'@'127.0.0.1' identified by 'app-secret'; grant select on *.* to 'app'@'127.0.0.1'",
        )
        .map_err(|e| Fail::Broken(w.failed(e)))?;
        let t = Duration::from_secs(60);
        for _ in 0..MY_DENIED {
            let (st, _, err) = run(my.tcp_client("app", "wrong").args(["-e", "select 1"]), t)
                .map_err(|e| Fail::Broken(w.failed(e)))?;
            if st.success() || !err.contains("Access denied") {
                return Err(Fail::Broken(w.failed(format!("wrong password accepted? {err}"))));
            }
        }
        // Idle sessions past wait_timeout are aborted by the server.
        let idle: Vec<_> = (0..MY_TIMEOUTS)
            .map(|_| {
                my.tcp_client("app", "app-secret")
                    .arg("--init-command=set session wait_timeout = 1")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| Fail::Broken(w.failed(e)))?;
        std::thread::sleep(Duration::from_secs(3));
        for mut c in idle {
            drop(c.stdin.take());
            let _ = c.wait();
        }
        // A client that connects and leaves before authenticating.
        {
            use std::io::Read;
            let mut s = std::net::TcpStream::connect(("127.0.0.1", my.port)).map_err(|e| Fail::Broken(w.failed(e)))?;
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut greeting = [0u8; 64];
            let _ = s.read(&mut greeting);
        }
        let log = my.error_log.clone();
        let aborted =
            wait_until(Duration::from_secs(15), || count_containing(&lines(&log), "Aborted connection") > MY_TIMEOUTS);
        my.stop().map_err(|e| Fail::Broken(w.failed(e)))?;
        my.start().map_err(|e| Fail::Broken(w.failed(e)))?;
        my.sql_root("select 1").map_err(|e| Fail::Broken(w.failed(e)))?;
        my.stop().map_err(|e| Fail::Broken(w.failed(e)))?;
        let end = now_ms();
        if !aborted {
            return Err(Fail::Broken(w.failed(format!("no aborted connections logged:\n{}", read_lossy(&log)))));
        }
        let _ = std::fs::remove_dir_all(&my.data);
        Ok(MyRun { _w: w, window: Window { start, end }, error_log: log, denied: MY_DENIED, timeouts: MY_TIMEOUTS })
    }))
}

#[test]
fn mariadb_logs_each_provoked_event() {
    let Some(run) = my_run() else { return };
    let l = lines(&run.error_log);
    let ctx = l.join("\n");
    let denied = "[Warning] Access denied for user 'app'@'127.0.0.1' (using password: YES)";
    assert_eq!(count_containing(&l, denied), run.denied, "{ctx}");
    let timeout = "[Warning] Aborted connection";
    let timeouts: Vec<&String> = l.iter().filter(|s| s.contains(timeout) && s.contains("user: 'app'")).collect();
    assert_eq!(timeouts.len(), run.timeouts, "{ctx}");
    assert!(timeouts.iter().all(|s| s.ends_with("(Got timeout reading communication packets)")), "{ctx}");
    let preauth = "user: 'unauthenticated' host: '127.0.0.1' (This connection closed normally without authentication)";
    assert_eq!(count_containing(&l, preauth), 1, "{ctx}");
    assert_eq!(count_containing(&l, "[Note] Starting MariaDB"), 2, "{ctx}");
    assert_eq!(count_containing(&l, ": ready for connections."), 2, "{ctx}");
    assert_eq!(count_containing(&l, ": Normal shutdown"), 2, "{ctx}");
    assert_eq!(count_containing(&l, ": Shutdown complete"), 2, "{ctx}");
}

#[test]
fn mariadb_error_log_parses_with_exact_times_and_levels() {
    let Some(run) = my_run() else { return };
    let ix = index(std::slice::from_ref(&run.error_log));
    assert_eq!(format_of(&ix, 0), "mysql");
    let views = line_views(&ix, 0);
    let mut timed = 0;
    for v in &views {
        // `2026-11-29 11:11:05 4 [Warning] Access denied …`
        let Some(ts) = v.text.get(..19).filter(|s| s.as_bytes()[4] == b'-' && s.as_bytes()[13] == b':').map(utc_ms)
        else {
            // Only the `Version: '…'` banner after "ready for connections" carries no stamp.
            assert!(v.text.starts_with("Version: '"), "{}", v.text);
            assert_ne!(v.kind, LineKind::Record, "{}", v.text);
            continue;
        };
        timed += 1;
        assert_eq!(v.kind, LineKind::Record, "{}", v.text);
        assert_eq!(v.ts, ts, "{}", v.text);
        assert!(run.window.contains(v.ts), "{}", v.text);
        if v.text.contains(" [Warning] ") {
            assert_eq!(v.level, Level::Warn, "{}", v.text);
        } else if v.text.contains(" [ERROR] ") {
            assert_eq!(v.level, Level::Error, "{}", v.text);
        } else if v.text.contains(" [Note] ") {
            // MariaDB's notes are informational; either reading of "note" is fine, a problem level is not.
            assert!(matches!(v.level, Level::Info | Level::Notice), "{:?}: {}", v.level, v.text);
        }
    }
    assert!(timed > 20, "{timed} stamped lines");
    let denied = records_with(&views, "Access denied for user 'app'");
    assert_eq!(denied.len(), run.denied);
    assert!(denied.iter().all(|v| v.msg.starts_with("Access denied") || v.msg.contains("] Access denied")));
    let svc = ix.services.get(ix.records.service(0)).to_string();
    assert_eq!(svc, "mysql");
}

// =================================================================== nginx

struct NginxRun {
    _w: Workdir,
    window: Window,
    access: PathBuf,
    error: PathBuf,
    expected: Vec<(u16, usize)>,
}

fn nginx_run() -> Option<&'static NginxRun> {
    static RUN: OnceLock<Result<NginxRun, Fail>> = OnceLock::new();
    get(RUN.get_or_init(|| {
        if find_bin("nginx", &["/usr/sbin/nginx"]).is_none() {
            return Err(Fail::Skip("nginx not installed (.ci/run installs nginx)".into()));
        }
        if find_bin("python3", &["/usr/bin/python3"]).is_none() {
            return Err(Fail::Skip("python3 not installed (the upstream is a Python script)".into()));
        }
        let w = Workdir::new("nginx", None);
        let logs = w.mkdir("logs");
        let start = now_ms();
        let up =
            Upstream::start(&w, &logs.join("upstream.log"), "web-1", &[]).map_err(|e| Fail::Broken(w.failed(e)))?;
        let ng = Nginx::start(&w, &logs, up.port).map_err(|e| Fail::Broken(w.failed(e)))?;
        let plan: [(&str, u16, usize); 7] = [
            ("/app/ok", 200, 5),
            ("/", 200, 1),
            ("/app/secret", 401, 3),
            ("/nope.html", 404, 2),
            ("/app/missing", 404, 1),
            ("/down/x", 502, 2),
            ("/app/slow?s=3", 504, 2),
        ];
        for (path, want, n) in plan {
            for _ in 0..n {
                let got = http_get(ng.port, path, Duration::from_secs(10)).map_err(|e| Fail::Broken(w.failed(e)))?;
                if got != want {
                    return Err(Fail::Broken(w.failed(format!("GET {path}: {got}, expected {want}"))));
                }
            }
        }
        let mut expected: Vec<(u16, usize)> = Vec::new();
        for (_, code, n) in plan {
            match expected.iter_mut().find(|(c, _)| *c == code) {
                Some(e) => e.1 += n,
                None => expected.push((code, n)),
            }
        }
        let (access, error) = (ng.access_log.clone(), ng.error_log.clone());
        drop(ng);
        drop(up);
        Ok(NginxRun { _w: w, window: Window { start, end: now_ms() }, access, error, expected })
    }))
}

/// `127.0.0.1 - - [29/Nov/2026:11:10:00 +0000] "GET / HTTP/1.1" 200 6 "-" "ua"` → (ms, status).
fn access_fields(line: &str) -> Option<(i64, u16)> {
    let stamp = line.split_once('[')?.1.split_once(']')?.0;
    let ts = chrono::DateTime::parse_from_str(stamp, "%d/%b/%Y:%H:%M:%S %z").ok()?.timestamp_millis();
    let status = line.split_once("\" ")?.1.split(' ').next()?.parse().ok()?;
    Some((ts, status))
}

#[test]
fn nginx_logs_each_request_with_its_status() {
    let Some(run) = nginx_run() else { return };
    let l = lines(&run.access);
    let total: usize = run.expected.iter().map(|e| e.1).sum();
    assert_eq!(l.len(), total, "{}", l.join("\n"));
    for (code, n) in &run.expected {
        let got = l.iter().filter(|s| access_fields(s).map(|f| f.1) == Some(*code)).count();
        assert_eq!(got, *n, "status {code}:\n{}", l.join("\n"));
    }
    let e = lines(&run.error);
    let ctx = e.join("\n");
    assert_eq!(count_containing(&e, "[error]"), e.len(), "{ctx}");
    assert_eq!(
        count_containing(&e, "connect() failed (111: Connection refused) while connecting to upstream"),
        2,
        "{ctx}"
    );
    assert_eq!(count_containing(&e, "upstream timed out (110: Connection timed out) while reading"), 2, "{ctx}");
    assert_eq!(count_containing(&e, "nope.html\" failed (2: No such file or directory)"), 2, "{ctx}");
    assert_eq!(e.len(), 6, "{ctx}");
}

#[test]
fn nginx_logs_parse_as_access_and_error_records() {
    let Some(run) = nginx_run() else { return };
    let ix = index(&[run.access.clone(), run.error.clone()]);
    let (a, e) = (source_id(&ix, "/access.log"), source_id(&ix, "/error.log"));
    assert_eq!(format_of(&ix, a), "access");
    assert_eq!(format_of(&ix, e), "nginx-error");
    for v in line_views(&ix, a) {
        let (ts, status) = access_fields(&v.text).expect("combined line");
        assert_eq!(v.kind, LineKind::Record, "{}", v.text);
        assert_eq!(v.ts, ts, "{}", v.text);
        assert!(run.window.contains(v.ts), "{}", v.text);
        if status >= 500 {
            assert!(v.level >= Level::Error, "{}", v.text);
        } else if status < 400 {
            assert!(v.level < Level::Warn, "{}", v.text);
        }
    }
    for v in line_views(&ix, e) {
        // `2026/11/29 11:10:00 [error] 123#123: *5 connect() failed …`
        let stamp = v.text.get(..19).expect("stamp");
        let ts = chrono::NaiveDateTime::parse_from_str(stamp, "%Y/%m/%d %H:%M:%S").expect("stamp").and_utc();
        assert_eq!(v.kind, LineKind::Record, "{}", v.text);
        assert_eq!(v.ts, ts.timestamp_millis(), "{}", v.text);
        assert_eq!(v.level, Level::Error, "{}", v.text);
    }
    let svc = ix.services.get(ix.records.service(0)).to_string();
    assert_eq!(svc, "proxy");
}

// =================================================================== a real outage

/// Traffic phases of the outage, in seconds.
const OUTAGE_BASELINE_S: u64 = 75;
const OUTAGE_DOWN_S: u64 = 40;
const OUTAGE_RECOVERY_S: u64 = 30;
/// The stop is issued this many ms past a whole second, with logins held until the next
/// second has begun: the database's last lines then come just before the first failures,
/// which second-resolution access logs date to that next whole second — the case where a
/// trigger sits right before a rounded onset, made the same on every run.
const OUTAGE_STOP_MS_IN_SECOND: i64 = 900;

struct OutageRun {
    _w: Workdir,
    logs: PathBuf,
    /// The stop is issued; the postmaster is gone; the restart is issued; it answers again.
    t0: i64,
    down: i64,
    t1: i64,
    back: i64,
    ssh_noise: bool,
    /// (response time, HTTP status) of every scripted login.
    statuses: Vec<(i64, u16)>,
    findings: culprit::findings::Findings,
    report: String,
    text_report: String,
}

/// nginx → login service → PostgreSQL with steady logins and a chronic ssh scanner
/// (when sshd can run), then `pg_ctl stop -m immediate` mid-traffic, a restart 40 s
/// later, and recovery; then `culprit report` over the log folder, as JSON and text.
fn outage_run() -> Option<&'static OutageRun> {
    static RUN: OnceLock<Result<OutageRun, Fail>> = OnceLock::new();
    get(RUN.get_or_init(|| {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Mutex;

        if let Some(s) = pg_skip() {
            return Err(s);
        }
        for (bin, path) in [("nginx", "/usr/sbin/nginx"), ("python3", "/usr/bin/python3")] {
            if find_bin(bin, &[path]).is_none() {
                return Err(Fail::Skip(format!("{bin} not installed")));
            }
        }
        let ids = service_ids().map_err(broken)?;
        let w = Workdir::new("outage", ids);
        let fail = |e: String| Fail::Broken(w.failed(e));
        let logs = w.mkdir("logs");
        let pg_logs = w.mkdir("logs/postgresql");
        let nginx_logs = w.mkdir("logs/nginx");
        let app_logs = w.mkdir("logs/auth-service");
        let syslog_dir = w.mkdir("logs/syslog");
        let mut pg = Postgres::init(&w, &pg_logs, "log_destination = 'stderr'\n").map_err(fail)?;
        pg.start().map_err(fail)?;
        pg.create_app().map_err(fail)?;
        let env = [
            ("UPSTREAM_PSQL", pg.bindir.join("psql").display().to_string()),
            ("UPSTREAM_PG_PORT", pg.port.to_string()),
            ("UPSTREAM_PG_PASSWORD", PG_APP_PASSWORD.to_string()),
        ];
        let up = Upstream::start(&w, &app_logs.join("auth.jsonl"), "auth-1", &env).map_err(fail)?;
        let ng = Nginx::start(&w, &nginx_logs, up.port).map_err(fail)?;

        // The chronic noise: a scripted ssh scanner when sshd can run here, else wrong database passwords.
        let ssh_noise =
            is_root() && find_bin("sshd", &["/usr/sbin/sshd"]).is_some() && find_bin("rsyslogd", &[]).is_some();
        let (syslog, sshd) = if ssh_noise {
            let s = Rsyslog::start(&w, &syslog_dir).map_err(fail)?;
            let d = Sshd::start(&w, &s).map_err(fail)?;
            (Some(s), Some(d))
        } else {
            eprintln!("note: no sshd here; the chronic noise is PostgreSQL auth failures");
            (None, None)
        };

        let (scan_psql, scan_port) = (pg.bindir.join("psql"), pg.port.to_string());
        let stop = AtomicBool::new(false);
        let statuses: Mutex<Vec<(i64, u16)>> = Mutex::new(Vec::new());
        // Held by each login while in flight, and by the fault injection to pause logins briefly.
        let gate = Mutex::new(());
        let phases = std::thread::scope(|s| -> Result<(i64, i64, i64, i64), String> {
            s.spawn(|| {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let path = format!("/app/login?user=u{}", n % 50);
                    {
                        let _in_flight = gate.lock().unwrap_or_else(|e| e.into_inner());
                        let code = http_get(ng.port, &path, Duration::from_secs(15)).unwrap_or(0);
                        statuses.lock().unwrap_or_else(|e| e.into_inner()).push((now_ms(), code));
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
            });
            s.spawn(|| {
                // Chronic: the same low rate of failures before, during and after the outage.
                let users = ["admin", "oracle", "test", "ubuntu", "pi"];
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    match &sshd {
                        Some(d) => {
                            let _ = d.failed_password(users[n % users.len()]);
                        }
                        None => {
                            let mut c = Command::new(&scan_psql);
                            c.args([
                                "-X",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                &scan_port,
                                "-U",
                                "app",
                                "-d",
                                "app",
                                "-c",
                                "select 1",
                            ]);
                            let _ = run(c.env("PGPASSWORD", "guess"), Duration::from_secs(10));
                        }
                    }
                    n += 1;
                    std::thread::sleep(Duration::from_secs(2));
                }
            });
            // Stops the helpers also when this closure returns early or panics.
            let _stop_helpers = RaiseOnDrop(&stop);
            std::thread::sleep(Duration::from_secs(OUTAGE_BASELINE_S));
            let paused = gate.lock().unwrap_or_else(|e| e.into_inner());
            let into_second = (OUTAGE_STOP_MS_IN_SECOND - now_ms().rem_euclid(1000)).rem_euclid(1000);
            std::thread::sleep(Duration::from_millis(into_second as u64));
            let t0 = now_ms();
            pg.pg_ctl_stop("immediate")?;
            let down = now_ms();
            // Logins resume 150 ms into the next whole second (a pause of about a second).
            let next_second = (1150 - now_ms().rem_euclid(1000)).rem_euclid(1000);
            std::thread::sleep(Duration::from_millis(next_second as u64));
            drop(paused);
            std::thread::sleep(Duration::from_secs(OUTAGE_DOWN_S));
            let t1 = now_ms();
            pg.start()?;
            let back = now_ms();
            std::thread::sleep(Duration::from_secs(OUTAGE_RECOVERY_S));
            Ok((t0, down, t1, back))
        });
        let (t0, down, t1, back) = phases.map_err(fail)?;
        drop(sshd);
        drop(syslog);
        drop(ng);
        drop(up);
        pg.pg_ctl_stop("fast").map_err(fail)?;
        let _ = std::fs::remove_dir_all(&pg.data);
        let _ = std::fs::remove_file(syslog_dir.join("auth-rfc3339.log"));

        let json = Command::new(env!("CARGO_BIN_EXE_culprit"))
            .args(["report", "--format", "json"])
            .arg(&logs)
            .output()
            .map_err(|e| fail(e.to_string()))?;
        let report = String::from_utf8_lossy(&json.stdout).into_owned();
        if !json.status.success() {
            return Err(fail(format!("culprit report failed: {}", String::from_utf8_lossy(&json.stderr))));
        }
        let findings = serde_json::from_str(&report).map_err(|e| fail(format!("findings JSON: {e}\n{report}")))?;
        let text = Command::new(env!("CARGO_BIN_EXE_culprit"))
            .arg("report")
            .arg(&logs)
            .output()
            .map_err(|e| fail(e.to_string()))?;
        if !text.status.success() {
            return Err(fail(format!("culprit text report failed: {}", String::from_utf8_lossy(&text.stderr))));
        }
        let text_report = String::from_utf8_lossy(&text.stdout).into_owned();
        let statuses = statuses.into_inner().unwrap_or_else(|e| e.into_inner());
        print_digest(&findings, t0, down, t1, back);
        Ok(OutageRun { _w: w, logs, t0, down, t1, back, ssh_noise, statuses, findings, report, text_report })
    }))
}

/// What culprit said, for the test log (shown with --nocapture or on failure).
fn print_digest(f: &culprit::findings::Findings, t0: i64, down: i64, t1: i64, back: i64) {
    let t = culprit::time::rfc3339;
    eprintln!("database stopped at {} (gone {}), restarted at {} (back {})", t(t0), t(down), t(t1), t(back));
    if let Some(i) = &f.incident {
        eprintln!("incident: start {} onset {} end {:?}", t(i.start), t(i.onset), i.end.map(t));
    }
    eprintln!("summary: {}", f.summary);
    for c in f.causes.iter().take(6) {
        let verdict = c.verdict.as_str();
        eprintln!("  #{} {verdict} [{}] {} score {:.2}: {}", c.rank, c.subsystem, c.service, c.score, c.title);
        for e in c.evidence.iter().take(4) {
            eprintln!("      {}:{} {}", e.path.rsplit('/').next().unwrap_or(""), e.line, e.text);
        }
    }
}

/// The scenario really happened, and culprit dates it, blames the database and leaves the
/// (loud, steady) scanner out.
#[test]
fn outage_database_stopped_mid_traffic_is_ranked_first() {
    use culprit::findings::Verdict;
    let Some(run) = outage_run() else { return };
    let (t0, t1, report) = (run.t0, run.t1, &run.report);

    // Logins succeeded, failed while the database was down, then recovered.
    let phase =
        |from: i64, to: i64| run.statuses.iter().filter(|(t, _)| *t > from && *t < to).map(|s| s.1).collect::<Vec<_>>();
    let before = phase(0, t0);
    let during = phase(run.down + 500, t1);
    let after = phase(run.back + 1000, i64::MAX);
    // A loaded machine may time out a baseline login or two; more would not be a baseline.
    let bad = before.iter().filter(|&&c| c != 200).count();
    assert!(before.len() > 60 && bad * 100 <= before.len(), "baseline: {before:?}");
    assert!(!during.is_empty() && during.iter().all(|&c| c == 503), "outage: {during:?}");
    assert!(!after.is_empty() && after.iter().all(|&c| c == 200), "recovery: {after:?}");
    let pg_log = lines(&run.logs.join("postgresql/postgres.log"));
    assert_eq!(count_containing(&pg_log, "LOG:  received immediate shutdown request"), 1);
    assert_eq!(count_containing(&pg_log, "was not properly shut down; automatic recovery in progress"), 1);
    if run.ssh_noise {
        // The noise is really there, before, during and after the outage.
        let auth = lines(&run.logs.join("syslog/auth.log"));
        let fails = count_containing(&auth, "Failed password for invalid user");
        assert!(fails >= 15, "only {fails} scanner failures:\n{}", auth.join("\n"));
    }

    let f = &run.findings;
    let inc = f.incident.as_ref().unwrap_or_else(|| panic!("no incident found:\n{report}"));
    assert!((inc.start - t0).abs() <= 5000, "incident starts {} ms from the stop:\n{report}", inc.start - t0);
    if let Some(end) = inc.end {
        // Logins recover once the restarted server answers; culprit may round to its buckets.
        assert!(end >= t1 - 5000 && end <= run.back + 10_000, "recovery {} ms after the restart:\n{report}", end - t1);
    }
    // Impact: no login failed before the stop; most failed during it.
    assert!(inc.impact.baseline_ratio.is_none_or(|r| r < 0.05), "{report}");
    assert!(inc.impact.incident_ratio.is_none_or(|r| r > 0.5), "{report}");
    // Evidence points at real lines: each names a file and line that holds its text.
    for e in f.causes.iter().flat_map(|c| &c.evidence) {
        let file = lines(std::path::Path::new(&e.path));
        let line = file.get((e.line as usize).wrapping_sub(1)).map(String::as_str).unwrap_or("");
        let head: String = e.text.chars().take(40).collect();
        assert!(
            !head.is_empty() && line.contains(&head),
            "evidence {}:{} {:?} is not {line:?}",
            e.path,
            e.line,
            e.text
        );
    }
    let top = f.causes.first().unwrap_or_else(|| panic!("no causes:\n{report}"));
    let in_db = ["database", "postgres"].iter().any(|k| top.subsystem.to_lowercase().contains(k))
        || top.evidence.iter().any(|e| e.path.ends_with("postgres.log"));
    assert!(in_db, "top cause is not the database:\n{report}");
    assert_eq!(top.verdict, Verdict::LikelyCause, "{report}");
    assert!(!top.evidence.iter().any(|e| e.path.ends_with("auth.log")), "top cause is the ssh noise:\n{report}");
    for c in &f.causes {
        let ssh = c.service == "sshd" || c.evidence.iter().any(|e| e.path.ends_with("auth.log"));
        let quiet = matches!(c.verdict, Verdict::Chronic | Verdict::Unrelated);
        assert!(!ssh || quiet, "ssh noise is {} rather than chronic:\n{report}", c.verdict.as_str());
    }
    // The text report, from the same logs, names the same top cause (titles may wrap at 80 columns).
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat(&run.text_report).contains(&flat(&top.title)), "text report:\n{}", run.text_report);
}

/// PostgreSQL's own lines about the stop ("received immediate shutdown request", "database
/// system is shut down") come a fraction of a second before the first failed login, in the
/// whole second before it: the onset is that first failure's second, not a later one, and the
/// database's lines are the trigger of the top cause.
#[test]
#[ignore = "intermittent on the full pack: the onset is sometimes dated a second late, missing the trigger"]
fn outage_database_shutdown_is_the_trigger_of_the_top_cause() {
    let Some(run) = outage_run() else { return };
    let report = &run.report;
    let first_failure = run.statuses.iter().filter(|s| s.1 != 200 && s.0 > run.t0).map(|s| s.0).min();
    let first_failure = first_failure.unwrap_or_else(|| panic!("no failed login after the stop"));
    let inc = run.findings.incident.as_ref().unwrap_or_else(|| panic!("no incident:\n{report}"));
    // Access logs have whole seconds: the onset may be the start of the first failure's second, not after it.
    assert!(
        inc.onset <= first_failure,
        "onset {} after the first failed login {}:\n{report}",
        culprit::time::rfc3339(inc.onset),
        culprit::time::rfc3339(first_failure)
    );
    let top = run.findings.causes.first().unwrap_or_else(|| panic!("no causes:\n{report}"));
    let pg_fault = top.evidence.iter().any(|e| {
        e.path.ends_with("postgres.log") && (e.text.contains("immediate shutdown") || e.text.contains("shut down"))
    });
    assert!(pg_fault, "the PostgreSQL shutdown lines are not in the top cause's evidence:\n{report}");
}

// =================================================================== short incidents with truth

/// Each incident scenario (tests/real/incidents.rs) is one pair of tests: what the servers
/// wrote (the scenario happened as its truth says), and how culprit ranks it.
mod incident_set {
    use super::real::incident_checks::{check_ranking, check_raw};
    use super::real::incidents::{incident, Kind};

    fn raw(kind: Kind) {
        let Some(run) = incident(kind) else { return };
        if let Err(e) = check_raw(run) {
            panic!("{}: {e} (logs in {})", kind.name(), run.logs.display());
        }
    }

    fn ranked(kind: Kind) {
        let Some(run) = incident(kind) else { return };
        if let Err(e) = check_ranking(run) {
            panic!("{}: {e}", kind.name());
        }
    }

    #[test]
    fn pg_statement_timeout_servers_wrote_it() {
        raw(Kind::PgStatementTimeout)
    }
    #[test]
    fn pg_statement_timeout_ranked() {
        ranked(Kind::PgStatementTimeout)
    }
    #[test]
    fn pg_lock_held_servers_wrote_it() {
        raw(Kind::PgLockHeld)
    }
    #[test]
    fn pg_lock_held_ranked() {
        ranked(Kind::PgLockHeld)
    }
    #[test]
    fn pg_role_expired_servers_wrote_it() {
        raw(Kind::PgRoleExpired)
    }
    #[test]
    fn pg_role_expired_ranked() {
        ranked(Kind::PgRoleExpired)
    }
    #[test]
    fn mariadb_read_only_servers_wrote_it() {
        raw(Kind::MariadbReadOnly)
    }
    #[test]
    fn mariadb_read_only_ranked() {
        ranked(Kind::MariadbReadOnly)
    }
    #[test]
    fn mariadb_killed_servers_wrote_it() {
        raw(Kind::MariadbKilled)
    }
    #[test]
    fn mariadb_killed_ranked() {
        ranked(Kind::MariadbKilled)
    }
    #[test]
    fn nginx_body_too_large_servers_wrote_it() {
        raw(Kind::NginxBodyTooLarge)
    }
    #[test]
    fn nginx_body_too_large_ranked() {
        ranked(Kind::NginxBodyTooLarge)
    }
    #[test]
    fn nginx_upstream_killed_servers_wrote_it() {
        raw(Kind::NginxUpstreamKilled)
    }
    #[test]
    fn nginx_upstream_killed_ranked() {
        ranked(Kind::NginxUpstreamKilled)
    }
    #[test]
    fn quiet_run_servers_wrote_it() {
        raw(Kind::Quiet)
    }
    #[test]
    fn quiet_run_has_no_likely_cause() {
        ranked(Kind::Quiet)
    }
}

/// The scenario checks read the servers' own stamps; MariaDB pads an hour below 10 with a space
/// ("2026-12-08  0:27:55"), which once made every MariaDB check after midnight count nothing.
#[test]
fn scenario_checks_read_space_padded_mariadb_hours() {
    use real::incidents::line_ms;
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
    let error_log = "2026-12-08  0:27:55 4 [Warning] Access denied for user 'exporter'@'127.0.0.1'";
    assert_eq!(line_ms(error_log), Some(at("2026-12-08T00:27:55Z")));
    let audit = "20261208 00:27:54,vm,root,localhost,5,12,QUERY,,'SET GLOBAL read_only = 1',0";
    assert_eq!(line_ms(audit), Some(at("2026-12-08T00:27:54Z")));
    let two_digit = "2026-12-08 13:02:07.123 UTC [42] LOG:  received SIGHUP";
    assert_eq!(line_ms(two_digit), Some(at("2026-12-08T13:02:07.123Z")));
}
