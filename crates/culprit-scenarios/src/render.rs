//! How each kind of software writes its lines: timestamps in every style the
//! scenarios use, and writers for app logs (JSON with several key spellings,
//! logfmt, klog, Java/logback with stack traces). Fixed formats (PostgreSQL,
//! nginx, syslog, MySQL) are written by the world with these time helpers.

use culprit::time::{civil_from_days, MS_PER_DAY};
use std::io::Write;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A broken-down UTC instant.
#[derive(Clone, Copy, Debug)]
pub struct Tm {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub ms: u32,
    /// Sub-millisecond digits (0..1000), derived from the instant so micro stamps look real.
    pub us: u32,
}

pub fn tm(ms: i64) -> Tm {
    let days = ms.div_euclid(MS_PER_DAY);
    let tod = ms.rem_euclid(MS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    Tm {
        y,
        mo,
        d,
        h: (tod / 3_600_000) as u32,
        mi: (tod / 60_000 % 60) as u32,
        s: (tod / 1000 % 60) as u32,
        ms: (tod % 1000) as u32,
        us: (ms.wrapping_mul(7919).rem_euclid(1000)) as u32,
    }
}

/// Timestamp styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ts {
    /// `2024-01-22T15:30:01.123Z`
    IsoMs,
    /// `2024-01-22T15:30:01.123456Z`
    IsoUs,
    /// `2024-01-22T15:30:01.123+00:00`
    IsoOffset,
    /// `2024-01-22T15:30:01.123456+00:00` (rsyslog's RSYSLOG_FileFormat)
    IsoUsOffset,
    /// `2024-01-22 15:30:01.123 UTC` (PostgreSQL `%m`)
    Pg,
    /// `22/Jan/2024:15:30:01 +0000` (nginx `$time_local`)
    Clf,
    /// `2024/01/22 15:30:01` (nginx error log)
    NginxErr,
    /// `Jan 22 15:30:01` (RFC 3164, day space-padded)
    Bsd,
    /// `0122 15:30:01.123456` (klog, after the level letter)
    Klog,
    /// `2024-01-22 15:30:01,123` (logback / log4j)
    Java,
    /// `2024-01-22 15:30:01` (MariaDB)
    Plain,
    /// `1705937401.123456` (zap's epoch float)
    Epoch,
}

pub fn ts(out: &mut Vec<u8>, ms: i64, style: Ts) {
    let t = tm(ms);
    let _ = match style {
        Ts::IsoMs => write!(out, "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms),
        Ts::IsoUs => {
            write!(out, "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{:03}Z", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms, t.us)
        }
        Ts::IsoOffset => {
            write!(out, "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms)
        }
        Ts::IsoUsOffset => {
            write!(out, "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{:03}+00:00", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms, t.us)
        }
        Ts::Pg => write!(out, "{}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms),
        Ts::Clf => {
            write!(out, "{:02}/{}/{}:{:02}:{:02}:{:02} +0000", t.d, MONTHS[t.mo as usize - 1], t.y, t.h, t.mi, t.s)
        }
        Ts::NginxErr => write!(out, "{}/{:02}/{:02} {:02}:{:02}:{:02}", t.y, t.mo, t.d, t.h, t.mi, t.s),
        Ts::Bsd => write!(out, "{} {:>2} {:02}:{:02}:{:02}", MONTHS[t.mo as usize - 1], t.d, t.h, t.mi, t.s),
        Ts::Klog => write!(out, "{:02}{:02} {:02}:{:02}:{:02}.{:03}{:03}", t.mo, t.d, t.h, t.mi, t.s, t.ms, t.us),
        Ts::Java => write!(out, "{}-{:02}-{:02} {:02}:{:02}:{:02},{:03}", t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms),
        Ts::Plain => write!(out, "{}-{:02}-{:02} {:02}:{:02}:{:02}", t.y, t.mo, t.d, t.h, t.mi, t.s),
        Ts::Epoch => write!(out, "{}.{:03}{:03}", ms.div_euclid(1000), t.ms, t.us),
    };
}

pub fn ts_string(ms: i64, style: Ts) -> String {
    let mut v = Vec::new();
    ts(&mut v, ms, style);
    String::from_utf8(v).unwrap_or_default()
}

/// Severity of an application line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lvl {
    Info,
    Warn,
    Error,
}

/// A field value.
#[derive(Clone, Copy, Debug)]
pub enum V<'a> {
    S(&'a str),
    I(i64),
    /// Milliseconds with three decimals.
    F(f64),
}

/// Application log styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppFmt {
    /// JSON lines; the variant picks key spellings: 0 `ts/level/msg`, 1 `time/severity/message`,
    /// 2 ECS `@timestamp/log.level/message`, 3 zap `level/ts(epoch)/caller/msg`.
    Json(u8),
    /// logfmt; variant 0 `time=`, 1 `ts=` (go-kit) with `caller=`.
    Logfmt(u8),
    /// Kubernetes klog v2 structured text.
    Klog,
    /// logback pattern `%d %-5level [%thread] %logger{36} - %msg`, stack traces on errors.
    Java,
}

impl AppFmt {
    pub fn name(&self) -> &'static str {
        match self {
            AppFmt::Json(_) => "json",
            AppFmt::Logfmt(_) => "logfmt",
            AppFmt::Klog => "klog",
            AppFmt::Java => "java",
        }
    }
}

pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c);
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn logfmt_val(out: &mut Vec<u8>, s: &str) {
    let plain = !s.is_empty() && s.bytes().all(|c| c > b' ' && c != b'"' && c != b'=' && c != b'\\');
    if plain {
        out.extend_from_slice(s.as_bytes());
    } else {
        json_str(out, s);
    }
}

fn val(out: &mut Vec<u8>, v: V, json: bool) {
    match v {
        V::S(s) if json => json_str(out, s),
        V::S(s) => logfmt_val(out, s),
        V::I(i) => {
            let _ = write!(out, "{i}");
        }
        V::F(f) => {
            let _ = write!(out, "{f:.3}");
        }
    }
}

/// Context a service writes into its lines.
pub struct AppCtx<'a> {
    pub service: &'a str,
    pub host: &'a str,
    /// Logger / source location, e.g. `auth.token` or `server.go:212`.
    pub logger: &'a str,
    pub pid: u32,
    /// Worker thread name suffix for the Java style.
    pub thread: u32,
}

/// Writes one application record (ends with `\n`; Java errors carry a stack trace).
pub fn app_line(out: &mut Vec<u8>, fmt: AppFmt, ms: i64, lvl: Lvl, cx: &AppCtx, msg: &str, kv: &[(&str, V)]) {
    match fmt {
        AppFmt::Json(v) => {
            let level = match (v, lvl) {
                (1, Lvl::Info) => "INFO",
                (1, Lvl::Warn) => "WARNING",
                (1, Lvl::Error) => "ERROR",
                (_, Lvl::Info) => "info",
                (_, Lvl::Warn) => "warn",
                (_, Lvl::Error) => "error",
            };
            match v {
                0 => {
                    out.extend_from_slice(b"{\"ts\":\"");
                    ts(out, ms, Ts::IsoMs);
                    let _ = write!(
                        out,
                        "\",\"level\":\"{level}\",\"service\":\"{}\",\"host\":\"{}\",\"msg\":",
                        cx.service, cx.host
                    );
                }
                1 => {
                    out.extend_from_slice(b"{\"time\":\"");
                    ts(out, ms, Ts::IsoUs);
                    let _ = write!(
                        out,
                        "\",\"severity\":\"{level}\",\"logger\":\"{}\",\"hostname\":\"{}\",\"message\":",
                        cx.logger, cx.host
                    );
                }
                2 => {
                    out.extend_from_slice(b"{\"@timestamp\":\"");
                    ts(out, ms, Ts::IsoOffset);
                    let _ = write!(
                        out,
                        "\",\"log.level\":\"{level}\",\"service.name\":\"{}\",\"host.name\":\"{}\",\"message\":",
                        cx.service, cx.host
                    );
                }
                _ => {
                    let _ = write!(out, "{{\"level\":\"{level}\",\"ts\":");
                    ts(out, ms, Ts::Epoch);
                    let _ = write!(out, ",\"caller\":\"{}\",\"host\":\"{}\",\"msg\":", cx.logger, cx.host);
                }
            }
            json_str(out, msg);
            for (k, v) in kv {
                let _ = write!(out, ",\"{k}\":");
                val(out, *v, true);
            }
            out.extend_from_slice(b"}\n");
        }
        AppFmt::Logfmt(v) => {
            let level = match lvl {
                Lvl::Info => "info",
                Lvl::Warn => "warn",
                Lvl::Error => "error",
            };
            if v == 0 {
                out.extend_from_slice(b"time=");
                ts(out, ms, Ts::IsoMs);
                let _ = write!(out, " level={level} service={} host={} msg=", cx.service, cx.host);
            } else {
                out.extend_from_slice(b"ts=");
                ts(out, ms, Ts::IsoUs);
                let _ = write!(out, " caller={} level={level} host={} msg=", cx.logger, cx.host);
            }
            logfmt_val(out, msg);
            for (k, v) in kv {
                let _ = write!(out, " {k}=");
                val(out, *v, false);
            }
            out.push(b'\n');
        }
        AppFmt::Klog => {
            out.push(match lvl {
                Lvl::Info => b'I',
                Lvl::Warn => b'W',
                Lvl::Error => b'E',
            });
            ts(out, ms, Ts::Klog);
            let _ = write!(out, " {:>7} {}] ", cx.pid, cx.logger);
            json_str(out, msg);
            for (k, v) in kv {
                let _ = write!(out, " {k}=");
                match v {
                    V::S(s) => json_str(out, s),
                    other => val(out, *other, true),
                }
            }
            out.push(b'\n');
        }
        AppFmt::Java => {
            ts(out, ms, Ts::Java);
            let level = match lvl {
                Lvl::Info => "INFO ",
                Lvl::Warn => "WARN ",
                Lvl::Error => "ERROR",
            };
            let _ = write!(out, " {level} [http-nio-8080-exec-{}] {} - {msg}", cx.thread, cx.logger);
            for (k, v) in kv {
                let _ = write!(out, " {k}=");
                val(out, *v, false);
            }
            out.push(b'\n');
            if lvl == Lvl::Error {
                let svc = cx.service.replace('-', "");
                let _ = write!(
                    out,
                    "com.example.{svc}.ServiceException: {msg}\n\
                     \tat com.example.{svc}.web.RequestHandler.handle(RequestHandler.java:{})\n\
                     \tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n\
                     \tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)\n\
                     \t... 48 common frames omitted\n",
                    88 + cx.thread % 40
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use culprit::time::civil_to_millis;

    #[test]
    fn stamps() {
        let ms = civil_to_millis(2024, 1, 2, 15, 30, 1, 250);
        assert_eq!(ts_string(ms, Ts::IsoMs), "2024-01-02T15:30:01.250Z");
        assert_eq!(ts_string(ms, Ts::Pg), "2024-01-02 15:30:01.250 UTC");
        assert_eq!(ts_string(ms, Ts::Clf), "02/Jan/2024:15:30:01 +0000");
        assert_eq!(ts_string(ms, Ts::Bsd), "Jan  2 15:30:01");
        assert_eq!(ts_string(ms, Ts::NginxErr), "2024/01/02 15:30:01");
        assert!(ts_string(ms, Ts::Epoch).starts_with("1704209401.250"));
    }

    #[test]
    fn json_escapes_and_logfmt_quotes() {
        let cx = AppCtx { service: "auth", host: "auth-1", logger: "auth.token", pid: 1, thread: 1 };
        let mut out = Vec::new();
        app_line(&mut out, AppFmt::Json(0), 0, Lvl::Error, &cx, "kid \"k2\" not found", &[("n", V::I(3))]);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["msg"], "kid \"k2\" not found");
        assert_eq!(v["n"], 3);
        out.clear();
        app_line(&mut out, AppFmt::Logfmt(0), 0, Lvl::Info, &cx, "request completed", &[("path", V::S("/a b"))]);
        assert!(String::from_utf8(out).unwrap().contains("msg=\"request completed\" path=\"/a b\""));
    }
}
