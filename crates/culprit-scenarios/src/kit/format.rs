//! How one record is written in each log format the kit produces. Every format here is the
//! layout a real program writes (its default or a common configuration), so that the files read
//! like logs copied off real machines.

use super::{Level, Rec};
use chrono::{DateTime, Utc};
use culprit::time::Millis;

/// A log file's format. Container formats wrap the format of the program inside the container.
#[derive(Clone, Debug)]
pub enum Fmt {
    /// rsyslog's traditional file format: `Dec  7 17:07:26 host prog[pid]: msg`.
    SyslogBsd,
    /// rsyslog's `RSYSLOG_FileFormat`: `2026-12-07T17:07:26.123456+00:00 host prog[pid]: msg`.
    SyslogRfc3339,
    /// `journalctl -o short-iso`: `2026-12-07T17:07:26+00:00 host prog[pid]: msg`.
    JournalShortIso,
    /// `journalctl -o json`: one JSON object per entry, microsecond realtime stamp.
    JournalJson,
    /// Docker's json-file driver around the program's own lines.
    Docker(Box<Fmt>),
    /// CRI (containerd/CRI-O) container log lines around the program's own lines.
    Cri(Box<Fmt>),
    /// nginx `combined` access log; the record's `kv` holds client, method, path, status, bytes, agent.
    NginxAccess,
    /// nginx error log: `2026/12/07 17:07:26 [error] 123#123: *45 msg`.
    NginxError,
    /// HAProxy's HTTP log through syslog; `kv` as for [`Fmt::NginxAccess`] plus frontend, backend, server.
    HaproxyHttp,
    /// PostgreSQL stderr with `log_line_prefix = '%m [%p] %q%u@%d '`.
    Postgres,
    /// MariaDB's error log: `2026-12-07 17:07:30 12 [Warning] msg`.
    MariadbError,
    /// MariaDB `server_audit.log`; `kv` holds user, client, conn, query_id, op, db, object, code.
    MariadbAudit,
    /// pino (Node.js): numeric levels, epoch milliseconds.
    Pino,
    /// zap's production JSON encoder (Go): `ts` in epoch seconds with a fraction, `caller`.
    Zap,
    /// logstash-logback-encoder (Java): `@timestamp`, `level_value`, `logger_name`, `thread_name`.
    Logstash,
    /// Python `logging` with `%(asctime)s %(levelname)s [%(name)s] %(message)s`.
    PythonLogging,
    /// python-json-logger with `timestamp=True` (json.dumps separators, ISO stamp last).
    PythonJson,
    /// klog (Kubernetes components, many Go services): `E1207 17:07:26.123456    1234 file.go:88] msg`.
    Klog,
    /// logfmt as logrus and Go kit write it: `time=… level=… msg="…" k=v`.
    Logfmt,
    /// Ansible's `log_path` file: `2026-12-07 17:07:26,123 p=1234 u=deploy n=ansible | msg`.
    Ansible,
    /// Chef Infra client log: `[2026-12-07T17:07:26+00:00] INFO: msg`.
    Chef,
    /// `/var/log/dpkg.log`: `2026-12-07 17:07:26 upgrade pkg:amd64 1.0 1.1`.
    Dpkg,
    /// Go's standard `log` package: `2026/12/07 17:07:26 msg` (also the runtime's panic text).
    GoLog,
    /// HashiCorp Vault's file audit device: one JSON object per request/response.
    VaultAudit,
    /// CoreDNS's stdout: `[INFO] msg`, no time of its own (the container runtime or journald adds it).
    CoreDns,
    /// Redis server log: `1234:M 07 Dec 2026 17:07:26.123 * msg` (`kv` "role" overrides `M`).
    Redis,
    /// Elasticsearch's default log4j2 layout: `[2026-12-07T17:07:26,123][WARN ][logger] [node] msg`;
    /// the record's `app` is the logger, `host` the node name.
    Elasticsearch,
    /// Kafka broker `server.log` (log4j `[%d] %p %m (%c)%n`); the record's `app` is the logger.
    KafkaLog4j,
    /// Spring Boot 2.x default layout; `kv` "thread" and "logger"; stack-trace lines follow the
    /// message after `\n`, unprefixed, as Logback prints them.
    SpringBoot,
    /// RabbitMQ 3.9+ file log: `2026-12-07 17:07:26.123456+00:00 [warning] <0.123.0> msg`.
    RabbitMq,
}

