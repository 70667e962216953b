//! The kernel's OOM killer kills a service's JVM on one host; systemd restarts it (a reaction),
//! it is killed again while the host stays short of memory, and requests routed to that host fail.
//! A logrotate run on another host shortly before is unrelated.

use super::common::{edge_traffic, status_regex};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let n = s.rng.range(3, 5) as usize;
    let hosts = s.hosts("search", n);
    let victim = hosts[s.rng.below(n as u64) as usize].clone();
    let other = hosts.iter().find(|h| **h != victim).cloned().unwrap_or_default();
    let lb = s.hosts("lb", 1).remove(0);
    let syslog_fmt = s.choose(&[Fmt::SyslogBsd, Fmt::SyslogRfc3339, Fmt::JournalShortIso]);
    let syslog = s.file("syslog", syslog_fmt);
    let app = s.file("search.log", Fmt::Logstash);
    let access_log = s.file("haproxy.log", Fmt::HaproxyHttp);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let recovered = trigger + s.between(3 * MINUTE, 6 * MINUTE);
    let uptime = s.rng.range(100_000, 900_000) as f64;
    let share = 1.0 / n as f64;

    let kernel = |s: &mut Scene, t: i64, msg: String| {
        let secs = uptime + (t - start) as f64 / 1000.0;
        s.once(syslog, Rec::new(t, &victim, "kernel", Level::Error, format!("[{secs:.6}] {msg}")))
    };
    let mut kills = vec![trigger];
    let mut t = trigger;
    while t < recovered - 50 * SECOND {
        t += s.between(35 * SECOND, 70 * SECOND);
        kills.push(t);
    }
    let mut cause = None;
    for (i, &k) in kills.iter().enumerate() {
        let pid = 3000 + i as u32 * 17;
        let first = kernel(
            s,
            k,
            "java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0"
                .into(),
        );
        cause.get_or_insert(first);
        kernel(s, k + 1, format!("Out of memory: Killed process {pid} (java) total-vm:9123456kB, anon-rss:7340032kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15400kB oom_score_adj:0"));
        for (j, m) in [
            "search.service: A process of this unit has been killed by the OOM killer.",
            "search.service: Main process exited, code=killed, status=9/KILL",
            "search.service: Failed with result 'oom-kill'.",
        ]
        .into_iter()
        .enumerate()
        {
            s.once(syslog, Rec::new(k + 20 + j as i64 * 5, &victim, "systemd", Level::Info, m).pid(1));
        }
        s.once(
            syslog,
            Rec::new(
                k + 5 * SECOND,
                &victim,
                "systemd",
                Level::Info,
                format!("search.service: Scheduled restart job, restart counter is at {}.", i + 1),
            )
            .pid(1),
        );
        s.once(
            syslog,
            Rec::new(k + 5 * SECOND + 30, &victim, "systemd", Level::Info, "Started search.service - Search API.")
                .pid(1),
        );
    }
    s.herring(syslog, "consequence", "Scheduled restart job|Started search\\.service");
    // The unrelated change: logrotate on another host.
    let lr = trigger - s.between(30 * SECOND, 3 * MINUTE).min(trigger - start - 10 * SECOND);
    s.once(
        syslog,
        Rec::new(lr, &other, "systemd", Level::Info, "Starting logrotate.service - Rotate log files...").pid(1),
    );
    s.once(
        syslog,
        Rec::new(lr + 900, &other, "systemd", Level::Info, "logrotate.service: Deactivated successfully.").pid(1),
    );
    s.once(
        syslog,
        Rec::new(lr + 910, &other, "systemd", Level::Info, "Finished logrotate.service - Rotate log files.").pid(1),
    );
    s.herring(syslog, "unrelated-change", "logrotate");
    // Chronic: a GC-pressure warning the team ignores, on every host.
    for h in hosts.clone() {
        let down: Vec<i64> = if h == victim { kills.clone() } else { Vec::new() };
        s.every(app, start, end, 30.0, move |rng, t| {
            if down.iter().any(|&k| t >= k && t < k + 6 * SECOND) {
                return None;
            }
            let rec = if rng.chance(0.06) {
                Rec::new(
                    t,
                    &h,
                    "search",
                    Level::Warn,
                    format!("Slow query: took {}ms, threshold 500ms", rng.range(500, 3000)),
                )
            } else {
                Rec::new(
                    t,
                    &h,
                    "search",
                    Level::Info,
                    format!("search completed hits={} took={}ms", rng.range(0, 400), rng.range(3, 90)),
                )
            };
            Some(rec)
        });
    }
    s.every(syslog, start, end, 2.0, move |rng, t| {
        Some(
            Rec::new(
                t,
                "",
                "systemd-resolved",
                Level::Warn,
                "Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.0.0.2.",
            )
            .pid(rng.range(500, 700) as u32),
        )
    });
    s.herring(syslog, "chronic", "Using degraded feature set");
    let k2 = kills.clone();
    edge_traffic(s, access_log, &lb, 150.0, ("GET", "/api/search"), 0.6, move |rng, t| {
        let down = k2.iter().any(|&k| t >= k && t < k + 6 * SECOND);
        let slow = t >= trigger && t < recovered && rng.chance(share * 0.5);
        if down && rng.chance(share) {
            503
        } else if slow {
            504
        } else {
            200
        }
    });
    let failed = status_regex(s, access_log, "50[34]");
    s.herring(access_log, "consequence", &failed);

    if let Some(c) = cause {
        s.cause(c, "system", &[r"invoked oom-killer", r"Out of memory: Killed process \d+ \(java\)"]);
    }
    s.incident(trigger, recovered);
    s.description = format!(
        "The kernel's OOM killer killed the search JVM on {victim} ({} times); systemd restarted it each time \
         (a reaction) and search requests routed to that host failed (503/504) until memory was freed. Red \
         herrings: a logrotate run on {other} shortly before (unrelated change); systemd-resolved's degraded-feature \
         warnings (chronic); the restarts (consequences).",
        kills.len()
    );
}
