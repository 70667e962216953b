//! An Ansible play installs a systemd drop-in that lowers a Go service's `LimitNOFILE`, runs
//! `systemctl daemon-reload` and restarts it; minutes later, as connections pile up under load,
//! the service logs `accept4: too many open files` and the proxy answers 502/504. Red herrings:
//! an earlier play that restarted node_exporter (with its own daemon-reload), timers that run all
//! along (sysstat), and the proxy's 5xx that outnumber the one change.

use super::common::access;
use super::ops::{ansible, ansible_recap, ansible_task, banner, Systemd};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

/// (unit, description)
const SERVICES: [(&str, &str); 3] =
    [("orders-api", "Orders API"), ("gateway", "API gateway"), ("inventory", "Inventory service")];

pub fn build(s: &mut Scene) {
    let (unit, descr) = *s.rng.pick(&SERVICES);
    let n = s.rng.range(2, 4) as usize;
    let hosts = s.hosts("api", n);
    let lb = s.hosts("lb", 1).remove(0);
    let limit = *s.rng.pick(&[1024, 2048, 4096]);
    let systemd = Systemd { names_units: s.rng.chance(0.6) };
    let prints_reload_time = systemd.names_units && s.rng.chance(0.5);
    let journal = s.file("journal.log", Fmt::JournalShortIso);
    let ansible_log = s.file("ansible.log", Fmt::Ansible);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let apid = s.pid();

    // A timer all along: sysstat every ten minutes.
    let sysstat_phase = s.between(0, 10 * MINUTE);
    let mut t = start - 10 * MINUTE + sysstat_phase;
    while t < end {
        for h in &hosts {
            let at = t + s.between(0, 3 * SECOND);
            systemd.oneshot(s, journal, h, at, ("sysstat-collect", "system activity accounting tool"), 80);
        }
        t += 10 * MINUTE;
    }
    s.herring(journal, "chronic", r"sysstat-collect|system activity accounting tool");

    // An earlier play restarted node_exporter (daemon-reload included) on every api host.
    let earlier = s.rng.chance(0.75);
    if earlier {
        let at = trigger - s.between(MINUTE, (trigger - start - 40 * SECOND).min(8 * MINUTE));
        let ppid = s.pid();
        ansible(s, ansible_log, at, ppid, banner("PLAY [monitoring]"));
        ansible_task(s, ansible_log, at + 2 * SECOND, ppid, "node_exporter : Install node_exporter 1.8.2", &hosts);
        ansible(
            s,
            ansible_log,
            at + 7 * SECOND,
            ppid,
            banner("RUNNING HANDLER [node_exporter : Restart node_exporter]"),
        );
        for (i, h) in hosts.iter().enumerate() {
            let th = at + 8 * SECOND + i as i64 * 400;
            s.once(journal, Rec::new(th, h, "systemd", Level::Info, "Reloading.").pid(1));
            systemd.restart(s, journal, h, th + 300, "node_exporter", "Prometheus Node Exporter");
            ansible(s, ansible_log, th + 600, ppid, format!("changed: [{h}]"));
        }
        ansible_recap(s, ansible_log, at + 12 * SECOND, ppid, &hosts, 3, 2);
        s.herring(ansible_log, "unrelated-change", r"node_exporter");
        s.herring(journal, "unrelated-change", r"node_exporter|Prometheus Node Exporter");
    }

    // The play that lowers the limit: drop-in, daemon-reload, restart, host after host.
    let ppid = s.pid();
    ansible(s, ansible_log, trigger - 6 * SECOND, ppid, banner(&format!("PLAY [{unit}]")));
    let task = format!("{unit} : Set LimitNOFILE={limit} in /etc/systemd/system/{unit}.service.d/limits.conf");
    let cause = ansible_task(s, ansible_log, trigger, ppid, &task, &hosts);
    ansible(s, ansible_log, trigger + 3 * SECOND, ppid, banner(&format!("RUNNING HANDLER [{unit} : daemon-reload]")));
    ansible(s, ansible_log, trigger + 5 * SECOND, ppid, banner(&format!("RUNNING HANDLER [{unit} : Restart {unit}]")));
    let mut restarted = Vec::new();
    for (i, h) in hosts.iter().enumerate() {
        let th = trigger + 3 * SECOND + i as i64 * 500;
        s.once(journal, Rec::new(th, h, "systemd", Level::Info, "Reloading.").pid(1));
        if prints_reload_time {
            let ms = s.rng.range(120, 480);
            let finished = format!("Reloading finished in {ms} ms.");
            s.once(journal, Rec::new(th + ms, h, "systemd", Level::Info, finished).pid(1));
        }
        let tr = trigger + 5 * SECOND + i as i64 * 700;
        systemd.restart(s, journal, h, tr, unit, descr);
        let stopping = Rec::new(tr + 30, h, unit, Level::Info, "shutting down: context canceled");
        s.once(journal, stopping.pid(apid + i as u32));
        s.once(journal, Rec::new(tr + 400, h, unit, Level::Info, "listening on :8080").pid(apid + 100 + i as u32));
        ansible(s, ansible_log, tr + 600, ppid, format!("changed: [{h}]"));
        restarted.push(tr);
    }
    ansible_recap(s, ansible_log, trigger + 9 * SECOND, ppid, &hosts, 4, 3);

    // Connections pile up after the restart; past the limit, accepts and dials fail.
    let climb = s.between(90 * SECOND, 4 * MINUTE);
    let onset = trigger + climb;
    let share = 0.2 + 0.4 * s.rng.unit();
    let db = format!("10.0.{}.{}:5432", s.rng.range(1, 30), s.rng.range(20, 60));
    let go_prefix = s.rng.chance(0.5);
    for (i, h) in hosts.iter().enumerate() {
        let h = h.clone();
        let (db, restart) = (db.clone(), restarted[i]);
        let host_onset = onset + i as i64 * s.rng.range(0, 20) * SECOND;
        s.every(journal, start, end, 20.0, move |rng, t| {
            let pid = apid + if t >= restart { 100 + i as u32 } else { i as u32 };
            let stamp = if go_prefix {
                chrono::DateTime::from_timestamp_millis(t).unwrap_or_default().format("%Y/%m/%d %H:%M:%S ").to_string()
            } else {
                String::new()
            };
            if t >= host_onset && rng.chance(share) {
                let msg = if rng.chance(0.6) {
                    format!(
                        "{stamp}http: Accept error: accept tcp [::]:8080: accept4: too many open files; retrying in {}ms",
                        *rng.pick(&[5, 10, 20, 40, 80, 160, 320, 640])
                    )
                } else {
                    format!("{stamp}query failed: dial tcp {db}: socket: too many open files")
                };
                return Some(Rec::new(t, &h, unit, Level::Error, msg).pid(pid));
            }
            if rng.chance(0.15) {
                Some(Rec::new(t, &h, unit, Level::Info, format!("{stamp}pool stats: open={} idle={}", rng.range(8, 40), rng.range(0, 8))).pid(pid))
            } else {
                None
            }
        });
    }
    let rate = s.rng.range(60, 160) as f64;
    s.every(access_log, start, end, rate, move |rng, t| {
        let path = format!("/v1/{}/{}", rng.pick(&["orders", "items", "carts", "stock"]), rng.range(1000, 99999));
        let status = if t >= onset && rng.chance(share) {
            *rng.pick(&[502, 504, 500])
        } else if rng.chance(0.01) {
            404
        } else {
            200
        };
        let method = if rng.chance(0.7) { "GET" } else { "POST" };
        Some(access(rng, t, "", method, &path, status))
    });
    s.herring(access_log, "consequence", r#"HTTP/1\.1" 50[024] "#);
    s.herring(journal, "consequence", r"too many open files");

    s.cause(
        cause,
        "config",
        &[
            r"LimitNOFILE",
            &format!(r"RUNNING HANDLER \[{unit} : Restart"),
            &format!(r"(Stopping|Stopped|Started) ({unit}\.service|{descr})"),
        ],
    );
    s.incident(onset, end);
    s.description = format!(
        "An Ansible play (ansible.log) set LimitNOFILE={limit} in a drop-in for {unit}.service on {n} hosts ({lb} \
         proxies them), then daemon-reload and a restart (journal.log). {:.0} s later, with connections piling up, \
         {unit} logged 'accept4: too many open files' and failed dials, and the proxy answered 5xx for about {:.0}% \
         of requests. Red herrings: {}sysstat timers every ten minutes; the proxy's 5xx.",
        climb as f64 / 1000.0,
        share * 100.0,
        if earlier { "an earlier play restarting node_exporter with its own daemon-reload; " } else { "" },
    );
}
