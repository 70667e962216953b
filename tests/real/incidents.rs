//! Short incidents made by real servers on this machine: each scenario starts a
//! [`Stack`], runs steady traffic and chronic noise through a baseline with one
//! harmless change (the red herring), then triggers a fault (or, on the quiet run,
//! nothing), fixes it a few minutes later, and writes a `truth.json` beside the logs
//! in the format of the real-server incident sets: the trigger's file and line, the
//! regexes a headline line may match, the red herrings, the incident window.
//!
//! All scenarios run side by side (each has its own servers and ports), so the whole
//! set costs about one scenario's wall time. `CULPRIT_SAVE_REAL=DIR` copies each
//! folder to `DIR/NAME/` so the set can be graded with `scripts/grade_incidents.py`;
//! `CULPRIT_REAL_INCIDENT_SCALE` (default 1) shortens every phase, for debugging the
//! harness only (the ranking needs minutes of baseline).

use super::scenarios::*;
use super::stack::*;
use super::*;
use culprit::findings::Findings;
use regex::Regex;
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

/// Phases, in seconds of wall time: the harmless change comes this long after the start,
/// the trigger this long after the start, the fix this long after the trigger, and the
/// logs run on this long after the fix. Shorter than the 5–8 minute baselines of the
/// shared set, so that the whole set stays within a few minutes of test time.
const HERRING_AT_S: f64 = 95.0;
const TRIGGER_AT_S: f64 = 215.0;
const INCIDENT_S: f64 = 140.0;
const TAIL_S: f64 = 20.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    PgStatementTimeout,
    PgLockHeld,
    PgRoleExpired,
    MariadbReadOnly,
    MariadbKilled,
    NginxBodyTooLarge,
    NginxUpstreamKilled,
    Quiet,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::PgStatementTimeout,
        Kind::PgLockHeld,
        Kind::PgRoleExpired,
        Kind::MariadbReadOnly,
        Kind::MariadbKilled,
        Kind::NginxBodyTooLarge,
        Kind::NginxUpstreamKilled,
        Kind::Quiet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::PgStatementTimeout => "pg-statement-timeout",
            Kind::PgLockHeld => "pg-lock-held",
            Kind::PgRoleExpired => "pg-role-expired",
            Kind::MariadbReadOnly => "mariadb-read-only",
            Kind::MariadbKilled => "mariadb-killed",
            Kind::NginxBodyTooLarge => "nginx-body-too-large",
            Kind::NginxUpstreamKilled => "nginx-upstream-killed",
            Kind::Quiet => "quiet-run",
        }
    }

    fn uses_mariadb(self) -> bool {
        matches!(self, Kind::MariadbReadOnly | Kind::MariadbKilled)
    }

    fn opts(self) -> StackOpts {
        let pg_conf =
            "log_destination = 'stderr'\nlog_statement = 'ddl'\nlog_lock_waits = on\ndeadlock_timeout = '1s'\n";
        let pg_sql = match self {
            // A report-like lookup that takes about 100 ms.
            Kind::PgStatementTimeout => Some("select pg_sleep(0.1), count(*) from sessions where login = '%s'"),
            // Every login records the session: a writer.
            Kind::PgLockHeld => {
                Some("insert into sessions(login) values ('%s') on conflict (login) do update set seen = now()")
            }
            _ => None,
        };
        StackOpts {
            api: if self.uses_mariadb() { Api::Order } else { Api::Login },
            pg_conf: (!self.uses_mariadb()).then(|| pg_conf.to_string()),
            pg_sql: pg_sql.map(str::to_string),
            mariadb: self.uses_mariadb(),
            upload_bytes: (self == Kind::NginxBodyTooLarge).then_some(48 * 1024),
            app_log: if self.uses_mariadb() { "orders-api.log" } else { "login-api.log" },
        }
    }
}

