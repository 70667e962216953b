//! unattended-upgrades installs a new libssl3 or libpq5 on some of the worker hosts (dpkg.log)
//! and the workers there are restarted; from then on exactly those hosts fail their TLS
//! handshakes with a partner, or their database connections. Red herrings: tzdata upgraded on
//! every host in an earlier run, apt-daily timers, a chronic warning of the workers, and the
//! workers' errors that outnumber the upgrade lines.

use super::ops::Systemd;
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

/// (package, old version, new version, what a worker on an upgraded host logs)
const BREAKS: [(&str, &str, &str, &str); 3] = [
    (
        "libssl3",
        "3.0.2-0ubuntu1.18",
        "3.0.2-0ubuntu1.19",
        "quote request failed: HTTPSConnectionPool(host='rates.partner.example', port=443): Max retries exceeded with url: /v1/quote (Caused by SSLError(SSLError(1, '[SSL: UNSAFE_LEGACY_RENEGOTIATION_DISABLED] unsafe legacy renegotiation disabled (_ssl.c:1006)')))",
    ),
    (
        "libssl3",
        "3.0.13-0ubuntu3.4",
        "3.0.13-0ubuntu3.5",
        "quote request failed: HTTPSConnectionPool(host='rates.partner.example', port=443): Max retries exceeded with url: /v1/quote (Caused by SSLError(SSLError(1, '[SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006)')))",
    ),
    (
        "libpq5",
        "15.8-1.pgdg22.04+1",
        "17.2-1.pgdg22.04+1",
        "database unavailable: psycopg2.OperationalError: connection to server at \"10.0.9.20\", port 5432 failed: SSL error: unsupported protocol",
    ),
];

fn upgrade_lines(pkg: &str, arch: &str, old: &str, new: &str) -> Vec<String> {
    vec![
        "startup archives unpack".to_string(),
        format!("upgrade {pkg}:{arch} {old} {new}"),
        format!("status half-configured {pkg}:{arch} {old}"),
        format!("status unpacked {pkg}:{arch} {old}"),
        format!("status half-installed {pkg}:{arch} {old}"),
        format!("status unpacked {pkg}:{arch} {new}"),
        "startup packages configure".to_string(),
        format!("configure {pkg}:{arch} {new} <none>"),
        format!("status unpacked {pkg}:{arch} {new}"),
        format!("status half-configured {pkg}:{arch} {new}"),
        format!("status installed {pkg}:{arch} {new}"),
        "trigproc libc-bin:amd64 2.35-0ubuntu3.8 <none>".to_string(),
        "status half-configured libc-bin:amd64 2.35-0ubuntu3.8".to_string(),
        "status installed libc-bin:amd64 2.35-0ubuntu3.8".to_string(),
    ]
}

