//! The simulated shop and the second-by-second generation loop.

use super::render::{app_line, json_str, ts, AppCtx, AppFmt, Lvl, Ts, V};
use super::rng::Rng;
use super::{CauseTruth, Counts, FileTruth, Herring, Options, Symptom, Truth, Window};
use culprit::time::{civil_to_millis, rfc3339};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

mod setup;
mod story;
mod traffic;

const SEC: i64 = 1000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

/// Incident stories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    AuthConfig,
    DbDiskFull,
    PoolExhaustion,
    DnsResolver,
    OomKill,
    TlsChain,
    ClockStep,
    LockTimeout,
    Firewall,
    Quiet,
}

impl Family {
    pub const ALL: [Family; 10] = [
        Family::AuthConfig,
        Family::DbDiskFull,
        Family::PoolExhaustion,
        Family::DnsResolver,
        Family::OomKill,
        Family::TlsChain,
        Family::ClockStep,
        Family::LockTimeout,
        Family::Firewall,
        Family::Quiet,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Family::AuthConfig => "auth-config",
            Family::DbDiskFull => "db-disk-full",
            Family::PoolExhaustion => "pool-exhaustion",
            Family::DnsResolver => "dns-resolver",
            Family::OomKill => "oom-kill",
            Family::TlsChain => "tls-chain",
            Family::ClockStep => "clock-step",
            Family::LockTimeout => "lock-timeout",
            Family::Firewall => "firewall",
            Family::Quiet => "quiet",
        }
    }

    pub fn from_name(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Subsystem blamed by the truth.
    fn cause_subsystem(&self) -> &'static str {
        match self {
            Family::AuthConfig => "auth",
            Family::DbDiskFull => "db",
            Family::PoolExhaustion | Family::OomKill | Family::LockTimeout => "orders",
            Family::DnsResolver => "dns",
            Family::TlsChain => "payments",
            Family::ClockStep => "ntp",
            Family::Firewall => "firewall",
            Family::Quiet => "",
        }
    }

    fn consequence(&self) -> Option<Conseq> {
        Some(match self {
            Family::AuthConfig => Conseq::DbDupKey,
            Family::PoolExhaustion => Conseq::DbTooManyClients,
            Family::OomKill => Conseq::DbClientReset,
            Family::Firewall => Conseq::DbSlowQueries,
            Family::Quiet => return None,
            _ => Conseq::NotifierRetries,
        })
    }

    /// Endpoints whose failures are the user-facing symptom.
    fn symptom_endpoints(&self) -> &'static [usize] {
        match self {
            Family::AuthConfig | Family::Quiet => &[EP_LOGIN],
            Family::DbDiskFull | Family::DnsResolver | Family::LockTimeout => &[EP_ORDER_CREATE, EP_CHECKOUT],
            Family::TlsChain => &[EP_CHECKOUT],
            Family::Firewall => &[EP_ORDERS, EP_CATALOG],
            Family::PoolExhaustion | Family::OomKill | Family::ClockStep => {
                &[EP_ORDERS, EP_ORDER_CREATE, EP_CHECKOUT, EP_CATALOG]
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Proxy,
    Auth,
    Orders,
    Payments,
    Notifier,
    Indexer,
    Db,
    BillingDb,
    Cache,
    Monitor,
}

impl Role {
    fn name(&self) -> &'static str {
        match self {
            Role::Proxy => "proxy",
            Role::Auth => "auth",
            Role::Orders => "orders",
            Role::Payments => "payments",
            Role::Notifier => "notifier",
            Role::Indexer => "search-indexer",
            Role::Db => "db",
            Role::BillingDb => "billing-db",
            Role::Cache => "cache",
            Role::Monitor => "monitoring",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chronic {
    DbAuthFail,
    SshdBrute,
    Indexer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conseq {
    DbDupKey,
    DbTooManyClients,
    DbClientReset,
    DbSlowQueries,
    NotifierRetries,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unrelated {
    DbWorkMem,
    NotifierDeploy,
    NginxReload,
}

const EP_LOGIN: usize = 0;
const EP_SESSION: usize = 1;
const EP_ORDERS: usize = 2;
const EP_ORDER_CREATE: usize = 3;
const EP_CHECKOUT: usize = 4;
const EP_CATALOG: usize = 5;

struct Endpoint {
    method: &'static str,
    path: &'static str,
    role: Role,
    weight: u32,
    median_ms: f64,
}

const ENDPOINTS: [Endpoint; 6] = [
    Endpoint { method: "POST", path: "/api/v1/auth/login", role: Role::Auth, weight: 18, median_ms: 45.0 },
    Endpoint { method: "GET", path: "/api/v1/auth/session", role: Role::Auth, weight: 12, median_ms: 6.0 },
    Endpoint { method: "GET", path: "/api/v1/orders", role: Role::Orders, weight: 20, median_ms: 28.0 },
    Endpoint { method: "POST", path: "/api/v1/orders", role: Role::Orders, weight: 7, median_ms: 60.0 },
    Endpoint { method: "POST", path: "/api/v1/checkout", role: Role::Orders, weight: 4, median_ms: 180.0 },
    Endpoint { method: "GET", path: "/api/v1/catalog/items/", role: Role::Orders, weight: 30, median_ms: 12.0 },
];

const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "ShopApp/5.14.2 (Android 14; Pixel 7)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
];

const ACTORS: [&str; 5] = ["mlopez", "jchen", "akowalski", "spatel", "deploy-bot"];

/// How the pilot's size is scaled to a target.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub rps_mul: f64,
    pub extra_baseline: i64,
}

impl Default for Scale {
    fn default() -> Self {
        Scale { rps_mul: 1.0, extra_baseline: 0 }
    }
}

impl Scale {
    /// Longer baseline first (up to 18 h more), then more requests per second.
    pub fn for_target(base_bytes: u64, target: u64) -> Scale {
        let f = target as f64 / base_bytes as f64;
        if f <= 1.0 {
            return Scale { rps_mul: f.max(0.02), extra_baseline: 0 };
        }
        // Roughly a 4-5 h base scenario: stretching time by up to 4x adds up to ~18 h.
        let time_mul = if f < 4.0 { f } else { 4.0 };
        let extra = ((time_mul - 1.0) * 4.5 * HOUR as f64) as i64 / MIN * MIN;
        Scale { rps_mul: f / time_mul, extra_baseline: extra }
    }
}

struct Host {
    name: String,
    ip: String,
    role: Role,
    app_file: Option<usize>,
    sys_file: usize,
    pid: u32,
    /// nginx connection counter (proxies).
    conn: u64,
}

struct OutFile {
    rel: String,
    format: &'static str,
    w: Option<BufWriter<File>>,
    lines: u64,
    bytes: u64,
    /// Lines stamped before this instant went to the given older file (logrotate's `.1`).
    rotated: Option<(usize, i64)>,
}

/// One second's lines before sorting; also used to pre-render scheduled events.
#[derive(Default)]
struct Sec {
    buf: Vec<u8>,
    items: Vec<Item>,
}

#[derive(Clone, Copy)]
struct Item {
    ms: i64,
    file: u32,
    start: u32,
    end: u32,
    trigger: bool,
}

impl Sec {
    fn close(&mut self) {
        if let Some(last) = self.items.last_mut() {
            if last.end == u32::MAX {
                last.end = self.buf.len() as u32;
            }
        }
    }

    fn open(&mut self, ms: i64, file: usize, trigger: bool) -> &mut Vec<u8> {
        self.close();
        let start = self.buf.len() as u32;
        self.items.push(Item { ms, file: file as u32, start, end: u32::MAX, trigger });
        &mut self.buf
    }
}

struct Sched {
    ms: i64,
    file: usize,
    bytes: Vec<u8>,
    trigger: bool,
}

/// Incident timeline (ms UTC).
struct Times {
    start: i64,
    change: i64,
    onset: i64,
    mitigate: i64,
    end: i64,
    stop: i64,
    unrelated: i64,
    conseq: i64,
}

struct World {
    fam: Family,
    sample: bool,
    rng: Rng,
    t: Times,
    hosts: Vec<Host>,
    files: Vec<OutFile>,
    fmt_of: Vec<AppFmt>,
    access_variant: u8,
    audit_variant: u8,
    rps: f64,
    cause_hosts: Vec<usize>,
    p_fail: f64,
    chronic: Chronic,
    chronic_rate: f64,
    unrelated: Unrelated,
    conseq: Option<Conseq>,
    sched: Vec<Sched>,
    sched_next: usize,
    retries: Vec<(i64, usize, u32, u8)>,
    /// OOM family: per host, windows when the service is down.
    down: Vec<(usize, i64, i64)>,
    /// Clock family: skew applied to the cause hosts between these instants.
    skew: (i64, i64, i64),
    audit_file: usize,
    pg_file: usize,
    mysql_file: Option<usize>,
    /// MariaDB's error-log layout instead of MySQL 8's.
    mariadb: bool,
    health_file: usize,
    health_json: bool,
    /// Multiplies the rate of background noise (vacuum, slow queries, sshd, stray 500s).
    noise: f64,
    /// rsyslog's RFC 3339 file format instead of the yearless BSD stamp.
    syslog_iso: bool,
    pg_pid: u32,
    xid: u64,
    counts: Counts,
    sym: [u64; 4],
    trigger: Option<(usize, u64, String)>,
    change_id: String,
}

pub fn run(opts: &Options, scale: Scale, out: Option<&Path>) -> io::Result<Truth> {
    let mut w = World::new(opts, scale, out)?;
    w.setup_schedule();
    let mut sec = Sec::default();
    let mut s = w.t.start;
    while s < w.t.stop {
        w.second(s, &mut sec);
        w.flush(&mut sec, s + SEC)?;
        s += SEC;
    }
    w.flush(&mut sec, i64::MAX)?;
    let rotated: Vec<(usize, i64)> = w.files.iter().filter_map(|f| f.rotated).collect();
    for (id, f) in w.files.iter_mut().enumerate() {
        if let Some(bw) = f.w.take() {
            let file = bw.into_inner().map_err(|e| e.into_error())?;
            // Logs were last written when the scenario ends (a rotated file when it was rotated):
            // lets yearless syslog find its year.
            let last = rotated.iter().find(|r| r.0 == id).map(|r| r.1).unwrap_or(w.t.stop);
            let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_millis(last as u64);
            let _ = file.set_modified(mtime);
        }
    }
    Ok(w.truth(opts))
}

impl World {
    fn of_role(&self, r: Role) -> Vec<usize> {
        (0..self.hosts.len()).filter(|&i| self.hosts[i].role == r).collect()
    }

    /// The clock a host's lines are stamped with.
    fn disp(&self, host: usize, ms: i64) -> i64 {
        let (from, to, skew) = self.skew;
        if skew != 0 && ms >= from && ms < to && self.cause_hosts.contains(&host) {
            ms + skew
        } else {
            ms
        }
    }

    /// 0 before the onset, ramps to 1 over a minute, 1 until mitigation, then fades to 0 at the end.
    fn intensity(&self, ms: i64) -> f64 {
        let t = &self.t;
        if ms < t.onset || ms >= t.end {
            0.0
        } else if ms < t.onset + MIN {
            0.3 + 0.7 * (ms - t.onset) as f64 / MIN as f64
        } else if ms < t.mitigate {
            1.0
        } else {
            1.0 - (ms - t.mitigate) as f64 / (t.end - t.mitigate).max(1) as f64
        }
    }

    // ---- line writers -------------------------------------------------------------------------

    // One argument per part of the line reads better at the many call sites than a struct.
    #[allow(clippy::too_many_arguments)]
    fn app(&mut self, sec: &mut Sec, ms: i64, h: usize, lvl: Lvl, logger: &str, msg: &str, kv: &[(&str, V)]) {
        let Some(file) = self.hosts[h].app_file else { return };
        let host = &self.hosts[h];
        let cx = AppCtx {
            service: host.role.name(),
            host: &host.name,
            logger,
            pid: host.pid,
            thread: (self.rng.below(40) + 1) as u32,
        };
        let d = self.disp(h, ms);
        let b = sec.open(ms, file, false);
        app_line(b, self.fmt_of[h], d, lvl, &cx, msg, kv);
    }

    /// PostgreSQL stderr: every line of `body` gets the `%m [%p] ` prefix except tab-indented continuations.
    fn pg(&self, sec: &mut Sec, ms: i64, pid: u32, body: &str) {
        let b = sec.open(ms, self.pg_file, false);
        for line in body.split('\n') {
            if !line.starts_with('\t') {
                ts(b, ms, Ts::Pg);
                let _ = write!(b, " [{pid}] ");
            }
            b.extend_from_slice(line.as_bytes());
            b.push(b'\n');
        }
    }

    fn sys(&self, sec: &mut Sec, ms: i64, h: usize, tag: &str, msg: &str) {
        let host = &self.hosts[h];
        let b = sec.open(ms, host.sys_file, false);
        ts(b, self.disp(h, ms), if self.syslog_iso { Ts::IsoUsOffset } else { Ts::Bsd });
        let _ = writeln!(b, " {} {tag}: {msg}", host.name);
    }

    fn kernel(&self, sec: &mut Sec, ms: i64, h: usize, msg: &str) {
        // Seconds since boot: hosts booted some days before the scenario.
        let up = (ms - self.t.start) as f64 / 1000.0 + 400_000.0 + self.hosts[h].pid as f64 * 13.0;
        self.sys(sec, ms, h, "kernel", &format!("[{up:.6}] {msg}"));
    }

    fn nginx_err(&mut self, sec: &mut Sec, ms: i64, proxy: usize, level: &str, msg: &str) {
        let Some(access) = self.hosts[proxy].app_file else { return };
        let pid = self.hosts[proxy].pid;
        let b = sec.open(ms, access + 1, false);
        ts(b, ms, Ts::NginxErr);
        let _ = writeln!(b, " [{level}] {pid}#{pid}: {msg}");
    }

    fn mysql(&self, sec: &mut Sec, ms: i64, thread: u32, level: &str, code: &str, msg: &str) {
        let Some(f) = self.mysql_file else { return };
        let b = sec.open(ms, f, false);
        if self.mariadb {
            // MariaDB: local time without fraction, no error code or subsystem.
            ts(b, ms, Ts::Plain);
            let level = if level == "Note" { "Warning" } else { level };
            let _ = writeln!(b, " {thread} [{level}] {msg}");
        } else {
            ts(b, ms, Ts::IsoUs);
            let _ = writeln!(b, " {thread} [{level}] [{code}] [Server] {msg}");
        }
    }

    /// A deploy/config audit record (one JSON line).
    fn audit(&self, sec: &mut Sec, ms: i64, trigger: bool, fields: &[(&str, &str)]) {
        let b = sec.open(ms, self.audit_file, trigger);
        if self.audit_variant == 0 {
            b.extend_from_slice(b"{\"time\":\"");
            ts(b, ms, Ts::IsoMs);
        } else {
            b.extend_from_slice(b"{\"@timestamp\":\"");
            ts(b, ms, Ts::IsoOffset);
        }
        b.push(b'"');
        for (k, v) in fields {
            let _ = write!(b, ",\"{k}\":");
            json_str(b, v);
        }
        b.extend_from_slice(b"}\n");
    }

    // ---- output ---------------------------------------------------------------------------------

    /// Writes the lines stamped before `until` in time order; later ones (slow requests) wait for their second.
    fn flush(&mut self, sec: &mut Sec, until: i64) -> io::Result<()> {
        sec.close();
        let Sec { buf, items } = sec;
        items.sort_by_key(|i| i.ms);
        let mut carry = Sec::default();
        for it in items.iter() {
            let bytes = &buf[it.start as usize..it.end as usize];
            if it.ms >= until {
                carry.open(it.ms, it.file as usize, it.trigger).extend_from_slice(bytes);
                continue;
            }
            let mut id = it.file as usize;
            if let Some((older, at)) = self.files[id].rotated {
                if it.ms < at {
                    id = older;
                }
            }
            let f = &mut self.files[id];
            if it.trigger {
                let first = bytes.split(|&c| c == b'\n').next().unwrap_or(&[]);
                self.trigger = Some((id, f.lines + 1, String::from_utf8_lossy(first).into_owned()));
            }
            f.lines += memchr::memchr_iter(b'\n', bytes).count() as u64;
            f.bytes += bytes.len() as u64;
            if let Some(w) = f.w.as_mut() {
                w.write_all(bytes)?;
            }
        }
        carry.close();
        *sec = carry;
        Ok(())
    }

    fn truth(&self, opts: &Options) -> Truth {
        let rel = |f: usize| self.files[f].rel.clone();
        let quiet = self.fam == Family::Quiet;
        let cause = match (&self.trigger, quiet) {
            (Some((f, line, text)), false) => Some(CauseTruth {
                subsystem: self.fam.cause_subsystem().into(),
                kind: "change".into(),
                path: rel(*f),
                line: *line,
                text: text.clone(),
                hosts: self.cause_hosts.iter().map(|&h| self.hosts[h].name.clone()).collect(),
                at: rfc3339(self.t.change),
            }),
            _ => None,
        };
        let mut herrings = Vec::new();
        let (chronic_sub, chronic_path) = match self.chronic {
            Chronic::DbAuthFail => ("db", rel(self.pg_file)),
            Chronic::SshdBrute => ("sshd", rel(self.hosts[self.of_role(Role::Proxy)[0]].sys_file)),
            Chronic::Indexer => {
                let h = self.of_role(Role::Indexer)[0];
                ("search-indexer", rel(self.hosts[h].app_file.unwrap_or(0)))
            }
        };
        herrings.push(Herring { subsystem: chronic_sub.into(), kind: "chronic".into(), path: chronic_path });
        let (un_sub, un_path) = match self.unrelated {
            Unrelated::DbWorkMem => ("db", rel(self.pg_file)),
            Unrelated::NotifierDeploy => {
                ("notifier", rel(self.hosts[self.of_role(Role::Notifier)[0]].app_file.unwrap_or(0)))
            }
            Unrelated::NginxReload => {
                ("proxy", rel(self.hosts[self.of_role(Role::Proxy)[0]].app_file.unwrap_or(0) + 1))
            }
        };
        herrings.push(Herring { subsystem: un_sub.into(), kind: "unrelated-change".into(), path: un_path });
        if let Some(c) = self.conseq {
            let (sub, path) = match c {
                Conseq::NotifierRetries => {
                    ("notifier", rel(self.hosts[self.of_role(Role::Notifier)[0]].app_file.unwrap_or(0)))
                }
                _ => ("db", rel(self.pg_file)),
            };
            herrings.push(Herring { subsystem: sub.into(), kind: "consequence".into(), path });
        }
        let ratio = |f: u64, n: u64| if n == 0 { 0.0 } else { (f as f64 / n as f64 * 10_000.0).round() / 10_000.0 };
        let description = match self.fam {
            Family::AuthConfig | Family::Quiet => "failed logins: 401/500 on POST /api/v1/auth/login",
            Family::DbDiskFull | Family::DnsResolver | Family::LockTimeout => {
                "failed order writes: 5xx on POST /api/v1/orders and /api/v1/checkout"
            }
            Family::TlsChain => "failed checkouts: 502 on POST /api/v1/checkout",
            Family::Firewall => "failed reads: 503 on GET /api/v1/orders and /api/v1/catalog/items",
            Family::PoolExhaustion | Family::OomKill => {
                "orders API failures: 5xx on /api/v1/orders, /api/v1/checkout, /api/v1/catalog"
            }
            Family::ClockStep => "rejected requests: 401 on the orders API",
        };
        Truth {
            family: self.fam.name().into(),
            seed: opts.seed,
            span: Window { start: rfc3339(self.t.start), end: rfc3339(self.t.stop) },
            incident: (!quiet).then(|| Window { start: rfc3339(self.t.onset), end: rfc3339(self.t.end) }),
            cause,
            red_herrings: herrings,
            symptom: Symptom {
                description: description.into(),
                baseline_ratio: ratio(self.sym[1], self.sym[0]),
                incident_ratio: if quiet { 0.0 } else { ratio(self.sym[3], self.sym[2]) },
            },
            files: self
                .files
                .iter()
                .map(|f| FileTruth { path: f.rel.clone(), format: f.format.into(), lines: f.lines, bytes: f.bytes })
                .collect(),
            counts: self.counts.clone(),
        }
    }
}

fn client_ip(user: u32) -> String {
    format!("10.{}.{}.{}", 20 + user % 8, (user / 8) % 256, 1 + (user / 2048) % 254)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_round_trip() {
        for f in Family::ALL {
            assert_eq!(Family::from_name(f.name()), Some(f));
        }
        assert_eq!(Family::from_name("nope"), None);
    }

    #[test]
    fn scale_stretches_time_before_rate() {
        let s = Scale::for_target(10 << 20, 20 << 20);
        assert!(s.extra_baseline > 0 && s.rps_mul == 1.0);
        let s = Scale::for_target(10 << 20, 1 << 30);
        assert!(s.extra_baseline >= 13 * HOUR && s.rps_mul > 20.0);
        let s = Scale::for_target(10 << 20, 1 << 20);
        assert!(s.extra_baseline == 0 && s.rps_mul < 0.2);
    }

    #[test]
    fn a_slow_request_waits_for_its_second() {
        let opts = Options { size: None, ..Options::new(Family::Quiet, 1) };
        let mut w = World::new(&opts, Scale::default(), None).unwrap();
        let mut sec = Sec::default();
        sec.open(5_500, 0, false).extend_from_slice(b"late\n");
        sec.open(900, 0, false).extend_from_slice(b"early\n");
        w.flush(&mut sec, 1000).unwrap();
        assert_eq!(w.files[0].lines, 1);
        assert_eq!(sec.items.len(), 1);
        w.flush(&mut sec, i64::MAX).unwrap();
        assert_eq!(w.files[0].lines, 2);
    }
}