/// What one scenario left behind.
pub struct IncidentRun {
    pub kind: Kind,
    _w: Workdir,
    pub logs: PathBuf,
    pub herring_at: Millis,
    pub trigger_at: Millis,
    pub fix_at: Millis,
    pub hits: Vec<Hit>,
    pub truth: Value,
    pub findings: Findings,
    pub report: String,
}

pub enum Outcome {
    Ran(Box<IncidentRun>),
    Skipped(String),
    Broken(String),
}

/// Runs every scenario once per test process, side by side.
pub fn incident_runs() -> &'static [(Kind, Outcome)] {
    static RUNS: OnceLock<Vec<(Kind, Outcome)>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let out = std::thread::scope(|s| {
            let hs: Vec<_> = Kind::ALL.iter().map(|&k| (k, s.spawn(move || run_scenario(k)))).collect();
            hs.into_iter()
                .map(|(k, h)| (k, h.join().unwrap_or_else(|_| Outcome::Broken("scenario thread panicked".into()))))
                .collect()
        });
        if ssh_noise_possible() {
            remove_dev_log_placeholder();
        }
        out
    })
}

/// The run of one scenario; None (with a message) when skipped; panics when it broke.
pub fn incident(kind: Kind) -> Option<&'static IncidentRun> {
    match incident_runs().iter().find(|(k, _)| *k == kind).map(|(_, o)| o) {
        Some(Outcome::Ran(r)) => Some(r),
        Some(Outcome::Skipped(m)) => {
            skip(m);
            None
        }
        Some(Outcome::Broken(m)) => panic!("scenario {} failed: {m}", kind.name()),
        None => panic!("no scenario {}", kind.name()),
    }
}

/// A minimum count of lines or requests in a phase, shortened with the phases.
pub fn scaled(n: usize) -> usize {
    ((n as f64 * scale()).ceil() as usize).max(1)
}