pub fn build(s: &mut Scene) {
    let (pkg, old, new, failure) = *s.rng.pick(&BREAKS);
    let n = s.rng.range(3, 5) as usize;
    let hosts = s.hosts("worker", n);
    let k = s.rng.range(1, (n - 1) as i64) as usize;
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = s.rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let upgraded: Vec<usize> = order[..k].to_vec();
    let jfmt = if s.rng.chance(0.6) { Fmt::JournalShortIso } else { Fmt::JournalJson };
    let journal = s.file("journal.log", jfmt);
    let dpkg: Vec<_> = hosts.iter().map(|h| s.file(&format!("dpkg-{h}.log"), Fmt::Dpkg)).collect();
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let systemd = Systemd { names_units: true };
    let upgrade_unit = ("apt-daily-upgrade", "Daily apt upgrade and clean activities");

    // The earlier run: tzdata everywhere.
    let tz_at = trigger - s.between(90 * SECOND, (trigger - start - 20 * SECOND).min(7 * MINUTE));
    for (i, h) in hosts.iter().enumerate() {
        let t0 = tz_at + s.between(0, 50 * SECOND);
        systemd.oneshot(s, journal, h, t0, upgrade_unit, 9 * SECOND);
        let lines = upgrade_lines("tzdata", "all", "2024a-0ubuntu0.22.04.1", "2024b-0ubuntu0.22.04.1");
        // tzdata has no shared libraries: no libc-bin trigger.
        for (j, line) in lines.into_iter().filter(|l| !l.contains("libc-bin")).enumerate() {
            s.once(dpkg[i], Rec::new(t0 + 4 * SECOND + j as i64 * 120, h, "dpkg", Level::Info, line));
        }
    }
    // The earlier run's journal lines read like the later run's; only dpkg.log tells them apart.
    for f in &dpkg {
        s.herring(*f, "unrelated-change", r"tzdata");
    }

    // The run that matters, on the hosts whose timer fired after the new package was published.
    let mut cause = None;
    let mut broken_from = vec![i64::MAX; n];
    for (r, &i) in upgraded.iter().enumerate() {
        let h = hosts[i].clone();
        let t0 = if r == 0 { trigger } else { trigger + s.between(20 * SECOND, 3 * MINUTE) };
        let restart = t0 + s.between(3 * SECOND, 8 * SECOND);
        let began = t0 - 4 * SECOND;
        systemd.oneshot(s, journal, &h, began, upgrade_unit, restart + 9 * SECOND - began);
        for (j, line) in upgrade_lines(pkg, "amd64", old, new).into_iter().enumerate() {
            let at = t0 - 1200 + j as i64 * 150;
            let m = s.once(dpkg[i], Rec::new(at, &h, "dpkg", Level::Info, line.clone()));
            if r == 0 && line.starts_with("upgrade ") {
                cause = Some(m);
            }
        }
        systemd.restart(s, journal, &h, restart, "worker", "Quote worker");
        broken_from[i] = restart + 2 * SECOND;
    }

    // apt-daily: download runs on random hosts now and then.
    let hs = hosts.clone();
    s.every(journal, start, end, 0.6, move |rng, t| {
        let h = rng.pick(&hs).clone();
        let msg = *rng.pick(&[
            "Starting apt-daily.service - Daily apt download activities...",
            "apt-daily.service: Deactivated successfully.",
            "Finished apt-daily.service - Daily apt download activities.",
        ]);
        Some(Rec::new(t, &h, "systemd", Level::Info, msg).pid(1))
    });
    s.herring(journal, "chronic", r"apt-daily\.service");

    // The workers: jobs done, a chronic retry warning, and on upgraded hosts the new failure.
    let wpid = s.pid();
    for (i, h) in hosts.iter().enumerate() {
        let (h, from) = (h.clone(), broken_from[i]);
        let per_min = s.rng.range(15, 35) as f64;
        s.every(journal, start, end, per_min, move |rng, t| {
            let pid = wpid + i as u32 * 7 + u32::from(t >= from);
            if t >= from && rng.chance(0.85) {
                return Some(Rec::new(t, &h, "worker", Level::Error, format!("ERROR {failure}")).pid(pid));
            }
            if rng.chance(0.05) {
                return Some(
                    Rec::new(t, &h, "worker", Level::Warn, "WARNING redis latency above 50ms, retrying lock acquire")
                        .pid(pid),
                );
            }
            Some(
                Rec::new(
                    t,
                    &h,
                    "worker",
                    Level::Info,
                    format!("INFO quote job {} done in {} ms", rng.hex_string(8), rng.range(30, 700)),
                )
                .pid(pid),
            )
        });
    }
    s.herring(journal, "chronic", "redis latency above 50ms");
    s.herring(journal, "consequence", &regex::escape(&failure[..30]));

    let first = upgraded.iter().map(|&i| broken_from[i]).min().unwrap_or(trigger);
    s.cause(
        cause.expect("one upgraded host"),
        "packages",
        &[&format!(r"upgrade {pkg}:amd64"), &format!(r"(configure|status installed) {pkg}:amd64")],
    );
    s.incident(first, end);
    s.description = format!(
        "unattended-upgrades upgraded {pkg} {old} -> {new} on {} of {n} worker hosts ({}; dpkg-HOST.log) and their \
         workers restarted (journal.log); from then on only those hosts failed: {}. Red herrings: tzdata upgraded on \
         every host in an earlier run; apt-daily runs; a chronic redis latency warning; the workers' errors.",
        k,
        upgraded.iter().map(|&i| hosts[i].as_str()).collect::<Vec<_>>().join(", "),
        failure.split(": ").take(2).collect::<Vec<_>>().join(": "),
    );
}