impl Fmt {
    /// A short name for the description in the truth file.
    pub fn label(&self) -> String {
        match self {
            Fmt::Docker(inner) => format!("docker json-file of {}", inner.label()),
            Fmt::Cri(inner) => format!("CRI container log of {}", inner.label()),
            other => format!("{other:?}"),
        }
    }
}

fn dt(ms: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Escapes a string for a JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn kv<'a>(r: &'a Rec, key: &str) -> &'a str {
    r.kv.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str()).unwrap_or("-")
}

/// JSON members for the record's extra fields.
fn json_extra(r: &Rec) -> String {
    r.kv.iter().map(|(k, v)| format!(",{}:{}", json_str(k), json_value(v))).collect()
}

/// Numbers and booleans stay what they are, the rest are strings.
fn json_value(v: &str) -> String {
    if v == "true" || v == "false" {
        return v.to_string();
    }
    let numeric = !v.is_empty()
        && v.len() < 16
        && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !v.starts_with('.')
        && v.bytes().filter(|&b| b == b'.').count() <= 1
        && !(v.len() > 1 && v.starts_with('0') && !v.starts_with("0."));
    if numeric {
        v.to_string()
    } else {
        json_str(v)
    }
}

fn logfmt_value(v: &str) -> String {
    if v.is_empty() || v.contains([' ', '"', '=']) {
        json_str(v)
    } else {
        v.to_string()
    }
}

fn syslog_tag(r: &Rec) -> String {
    if r.pid == 0 {
        r.app.clone()
    } else {
        format!("{}[{}]", r.app, r.pid)
    }
}