fn scale() -> f64 {
    std::env::var("CULPRIT_REAL_INCIDENT_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s * scale())
}

fn run_scenario(kind: Kind) -> Outcome {
    let mut need = vec![("nginx", "/usr/sbin/nginx"), ("python3", "/usr/bin/python3")];
    if kind.uses_mariadb() {
        need.extend([("mariadbd", "/usr/sbin/mariadbd"), ("mariadb-install-db", "/usr/bin/mariadb-install-db")]);
    } else if postgres_bindir().is_none() {
        return Outcome::Skipped("PostgreSQL not installed (.ci/run installs postgresql)".into());
    }
    if kind.uses_mariadb() && !Path::new("/usr/lib/mysql/plugin/server_audit.so").exists() {
        return Outcome::Skipped("MariaDB's server_audit plugin not installed".into());
    }
    for (bin, path) in need {
        if find_bin(bin, &[path]).is_none() {
            return Outcome::Skipped(format!("{bin} not installed (.ci/run installs it)"));
        }
    }
    let ids = match service_ids() {
        Ok(ids) => ids,
        Err(e) => return Outcome::Broken(e),
    };
    // A neutral folder name: the folder shows in logged paths (nginx's root, sockets), and the
    // scenario's name there would hand the ranking words like "upstream" or "killed".
    let w = Workdir::new("stack", ids);
    let stack = match Stack::start(w, kind.opts()) {
        Ok(s) => s,
        Err((w, e)) => return Outcome::Broken(w.failed(e)),
    };
    let stop = AtomicBool::new(false);
    let hits = Mutex::new(Vec::new());
    let t_start = Instant::now();
    let phases = std::thread::scope(|s| -> Result<(Millis, Millis, Millis), String> {
        s.spawn(|| stack.traffic(&stop, &hits));
        stack.noise(s, &stop);
        let _stop_helpers = RaiseOnDrop(&stop);
        std::thread::sleep(secs(HERRING_AT_S));
        let herring_at = now_ms();
        herring(kind, &stack)?;
        std::thread::sleep(secs(TRIGGER_AT_S).saturating_sub(t_start.elapsed()));
        let trigger_at = now_ms();
        let held = trigger(kind, &stack)?;
        std::thread::sleep(secs(INCIDENT_S));
        let fix_at = now_ms();
        fix(kind, &stack, held)?;
        std::thread::sleep(secs(TAIL_S));
        Ok((herring_at, trigger_at, fix_at))
    });
    let logs = stack.logs.clone();
    let stopped = stack.stop();
    let (w, (herring_at, trigger_at, fix_at)) = match (phases, stopped) {
        (Ok(p), Ok(w)) => (w, p),
        (Err(e), Ok(w)) => return Outcome::Broken(w.failed(e)),
        (_, Err(e)) => return Outcome::Broken(format!("{e} (logs in {})", logs.display())),
    };
    let hits = hits.into_inner().unwrap_or_else(|e| e.into_inner());
    match finish(kind, &logs, herring_at, trigger_at, fix_at) {
        Ok((truth, findings, report)) => Outcome::Ran(Box::new(IncidentRun {
            kind,
            _w: w,
            logs,
            herring_at,
            trigger_at,
            fix_at,
            hits,
            truth,
            findings,
            report,
        })),
        Err(e) => Outcome::Broken(w.failed(e)),
    }
}

// ------------------------------------------------------------------ the operators' actions

fn pg(stack: &Stack) -> Result<&Postgres, String> {
    stack.pg.as_ref().ok_or_else(|| "scenario has no PostgreSQL".to_string())
}

/// `ALTER SYSTEM …` then `pg_reload_conf()`, as a DBA changes a setting without a restart.
fn pg_alter_system(stack: &Stack, sql: &str) -> Result<(), String> {
    let pg = pg(stack)?;
    pg.psql_super(sql)?;
    pg.psql_super("select pg_reload_conf()").map(|_| ())
}

fn mariadb_root(stack: &Stack, sql: &str) -> Result<(), String> {
    let my = stack.my.as_ref().ok_or("scenario has no MariaDB")?;
    let m = my.lock().unwrap_or_else(|e| e.into_inner());
    m.sql_root(sql).map(|_| ())
}

fn nginx_edit(stack: &Stack, server_extra: &str) -> Result<(), String> {
    stack.nginx.setup.configure(server_extra)?;
    stack.nginx.setup.reload()
}

/// nginx settings of the harmless change, kept by the later edits.
const NGINX_GZIP: &str = "client_max_body_size 1m; gzip on; gzip_types text/plain;";

fn herring(kind: Kind, stack: &Stack) -> Result<(), String> {
    match kind {
        Kind::PgStatementTimeout | Kind::Quiet => {
            pg_alter_system(stack, "alter system set log_min_duration_statement = '500ms'")
        }
        Kind::PgLockHeld => pg_alter_system(stack, "alter system set work_mem = '16MB'"),
        Kind::PgRoleExpired => pg(stack)?.psql_super("alter role reporting connection limit 5").map(|_| ()),
        Kind::MariadbReadOnly => mariadb_root(stack, "SET GLOBAL max_connections = 300"),
        Kind::MariadbKilled => mariadb_root(stack, "SET GLOBAL wait_timeout = 600"),
        Kind::NginxBodyTooLarge => nginx_edit(stack, NGINX_GZIP),
        Kind::NginxUpstreamKilled => nginx_edit(stack, "client_max_body_size 1m; add_header X-Frame-Options DENY;"),
    }
}

/// The fault; returns a process the fix must end (the session holding a lock).
fn trigger(kind: Kind, stack: &Stack) -> Result<Option<std::process::Child>, String> {
    match kind {
        Kind::PgStatementTimeout => pg_alter_system(stack, "alter system set statement_timeout = '50ms'")?,
        Kind::PgLockHeld => return hold_lock(pg(stack)?).map(Some),
        Kind::PgRoleExpired => pg(stack)?.psql_super("alter role app valid until '2020-01-01'").map(|_| ())?,
        Kind::MariadbReadOnly => mariadb_root(stack, "SET GLOBAL read_only = 1")?,
        Kind::MariadbKilled => {
            let my = stack.my.as_ref().ok_or("scenario has no MariaDB")?;
            let proc = my.lock().unwrap_or_else(|e| e.into_inner()).proc.take();
            let mut proc = proc.ok_or("mariadbd not running")?;
            proc.stop_with("KILL", Duration::from_secs(10));
        }
        Kind::NginxBodyTooLarge => nginx_edit(stack, "client_max_body_size 16k; gzip on; gzip_types text/plain;")?,
        Kind::NginxUpstreamKilled => stack.kill_app(),
        // The quiet run's second harmless change comes when the others' faults do.
        Kind::Quiet => nginx_edit(stack, NGINX_GZIP)?,
    }
    Ok(None)
}

fn fix(kind: Kind, stack: &Stack, held: Option<std::process::Child>) -> Result<(), String> {
    match kind {
        Kind::PgStatementTimeout => pg_alter_system(stack, "alter system reset statement_timeout"),
        Kind::PgLockHeld => {
            pg(stack)?.psql_super("select pg_terminate_backend(pid) from pg_stat_activity where usename = 'batch'")?;
            if let Some(mut child) = held {
                drop(child.stdin.take());
                if !wait_until(Duration::from_secs(10), || matches!(child.try_wait(), Ok(Some(_)))) {
                    let _ = child.kill();
                }
                let _ = child.wait();
            }
            Ok(())
        }
        Kind::PgRoleExpired => pg(stack)?.psql_super("alter role app valid until 'infinity'").map(|_| ()),
        Kind::MariadbReadOnly => mariadb_root(stack, "SET GLOBAL read_only = 0"),
        Kind::MariadbKilled => {
            let my = stack.my.as_ref().ok_or("scenario has no MariaDB")?;
            my.lock().unwrap_or_else(|e| e.into_inner()).start()
        }
        Kind::NginxBodyTooLarge => nginx_edit(stack, NGINX_GZIP),
        Kind::NginxUpstreamKilled => stack.restart_app(),
        Kind::Quiet => Ok(()),
    }
}

/// A batch job's session takes an exclusive lock on the sessions table and then sits idle in
/// its transaction (its client hangs): every writer waits, then hits its lock_timeout.
fn hold_lock(pg: &Postgres) -> Result<std::process::Child, String> {
    let mut c = Command::new(pg.bindir.join("psql"));
    c.args(["-X", "-q", "-h", "127.0.0.1", "-p", &pg.port.to_string(), "-U", "batch", "-d", "app"]);
    c.env("PGPASSWORD", "batch-secret").env("HOME", &pg.home);
    c.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().map_err(|e| format!("psql as batch: {e}"))?;
    let sql = b"BEGIN;\nLOCK TABLE sessions IN EXCLUSIVE MODE;\n";
    child.stdin.as_mut().ok_or("no stdin")?.write_all(sql).map_err(|e| e.to_string())?;
    let held = "select count(*) from pg_locks l join pg_stat_activity a using (pid) \
                where a.usename = 'batch' and l.mode = 'ExclusiveLock' and l.granted and l.locktype = 'relation'";
    if !wait_until(Duration::from_secs(20), || pg.psql_super(held).is_ok_and(|o| o.trim() == "1")) {
        let _ = child.kill();
        return Err("the batch session never got its lock".into());
    }
    Ok(child)
}

// ------------------------------------------------------------------ truth

/// A line pattern in one log file; `anchored` ones match text that repeats for other events
/// (every nginx reload writes the same lines), so the regex is pinned to the found line's stamp.
struct Pat {
    file: &'static str,
    regex: &'static str,
    anchored: bool,
}

const fn pat(file: &'static str, regex: &'static str) -> Pat {
    Pat { file, regex, anchored: false }
}

const fn pinned(file: &'static str, regex: &'static str) -> Pat {
    Pat { file, regex, anchored: true }
}

const NGINX_RELOAD: [&str; 2] = [
    r"\[notice\] \d+#\d+: signal process started",
    r"\[notice\] \d+#\d+: signal 1 \(SIGHUP\) received from \d+, reconfiguring",
];

/// What the truth says of a scenario: its story, subsystem, the trigger (first pattern:
/// the cause line), other lines that say the same thing, the herring changes and consequences.
struct Plan {
    description: &'static str,
    subsystem: &'static str,
    accept: Vec<Pat>,
    herrings: Vec<Pat>,
    consequences: Vec<Pat>,
}

fn plan(kind: Kind) -> Plan {
    let pg_reload = |param: &'static str| -> Vec<Pat> {
        vec![match param {
            "log_min_duration_statement" => pat("postgres.log", r#"parameter "log_min_duration_statement" changed to"#),
            _ => pat("postgres.log", r#"parameter "work_mem" changed to"#),
        }]
    };
    match kind {
        Kind::PgStatementTimeout => Plan {
            description: "nginx -> login-api (Python, JSON log, one psql per request) -> PostgreSQL 15. Each login runs a \
                report-like lookup taking ~100 ms. A DBA ran ALTER SYSTEM SET statement_timeout = '50ms' and \
                pg_reload_conf(): every lookup was cancelled ('canceling statement due to statement timeout') and the \
                API answered 503 until the setting was reset ~2.5 min later. Red herring: ALTER SYSTEM SET \
                log_min_duration_statement + reload 2 minutes before.",
            subsystem: "database",
            accept: vec![
                // The DBA's own statement is the trigger as much as the server's echo of it.
                pat("postgres.log", r"statement: alter system set statement_timeout = '50ms'"),
                pat("postgres.log", r#"parameter "statement_timeout" changed to "50ms""#),
                pat("postgres.log", "canceling statement due to statement timeout"),
            ],
            herrings: pg_reload("log_min_duration_statement"),
            consequences: vec![pat("login-api.log", "login failed: database error"), pat("access.log", r#"" 503 \d+ ""#)],
        },
        Kind::PgLockHeld => Plan {
            description: "nginx -> login-api -> PostgreSQL 15; every login upserts a row of 'sessions' (lock_timeout 2s for \
                the app role). A batch job's session (role batch, statement logging on) ran BEGIN; LOCK TABLE sessions \
                IN EXCLUSIVE MODE and then hung idle in transaction: writers waited ('still waiting for \
                RowExclusiveLock'), then failed with 'canceling statement due to lock timeout' (503) until a DBA \
                terminated the session ~2.5 min later. Nothing was changed. Red herring: ALTER SYSTEM SET work_mem + \
                reload 2 minutes before.",
            subsystem: "database",
            accept: vec![
                pat("postgres.log", r"statement: LOCK TABLE sessions IN EXCLUSIVE MODE"),
                pat("postgres.log", r"still waiting for RowExclusiveLock on relation"),
                pat("postgres.log", "canceling statement due to lock timeout"),
            ],
            herrings: pg_reload("work_mem"),
            consequences: vec![pat("login-api.log", "login failed: database error"), pat("access.log", r#"" 503 \d+ ""#)],
        },
        Kind::PgRoleExpired => Plan {
            description: "nginx -> login-api -> PostgreSQL 15 (scram-sha-256 over TCP). A DBA ran ALTER ROLE app VALID UNTIL \
                '2020-01-01' (logged by log_statement = ddl): every new app connection failed ('password authentication \
                failed for user \"app\"', 'User \"app\" has an expired password') and the API answered 503 until the \
                role was made valid again ~2.5 min later; the metrics role kept connecting. Red herring: ALTER ROLE \
                reporting CONNECTION LIMIT 5 two minutes before.",
            subsystem: "database",
            accept: vec![
                pat("postgres.log", r"(?i)statement: alter role app valid until '2020-01-01'"),
                pat("postgres.log", r#"User "app" has an expired password"#),
            ],
            herrings: vec![pat("postgres.log", r"(?i)alter role reporting")],
            consequences: vec![
                pat("postgres.log", r#"password authentication failed for user "app""#),
                pat("login-api.log", "login failed: database error"),
                pat("access.log", r#"" 503 \d+ ""#),
            ],
        },
        Kind::MariadbReadOnly => Plan {
            description: "nginx -> orders-api (Python, JSON log, one mariadb client per request) -> MariaDB 10.11 with \
                server_audit (CONNECT,QUERY). A DBA ran SET GLOBAL read_only = 1: every order insert failed with ERROR \
                1290 '... running with the --read-only option' (audit retcode 1290) and the API answered 503 until \
                read_only was set back ~2.5 min later. Red herring: SET GLOBAL max_connections = 300 two minutes before.",
            subsystem: "database",
            accept: vec![
                pat("server_audit.log", r"SET GLOBAL read_only = 1',0"),
                pat("orders-api.log", "running with the --read-only option"),
            ],
            herrings: vec![pat("server_audit.log", "SET GLOBAL max_connections")],
            consequences: vec![pat("orders-api.log", "order failed: database error"), pat("access.log", r#"" 503 \d+ ""#)],
        },
        Kind::MariadbKilled => Plan {
            description: "nginx -> orders-api -> MariaDB 10.11. mariadbd was killed with SIGKILL (no line in its own log) \
                and nothing restarted it: every order failed with \"ERROR 2002 (HY000): Can't connect to server on \
                '127.0.0.1' (111)\" and the API answered 503 until an operator started mariadbd again ~2.5 min later \
                (crash recovery in mysql-error.log). Red herring: SET GLOBAL wait_timeout = 600 two minutes before.",
            subsystem: "database",
            accept: vec![
                pat("orders-api.log", r"Can't connect to (MySQL |MariaDB )?server on"),
                pat("orders-api.log", r"Lost connection to (MySQL |MariaDB )?server"),
            ],
            herrings: vec![pat("server_audit.log", "SET GLOBAL wait_timeout")],
            consequences: vec![pat("orders-api.log", "order failed: database error"), pat("access.log", r#"" 503 \d+ ""#)],
        },
        Kind::NginxBodyTooLarge => Plan {
            description: "nginx -> login-api; mobile clients upload 48 KiB files (POST /app/upload). An operator lowered \
                client_max_body_size to 16k and ran nginx -s reload: every upload got 413 ('client intended to send too \
                large body') until the limit was restored and nginx reloaded ~2.5 min later; logins kept working. Red \
                herring: an nginx reload (gzip on) two minutes before, which writes the same reload lines.",
            subsystem: "web",
            accept: vec![
                pinned("error.log", NGINX_RELOAD[0]),
                pinned("error.log", NGINX_RELOAD[1]),
                pat("error.log", "client intended to send too large body"),
            ],
            herrings: vec![pinned("error.log", NGINX_RELOAD[0]), pinned("error.log", NGINX_RELOAD[1])],
            consequences: vec![pat("access.log", r#"" 413 \d+ ""#)],
        },
        Kind::NginxUpstreamKilled => Plan {
            description: "nginx -> login-api -> PostgreSQL 15. The login-api process was killed with SIGKILL and nothing \
                restarted it (its log just stops): nginx logged 'connect() failed (111: Connection refused) while \
                connecting to upstream' and answered 502 until an operator started it again ~2.5 min later. Nothing \
                was changed. Red herring: an nginx reload (add_header) two minutes before.",
            subsystem: "web",
            accept: vec![pat("error.log", r"connect\(\) failed \(111: Connection refused\) while connecting to upstream")],
            herrings: vec![pinned("error.log", NGINX_RELOAD[0]), pinned("error.log", NGINX_RELOAD[1])],
            consequences: vec![pat("access.log", r#"" 502 \d+ ""#)],
        },
        Kind::Quiet => Plan {
            description: "The same stack and traffic (nginx -> login-api -> PostgreSQL, ssh scanner, metrics collector, \
                404s, 401s) with two harmless changes (ALTER SYSTEM log_min_duration_statement + reload, an nginx reload \
                with gzip on) and no incident.",
            subsystem: "",
            accept: vec![],
            herrings: vec![
                pg_reload("log_min_duration_statement").remove(0),
                pinned("error.log", NGINX_RELOAD[0]),
                pinned("error.log", NGINX_RELOAD[1]),
            ],
            consequences: vec![],
        },
    }
}

/// The chronic noise the stack of `kind` writes, as red herrings.
fn chronic(kind: Kind) -> Vec<Pat> {
    let mut v = vec![
        pat("access.log", r#"" 404 \d+ ""#),
        pat("error.log", r#"\[error\] \d+#\d+: \*\d+ open\(\) ".*" failed \(2: No such file or directory\)"#),
    ];
    if ssh_noise_possible() {
        v.push(pat("auth.log", r"sshd\[\d+\]: Invalid user \S+ from 127\.0\.0\.1 port \d+"));
        v.push(pat("auth.log", r"sshd\[\d+\]: Failed password for invalid user"));
    }
    if kind.uses_mariadb() {
        v.push(pat("mysql-error.log", r"\[Warning\] Access denied for user 'exporter'@'127\.0\.0\.1'"));
        v.push(pat("mysql-error.log", r"This connection closed normally without authentication"));
    } else {
        v.push(pat("postgres.log", r#"ERROR:  relation "pg_stat_statements" does not exist"#));
    }
    v
}

/// The time a log line carries, in any format the stack writes (all in UTC).
pub fn line_ms(line: &str) -> Option<Millis> {
    static RES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        [
            // PostgreSQL, MariaDB's error log (MariaDB pads the hour with a space: "2026-12-08  0:27:55")
            (r"^(\d{4}-\d\d-\d\d [ \d]\d:\d\d:\d\d(?:\.\d+)?)", "%Y-%m-%d %H:%M:%S%.f"),
            // nginx error log
            (r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)", "%Y/%m/%d %H:%M:%S"),
            // nginx access log
            (r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d) \+0000\]", "%d/%b/%Y:%H:%M:%S"),
            // the service's JSON log
            (r#""ts": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z""#, "%Y-%m-%dT%H:%M:%S%.f"),
            // server_audit
            (r"^(\d{8} \d\d:\d\d:\d\d),", "%Y%m%d %H:%M:%S"),
        ]
        .into_iter()
        .map(|(r, f)| (Regex::new(r).expect("stamp regex"), f))
        .collect()
    });
    for (re, fmt) in res {
        if let Some(c) = re.captures(line) {
            let t = chrono::NaiveDateTime::parse_from_str(&c[1].replace("  ", " 0"), fmt).ok()?;
            return Some(t.and_utc().timestamp_millis());
        }
    }
    // syslog (traditional, yearless): "Dec  7 21:30:00 host ..."
    let stamp = line.get(..15)?;
    let year = chrono::Datelike::year(&chrono::Utc::now());
    chrono::NaiveDateTime::parse_from_str(&format!("{year} {stamp}"), "%Y %b %e %H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

/// The first line of `file` matching `re` dated at or after `at` (to the second): (1-based number, text).
fn first_after(file: &Path, re: &Regex, at: Millis) -> Option<(usize, String)> {
    let from = at.div_euclid(1000) * 1000;
    lines(file)
        .into_iter()
        .enumerate()
        .find(|(_, l)| re.is_match(l) && line_ms(l).is_some_and(|t| t >= from))
        .map(|(i, l)| (i + 1, l))
}

/// The truth regex of a pattern: anchored ones are pinned to the stamp (the first 19
/// characters: nginx's `YYYY/MM/DD HH:MM:SS`) of their first line after `at`.
fn truth_regex(logs: &Path, p: &Pat, at: Millis) -> Result<(String, usize), String> {
    let re = Regex::new(p.regex).map_err(|e| e.to_string())?;
    let found = first_after(&logs.join(p.file), &re, at);
    let (n, line) = found.ok_or_else(|| format!("no line /{}/ in {} after {at}", p.regex, p.file))?;
    if p.anchored {
        Ok((format!("^{}.*{}", regex::escape(line.get(..19).unwrap_or("")), p.regex), n))
    } else {
        Ok((p.regex.to_string(), n))
    }
}

fn rfc3339(ms: Millis) -> String {
    culprit::time::rfc3339(ms.div_euclid(1000) * 1000).replace(".000Z", "Z")
}

fn build_truth(
    kind: Kind,
    logs: &Path,
    herring_at: Millis,
    trigger_at: Millis,
    fix_at: Millis,
) -> Result<Value, String> {
    let p = plan(kind);
    let mut herrings = Vec::new();
    for h in chronic(kind) {
        herrings.push(json!({"file": h.file, "kind": "chronic", "regex": h.regex}));
    }
    for h in &p.herrings {
        let (regex, _) = truth_regex(logs, h, herring_at)?;
        herrings.push(json!({"file": h.file, "kind": "unrelated-change", "regex": regex}));
    }
    if kind == Kind::Quiet {
        // The second harmless change: the nginx reload at the time of the others' faults.
        for h in p.herrings.iter().filter(|h| h.anchored) {
            let (regex, _) = truth_regex(logs, h, trigger_at)?;
            herrings.push(json!({"file": h.file, "kind": "unrelated-change", "regex": regex}));
        }
        return Ok(json!({"name": kind.name(), "description": p.description, "incident": null, "cause": null,
                         "red_herrings": herrings}));
    }
    for c in &p.consequences {
        herrings.push(json!({"file": c.file, "kind": "consequence", "regex": c.regex}));
    }
    let mut accept = Vec::new();
    let mut cause_line = 0;
    for (i, a) in p.accept.iter().enumerate() {
        match truth_regex(logs, a, trigger_at) {
            Ok((regex, n)) => {
                if i == 0 {
                    cause_line = n;
                }
                accept.push(regex);
            }
            // Only the trigger itself must be there; a line that says the same thing may not be.
            Err(e) if i == 0 => return Err(e),
            Err(_) => accept.push(a.regex.to_string()),
        }
    }
    Ok(json!({
        "name": kind.name(),
        "description": p.description,
        "incident": {"start": rfc3339(trigger_at), "end": rfc3339(fix_at)},
        "cause": {"subsystem": p.subsystem, "file": p.accept[0].file, "line": cause_line, "accept": accept},
        "red_herrings": herrings,
    }))
}

/// The log files of a scenario folder, as the grader passes them (sorted, without truth.json).
pub fn log_files(logs: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(logs)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file() && !p.ends_with("truth.json")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn finish(
    kind: Kind,
    logs: &Path,
    herring_at: Millis,
    trigger_at: Millis,
    fix_at: Millis,
) -> Result<(Value, Findings, String), String> {
    let truth = build_truth(kind, logs, herring_at, trigger_at, fix_at)?;
    let text = serde_json::to_string_pretty(&truth).map_err(|e| e.to_string())?;
    std::fs::write(logs.join("truth.json"), text + "\n").map_err(|e| e.to_string())?;
    let out = Command::new(env!("CARGO_BIN_EXE_culprit"))
        .args(["report", "--format", "json"])
        .args(log_files(logs))
        .output()
        .map_err(|e| e.to_string())?;
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("culprit report failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let findings: Findings = serde_json::from_str(&report).map_err(|e| format!("findings JSON: {e}"))?;
    if let Some(dir) = std::env::var_os("CULPRIT_SAVE_REAL") {
        let dest = PathBuf::from(dir).join(kind.name());
        let _ = std::fs::remove_dir_all(&dest);
        std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        for f in log_files(logs).into_iter().chain([logs.join("truth.json")]) {
            let name = f.file_name().ok_or("file without a name")?;
            std::fs::copy(&f, dest.join(name)).map_err(|e| format!("copy {}: {e}", f.display()))?;
        }
    }
    Ok((truth, findings, report))
}
