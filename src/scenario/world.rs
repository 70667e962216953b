//! The simulated shop and the second-by-second generation loop.

use super::render::{app_line, json_str, ts, AppCtx, AppFmt, Lvl, Ts, V};
use super::rng::Rng;
use super::{CauseTruth, Counts, FileTruth, Herring, Options, Symptom, Truth, Window};
use crate::time::{civil_to_millis, rfc3339};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

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
    retries: Vec<(i64, usize, u32)>,
    /// OOM family: per host, windows when the service is down.
    down: Vec<(usize, i64, i64)>,
    /// Clock family: skew applied to the cause hosts between these instants.
    skew: (i64, i64, i64),
    audit_file: usize,
    pg_file: usize,
    mysql_file: Option<usize>,
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

fn role_fmt(rng: &mut Rng, role: Role, sample: bool) -> AppFmt {
    match role {
        Role::Auth if sample => AppFmt::Json(0),
        Role::Orders if sample => AppFmt::Java,
        Role::Auth => AppFmt::Json(rng.below(4) as u8),
        Role::Orders => *rng.pick(&[AppFmt::Logfmt(0), AppFmt::Logfmt(1), AppFmt::Java, AppFmt::Json(2)]),
        Role::Payments => *rng.pick(&[AppFmt::Klog, AppFmt::Json(3)]),
        Role::Notifier => *rng.pick(&[AppFmt::Json(1), AppFmt::Logfmt(0)]),
        Role::Indexer => AppFmt::Java,
        _ => AppFmt::Json(0),
    }
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
    fn new(opts: &Options, scale: Scale, out: Option<&Path>) -> io::Result<World> {
        let fam = opts.family;
        let sample = opts.sample;
        let mut rng = Rng::new(opts.seed.wrapping_mul(31).wrapping_add(fam as u64));
        // Timeline.
        let t = if sample {
            let d = |h, m, s| civil_to_millis(2024, 1, 22, h, m, s, 0);
            Times {
                start: d(12, 0, 0),
                change: d(15, 28, 7) + 412,
                onset: d(15, 30, 0),
                mitigate: d(16, 30, 0),
                end: d(16, 45, 0),
                stop: d(17, 15, 0),
                unrelated: d(15, 21, 40) + 118,
                conseq: d(15, 31, 5),
            }
        } else {
            let year = 2023 + rng.range(0, 2);
            let day0 = civil_to_millis(year, rng.range(1, 12) as u32, rng.range(2, 28) as u32, 0, 0, 0, 0);
            let start = day0 + rng.range(5 * 60, 11 * 60) * MIN + rng.range(0, 59) * SEC;
            let change = start + rng.range(130, 200) * MIN + rng.range(0, 59_999);
            let onset = change + rng.range(30, 300) * SEC;
            let mitigate = onset + rng.range(20, 80) * MIN;
            let end = mitigate + rng.range(3, 15) * MIN;
            Times {
                start: start - scale.extra_baseline,
                change,
                onset,
                mitigate,
                end,
                stop: end + rng.range(20, 60) * MIN,
                unrelated: change - rng.range(60, 15 * 60) * SEC,
                conseq: onset + rng.range(20, 90) * SEC,
            }
        };
        let t = if fam == Family::Quiet { Times { onset: t.stop, conseq: t.stop, ..t } } else { t };

        // Topology.
        let by_host = !sample && rng.chance(0.5);
        let central_syslog = sample || !by_host;
        let counts = |rng: &mut Rng, lo, hi| rng.range(lo, hi) as usize;
        let n_proxy = if sample { 1 } else { counts(&mut rng, 1, 3) };
        let n_auth = if sample { 3 } else { counts(&mut rng, 2, 4) };
        let n_orders = if sample { 2 } else { counts(&mut rng, 2, 4) };
        let n_pay = if sample { 2 } else { counts(&mut rng, 2, 3) };
        let n_cache = if sample { 0 } else { counts(&mut rng, 2, 3) };
        let with_mysql = !sample && rng.chance(0.5);
        let chronic = if sample {
            Chronic::DbAuthFail
        } else {
            let opts: &[Chronic] = if fam == Family::DbDiskFull {
                &[Chronic::SshdBrute, Chronic::Indexer]
            } else {
                &[Chronic::DbAuthFail, Chronic::SshdBrute, Chronic::Indexer]
            };
            *rng.pick(opts)
        };
        let proxy_names = ["edge-1", "edge-2", "edge-3"];
        let mut plan: Vec<(Role, String)> = Vec::new();
        for p in proxy_names.iter().take(n_proxy) {
            plan.push((Role::Proxy, p.to_string()));
        }
        for (role, n) in [(Role::Auth, n_auth), (Role::Orders, n_orders), (Role::Payments, n_pay)] {
            for i in 1..=n {
                plan.push((role, format!("{}-{i}", role.name())));
            }
        }
        plan.push((Role::Notifier, "notifier-1".into()));
        if chronic == Chronic::Indexer {
            plan.push((Role::Indexer, "search-indexer-1".into()));
        }
        plan.push((Role::Db, "db-1".into()));
        if with_mysql {
            plan.push((Role::BillingDb, "billing-db-1".into()));
        }
        for i in 1..=n_cache {
            plan.push((Role::Cache, format!("cache-{i}")));
        }
        plan.push((Role::Monitor, "mon-1".into()));

        let mut files: Vec<OutFile> = Vec::new();
        let mut add = |rel: String, format: &'static str| -> io::Result<usize> {
            let w = match out {
                Some(dir) => {
                    let p = dir.join(&rel);
                    if let Some(parent) = p.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    Some(BufWriter::with_capacity(256 << 10, File::create(p)?))
                }
                None => None,
            };
            files.push(OutFile { rel, format, w, lines: 0, bytes: 0, rotated: None });
            Ok(files.len() - 1)
        };
        let date = super::render::ts_string(t.start, Ts::Plain)[..10].to_string();
        let mut rotations = Vec::new();
        let audit_file =
            add(if by_host { "deploy/audit.jsonl".into() } else { "audit/changes.jsonl".into() }, "audit")?;
        let central = if central_syslog { Some(add("syslog/syslog".into(), "syslog")?) } else { None };
        let mut fmt_of = Vec::new();
        let mut hosts = Vec::new();
        let mut pg_file = 0;
        let mut mysql_file = None;
        let mut health_file = 0;
        let mut role_fmts: Vec<(Role, AppFmt)> = Vec::new();
        let subnet = |r: Role| match r {
            Role::Proxy => 0,
            Role::Auth => 1,
            Role::Orders => 2,
            Role::Payments => 3,
            Role::Notifier | Role::Indexer => 4,
            Role::Db | Role::BillingDb => 5,
            Role::Cache => 7,
            Role::Monitor => 9,
        };
        for (k, (role, name)) in plan.iter().enumerate() {
            let fmt = match role_fmts.iter().find(|(r, _)| r == role) {
                Some((_, f)) => *f,
                None => {
                    let f = role_fmt(&mut rng, *role, sample);
                    role_fmts.push((*role, f));
                    f
                }
            };
            let idx = hosts.iter().filter(|h: &&Host| h.role == *role).count();
            let sys_file = match central {
                Some(c) => c,
                None => add(format!("{name}/syslog"), "syslog")?,
            };
            let app_file = match role {
                Role::Proxy => {
                    let (a, e) = if by_host {
                        (format!("{name}/nginx/access.log"), format!("{name}/nginx/error.log"))
                    } else if n_proxy == 1 {
                        ("proxy/access.log".into(), "proxy/error.log".into())
                    } else {
                        (format!("proxy/{name}.access.log"), format!("proxy/{name}.error.log"))
                    };
                    let older = format!("{a}.1");
                    let a = add(a, "access")?;
                    add(e, "nginx-error")?;
                    if by_host {
                        // A busy edge's access log was rotated by size during the baseline.
                        rotations.push((a, add(older, "access")?));
                    }
                    Some(a)
                }
                Role::Db => {
                    let rel = if by_host {
                        format!("{name}/postgresql/postgresql-{date}_000000.log")
                    } else {
                        "db/postgresql.log".into()
                    };
                    pg_file = add(rel, "postgres")?;
                    None
                }
                Role::BillingDb => {
                    let rel = if by_host { format!("{name}/mysql/error.log") } else { "billing-db/mysqld.log".into() };
                    mysql_file = Some(add(rel, "mysql")?);
                    None
                }
                Role::Cache => None,
                Role::Monitor => {
                    let rel =
                        if by_host { format!("{name}/healthcheck.log") } else { "monitoring/healthcheck.log".into() };
                    health_file = add(rel, if sample || k % 2 == 0 { "json" } else { "logfmt" })?;
                    None
                }
                _ => {
                    let rel = if by_host {
                        format!("{name}/{}.log", role.name())
                    } else {
                        format!("{}/{name}.log", role.name())
                    };
                    Some(add(rel, fmt.name())?)
                }
            };
            let pid = 900 + rng.below(30_000) as u32;
            hosts.push(Host {
                name: name.clone(),
                ip: format!("10.0.{}.{}", subnet(*role), 11 + idx),
                role: *role,
                app_file,
                sys_file,
                pid,
                conn: rng.below(90_000) + 1000,
            });
            fmt_of.push(fmt);
        }
        let rotate_at = t.start + (t.change - t.start) / 3 / MIN * MIN;
        for (current, older) in rotations {
            files[current].rotated = Some((older, rotate_at));
        }
        let health_json = files[health_file].format == "json";

        // The change hits some (not all) hosts of the cause's role where the story allows.
        let of_role = |r: Role| -> Vec<usize> { (0..hosts.len()).filter(|&i| hosts[i].role == r).collect() };
        let subset = |rng: &mut Rng, v: Vec<usize>| -> Vec<usize> {
            let k = 1 + rng.below(v.len() as u64 - 1) as usize;
            let skip = rng.below((v.len() - k + 1) as u64) as usize;
            v[skip..skip + k].to_vec()
        };
        let cause_hosts = match fam {
            _ if sample => vec![of_role(Role::Auth)[1], of_role(Role::Auth)[2]],
            Family::AuthConfig | Family::ClockStep => subset(&mut rng, of_role(Role::Auth)),
            Family::DbDiskFull => of_role(Role::Db),
            Family::PoolExhaustion | Family::DnsResolver | Family::OomKill => subset(&mut rng, of_role(Role::Orders)),
            Family::LockTimeout => of_role(Role::Orders),
            Family::TlsChain => subset(&mut rng, of_role(Role::Payments)),
            Family::Firewall => subset(&mut rng, of_role(Role::Cache)),
            Family::Quiet => Vec::new(),
        };
        let p_fail = if sample {
            0.72
        } else {
            match fam {
                Family::DbDiskFull => 0.9,
                Family::LockTimeout => 0.35 + 0.2 * rng.unit(),
                _ => 0.5 + 0.4 * rng.unit(),
            }
        };
        let unrelated = if sample {
            Unrelated::DbWorkMem
        } else {
            let opts: &[Unrelated] = match fam {
                Family::DbDiskFull | Family::LockTimeout => &[Unrelated::NotifierDeploy, Unrelated::NginxReload],
                Family::DnsResolver | Family::TlsChain | Family::ClockStep => {
                    &[Unrelated::DbWorkMem, Unrelated::NginxReload]
                }
                _ => &[Unrelated::DbWorkMem, Unrelated::NotifierDeploy, Unrelated::NginxReload],
            };
            *rng.pick(opts)
        };
        let base_rps = if sample { 0.62 } else { 1.2 + 2.0 * rng.unit() };
        let rps = base_rps * scale.rps_mul;
        let n_role = |r: Role| hosts.iter().filter(|h| h.role == r).count() as f64;
        // Expected error lines of the incident, to make the chronic source louder than it.
        let total_w: u32 = ENDPOINTS.iter().map(|e| e.weight).sum();
        let sym_w: u32 = fam.symptom_endpoints().iter().map(|&e| ENDPOINTS[e].weight).sum();
        let host_frac = match fam {
            Family::AuthConfig | Family::ClockStep => cause_hosts.len() as f64 / n_role(Role::Auth),
            Family::PoolExhaustion | Family::DnsResolver => cause_hosts.len() as f64 / n_role(Role::Orders),
            Family::OomKill => 0.45 * cause_hosts.len() as f64 / n_role(Role::Orders),
            Family::TlsChain => cause_hosts.len() as f64 / n_role(Role::Payments),
            Family::Firewall => cause_hosts.len() as f64 / n_role(Role::Cache),
            _ => 1.0,
        };
        let inc_secs = ((t.end - t.onset).max(0) / SEC) as f64;
        let all_secs = ((t.stop - t.start) / SEC) as f64;
        let expected = rps * sym_w as f64 / total_w as f64 * host_frac * p_fail * 1.6 * 3.5 * inc_secs
            + if fam == Family::DbDiskFull { 0.05 * inc_secs } else { 0.0 };
        let per_event = if chronic == Chronic::SshdBrute { 2.0 } else { 1.0 };
        let chronic_rate = if sample { 0.21 } else { (2.0 * expected / all_secs / per_event).max(0.03 * rps) };
        let skew = if fam == Family::ClockStep {
            (t.onset - 2 * SEC, t.mitigate + 20 * SEC, rng.range(120_000, 600_000))
        } else {
            (0, 0, 0)
        };
        let change_id = if sample { "CHG-4411".to_string() } else { format!("CHG-{}", rng.range(1200, 9800)) };
        let pg_pid = 900 + rng.below(2000) as u32;
        let xid = 4_000_000 + rng.below(40_000_000);
        let syslog_iso = sample || rng.chance(0.4);
        let noise = if sample { 1.0 } else { 0.5 + 2.5 * rng.unit() };
        Ok(World {
            fam,
            sample,
            access_variant: if sample { 0 } else { rng.below(2) as u8 },
            audit_variant: if sample { 0 } else { rng.below(2) as u8 },
            rng,
            t,
            hosts,
            files,
            fmt_of,
            rps,
            cause_hosts,
            p_fail,
            chronic,
            chronic_rate,
            unrelated,
            conseq: fam.consequence(),
            sched: Vec::new(),
            sched_next: 0,
            retries: Vec::new(),
            down: Vec::new(),
            skew,
            audit_file,
            pg_file,
            mysql_file,
            health_file,
            health_json,
            syslog_iso,
            noise,
            pg_pid,
            xid,
            counts: Counts::default(),
            sym: [0; 4],
            trigger: None,
            change_id,
        })
    }

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
        ts(b, ms, Ts::IsoUs);
        let _ = writeln!(b, " {thread} [{level}] [{code}] [Server] {msg}");
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

    // ---- the schedule of one-off events --------------------------------------------------------

    fn setup_schedule(&mut self) {
        let mut pre = Sec::default();
        let t_change = self.t.change;
        let cid = self.change_id.clone();
        let actor = if self.sample { "mlopez" } else { ACTORS[self.rng.below(4) as usize] };
        let hosts: Vec<usize> = self.cause_hosts.clone();
        let mut first = true;
        let mut ms = t_change;
        // The change itself: one audit record per host it was applied to.
        if self.fam != Family::Quiet {
            for &h in &hosts {
                let name = self.hosts[h].name.clone();
                let (event, component, summary) = self.change_text();
                let rel = if self.audit_variant == 0 { "status" } else { "outcome" };
                self.audit(
                    &mut pre,
                    ms,
                    first,
                    &[
                        ("event", event),
                        ("change_id", &cid),
                        ("actor", actor),
                        ("target", &name),
                        ("component", component),
                        ("summary", &summary),
                        (rel, "success"),
                    ],
                );
                first = false;
                let at = ms + 900 + self.rng.range(0, 2500);
                self.change_effect_lines(&mut pre, at, h);
                ms += 1200 + self.rng.range(0, 9000);
            }
            // Mitigation: rollback (and for the sample, a hotfix deploy).
            let mut m = self.t.mitigate;
            let rb = format!("{cid}-RB");
            for &h in &hosts {
                let name = self.hosts[h].name.clone();
                self.audit(
                    &mut pre,
                    m,
                    false,
                    &[
                        ("event", "change.rolled_back"),
                        ("change_id", &rb),
                        ("actor", "oncall"),
                        ("target", &name),
                        ("reverts", &cid),
                        ("summary", "rollback to previous configuration"),
                    ],
                );
                self.rollback_lines(&mut pre, m + 1500, h);
                m += 2000 + self.rng.range(0, 4000);
            }
            if self.sample {
                let at = self.t.mitigate + 3 * MIN + 12_345;
                for h in self.of_role(Role::Auth) {
                    let name = self.hosts[h].name.clone();
                    self.audit(
                        &mut pre,
                        at + h as i64 * 4100,
                        false,
                        &[
                            ("event", "deploy.finished"),
                            ("change_id", "CHG-4418"),
                            ("actor", "deploy-bot"),
                            ("target", &name),
                            ("component", "auth"),
                            ("summary", "auth 3.9.2 hotfix: token signer falls back to previous key id when the key store lacks the configured one"),
                            ("version", "3.9.2"),
                        ],
                    );
                    self.app(
                        &mut pre,
                        at + h as i64 * 4100 + 20_000,
                        h,
                        Lvl::Info,
                        "auth.main",
                        "auth service started",
                        &[("version", V::S("3.9.2")), ("listen", V::S(":8080"))],
                    );
                }
            }
        }
        // Routine changes during the baseline that did nothing.
        let n_routine = if self.sample { 2 } else { 1 + self.rng.below(3) };
        let span = (self.t.unrelated - 20 * MIN - (self.t.start + 20 * MIN)).max(MIN);
        for k in 0..n_routine {
            let at = if self.sample {
                [civil_to_millis(2024, 1, 22, 13, 12, 41, 307), civil_to_millis(2024, 1, 22, 14, 5, 3, 921)][k as usize]
            } else {
                self.t.start + 20 * MIN + self.rng.below(span as u64) as i64
            };
            self.routine_change(&mut pre, at, k);
        }
        // The unrelated routine change on a healthy subsystem.
        let at = self.t.unrelated;
        match self.unrelated {
            Unrelated::DbWorkMem => {
                let db = self.of_role(Role::Db)[0];
                let name = self.hosts[db].name.clone();
                let id =
                    if self.sample { "CHG-4409".to_string() } else { format!("CHG-{}", self.rng.range(1000, 9999)) };
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "config.applied"),
                        ("change_id", &id),
                        ("actor", "akowalski"),
                        ("target", &name),
                        ("component", "postgresql.conf"),
                        ("summary", "work_mem 32MB -> 64MB for reporting queries"),
                        ("status", "success"),
                    ],
                );
                let pid = self.pg_pid;
                self.pg(&mut pre, at + 2100, pid, "LOG:  received SIGHUP, reloading configuration files");
                self.pg(&mut pre, at + 2102, pid, "LOG:  parameter \"work_mem\" changed to \"64MB\"");
            }
            Unrelated::NotifierDeploy => {
                let n = self.of_role(Role::Notifier)[0];
                let ver = format!("2.{}.{}", self.rng.range(3, 30), self.rng.range(0, 9));
                let id = format!("CHG-{}", self.rng.range(1000, 9999));
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "deploy.finished"),
                        ("change_id", &id),
                        ("actor", "deploy-bot"),
                        ("target", "notifier-1"),
                        ("component", "notifier"),
                        ("summary", "notifier: new e-mail templates"),
                        ("version", &ver),
                    ],
                );
                self.sys(
                    &mut pre,
                    at + 800,
                    n,
                    "systemd[1]",
                    "Stopping notifier.service - Order notification worker...",
                );
                self.sys(&mut pre, at + 2400, n, "systemd[1]", "Started notifier.service - Order notification worker.");
                self.app(
                    &mut pre,
                    at + 3900,
                    n,
                    Lvl::Info,
                    "notifier.main",
                    "worker started",
                    &[("version", V::S(&ver))],
                );
            }
            Unrelated::NginxReload => {
                let p = self.of_role(Role::Proxy)[0];
                let name = self.hosts[p].name.clone();
                let id = format!("CHG-{}", self.rng.range(1000, 9999));
                self.audit(
                    &mut pre,
                    at,
                    false,
                    &[
                        ("event", "config.applied"),
                        ("change_id", &id),
                        ("actor", "jchen"),
                        ("target", &name),
                        ("component", "nginx"),
                        ("summary", "add application/json to gzip_types"),
                        ("status", "success"),
                    ],
                );
                let pid = self.hosts[p].pid;
                self.nginx_err(
                    &mut pre,
                    at + 700,
                    p,
                    "notice",
                    &format!("signal 1 (SIGHUP) received from {}, reconfiguring", pid + 4000),
                );
                self.nginx_err(&mut pre, at + 701, p, "notice", "reconfiguring");
            }
        }
        // OOM kills: every few minutes on each host that got the new version.
        if self.fam == Family::OomKill {
            for &h in &hosts.clone() {
                let mut k = self.t.onset + (h as i64 % 3) * 40 * SEC;
                while k < self.t.mitigate {
                    let down_for = self.rng.range(35, 75) * SEC;
                    self.down.push((h, k, k + down_for));
                    self.oom_lines(&mut pre, k, h, down_for);
                    k += down_for + self.rng.range(120, 300) * SEC;
                }
            }
        }
        pre.close();
        let mut items = pre.items.clone();
        items.sort_by_key(|i| i.ms);
        self.sched = items
            .iter()
            .map(|i| Sched {
                ms: i.ms,
                file: i.file as usize,
                bytes: pre.buf[i.start as usize..i.end as usize].to_vec(),
                trigger: i.trigger,
            })
            .collect();
    }

    /// A harmless change during the baseline: a payments deploy, alert rules, or an edge certificate renewal.
    fn routine_change(&mut self, sec: &mut Sec, at: i64, k: u64) {
        let id = format!("CHG-{}", if self.sample { 4391 + k as i64 * 7 } else { self.rng.range(1000, 9999) });
        let kind = if self.sample { k } else { self.rng.below(3) };
        match kind {
            0 => {
                let ver = format!("1.{}.{}", self.rng.range(20, 60), self.rng.range(0, 9));
                for (i, h) in self.of_role(Role::Payments).into_iter().enumerate() {
                    let t = at + i as i64 * 31_000;
                    let name = self.hosts[h].name.clone();
                    let fields = [
                        ("event", "deploy.finished"),
                        ("change_id", id.as_str()),
                        ("actor", "deploy-bot"),
                        ("target", name.as_str()),
                        ("component", "payments"),
                        ("summary", "payments: refund webhook retries"),
                        ("version", ver.as_str()),
                    ];
                    self.audit(sec, t, false, &fields);
                    self.app(
                        sec,
                        t + 4200,
                        h,
                        Lvl::Info,
                        "cmd/server/main.go:58",
                        "server started",
                        &[("version", V::S(&ver)), ("addr", V::S(":8443"))],
                    );
                }
            }
            1 => {
                let fields = [
                    ("event", "config.applied"),
                    ("change_id", id.as_str()),
                    ("actor", "spatel"),
                    ("target", "mon-1"),
                    ("component", "alert-rules"),
                    ("summary", "service-availability: raise healthz latency threshold 200ms -> 300ms"),
                    ("status", "success"),
                ];
                self.audit(sec, at, false, &fields);
            }
            _ => {
                let p = self.of_role(Role::Proxy)[0];
                let name = self.hosts[p].name.clone();
                let fields = [
                    ("event", "cert.renewed"),
                    ("change_id", id.as_str()),
                    ("actor", "certbot"),
                    ("target", name.as_str()),
                    ("component", "nginx/tls"),
                    ("summary", "renewed shop.example.com (valid 90 days), nginx reloaded"),
                    ("status", "success"),
                ];
                self.audit(sec, at, false, &fields);
                let pid = self.hosts[p].pid;
                self.nginx_err(
                    sec,
                    at + 900,
                    p,
                    "notice",
                    &format!("signal 1 (SIGHUP) received from {}, reconfiguring", pid + 7211),
                );
            }
        }
    }

    /// (audit event, component, summary) of the cause.
    fn change_text(&mut self) -> (&'static str, &'static str, String) {
        match self.fam {
            Family::AuthConfig => (
                "config.applied",
                "auth/token-signing",
                "token signing: key id auth-2023-11 -> auth-2024-01, algorithm RS256 -> ES256".into(),
            ),
            Family::DbDiskFull => (
                "db.migration.started",
                "migrations/0187_backfill_order_events",
                "bulk load: backfill order_events from archive (COPY, est. 210 GB)".into(),
            ),
            Family::PoolExhaustion => {
                ("deploy.finished", "orders", "orders 4.12.0: batch order history endpoint".into())
            }
            Family::DnsResolver => (
                "config.applied",
                "/etc/resolv.conf",
                "resolver: nameserver 10.0.0.2 -> 10.0.0.53 (new resolver pool), options timeout:1 attempts:1".into(),
            ),
            Family::OomKill => (
                "deploy.finished",
                "orders",
                "orders 4.12.0: in-process catalog cache (cache.max_entries 50k -> 2M)".into(),
            ),
            Family::TlsChain => (
                "cert.rotated",
                "payments/tls",
                "renewed server certificate payments.svc.internal (bundle: leaf only)".into(),
            ),
            Family::ClockStep => (
                "config.applied",
                "/etc/chrony/chrony.conf",
                "chrony: replace pool 2.debian.pool.ntp.org with server ntp-a.internal iburst; makestep 1 -1".into(),
            ),
            Family::LockTimeout => (
                "flag.updated",
                "orders.recompute_status_on_write",
                "feature flag orders.recompute_status_on_write: off -> on (100%)".into(),
            ),
            Family::Firewall => (
                "firewall.applied",
                "ufw",
                "ufw baseline: default deny incoming; allow 22/tcp, 9100/tcp from 10.0.0.0/16".into(),
            ),
            Family::Quiet => ("", "", String::new()),
        }
    }

    /// What the host itself logs when the change lands.
    fn change_effect_lines(&mut self, sec: &mut Sec, ms: i64, h: usize) {
        match self.fam {
            Family::AuthConfig => self.app(
                sec,
                ms,
                h,
                Lvl::Info,
                "auth.config",
                "configuration reloaded",
                &[
                    ("source", V::S("/etc/auth/token.yaml")),
                    ("signing_key_id", V::S("auth-2024-01")),
                    ("alg", V::S("ES256")),
                ],
            ),
            Family::DbDiskFull => {
                let pid = self.pg_pid + 311;
                self.pg(sec, ms, pid, "LOG:  duration: 0.912 ms  statement: BEGIN");
                self.pg(sec, ms + 40, pid, "LOG:  duration: 1.204 ms  statement: TRUNCATE order_events_staging");
            }
            Family::PoolExhaustion | Family::OomKill => {
                self.sys(sec, ms, h, "systemd[1]", "Stopping orders.service - Orders API...");
                self.sys(sec, ms + 1800, h, "systemd[1]", "Started orders.service - Orders API.");
                self.app(
                    sec,
                    ms + 9000,
                    h,
                    Lvl::Info,
                    "orders.Application",
                    "Started Application",
                    &[("version", V::S("4.12.0"))],
                );
            }
            Family::DnsResolver => {
                self.sys(sec, ms, h, "systemd-resolved[611]", "Switching to DNS server 10.0.0.53 for interface ens5.");
            }
            Family::TlsChain => {
                self.app(
                    sec,
                    ms,
                    h,
                    Lvl::Info,
                    "tls.go:88",
                    "reloaded TLS certificate",
                    &[("subject", V::S("CN=payments.svc.internal")), ("not_after", V::S("2025-04-18T23:59:59Z"))],
                );
            }
            Family::ClockStep => {
                self.sys(sec, ms, h, "systemd[1]", "Restarting chrony.service - chrony, an NTP client/server...");
                self.sys(sec, ms + 300, h, "chronyd[702]", "chronyd version 4.3 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH +IPV6 -DEBUG)");
                let skew = self.skew.2 as f64 / 1000.0 + 0.123456;
                let step = self.skew.0;
                self.sys(sec, step - 800, h, "chronyd[702]", "Selected source 10.0.0.123 (ntp-a.internal)");
                self.sys(sec, step - 700, h, "chronyd[702]", &format!("System clock wrong by {skew:.6} seconds"));
                self.sys(sec, step, h, "chronyd[702]", &format!("System clock was stepped by {skew:.6} seconds"));
            }
            Family::LockTimeout => {
                for o in self.of_role(Role::Orders) {
                    let d = ms + o as i64 * 700;
                    self.app(
                        sec,
                        d,
                        o,
                        Lvl::Info,
                        "flags.client",
                        "feature flag changed",
                        &[("flag", V::S("orders.recompute_status_on_write")), ("value", V::S("true"))],
                    );
                }
            }
            Family::Firewall => {
                self.sys(sec, ms, h, "ufw[2231]", "Firewall is active and enabled on system startup");
            }
            Family::Quiet => {}
        }
    }

    fn rollback_lines(&mut self, sec: &mut Sec, ms: i64, h: usize) {
        match self.fam {
            Family::AuthConfig => self.app(
                sec,
                ms,
                h,
                Lvl::Info,
                "auth.config",
                "configuration reloaded",
                &[
                    ("source", V::S("/etc/auth/token.yaml")),
                    ("signing_key_id", V::S("auth-2023-11")),
                    ("alg", V::S("RS256")),
                ],
            ),
            Family::ClockStep => {
                let skew = self.skew.2 as f64 / 1000.0 + 0.123456;
                let at = self.skew.1;
                self.sys(sec, at - 500, h, "chronyd[702]", &format!("System clock wrong by -{skew:.6} seconds"));
                self.sys(sec, at, h, "chronyd[702]", &format!("System clock was stepped by -{skew:.6} seconds"));
            }
            Family::DnsResolver => {
                self.sys(sec, ms, h, "systemd-resolved[611]", "Switching to DNS server 10.0.0.2 for interface ens5.")
            }
            Family::PoolExhaustion | Family::OomKill => {
                self.sys(sec, ms, h, "systemd[1]", "Started orders.service - Orders API.");
            }
            _ => {}
        }
    }

    fn oom_lines(&mut self, sec: &mut Sec, k: i64, h: usize, down_for: i64) {
        let pid = 20_000 + self.rng.below(30_000);
        let anon = 7_400_000 + self.rng.below(600_000);
        self.kernel(
            sec,
            k - 30,
            h,
            "java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
        );
        self.kernel(sec, k - 29, h, &format!("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/orders.service,task=java,pid={pid},uid=998"));
        self.kernel(
            sec,
            k,
            h,
            &format!("Out of memory: Killed process {pid} (java) total-vm:{}kB, anon-rss:{anon}kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15432kB oom_score_adj:0", anon + 1_630_000),
        );
        self.sys(sec, k + 120, h, "systemd[1]", "orders.service: Main process exited, code=killed, status=9/KILL");
        self.sys(sec, k + 121, h, "systemd[1]", "orders.service: Failed with result 'oom-kill'.");
        self.sys(sec, k + 5200, h, "systemd[1]", "orders.service: Scheduled restart job, restart counter is at 1.");
        self.sys(sec, k + 5300, h, "systemd[1]", "Started orders.service - Orders API.");
        self.app(
            sec,
            k + down_for - 200,
            h,
            Lvl::Info,
            "orders.Application",
            "Started Application",
            &[("version", V::S("4.12.0"))],
        );
        self.counts.incident_errors += 3;
        // In-flight transactions of the killed process are cut.
        let n = 2 + self.rng.below(4);
        for i in 0..n {
            let p = self.pg_pid + 100 + self.rng.below(900) as u32;
            let msg = if i % 2 == 0 {
                "LOG:  could not receive data from client: Connection reset by peer"
            } else {
                "LOG:  unexpected EOF on client connection with an open transaction"
            };
            self.pg(sec, k + 150 + i as i64 * 3, p, msg);
        }
    }

    // ---- one second -----------------------------------------------------------------------------

    fn second(&mut self, s: i64, sec: &mut Sec) {
        let e = s + SEC;
        while self.sched_next < self.sched.len() && self.sched[self.sched_next].ms < e {
            let it = &self.sched[self.sched_next];
            let (ms, file, trig) = (it.ms, it.file, it.trigger);
            let bytes = std::mem::take(&mut self.sched[self.sched_next].bytes);
            sec.open(ms, file, trig).extend_from_slice(&bytes);
            self.sched_next += 1;
        }
        self.periodic(s, sec);
        self.chronic_lines(s, sec);
        self.incident_background(s, sec);
        // Requests: a gentle day curve, plus user retries of failures.
        let hour = (s / HOUR).rem_euclid(24) as f64 + (s % HOUR) as f64 / HOUR as f64;
        let day = if hour < 8.0 {
            0.5
        } else if hour < 12.0 {
            0.5 + (hour - 8.0) * 0.125
        } else {
            1.0 - (hour - 12.0).max(0.0) * 0.02
        };
        let n = self.rng.count(self.rps * day);
        let mut offs: Vec<i64> = (0..n).map(|_| self.rng.below(1000) as i64).collect();
        offs.sort_unstable();
        for o in offs {
            let ep = self.rng.weighted(&ENDPOINTS.map(|e| e.weight));
            let user = 1000 + self.rng.below(240_000) as u32;
            self.request(s + o, sec, ep, user, 0);
        }
        let mut due = Vec::new();
        self.retries.retain(|r| {
            if r.0 < e {
                due.push(*r);
                false
            } else {
                true
            }
        });
        due.sort_by_key(|r| r.0);
        for (ms, ep, user) in due {
            self.request(ms.max(s), sec, ep, user, 1);
        }
    }

    fn periodic(&mut self, s: i64, sec: &mut Sec) {
        let in_min = s.rem_euclid(MIN) / SEC;
        let in_5 = s.rem_euclid(5 * MIN) / SEC;
        let in_hour = s.rem_euclid(HOUR) / SEC;
        // Health checks: every minute per auth/orders host, always passing (they hit /healthz only).
        if in_min == 7 {
            let mut ms = s + 3;
            for h in 0..self.hosts.len() {
                if !matches!(self.hosts[h].role, Role::Auth | Role::Orders | Role::Payments) {
                    continue;
                }
                let lat = 2 + self.rng.below(6);
                let f = self.health_file;
                let json = self.health_json;
                let (name, ip) = (self.hosts[h].name.clone(), self.hosts[h].ip.clone());
                let b = sec.open(ms, f, false);
                if json {
                    b.extend_from_slice(b"{\"time\":\"");
                    ts(b, ms, Ts::IsoMs);
                    let _ = writeln!(b, "\",\"level\":\"info\",\"check\":\"{name}-http\",\"target\":\"http://{ip}:8080/healthz\",\"status\":\"passing\",\"code\":200,\"latency_ms\":{lat}}}");
                } else {
                    b.extend_from_slice(b"ts=");
                    ts(b, ms, Ts::IsoMs);
                    let _ = writeln!(b, " level=info check={name}-http target=http://{ip}:8080/healthz status=passing code=200 latency_ms={lat}");
                }
                ms += 1 + self.rng.below(20) as i64;
            }
        }
        if in_min == 15 {
            let f = self.health_file;
            let ms = s + 120;
            let b = sec.open(ms, f, false);
            if self.health_json {
                b.extend_from_slice(b"{\"time\":\"");
                ts(b, ms, Ts::IsoMs);
                let _ = writeln!(b, "\",\"level\":\"info\",\"msg\":\"rule group evaluated\",\"group\":\"service-availability\",\"rules\":12,\"firing\":0,\"pending\":0}}");
            } else {
                b.extend_from_slice(b"ts=");
                ts(b, ms, Ts::IsoMs);
                let _ = writeln!(
                    b,
                    " level=info msg=\"rule group evaluated\" group=service-availability rules=12 firing=0 pending=0"
                );
            }
        }
        // PostgreSQL checkpoints (checkpoint_timeout = 5min), autovacuum, the odd slow query.
        let pid_ckpt = self.pg_pid + 3;
        if in_5 == 0 {
            self.pg(sec, s + 12, pid_ckpt, "LOG:  checkpoint starting: time");
        } else if in_5 == 270 {
            let bufs = 400 + self.rng.below(3000);
            let body = format!(
                "LOG:  checkpoint complete: wrote {bufs} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write=269.{:03} s, sync=0.0{:02} s, total=269.{:03} s; sync files={}, longest=0.004 s, average=0.001 s; distance={} kB, estimate={} kB",
                bufs as f64 / 163.84,
                1 + bufs / 1200,
                self.rng.below(999),
                self.rng.below(99),
                self.rng.below(999),
                20 + bufs / 40,
                bufs * 8 + 311,
                bufs * 8 + 1024
            );
            self.pg(sec, s + 40, pid_ckpt, &body);
        }
        if self.rng.chance(self.noise * 0.004) {
            let pid = self.pg_pid + 500 + self.rng.below(600) as u32;
            let table = *self.rng.pick(&["orders", "sessions", "order_items", "login_attempts"]);
            let removed = self.rng.below(9000);
            let body = format!(
                "LOG:  automatic vacuum of table \"shop.public.{table}\": index scans: 1\n\tpages: 0 removed, {} remain, 0 skipped due to pins, 0 skipped frozen\n\ttuples: {removed} removed, {} remain, 0 are dead but not yet removable, oldest xmin: {}\n\tbuffer usage: {} hits, {} misses, {} dirtied\n\tavg read rate: 0.{:03} MB/s, avg write rate: 1.{:03} MB/s\n\tsystem usage: CPU: user: 0.05 s, system: 0.00 s, elapsed: 0.{:02} s",
                1000 + self.rng.below(40_000),
                40_000 + self.rng.below(900_000),
                self.xid,
                5000 + self.rng.below(9000),
                self.rng.below(50),
                self.rng.below(80),
                self.rng.below(999),
                self.rng.below(999),
                10 + self.rng.below(80)
            );
            let at = s + self.rng.below(1000) as i64;
            self.pg(sec, at, pid, &body);
        }
        if self.rng.chance(self.noise * 0.002) {
            let pid = self.pg_pid + 500 + self.rng.below(600) as u32;
            let body = format!(
                "LOG:  duration: {}.{:03} ms  statement: SELECT o.id, o.status, sum(i.qty * i.price) FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.created_at > now() - interval '30 days' GROUP BY o.id, o.status",
                1000 + self.rng.below(2500),
                self.rng.below(1000)
            );
            let at = s + self.rng.below(1000) as i64;
            self.pg(sec, at, pid, &body);
        }
        self.xid += self.rng.below(40);
        // MySQL billing database: the ordinary warnings of a real server.
        if self.mysql_file.is_some() && self.rng.chance(self.noise * 0.01) {
            let th = 1000 + self.rng.below(90_000) as u32;
            let ip = format!("10.0.4.{}", 11 + self.rng.below(3));
            if self.rng.chance(0.5) {
                let msg = format!("Aborted connection {th} to db: 'billing' user: 'billing' host: '{ip}' (Got an error reading communication packets).");
                self.mysql(sec, s + 5, th, "Note", "MY-010914", &msg);
            } else {
                let msg = format!("IP address '{ip}' could not be resolved: Name or service not known");
                self.mysql(sec, s + 5, th, "Warning", "MY-010055", &msg);
            }
        }
        // nginx: the odd buffering warning every edge writes.
        for p in self.of_role(Role::Proxy) {
            if self.rng.chance(self.noise * 0.003) {
                let conn = self.hosts[p].conn;
                let client = client_ip(1000 + self.rng.below(240_000) as u32);
                let up = format!("10.0.2.{}", 11 + self.rng.below(2));
                let tmp =
                    format!("{}/{:02}/{:010}", self.rng.below(10), self.rng.below(100), self.rng.below(9_999_999));
                let msg = format!("*{conn} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{tmp} while reading upstream, client: {client}, server: shop.example.com, request: \"GET /api/v1/orders?page=1 HTTP/1.1\", upstream: \"http://{up}:8080/api/v1/orders?page=1\", host: \"shop.example.com\"");
                let at = s + self.rng.below(1000) as i64;
                self.nginx_err(sec, at, p, "warn", &msg);
            }
        }
        // Syslog: cron, sshd sessions, sysstat timers.
        if in_hour == 17 * 60 {
            for h in 0..self.hosts.len() {
                let pid = 10_000 + self.rng.below(50_000);
                self.sys(
                    sec,
                    s + h as i64,
                    h,
                    &format!("CRON[{pid}]"),
                    "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
                );
            }
        }
        if in_hour % 600 == 0 {
            let h = self.rng.below(self.hosts.len() as u64) as usize;
            self.sys(
                sec,
                s + 10,
                h,
                "systemd[1]",
                "Starting sysstat-collect.service - system activity accounting tool...",
            );
            self.sys(sec, s + 50, h, "systemd[1]", "sysstat-collect.service: Deactivated successfully.");
            self.sys(
                sec,
                s + 51,
                h,
                "systemd[1]",
                "Finished sysstat-collect.service - system activity accounting tool.",
            );
        }
        if self.rng.chance(self.noise * 0.0015) {
            let h = self.rng.below(self.hosts.len() as u64) as usize;
            let pid = 3000 + self.rng.below(60_000);
            let port = 40_000 + self.rng.below(20_000);
            let key = self.rng.hex_string(43);
            self.sys(
                sec,
                s + 100,
                h,
                &format!("sshd[{pid}]"),
                &format!("Accepted publickey for deploy from 10.0.9.4 port {port} ssh2: ED25519 SHA256:{key}"),
            );
            self.sys(
                sec,
                s + 104,
                h,
                &format!("sshd[{pid}]"),
                "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
            );
            let sid = 100 + self.rng.below(900);
            self.sys(sec, s + 110, h, "systemd-logind[512]", &format!("New session {sid} of user deploy."));
        }
    }

    fn chronic_lines(&mut self, s: i64, sec: &mut Sec) {
        let n = self.rng.count(self.chronic_rate);
        for _ in 0..n {
            let ms = s + self.rng.below(1000) as i64;
            self.counts.chronic_errors += 1;
            match self.chronic {
                Chronic::DbAuthFail => {
                    let pid = self.pg_pid + 2000 + self.rng.below(20_000) as u32;
                    if self.rng.chance(0.8) {
                        self.pg(sec, ms, pid, "FATAL:  password authentication failed for user \"reporting\"\nDETAIL:  Connection matched pg_hba.conf line 98: \"host    all    all    10.0.0.0/8    scram-sha-256\"");
                    } else {
                        self.pg(sec, ms, pid, "FATAL:  no pg_hba.conf entry for host \"10.0.4.23\", user \"analytics\", database \"shop\", no encryption");
                    }
                }
                Chronic::SshdBrute => {
                    let h = self.of_role(Role::Proxy)[0];
                    let pid = 3000 + self.rng.below(60_000);
                    let user = *self.rng.pick(&["admin", "oracle", "test", "ubuntu", "git", "postgres"]);
                    let ip =
                        format!("10.{}.{}.{}", 100 + self.rng.below(20), self.rng.below(256), 1 + self.rng.below(254));
                    let port = 30_000 + self.rng.below(30_000);
                    self.sys(
                        sec,
                        ms,
                        h,
                        &format!("sshd[{pid}]"),
                        &format!("Invalid user {user} from {ip} port {port}"),
                    );
                    self.sys(
                        sec,
                        ms + 2,
                        h,
                        &format!("sshd[{pid}]"),
                        &format!("Failed password for invalid user {user} from {ip} port {port} ssh2"),
                    );
                }
                Chronic::Indexer => {
                    let h = self.of_role(Role::Indexer)[0];
                    let q = 200 + self.rng.below(100);
                    let msg = format!("failed to execute bulk request: [es_rejected_execution_exception] rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=5242880, max_coordinating_and_primary_bytes=53687091], queue capacity {q}");
                    self.app(sec, ms, h, Lvl::Error, "c.e.search.BulkIndexer", &msg, &[]);
                }
            }
        }
    }

    /// Mechanism and consequence lines not tied to one request.
    fn incident_background(&mut self, s: i64, sec: &mut Sec) {
        let i = self.intensity(s);
        if i <= 0.0 {
            return;
        }
        match self.fam {
            Family::DbDiskFull if self.rng.chance(0.05 * i) => {
                let pid = self.pg_pid + 311;
                self.pg(sec, s + 300, pid, "ERROR:  could not extend file \"base/16385/24611.7\": No space left on device\nHINT:  Check free disk space.\nCONTEXT:  COPY order_events, line 4812231\nSTATEMENT:  COPY order_events (id, order_id, kind, payload, created_at) FROM STDIN");
                self.counts.incident_errors += 1;
            }
            Family::LockTimeout if self.rng.chance(0.2 * i) => {
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                let holder = self.pg_pid + 100 + self.rng.below(900) as u32;
                let body = format!(
                    "LOG:  process {p} still waiting for ShareLock on transaction {} after 1000.{:03} ms\nDETAIL:  Process holding the lock: {holder}. Wait queue: {p}.\nCONTEXT:  while updating tuple ({},{}) in relation \"orders\"\nSTATEMENT:  UPDATE orders SET status = $1, updated_at = now() WHERE id = $2",
                    self.xid,
                    self.rng.below(999),
                    self.rng.below(90_000),
                    1 + self.rng.below(30)
                );
                let at = s + self.rng.below(1000) as i64;
                self.pg(sec, at, p, &body);
            }
            Family::PoolExhaustion if s >= self.t.conseq && self.rng.chance(0.25 * i) => {
                let p = self.pg_pid + 3000 + self.rng.below(9000) as u32;
                let at = s + self.rng.below(1000) as i64;
                self.pg(sec, at, p, "FATAL:  sorry, too many clients already");
            }
            _ => {}
        }
    }

    // ---- one request -----------------------------------------------------------------------------

    fn request(&mut self, ms: i64, sec: &mut Sec, ep: usize, user: u32, retry: u8) {
        self.counts.requests += 1;
        let e = &ENDPOINTS[ep];
        let proxies = self.of_role(Role::Proxy);
        let proxy = proxies[self.rng.below(proxies.len() as u64) as usize];
        let backends = self.of_role(e.role);
        let backend = backends[self.rng.below(backends.len() as u64) as usize];
        let rid = self.rng.hex_string(16);
        let mut lat = self.rng.latency(e.median_ms);
        let intensity = self.intensity(ms);
        let mut status: u16 = if ep == EP_ORDER_CREATE { 201 } else { 200 };
        // What the service logs, and whether this failure belongs to the incident.
        let mut err: Option<(Lvl, String, bool)> = None;
        let mut nginx_error: Option<&'static str> = None;
        let failing = intensity > 0.0 && self.rng.chance(self.p_fail * intensity);
        match self.fam {
            Family::AuthConfig if ep == EP_LOGIN && failing && self.cause_hosts.contains(&backend) => {
                status = 500;
                err = Some((
                    Lvl::Error,
                    "token generation failed: jws: signing key \"auth-2024-01\" not found in key store (alg=ES256)"
                        .into(),
                    true,
                ));
            }
            Family::AuthConfig
                if ep == EP_SESSION && failing && self.cause_hosts.contains(&backend) && self.rng.chance(0.3) =>
            {
                status = 401;
                err = Some((Lvl::Warn, "token validation failed: no key for kid \"auth-2024-01\"".into(), true));
            }
            Family::DbDiskFull if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing => {
                status = 500;
                err = Some((
                    Lvl::Error,
                    self.db_err("could not extend file \"base/16385/24577.12\": No space left on device"),
                    true,
                ));
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                self.pg(sec, ms + 5, p, "ERROR:  could not extend file \"base/16385/24577.12\": No space left on device\nHINT:  Check free disk space.\nSTATEMENT:  INSERT INTO orders (id, user_id, status, total_cents, created_at)\n\t    VALUES ($1, $2, 'pending', $3, now())");
                self.counts.incident_errors += 1;
            }
            Family::PoolExhaustion if e.role == Role::Orders && failing && self.cause_hosts.contains(&backend) => {
                status = 503;
                lat += 5000.0;
                let m = if self.fmt_of[backend] == AppFmt::Java {
                    "HikariPool-1 - Connection is not available, request timed out after 5000ms.".to_string()
                } else {
                    format!(
                        "timeout acquiring connection from pool after 5s (size=20 in_use=20 waiting={})",
                        10 + self.rng.below(40)
                    )
                };
                err = Some((Lvl::Error, m, true));
            }
            Family::DnsResolver
                if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing && self.cause_hosts.contains(&backend) =>
            {
                status = 502;
                let target = if ep == EP_CHECKOUT { "payments.svc.internal" } else { "inventory.svc.internal" };
                let m = match self.fmt_of[backend] {
                    AppFmt::Java => format!("I/O error on POST request for \"http://{target}:8080/v1/reserve\": {target}: Temporary failure in name resolution"),
                    AppFmt::Json(_) => format!("HTTPConnectionPool(host='{target}', port=8080): Max retries exceeded with url: /v1/reserve (Caused by NameResolutionError(\"Failed to resolve '{target}' ([Errno -3] Temporary failure in name resolution)\"))"),
                    _ => format!("Post \"http://{target}:8080/v1/reserve\": dial tcp: lookup {target} on 10.0.0.53:53: server misbehaving"),
                };
                err = Some((Lvl::Error, m, true));
            }
            Family::OomKill if e.role == Role::Orders => {
                if let Some(&(_, k, _)) = self.down.iter().find(|d| d.0 == backend && ms >= d.1 && ms < d.2) {
                    status = 502;
                    lat = 0.4 + self.rng.unit();
                    nginx_error = Some(if ms < k + 400 {
                        "upstream prematurely closed connection while reading response header from upstream"
                    } else {
                        "connect() failed (111: Connection refused) while connecting to upstream"
                    });
                    self.counts.incident_errors += 1;
                }
            }
            Family::TlsChain if ep == EP_CHECKOUT && failing => {
                let pays = self.of_role(Role::Payments);
                let ph = pays[self.rng.below(pays.len() as u64) as usize];
                if self.cause_hosts.contains(&ph) {
                    status = 502;
                    let pname = self.hosts[ph].name.clone();
                    let m = match self.fmt_of[backend] {
                        AppFmt::Java => "I/O error on POST request for \"https://payments.svc.internal:8443/v1/charges\": PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target".to_string(),
                        _ => format!("Post \"https://{pname}.svc.internal:8443/v1/charges\": tls: failed to verify certificate: x509: certificate signed by unknown authority"),
                    };
                    err = Some((Lvl::Error, m, true));
                    let src = format!("{}:{}", self.hosts[backend].ip, 40_000 + self.rng.below(20_000));
                    self.app(
                        sec,
                        ms + 2,
                        ph,
                        Lvl::Error,
                        "http/server.go:3212",
                        &format!("http: TLS handshake error from {src}: remote error: tls: bad certificate"),
                        &[],
                    );
                    self.counts.incident_errors += 1;
                }
            }
            Family::ClockStep if e.role == Role::Orders && failing => {
                // Tokens minted by a host whose clock runs ahead are "issued in the future".
                let auths = self.of_role(Role::Auth);
                let minted_by = auths[(user as usize) % auths.len()];
                if self.cause_hosts.contains(&minted_by) {
                    status = 401;
                    let iat = (ms + self.skew.2) / 1000;
                    err = Some((
                        Lvl::Warn,
                        format!("JWT validation failed: token used before issued (iat={iat}, now={})", ms / 1000),
                        true,
                    ));
                }
            }
            Family::LockTimeout if matches!(ep, EP_ORDER_CREATE | EP_CHECKOUT) && failing => {
                status = 500;
                lat += 3000.0;
                err = Some((Lvl::Error, self.db_err("canceling statement due to lock timeout"), true));
                let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                let body = format!("ERROR:  canceling statement due to lock timeout\nCONTEXT:  while updating tuple ({},{}) in relation \"orders\"\nSTATEMENT:  UPDATE orders SET status = $1, updated_at = now() WHERE id = $2", self.rng.below(90_000), 1 + self.rng.below(30));
                self.pg(sec, ms + 3, p, &body);
                self.counts.incident_errors += 1;
            }
            Family::Firewall if matches!(ep, EP_ORDERS | EP_CATALOG) && failing => {
                let caches = self.of_role(Role::Cache);
                let shard = caches[(user as usize) % caches.len()];
                if self.cause_hosts.contains(&shard) {
                    status = 503;
                    lat += 1000.0;
                    let ip = self.hosts[shard].ip.clone();
                    let m = if self.fmt_of[backend] == AppFmt::Java {
                        format!("Unable to connect to {ip}:6379: connection timed out")
                    } else {
                        format!("redis: dial tcp {ip}:6379: i/o timeout")
                    };
                    err = Some((Lvl::Error, m, true));
                    // The dropped SYN and its retransmission, as the cache host's firewall logs them.
                    let src = self.hosts[backend].ip.clone();
                    let spt = 32_768 + self.rng.below(28_000);
                    for k in 0..2 {
                        let msg = format!(
                            "[UFW BLOCK] IN=ens5 OUT= MAC=0a:1f:3c:5e:7b:91:0a:4d:22:e1:9c:07:08:00 SRC={src} DST={ip} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={} DF PROTO=TCP SPT={spt} DPT=6379 WINDOW=62727 RES=0x00 SYN URGP=0",
                            self.rng.below(65_535)
                        );
                        self.kernel(sec, ms + 1 + k * 1000, shard, &msg);
                    }
                    self.counts.incident_errors += 2;
                }
            }
            _ => {}
        }
        // Ordinary failures that are always there.
        if status < 300 {
            if ep == EP_LOGIN && self.rng.chance(0.03) {
                status = 401;
                err = Some((Lvl::Warn, "login failed: invalid credentials".into(), false));
            } else if ep == EP_CATALOG && self.rng.chance(0.01) {
                status = 404;
            } else if self.rng.chance(self.noise * 0.0008) {
                status = 500;
                err = Some((Lvl::Error, "unhandled error: context canceled".into(), false));
            }
        }
        let incident_fail = matches!(err, Some((_, _, true))) || nginx_error.is_some();
        // The service's own line.
        let path = if ep == EP_CATALOG {
            format!("{}{}", e.path, 10_000 + self.rng.below(90_000))
        } else {
            e.path.to_string()
        };
        let lat_ms = lat;
        let uid = user as i64;
        if nginx_error.is_none() {
            let logger = match (e.role, self.fmt_of[backend]) {
                (_, AppFmt::Java) => "c.e.web.RequestLogger",
                (Role::Auth, AppFmt::Json(3)) | (_, AppFmt::Klog) => "http/middleware.go:64",
                (Role::Auth, _) => "auth.http",
                _ => "http.access",
            };
            let kv = [
                ("request_id", V::S(&rid)),
                ("user_id", V::I(uid)),
                ("method", V::S(e.method)),
                ("path", V::S(&path)),
                ("status", V::I(status as i64)),
                ("duration_ms", V::F(lat_ms)),
            ];
            match &err {
                Some((lvl, m, inc)) => {
                    let (lvl, m, inc) = (*lvl, m.clone(), *inc);
                    self.app(sec, ms + lat as i64, backend, lvl, logger, &m, &kv);
                    if inc {
                        self.counts.incident_errors += 1;
                    }
                }
                None => {
                    let msg = if ep == EP_LOGIN { "login succeeded" } else { "request completed" };
                    self.app(sec, ms + lat as i64, backend, Lvl::Info, logger, msg, &kv);
                }
            }
            if ep == EP_CHECKOUT && status < 300 {
                let pays = self.of_role(Role::Payments);
                let ph = pays[self.rng.below(pays.len() as u64) as usize];
                let amount = 500 + self.rng.below(40_000) as i64;
                self.app(
                    sec,
                    ms + 5,
                    ph,
                    Lvl::Info,
                    "charges/handler.go:141",
                    "charge authorized",
                    &[("request_id", V::S(&rid)), ("amount_cents", V::I(amount)), ("currency", V::S("EUR"))],
                );
            }
            if ep == EP_ORDER_CREATE && status < 300 && self.rng.chance(0.7) {
                let n = self.of_role(Role::Notifier)[0];
                let at = ms + lat as i64 + 150;
                self.app(
                    sec,
                    at,
                    n,
                    Lvl::Info,
                    "notifier.jobs",
                    "order confirmation sent",
                    &[("user_id", V::I(uid)), ("template", V::S("order_confirmation_v7"))],
                );
            }
        }
        // Consequences elsewhere, after the incident is under way.
        if incident_fail && ms >= self.t.conseq {
            match self.conseq {
                Some(Conseq::DbDupKey) if self.rng.chance(0.35) => {
                    let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                    let body = format!("ERROR:  duplicate key value violates unique constraint \"login_attempts_user_id_window_key\"\nDETAIL:  Key (user_id, window_start)=({uid}, {}) already exists.\nSTATEMENT:  INSERT INTO login_attempts (user_id, window_start, attempts) VALUES ($1, $2, 1)", ms / 60_000 * 60);
                    self.pg(sec, ms + 2, p, &body);
                }
                Some(Conseq::NotifierRetries) if self.rng.chance(0.3) => {
                    let n = self.of_role(Role::Notifier)[0];
                    let at = ms + 700;
                    let attempt = 1 + self.rng.below(5) as i64;
                    self.app(
                        sec,
                        at,
                        n,
                        Lvl::Error,
                        "notifier.jobs",
                        &format!("job order.status_sync failed, will retry: orders API returned {status}"),
                        &[("attempt", V::I(attempt)), ("user_id", V::I(uid))],
                    );
                }
                Some(Conseq::DbSlowQueries) if self.rng.chance(0.3) => {
                    let p = self.pg_pid + 100 + self.rng.below(900) as u32;
                    let body = format!("LOG:  duration: {}.{:03} ms  execute <unnamed>: SELECT id, name, price_cents, stock FROM catalog_items WHERE id = $1\nDETAIL:  parameters: $1 = '{}'", 1000 + self.rng.below(3000), self.rng.below(1000), 10_000 + self.rng.below(90_000));
                    self.pg(sec, ms + 2, p, &body);
                }
                _ => {}
            }
        }
        // The edge: access log always, error log for 5xx it generated itself.
        let t_done = ms + lat as i64;
        if let Some(msg) = nginx_error {
            let conn = self.hosts[proxy].conn;
            let up = self.hosts[backend].ip.clone();
            let client = client_ip(user);
            let full = format!("*{conn} {msg}, client: {client}, server: shop.example.com, request: \"{} {path} HTTP/1.1\", upstream: \"http://{up}:8080{path}\", host: \"shop.example.com\"", e.method);
            self.nginx_err(sec, t_done, proxy, "error", &full);
        }
        self.hosts[proxy].conn += 1;
        let Some(af) = self.hosts[proxy].app_file else { return };
        let bytes = match status {
            200 | 201 => 300 + self.rng.below(4000),
            401 => 87,
            404 => 153,
            _ => 157 + self.rng.below(40),
        };
        let ua = AGENTS[(user % 5) as usize];
        let client = client_ip(user);
        let variant = self.access_variant;
        let b = sec.open(t_done, af, false);
        let _ = write!(b, "{client} - - [");
        ts(b, t_done, Ts::Clf);
        let _ = write!(b, "] \"{} {path} HTTP/1.1\" {status} {bytes} \"https://shop.example.com/\" \"{ua}\"", e.method);
        if variant == 0 {
            let _ = writeln!(b, " {:.3}", lat / 1000.0);
        } else {
            let _ = writeln!(
                b,
                " rt={:.3} uct=\"0.001\" urt=\"{:.3}\" rid={rid}",
                lat / 1000.0,
                (lat - 1.0).max(0.0) / 1000.0
            );
        }
        // Symptom accounting and user retries.
        if self.fam.symptom_endpoints().contains(&ep) {
            let failed = status >= 400 && status != 404;
            if ms < self.t.change {
                self.sym[0] += 1;
                self.sym[1] += failed as u64;
            } else if ms >= self.t.onset && ms < self.t.end {
                self.sym[2] += 1;
                self.sym[3] += failed as u64;
            }
        }
        if incident_fail && retry == 0 && self.rng.chance(0.6) {
            self.retries.push((ms + 1500 + self.rng.range(0, 8000), ep, user));
        }
    }

    fn db_err(&mut self, pg_msg: &str) -> String {
        match self.fmt_of[self.of_role(Role::Orders)[0]] {
            AppFmt::Java => format!("org.postgresql.util.PSQLException: ERROR: {pg_msg}"),
            AppFmt::Json(_) => format!("psycopg2.errors.OperationalError: {pg_msg}"),
            _ => format!("pq: {pg_msg}"),
        }
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
