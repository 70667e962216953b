//! Config management sets a Python service's log level to DEBUG and restarts it; the service
//! floods its log, and minutes later /var is full: PostgreSQL, nginx, rsyslog and journald on that
//! host fail with "No space left on device". The cause is the log-level change, a change whose
//! effect takes minutes. Red herrings: a harmless change after it and before the first error (an
//! operator reloading nginx, or an unrelated template on other hosts), a chronic warning of the
//! service, and the many full-disk errors that outnumber the one change.

use super::ops::{ansible, ansible_task, banner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

const SERVICES: [&str; 3] = ["reports", "billing-worker", "exporter"];

pub fn build(s: &mut Scene) {
    let svc = *s.rng.pick(&SERVICES);
    let host = s.hosts("app", 1).remove(0);
    let others = {
        let n = s.rng.range(2, 4) as usize;
        s.hosts("web", n)
    };
    let chef = s.rng.chance(0.6);
    let cm = if chef { s.file("chef-client.log", Fmt::Chef) } else { s.file("ansible.log", Fmt::Ansible) };
    let app = s.file(&format!("{svc}.log"), Fmt::PythonLogging);
    let pg = s.file("postgresql.log", Fmt::Postgres);
    let nginx = s.file("nginx-error.log", Fmt::NginxError);
    let sys_fmt = if s.rng.chance(0.5) { Fmt::SyslogRfc3339 } else { Fmt::SyslogBsd };
    let syslog = s.file("syslog", sys_fmt);
    let (start, trigger) = (s.start, s.trigger);
    let conf = format!("/etc/{svc}/logging.yaml");
    let cpid = s.pid();

    // The change: the template that sets DEBUG, then the service's restart.
    let cause;
    let restarted;
    if chef {
        let begin = trigger - s.between(8 * SECOND, 20 * SECOND);
        let c = |s: &mut Scene, t, msg: String| s.once(cm, Rec::new(t, &host, "chef", Level::Info, msg));
        c(s, begin, "Starting Chef Infra Client, version 18.5.0".into());
        c(s, begin + 900, format!("Run List is [role[{svc}]]"));
        c(s, trigger - 400, format!("Processing template[{conf}] action create ({svc}::default line 31)"));
        cause = c(s, trigger, format!("template[{conf}] updated file contents {conf}"));
        c(s, trigger + 20, format!("template[{conf}] sending restart action to service[{svc}] (delayed)"));
        restarted = trigger + s.between(2 * SECOND, 6 * SECOND);
        c(s, restarted - 300, format!("Processing service[{svc}] action restart ({svc}::default line 44)"));
        c(s, restarted, format!("service[{svc}] restarted"));
        let took = (restarted - begin) as f64 / 1000.0 + 0.8;
        c(s, restarted + 800, format!("Chef Infra Client Run complete in {took:.2} seconds"));
    } else {
        ansible(s, cm, trigger - 3 * SECOND, cpid, banner(&format!("PLAY [{svc}]")));
        let task = format!("{svc} : Set log level to DEBUG in {conf}");
        cause = ansible_task(s, cm, trigger, cpid, &task, std::slice::from_ref(&host));
        restarted = trigger + s.between(2 * SECOND, 5 * SECOND);
        ansible(s, cm, restarted - 200, cpid, banner(&format!("RUNNING HANDLER [{svc} : restart {svc}]")));
        ansible(s, cm, restarted + 600, cpid, format!("changed: [{host}]"));
    }

    // The service: INFO lines all along and a chronic warning; DEBUG floods after the restart.
    let fill = s.between(4 * MINUTE, 9 * MINUTE);
    let full = restarted + fill;
    // The logs run at least a few minutes past the moment the volume fills.
    if full + 2 * MINUTE > s.end {
        s.end = full + s.between(2 * MINUTE, 4 * MINUTE);
    }
    let end = s.end;
    let h = host.clone();
    s.every(app, start, full, 30.0, move |rng, t| {
        let rec = if rng.chance(0.1) {
            Rec::new(t, &h, svc, Level::Warn, "Retrying (Retry(total=2, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError(\"HTTPSConnectionPool(host='geo.example.net', port=443): Read timed out. (read timeout=2)\")': /v2/lookup")
        } else {
            Rec::new(t, &h, svc, Level::Info, format!("job {} done in {} ms", rng.hex_string(8), rng.range(20, 900)))
        };
        Some(rec)
    });
    s.herring(app, "chronic", r"Retrying \(Retry\(total=");
    let h = host.clone();
    let debug_rate = s.rng.range(300, 600) as f64;
    s.every(app, restarted, full, debug_rate, move |rng, t| {
        let msg = match rng.below(3) {
            0 => "Starting new HTTPS connection (1): geo.example.net:443".to_string(),
            1 => format!(
                "https://geo.example.net:443 \"GET /v2/lookup?ip=10.{}.{}.{} HTTP/1.1\" 200 {}",
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(0, 255),
                rng.range(200, 900)
            ),
            _ => "SELECT jobs.id, jobs.state, jobs.payload FROM jobs WHERE jobs.state = %(state_1)s LIMIT %(param_1)s"
                .to_string(),
        };
        let logger = match msg.chars().next() {
            Some('S') if msg.starts_with("SELECT") => "sqlalchemy.engine.Engine",
            _ => "urllib3.connectionpool",
        };
        Some(Rec::new(t, &h, logger, Level::Debug, msg))
    });

    // PostgreSQL on the same /var: healthy checkpoints, then writes fail.
    let ppid = s.pid();
    s.every(pg, start, end, 2.0, move |rng, t| {
        let msg = if t < full {
            format!(
                "checkpoint complete: wrote {} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, 1 recycled; write={:.3} s, sync=0.002 s, total={:.3} s; sync files=9, longest=0.001 s, average=0.001 s; distance=1203 kB, estimate=1804 kB",
                rng.range(20, 400),
                rng.range(1, 30) as f64 / 10.0,
                rng.range(2000, 27000) as f64 / 1000.0,
                rng.range(2000, 27000) as f64 / 1000.0
            )
        } else {
            return None;
        };
        Some(Rec::new(t, "", "postgres", Level::Info, msg).pid(ppid))
    });
    s.every(pg, full, end, 12.0, move |rng, t| {
        let rel = format!("base/16384/{}", rng.range(16390, 16480));
        let (level, msg) = if rng.chance(0.7) {
            (
                Level::Error,
                format!("could not extend file \"{rel}\": No space left on device\nHINT:  Check free disk space."),
            )
        } else {
            (
                Level::Error,
                format!(
                    "could not write to file \"pg_wal/xlogtemp.{}\": No space left on device",
                    rng.range(1000, 40000)
                ),
            )
        };
        Some(Rec::new(t, "", "postgres", level, msg).pid(rng.range(1000, 40000) as u32).kv("user", svc).kv("db", svc))
    });

    // nginx on the same host: temp files and its own log writes fail.
    let npid = s.pid();
    let nginx_full = full + s.between(0, 20 * SECOND);
    s.every(nginx, nginx_full, end, 20.0, move |rng, t| {
        let msg = if rng.chance(0.5) {
            format!("pwrite() \"/var/lib/nginx/body/00000{}\" failed (28: No space left on device), client: 10.0.{}.{}, server: _, request: \"POST /upload HTTP/1.1\", host: \"reports.example.com\"", rng.range(10000, 99999), rng.range(1, 9), rng.range(2, 250))
        } else {
            "write() to \"/var/log/nginx/access.log\" failed (28: No space left on device) while logging request".to_string()
        };
        // nginx logs both at crit and alert; the kit's nearest level is crit.
        Some(Rec::new(t, "", "nginx", Level::Fatal, msg).pid(npid).kv("conn", rng.range(1000, 90000)))
    });
    let hn = host.clone();
    s.every(nginx, start, end, 1.5, move |rng, t| {
        Some(
            Rec::new(t, &hn, "nginx", Level::Error, format!("open() \"/var/www/html/{}\" failed (2: No such file or directory), client: 45.{}.{}.{}, server: _, request: \"GET /{} HTTP/1.1\", host: \"reports.example.com\"", "wp-login.php", rng.range(1, 250), rng.range(1, 250), rng.range(1, 250), "wp-login.php"))
                .pid(npid)
                .kv("conn", rng.range(1000, 90000)),
        )
    });
    s.herring(nginx, "chronic", r"No such file or directory");

    // syslog: cron all along; rsyslog and journald fail once the disk is full.
    let hs = host.clone();
    s.every(syslog, start, end, 1.0, move |rng, t| {
        Some(
            Rec::new(t, &hs, "CRON", Level::Info, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")
                .pid(rng.range(2000, 60000) as u32),
        )
    });
    let rpid = s.pid();
    let jpid = s.pid();
    let hs = host.clone();
    let syslog_full = full + s.between(0, 10 * SECOND);
    s.every(syslog, syslog_full, end, 3.0, move |rng, t| {
        let rec = if rng.chance(0.6) {
            Rec::new(t, &hs, "rsyslogd", Level::Error, "file '/var/log/syslog': write error - see https://www.rsyslog.com/solving-rsyslog-write-errors/ for help OS error: No space left on device [v8.2112.0 try https://www.rsyslog.com/e/2027 ]").pid(rpid)
        } else {
            Rec::new(t, &hs, "systemd-journald", Level::Error, "Failed to create new system journal: No space left on device").pid(jpid)
        };
        Some(rec)
    });
    s.herring(syslog, "consequence", r"No space left on device");
    s.herring(pg, "consequence", r"No space left on device");
    s.herring(nginx, "consequence", r"No space left on device");

    // The harmless change: after the log-level change, before the first full-disk error.
    let harmless_at = restarted + s.between(MINUTE, fill - 40 * SECOND);
    if s.rng.chance(0.5) {
        let pid = s.pid();
        s.once(
            syslog,
            Rec::new(
                harmless_at,
                &host,
                "sudo",
                Level::Notice,
                "   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl reload nginx",
            )
            .pid(pid),
        );
        s.once(
            syslog,
            Rec::new(
                harmless_at + 300,
                &host,
                "systemd",
                Level::Info,
                "Reloading nginx.service - A high performance web server and a reverse proxy server...",
            )
            .pid(1),
        );
        let signal_pid = s.pid();
        s.once(
            syslog,
            Rec::new(harmless_at + 350, &host, "nginx", Level::Notice, "signal process started").pid(signal_pid),
        );
        s.once(
            syslog,
            Rec::new(
                harmless_at + 400,
                &host,
                "systemd",
                Level::Info,
                "Reloaded nginx.service - A high performance web server and a reverse proxy server.",
            )
            .pid(1),
        );
        s.herring(syslog, "unrelated-change", r"reload nginx|Reload(ing|ed) nginx\.service|signal process started");
    } else if chef {
        for (i, o) in others.iter().enumerate() {
            let t = harmless_at + i as i64 * 1500;
            s.once(
                cm,
                Rec::new(t, o, "chef", Level::Info, "template[/etc/motd] updated file contents /etc/motd".to_string()),
            );
        }
        s.herring(cm, "unrelated-change", r"/etc/motd");
    } else {
        ansible_task(s, cm, harmless_at, cpid + 1, "common : Install /etc/motd", &others);
        let names = others.iter().map(|o| regex::escape(o)).collect::<Vec<_>>().join("|");
        s.herring(cm, "unrelated-change", &format!(r"/etc/motd|changed: \[({names})\]"));
    }

    s.cause(
        cause,
        "config",
        &[&regex::escape(&conf), r"Set log level to DEBUG", &format!(r"service\[{svc}\] restarted")],
    );
    s.incident(full, end);
    s.description = format!(
        "{} set DEBUG logging for {svc} on {host} ({conf}) and restarted it; {svc}.log fills with DEBUG lines and \
         {:.1} minutes later /var is full: PostgreSQL, nginx, rsyslog and journald fail with 'No space left on \
         device'. Red herrings: a harmless change after the log-level change and before the first error; chronic \
         retry warnings of {svc}; nginx 404 probes; the many full-disk errors.",
        if chef { "Chef" } else { "Ansible" },
        fill as f64 / 60_000.0,
    );
}
