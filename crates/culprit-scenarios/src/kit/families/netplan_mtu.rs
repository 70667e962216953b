//! An Ansible play sets MTU 9000 in the database hosts' netplan file and runs `netplan apply`;
//! the switch path still carries 1500-byte frames and drops the big ones, so queries with large
//! results hang and time out from the application hosts while small ones keep working. Red
//! herrings: an earlier play that changed the search domain and ran `netplan apply` on the web
//! hosts, a chronic PostgreSQL complaint, and the timeouts that outnumber the change.

use super::ops::{ansible, ansible_task, banner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let dbs = {
        let n = s.rng.range(1, 2) as usize;
        s.hosts("db", n)
    };
    let webs = {
        let n = s.rng.range(2, 3) as usize;
        s.hosts("web", n)
    };
    let iface = *s.rng.pick(&["eth0", "ens5", "enp1s0"]);
    let jfmt = if s.rng.chance(0.5) { Fmt::JournalShortIso } else { Fmt::SyslogRfc3339 };
    let journal = s.file("journal.log", jfmt);
    let ansible_log = s.file("ansible.log", Fmt::Ansible);
    let pg = s.file("postgresql.log", Fmt::Postgres);
    let app_fmt = if s.rng.chance(0.5) { Fmt::Zap } else { Fmt::Logfmt };
    let app = s.file("app.log", app_fmt);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let netplan_file = "/etc/netplan/50-cloud-init.yaml";

    // What `netplan apply` leaves in the journal of one host.
    let apply = |s: &mut Scene, host: &str, t: i64| {
        let sudo = s.pid();
        let np = s.pid();
        s.once(
            journal,
            Rec::new(
                t,
                host,
                "sudo",
                Level::Notice,
                "  ansible : TTY=unknown ; PWD=/home/ansible ; USER=root ; COMMAND=/bin/sh -c 'netplan apply'",
            )
            .pid(sudo),
        );
        s.once(journal, Rec::new(t + 900, host, "systemd", Level::Info, "Reloading.").pid(1));
        s.once(
            journal,
            Rec::new(
                t + 1500,
                host,
                "systemd",
                Level::Info,
                "Stopping systemd-networkd.service - Network Configuration...",
            )
            .pid(1),
        );
        s.once(
            journal,
            Rec::new(t + 1560, host, "systemd", Level::Info, "systemd-networkd.service: Deactivated successfully.")
                .pid(1),
        );
        s.once(
            journal,
            Rec::new(
                t + 1570,
                host,
                "systemd",
                Level::Info,
                "Stopped systemd-networkd.service - Network Configuration.",
            )
            .pid(1),
        );
        s.once(
            journal,
            Rec::new(
                t + 1600,
                host,
                "systemd",
                Level::Info,
                "Starting systemd-networkd.service - Network Configuration...",
            )
            .pid(1),
        );
        s.once(journal, Rec::new(t + 1700, host, "systemd-networkd", Level::Info, format!("{iface}: Link UP")).pid(np));
        s.once(
            journal,
            Rec::new(t + 1710, host, "systemd-networkd", Level::Info, format!("{iface}: Gained carrier")).pid(np),
        );
        s.once(
            journal,
            Rec::new(
                t + 1750,
                host,
                "systemd",
                Level::Info,
                "Started systemd-networkd.service - Network Configuration.",
            )
            .pid(1),
        );
        s.once(
            journal,
            Rec::new(t + 2600, host, "systemd-networkd", Level::Info, format!("{iface}: Gained IPv6LL")).pid(np),
        );
    };

    // The earlier, harmless play on the web hosts.
    let earlier = s.rng.chance(0.75);
    if earlier {
        let at = trigger - s.between(MINUTE, (trigger - start - 40 * SECOND).min(9 * MINUTE));
        let ppid = s.pid();
        ansible(s, ansible_log, at, ppid, banner("PLAY [web]"));
        let task = format!("network : Set search domain svc.example.com in {netplan_file}");
        ansible_task(s, ansible_log, at + SECOND, ppid, &task, &webs);
        ansible(s, ansible_log, at + 3 * SECOND, ppid, banner("RUNNING HANDLER [network : netplan apply]"));
        for (i, w) in webs.iter().enumerate() {
            apply(s, w, at + 3 * SECOND + i as i64 * 700);
            ansible(s, ansible_log, at + 6 * SECOND + i as i64 * 700, ppid, format!("changed: [{w}]"));
        }
        let web_names = webs.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|");
        s.herring(ansible_log, "unrelated-change", &format!(r"search domain|PLAY \[web\]|changed: \[({web_names})\]"));
        for w in &webs {
            s.herring(
                journal,
                "unrelated-change",
                &format!(r"{}\S* (sudo|systemd|systemd-networkd)\[", regex::escape(w)),
            );
        }
    }

    // The play that sets the MTU on the database hosts.
    let ppid = s.pid();
    ansible(s, ansible_log, trigger - 2 * SECOND, ppid, banner("PLAY [db]"));
    let task = format!("network : Set mtu 9000 on {iface} in {netplan_file}");
    let cause = ansible_task(s, ansible_log, trigger, ppid, &task, &dbs);
    ansible(s, ansible_log, trigger + 2 * SECOND, ppid, banner("RUNNING HANDLER [network : netplan apply]"));
    for (i, d) in dbs.iter().enumerate() {
        apply(s, d, trigger + 2 * SECOND + i as i64 * 700);
        ansible(s, ansible_log, trigger + 5 * SECOND + i as i64 * 700, ppid, format!("changed: [{d}]"));
    }
    let onset = trigger + 5 * SECOND + s.between(2 * SECOND, 20 * SECOND);
    let broken = move |t: i64| t >= onset;

    // PostgreSQL: chronic auth failures of a monitoring check; after the change, sends to clients
    // of big results time out.
    let db0 = dbs[0].clone();
    s.every(pg, start, end, 1.0, move |rng, t| {
        Some(Rec::new(t, "", "postgres", Level::Fatal, "password authentication failed for user \"nagios\"\nDETAIL:  Connection matched file \"/etc/postgresql/16/main/pg_hba.conf\" line 102: \"host all all 10.0.0.0/8 scram-sha-256\"").pid(rng.range(2000, 60000) as u32).kv("user", "nagios").kv("db", "postgres"))
    });
    s.herring(pg, "chronic", "password authentication failed for user \"nagios\"|Connection matched file");
    s.every(pg, start, end, 6.0, move |rng, t| {
        if !broken(t) || !rng.chance(0.7) {
            return None;
        }
        let pid = rng.range(2000, 60000) as u32;
        let msg = if rng.chance(0.6) {
            "could not send data to client: Connection timed out"
        } else {
            "connection to client lost"
        };
        let level = if msg.starts_with("could") { Level::Info } else { Level::Fatal };
        Some(Rec::new(t, &db0, "postgres", level, msg).pid(pid).kv("user", "app").kv("db", "shop"))
    });
    s.herring(pg, "consequence", "could not send data to client|connection to client lost");

    // The application: small lookups fine, reports (large results) time out after the change.
    let w = webs.clone();
    let share = 0.2 + 0.2 * s.rng.unit();
    s.every(app, start, end, 60.0, move |rng, t| {
        let host = rng.pick(&w).clone();
        let big = rng.chance(share);
        if big && broken(t) {
            return Some(
                Rec::new(t, &host, "app", Level::Error, "report query failed")
                    .kv("report", *rng.pick(&["sales-by-day", "inventory-export", "customer-ledger"]))
                    .kv("error", "read tcp 10.0.4.21:51234->10.0.9.20:5432: i/o timeout")
                    .kv("elapsed", "30.001s"),
            );
        }
        let (msg, ms) =
            if big { ("report rendered", rng.range(300, 2500)) } else { ("item fetched", rng.range(2, 40)) };
        Some(Rec::new(t, &host, "app", Level::Info, msg).kv("elapsed", format!("{ms}ms")))
    });
    s.herring(app, "consequence", "report query failed");
    s.every(access_log, start, end, 120.0, move |rng, t| {
        let big = rng.chance(share);
        let (path, status) = if big {
            (
                format!("/reports/{}.csv", rng.pick(&["sales-by-day", "inventory-export", "customer-ledger"])),
                if broken(t) { 504 } else { 200 },
            )
        } else {
            (format!("/api/items/{}", rng.range(1000, 99999)), 200)
        };
        let mut rec = super::common::access(rng, t, "", "GET", &path, status);
        rec.app = "nginx".into();
        Some(rec)
    });
    s.herring(access_log, "consequence", r#"HTTP/1\.1" 504 "#);

    s.cause(
        cause,
        "network",
        &[r"(?i)mtu 9000", &format!(r"{}\S* sudo\[\d+\]: .*netplan apply", regex::escape(&dbs[0]))],
    );
    s.incident(onset, end);
    s.description = format!(
        "An Ansible play set mtu 9000 on {iface} of the database host(s) {} ({netplan_file}) and ran netplan apply; \
         frames above 1500 bytes were dropped on the way, so report queries (large results) hung for 30 s and \
         failed while small lookups kept working. Red herrings: {}nagios failing to log in to PostgreSQL all along; \
         the 504s and PostgreSQL's 'could not send data to client'.",
        dbs.join(", "),
        if earlier {
            "an earlier play that changed the web hosts' search domain and ran netplan apply there; "
        } else {
            ""
        },
    );
}