/// Renders one record (possibly several physical lines, newline-separated, no final newline).
pub fn render(fmt: &Fmt, r: &Rec) -> String {
    let t = dt(r.ts);
    let fmt = match (fmt, &r.own) {
        (Fmt::Docker(_) | Fmt::Cri(_), _) | (_, None) => fmt,
        (_, Some(own)) => own,
    };
    match fmt {
        Fmt::SyslogBsd => format!("{} {} {}: {}", t.format("%b %e %H:%M:%S"), r.host, syslog_tag(r), r.msg),
        Fmt::SyslogRfc3339 => {
            format!("{} {} {}: {}", t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00"), r.host, syslog_tag(r), r.msg)
        }
        Fmt::JournalShortIso => {
            format!("{} {} {}: {}", t.format("%Y-%m-%dT%H:%M:%S+00:00"), r.host, syslog_tag(r), r.msg)
        }
        Fmt::JournalJson => format!(
            "{{\"__REALTIME_TIMESTAMP\":\"{}\",\"_HOSTNAME\":{},\"SYSLOG_IDENTIFIER\":{},\"_PID\":\"{}\",\"PRIORITY\":\"{}\",\"_SYSTEMD_UNIT\":{},\"MESSAGE\":{}}}",
            r.ts * 1000 + (r.pid as i64 % 997),
            json_str(&r.host),
            json_str(&r.app),
            r.pid,
            r.level.syslog_priority(),
            json_str(&format!("{}.service", r.app)),
            json_str(&r.msg)
        ),
        Fmt::Docker(inner) => {
            let body = render(r.own.as_ref().unwrap_or(inner), r);
            let stream = if r.level >= Level::Warn { "stderr" } else { "stdout" };
            body.lines()
                .map(|l| {
                    format!(
                        "{{\"log\":{},\"stream\":\"{stream}\",\"time\":\"{}\"}}",
                        json_str(&format!("{l}\n")),
                        t.format("%Y-%m-%dT%H:%M:%S%.9fZ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Fmt::Cri(inner) => {
            let body = render(r.own.as_ref().unwrap_or(inner), r);
            let stream = if r.level >= Level::Warn { "stderr" } else { "stdout" };
            body.lines()
                .map(|l| format!("{} {stream} F {l}", t.format("%Y-%m-%dT%H:%M:%S%.9fZ")))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Fmt::NginxAccess => format!(
            "{} - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\"",
            kv(r, "client"),
            t.format("%d/%b/%Y:%H:%M:%S +0000"),
            kv(r, "method"),
            kv(r, "path"),
            kv(r, "status"),
            kv(r, "bytes"),
            kv(r, "agent")
        ),
        Fmt::NginxError => {
            let conn = kv(r, "conn");
            let conn = if conn == "-" { String::new() } else { format!("*{conn} ") };
            format!("{} [{}] {}#{}: {conn}{}", t.format("%Y/%m/%d %H:%M:%S"), r.level.nginx(), r.pid, r.pid, r.msg)
        }
        Fmt::HaproxyHttp => format!(
            "{} {} {}: {}:{} [{}] {} {}/{} 0/0/{}/{}/{} {} {} - - ---- 12/12/3/1/0 0/0 \"{} {} HTTP/1.1\"",
            t.format("%b %e %H:%M:%S"),
            r.host,
            syslog_tag(r),
            kv(r, "client"),
            40000 + (r.ts % 20000),
            t.format("%d/%b/%Y:%H:%M:%S%.3f"),
            kv(r, "frontend"),
            kv(r, "backend"),
            kv(r, "server"),
            1 + r.ts % 3,
            kv(r, "ms"),
            kv(r, "ms"),
            kv(r, "status"),
            kv(r, "bytes"),
            kv(r, "method"),
            kv(r, "path")
        ),
        Fmt::Postgres => {
            let who = match (r.kv.iter().find(|(k, _)| *k == "user"), r.kv.iter().find(|(k, _)| *k == "db")) {
                (Some((_, u)), Some((_, d))) => format!("{u}@{d} "),
                _ => String::new(),
            };
            let stamp = t.format("%Y-%m-%d %H:%M:%S%.3f UTC");
            // Continuation parts (DETAIL, HINT, STATEMENT) are lines of their own with the same prefix.
            r.msg
                .split('\n')
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        format!("{stamp} [{}] {who}{}:  {part}", r.pid, r.level.postgres())
                    } else {
                        format!("{stamp} [{}] {who}{part}", r.pid)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Fmt::MariadbError => {
            format!("{} {} [{}] {}", t.format("%Y-%m-%d %H:%M:%S"), kv(r, "thread"), r.level.mariadb(), r.msg)
        }
        Fmt::MariadbAudit => format!(
            "{},{},{},{},{},{},{},{},{},{}",
            t.format("%Y%m%d %H:%M:%S"),
            r.host,
            kv(r, "user").replace('-', ""),
            kv(r, "client"),
            kv(r, "conn"),
            kv(r, "query_id"),
            kv(r, "op"),
            kv(r, "db").replace('-', ""),
            if r.msg.is_empty() { String::new() } else { format!("'{}'", r.msg) },
            kv(r, "code")
        ),
        Fmt::Pino => format!(
            "{{\"level\":{},\"time\":{},\"pid\":{},\"hostname\":{},\"name\":{}{},\"msg\":{}}}",
            r.level.pino(),
            r.ts,
            r.pid,
            json_str(&r.host),
            json_str(&r.app),
            json_extra(r),
            json_str(&r.msg)
        ),
        Fmt::Zap => format!(
            "{{\"level\":\"{}\",\"ts\":{}.{:03}{:03},\"caller\":{},\"msg\":{}{}}}",
            r.level.zap(),
            r.ts.div_euclid(1000),
            r.ts.rem_euclid(1000),
            r.pid % 1000,
            json_str(&format!("{}/{}.go:{}", r.app, caller_file(r), 40 + r.msg.len() % 200)),
            json_str(&r.msg),
            json_extra(r)
        ),
        Fmt::Logstash => format!(
            "{{\"@timestamp\":\"{}\",\"@version\":\"1\",\"message\":{},\"logger_name\":{},\"thread_name\":\"http-nio-8080-exec-{}\",\"level\":\"{}\",\"level_value\":{},\"HOSTNAME\":{}{}}}",
            t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00"),
            json_str(&r.msg),
            json_str(&format!("com.example.{}", java_logger(r))),
            1 + r.ts % 24,
            r.level.java(),
            r.level.java_value(),
            json_str(&r.host),
            json_extra(r)
        ),
        Fmt::PythonLogging => {
            let extra: String = r.kv.iter().map(|(k, v)| format!(" {k}={v}")).collect();
            format!("{} {} [{}] {}{extra}", t.format("%Y-%m-%d %H:%M:%S,%3f"), r.level.python(), r.app, r.msg)
        }
        Fmt::PythonJson => {
            // json.dumps' default separators, the order python-json-logger writes.
            let extra: String = r.kv.iter().map(|(k, v)| format!(", {}: {}", json_str(k), json_value(v))).collect();
            format!(
                "{{\"message\": {}, \"levelname\": \"{}\", \"name\": {}{extra}, \"timestamp\": \"{}\"}}",
                json_str(&r.msg),
                r.level.python(),
                json_str(&r.app),
                t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            )
        }
        Fmt::Klog => {
            let extra: String = r.kv.iter().map(|(k, v)| format!(" {k}={}", logfmt_value(v))).collect();
            format!(
                "{}{} {:>7} {}.go:{}] {}{extra}",
                r.level.klog(),
                t.format("%m%d %H:%M:%S%.6f"),
                r.pid,
                caller_file(r),
                30 + r.msg.len() % 300,
                r.msg
            )
        }
        Fmt::Logfmt => {
            let extra: String = r.kv.iter().map(|(k, v)| format!(" {k}={}", logfmt_value(v))).collect();
            format!(
                "time=\"{}\" level={} msg={}{extra}",
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                r.level.zap(),
                logfmt_value(&r.msg)
            )
        }
        Fmt::Ansible => format!("{} p={} u=deploy n=ansible | {}", t.format("%Y-%m-%d %H:%M:%S,%3f"), r.pid, r.msg),
        Fmt::Chef => format!("[{}] {}: {}", t.format("%Y-%m-%dT%H:%M:%S+00:00"), r.level.java(), r.msg),
        Fmt::GoLog => format!("{} {}", t.format("%Y/%m/%d %H:%M:%S"), r.msg),
        Fmt::Dpkg => format!("{} {}", t.format("%Y-%m-%d %H:%M:%S"), r.msg),
        Fmt::VaultAudit => format!(
            "{{\"time\":\"{}\",\"type\":\"response\",\"auth\":{{\"display_name\":{},\"policies\":[\"default\",\"db-admin\"]}},\"request\":{{\"id\":\"{}\",\"operation\":{},\"path\":{},\"remote_address\":{}}},\"response\":{{\"mount_type\":\"database\"}}}}",
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            json_str(kv(r, "actor")),
            kv(r, "request_id"),
            json_str(kv(r, "operation")),
            json_str(&r.msg),
            json_str(kv(r, "remote"))
        ),
        Fmt::CoreDns => format!("[{}] {}", r.level.coredns(), r.msg),
        Fmt::Redis => {
            let role = if kv(r, "role") == "-" { "M" } else { kv(r, "role") };
            format!("{}:{role} {} {} {}", r.pid, t.format("%d %b %Y %H:%M:%S%.3f"), redis_level(r.level), r.msg)
        }
        Fmt::Elasticsearch => format!(
            "[{}][{:<5}][{:<25}] [{}] {}",
            t.format("%Y-%m-%dT%H:%M:%S,%3f"),
            r.level.java(),
            r.app,
            r.host,
            r.msg
        ),
        Fmt::KafkaLog4j => {
            // The logger closes the first line; a stack trace follows on lines of its own.
            let (first, rest) = r.msg.split_once('\n').map_or((r.msg.as_str(), None), |(a, b)| (a, Some(b)));
            let head = format!("[{}] {} {first} ({})", t.format("%Y-%m-%d %H:%M:%S,%3f"), r.level.java(), r.app);
            rest.map_or(head.clone(), |rest| format!("{head}\n{rest}"))
        }
        Fmt::SpringBoot => {
            let thread = if kv(r, "thread") == "-" { "main" } else { kv(r, "thread") };
            let logger = if kv(r, "logger") == "-" { java_logger(r) } else { kv(r, "logger").to_string() };
            format!(
                "{} {:>5} {} --- [{:>15.15}] {:<40.40} : {}",
                t.format("%Y-%m-%d %H:%M:%S%.3f"),
                r.level.java(),
                r.pid,
                thread,
                logger,
                r.msg
            )
        }
        Fmt::RabbitMq => format!(
            "{} [{}] <0.{}.0> {}",
            t.format("%Y-%m-%d %H:%M:%S%.6f+00:00"),
            rabbit_level(r.level),
            r.pid,
            r.msg
        ),
    }
}

fn redis_level(l: Level) -> char {
    match l {
        Level::Debug => '.',
        Level::Info => '-',
        Level::Notice => '*',
        Level::Warn | Level::Error | Level::Fatal => '#',
    }
}

fn rabbit_level(l: Level) -> &'static str {
    match l {
        Level::Debug => "debug",
        Level::Info | Level::Notice => "info",
        Level::Warn => "warning",
        Level::Error | Level::Fatal => "error",
    }
}

impl Level {
    fn coredns(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info | Level::Notice => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

fn caller_file(r: &Rec) -> &str {
    match r.level {
        Level::Error | Level::Fatal => "handler",
        _ => "server",
    }
}

fn java_logger(r: &Rec) -> String {
    let mut name: String = r.app.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() {
        name.push_str("app");
    }
    format!("{name}.web.RequestHandler")
}
