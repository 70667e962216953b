//! An Ansible play reloads sshd everywhere (harmless) and, on the database hosts only, adds a
//! firewall rule that drops the app subnet on 5432; the app hosts' database connections then
//! time out. PostgreSQL's steady password failures of a reporting user are chronic.

use super::common::{edge_traffic, request_id, status_regex};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let apps = {
        let n = s.rng.range(2, 4) as usize;
        s.hosts("app", n)
    };
    let dbs = {
        let n = s.rng.range(1, 2) as usize;
        s.hosts("db", n)
    };
    let edge = s.hosts("lb", 1).remove(0);
    let subnet = s.rng.range(2, 9);
    let python = s.rng.chance(0.5);
    let ansible = s.file("ansible.log", Fmt::Ansible);
    let app_log = s.file("orders.log", if python { Fmt::PythonJson } else { Fmt::Logfmt });
    let pg = s.file("postgresql-15-main.log", Fmt::Postgres);
    let syslog_fmt = s.choose(&[Fmt::SyslogBsd, Fmt::SyslogRfc3339]);
    let syslog = s.file("syslog", syslog_fmt);
    let access_fmt = s.choose(&[Fmt::NginxAccess, Fmt::HaproxyHttp]);
    let access_log = s.file("access.log", access_fmt);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let play = trigger - s.between(25 * SECOND, 50 * SECOND);
    let sshd_task = play + 4 * SECOND;
    let onset = trigger + s.between(3 * SECOND, 12 * SECOND);
    let fixed = trigger + s.between(4 * MINUTE, 7 * MINUTE);
    let apid = s.pid();
    let all: Vec<String> = apps.iter().chain(&dbs).cloned().collect();

    // The play, as Ansible's log_path writes it.
    let line = |s: &mut Scene, t, msg: String| s.once(ansible, Rec::new(t, "", "ansible", Level::Info, msg).pid(apid));
    line(s, play, "PLAY [baseline hardening] *******************************************************".into());
    line(s, play + SECOND, "TASK [Gathering Facts] *********************************************************".into());
    for h in &all {
        line(s, play + 3 * SECOND, format!("ok: [{h}]"));
    }
    line(s, sshd_task, "TASK [sshd : reload sshd] ******************************************************".into());
    for (i, h) in all.iter().enumerate() {
        let t = sshd_task + 1500 + i as i64 * 300;
        line(s, t, format!("changed: [{h}]"));
        let pid = s.pid();
        s.once(syslog, Rec::new(t - 200, h, "sshd", Level::Info, "Received SIGHUP; restarting.").pid(pid));
        s.once(syslog, Rec::new(t - 150, h, "sshd", Level::Info, "Server listening on 0.0.0.0 port 22.").pid(pid));
    }
    let rule = format!("(item={{'chain': 'INPUT', 'protocol': 'tcp', 'destination_port': '5432', 'source': '10.0.{subnet}.0/24', 'jump': 'DROP'}})");
    let cause = line(
        s,
        trigger - 2 * SECOND,
        "TASK [firewall : restrict postgres to the replication subnet] *****************".into(),
    );
    for (i, h) in all.iter().enumerate() {
        let t = trigger + i as i64 * 400;
        if dbs.contains(h) {
            line(s, t, format!("changed: [{h}] => {rule}"));
        } else {
            line(s, t, format!("skipping: [{h}]"));
        }
    }
    line(
        s,
        trigger + 5 * SECOND,
        "PLAY RECAP *********************************************************************".into(),
    );
    for h in &all {
        let changed = if dbs.contains(h) { 2 } else { 1 };
        line(
            s,
            trigger + 5 * SECOND,
            format!(
                "{h:<26} : ok={} changed={changed} unreachable=0 failed=0 skipped={} rescued=0 ignored=0",
                2 + changed,
                2 - changed
            ),
        );
    }
    // The rollback, by hand, on the database hosts.
    for h in &dbs {
        let pid = s.pid();
        s.once(syslog, Rec::new(fixed, h, "sudo", Level::Notice, format!("  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/iptables -D INPUT -s 10.0.{subnet}.0/24 -p tcp --dport 5432 -j DROP")).pid(pid));
    }

    // The apps: requests that need the database; connection timeouts while the rule is in place.
    let db0 = dbs[0].clone();
    for host in apps.clone() {
        let db = db0.clone();
        let pid = s.pid();
        s.every(app_log, start, end, 30.0, move |rng, t| {
            let broken = t >= onset && t < fixed;
            let rec = if broken {
                let msg = if python {
                    format!("connection to server at \"{db}\" (10.0.1.{}), port 5432 failed: Connection timed out\n\tIs the server running on that host and accepting TCP/IP connections?", 10 + db.len())
                } else {
                    format!("failed to connect to `host={db} user=orders database=orders`: dial error (dial tcp 10.0.1.{}:5432: i/o timeout)", 10 + db.len())
                };
                let first = msg.lines().next().unwrap_or_default().to_string();
                Rec::new(t, &host, "orders", Level::Error, first).kv("request_id", request_id(rng))
            } else {
                Rec::new(t, &host, "orders", Level::Info, "order created").kv("request_id", request_id(rng)).kv("duration_ms", rng.range(8, 90))
            };
            Some(rec.pid(pid).kv("host", host.clone()))
        });
    }
    edge_traffic(s, access_log, &edge, 120.0, ("POST", "/api/orders"), 0.35, move |rng, t| {
        if t >= onset && t < fixed && rng.chance(0.9) {
            504
        } else {
            201
        }
    });
    let failed = status_regex(s, access_log, "504");
    s.herring(access_log, "consequence", &failed);

    // PostgreSQL: the app's sessions (log_connections) until the rule, chronic reporting failures throughout.
    let nets = subnet;
    s.every(pg, start, end, 20.0, move |rng, t| {
        if t >= trigger && t < fixed {
            return None;
        }
        let pid = rng.range(20000, 60000) as u32;
        Some(
            Rec::new(
                t,
                "",
                "postgres",
                Level::Info,
                format!(
                    "connection authorized: user=orders database=orders application_name=orders host=10.0.{nets}.{}",
                    rng.range(10, 60)
                ),
            )
            .pid(pid)
            .kv("user", "orders")
            .kv("db", "orders"),
        )
    });
    s.every(pg, start, end, 4.0, |rng, t| {
        let pid = rng.range(20000, 60000) as u32;
        Some(Rec::new(t, "", "postgres", Level::Fatal, "password authentication failed for user \"reporting\"\nDETAIL:  Connection matched pg_hba.conf line 104: \"host all all 10.0.0.0/8 scram-sha-256\"").pid(pid).kv("user", "reporting").kv("db", "analytics"))
    });
    s.herring(pg, "chronic", r#"password authentication failed for user "reporting""#);
    s.herring(ansible, "unrelated-change", r"TASK \[sshd : reload sshd\]");
    s.herring(syslog, "unrelated-change", r"sshd\[\d+\]: Received SIGHUP; restarting\.");
    s.herring(app_log, "consequence", "(Connection timed out|i/o timeout)");

    s.cause(cause, "network", &[r"TASK \[firewall : ", r"changed: \[[^\]]+\] => \(item=.*'destination_port': '5432'"]);
    s.incident(onset, fixed);
    s.description = format!(
        "An Ansible play (ansible.log) reloaded sshd on every host (harmless) and then, on the database host(s) \
         {} only, added an iptables rule dropping the app subnet 10.0.{subnet}.0/24 on 5432. The app hosts' \
         database connections then timed out (orders.log) and the edge answered 504 until the rule was deleted \
         by hand. Red herrings: the sshd reload (task and SIGHUP lines); PostgreSQL's steady password failures \
         of the 'reporting' user; scanner 404s.",
        dbs.join(", ")
    );
}
