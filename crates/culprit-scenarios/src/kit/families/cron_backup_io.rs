//! A nightly backup job starts from cron on the database host (`CRON[pid]: (root) CMD
//! (/usr/local/bin/backup.sh)`) and saturates the disk: PostgreSQL's queries slow down, its
//! checkpoints take tens of seconds to sync, the kernel may report a blocked task, and the
//! application times out. No configuration change is the cause: the scheduled job is. Red
//! herrings: the other cron jobs that run every few minutes, a chronic PostgreSQL complaint, and
//! the application's timeouts that outnumber the one cron line.

use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

/// (user, command, period in minutes, offset in minutes): jobs of a stock Debian/Ubuntu database host.
const CHRONIC_JOBS: [(&str, &str, i64, i64); 4] = [
    ("root", "command -v debian-sa1 > /dev/null && debian-sa1 1 1", 10, 5),
    ("postgres", "/usr/local/bin/pg_stat_snapshot.sh >/dev/null 2>&1", 5, 0),
    ("root", "   cd / && run-parts --report /etc/cron.hourly", 60, 17),
    ("www-data", "php -f /var/www/status/cron.php", 2, 1),
];

pub fn build(s: &mut Scene) {
    let db = s.hosts("db", 1).remove(0);
    let app_hosts = {
        let n = s.rng.range(2, 3) as usize;
        s.hosts("app", n)
    };
    let sys_fmt = match s.rng.below(3) {
        0 => Fmt::SyslogBsd,
        1 => Fmt::SyslogRfc3339,
        _ => Fmt::JournalShortIso,
    };
    let syslog = s.file("syslog", sys_fmt);
    let pg = s.file("postgresql-16-main.log", Fmt::Postgres);
    let python = s.rng.chance(0.5);
    let app = if python { s.file("api.log", Fmt::PythonLogging) } else { s.file("api.log", Fmt::Pino) };
    let (start, end) = (s.start, s.end);
    // cron starts jobs on the minute.
    let trigger = s.trigger - s.trigger.rem_euclid(MINUTE);
    let saturated = trigger + s.between(10 * SECOND, 40 * SECOND);
    let backup_len = s.between(5 * MINUTE, 14 * MINUTE);
    let done = trigger + backup_len;

    // The chronic cron jobs (some of them per seed), each with pam's session lines.
    let mut any_job = false;
    for &(user, cmd, period, offset) in &CHRONIC_JOBS {
        if !s.rng.chance(0.7) && any_job {
            continue;
        }
        any_job = true;
        let mut t = start - start.rem_euclid(period * MINUTE) + offset * MINUTE;
        while t < end {
            if t >= start && t != trigger {
                let pid = s.pid();
                let uid = match user {
                    "root" => 0,
                    "postgres" => 114,
                    _ => 33,
                };
                let at = t + s.between(0, 900);
                s.once(
                    syslog,
                    Rec::new(
                        at,
                        &db,
                        "CRON",
                        Level::Info,
                        format!("pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)"),
                    )
                    .pid(pid),
                );
                s.once(
                    syslog,
                    Rec::new(at + 2, &db, "CRON", Level::Info, format!("({user}) CMD ({cmd})")).pid(pid + 1),
                );
                let closed = at + s.between(200, 4000);
                s.once(
                    syslog,
                    Rec::new(
                        closed,
                        &db,
                        "CRON",
                        Level::Info,
                        format!("pam_unix(cron:session): session closed for user {user}"),
                    )
                    .pid(pid),
                );
            }
            t += period * MINUTE;
        }
    }
    s.herring(syslog, "chronic", r"CRON\[\d+\]: \((root|postgres|www-data)\) CMD \((command -v debian-sa1|/usr/local/bin/pg_stat_snapshot|   cd / && run-parts|php -f)");

    // The backup.
    let bpid = s.pid();
    s.once(
        syslog,
        Rec::new(
            trigger + 3,
            &db,
            "CRON",
            Level::Info,
            "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        )
        .pid(bpid),
    );
    let cause = s.once(
        syslog,
        Rec::new(trigger + 5, &db, "CRON", Level::Info, "(root) CMD (/usr/local/bin/backup.sh)").pid(bpid + 1),
    );
    s.once(
        syslog,
        Rec::new(done, &db, "CRON", Level::Info, "pam_unix(cron:session): session closed for user root").pid(bpid),
    );
    if s.rng.chance(0.6) {
        let kpid = s.between(2000, 40_000);
        let blocked = saturated + 2 * MINUTE + s.between(0, 30 * SECOND);
        if blocked < done {
            for (i, line) in [
                format!("INFO: task postgres:{kpid} blocked for more than 120 seconds."),
                "      Not tainted 6.8.0-49-generic #49-Ubuntu".to_string(),
                "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.".to_string(),
            ]
            .into_iter()
            .enumerate()
            {
                s.once(syslog, Rec::new(blocked + i as i64, &db, "kernel", Level::Error, line));
            }
        }
    }
    let slow = move |t: i64| t >= saturated && t < done + 20 * SECOND;

    // PostgreSQL: a chronic client complaint, checkpoints, slow statements and cancelled ones.
    s.every(pg, start, end, 1.5, move |rng, t| {
        Some(
            Rec::new(t, "", "postgres", Level::Info, "could not receive data from client: Connection reset by peer")
                .pid(rng.range(3000, 60000) as u32)
                .kv("user", "api")
                .kv("db", "shop"),
        )
    });
    s.herring(pg, "chronic", "could not receive data from client: Connection reset by peer");
    // A harmless configuration reload minutes before the backup.
    let reloaded = s.rng.chance(0.6);
    if reloaded {
        let at = trigger - s.between(MINUTE, 6 * MINUTE);
        let pm = s.pid();
        s.once(pg, Rec::new(at, "", "postgres", Level::Info, "received SIGHUP, reloading configuration files").pid(pm));
        let changed = format!("parameter \"work_mem\" changed to \"{}MB\"", s.rng.pick(&[16, 32, 64]));
        s.once(pg, Rec::new(at + 2, "", "postgres", Level::Info, changed).pid(pm));
        s.herring(pg, "unrelated-change", r#"received SIGHUP|parameter "work_mem" changed"#);
    }
    let cpid = s.pid();
    let mut t = start + s.between(0, 5 * MINUTE);
    while t < end {
        let (write, sync) = if slow(t) {
            (s.rng.range(120_000, 270_000), s.rng.range(15_000, 60_000))
        } else {
            (s.rng.range(20_000, 27_000), s.rng.range(1, 40))
        };
        let buffers = s.rng.range(200, 6000);
        s.once(pg, Rec::new(t, "", "postgres", Level::Info, "checkpoint starting: time").pid(cpid));
        let fin = t + write + sync;
        let (recycled, files, lsn, redo) =
            (s.rng.range(0, 4), s.rng.range(5, 60), s.rng.below(0xFFFFFF), s.rng.below(0xFFFFFF));
        s.once(pg, Rec::new(fin, "", "postgres", Level::Info, format!(
            "checkpoint complete: wrote {buffers} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, {} recycled; write={:.3} s, sync={:.3} s, total={:.3} s; sync files={}, longest={:.3} s, average={:.3} s; distance={} kB, estimate={} kB; lsn=1A/3C{:06X}, redo lsn=1A/3B{:06X}",
            buffers as f64 / 163.84, recycled, write as f64 / 1000.0, sync as f64 / 1000.0, (write + sync) as f64 / 1000.0,
            files, sync as f64 / 3000.0, sync as f64 / 30000.0, buffers * 8, buffers * 9, lsn, redo
        )).pid(cpid));
        t += 5 * MINUTE;
    }
    const QUERIES: [&str; 3] = [
        "SELECT o.id, o.status, o.total FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at DESC LIMIT 20",
        "UPDATE carts SET updated_at = now(), items = $1 WHERE id = $2",
        "INSERT INTO events (kind, payload, created_at) VALUES ($1, $2, now())",
    ];
    s.every(pg, start, end, 40.0, move |rng, t| {
        let pid = rng.range(3000, 60000) as u32;
        let q = *rng.pick(&QUERIES);
        if slow(t) {
            if rng.chance(0.3) {
                return Some(
                    Rec::new(
                        t,
                        "",
                        "postgres",
                        Level::Error,
                        format!("canceling statement due to statement timeout\nSTATEMENT:  {q}"),
                    )
                    .pid(pid)
                    .kv("user", "api")
                    .kv("db", "shop"),
                );
            }
            let ms = rng.range(1_200, 9_000) as f64 + rng.below(1000) as f64 / 1000.0;
            return Some(
                Rec::new(t, "", "postgres", Level::Info, format!("duration: {ms:.3} ms  statement: {q}"))
                    .pid(pid)
                    .kv("user", "api")
                    .kv("db", "shop"),
            );
        }
        if rng.chance(0.01) {
            let ms = rng.range(1_000, 1_400) as f64 + rng.below(1000) as f64 / 1000.0;
            return Some(
                Rec::new(t, "", "postgres", Level::Info, format!("duration: {ms:.3} ms  statement: {}", QUERIES[0]))
                    .pid(pid)
                    .kv("user", "api")
                    .kv("db", "shop"),
            );
        }
        None
    });
    s.herring(pg, "consequence", "canceling statement due to statement timeout|duration: \\d+");

    // The application: requests served, then database timeouts while the disk is saturated.
    let hosts = app_hosts.clone();
    s.every(app, start, end, 90.0, move |rng, t| {
        let h = rng.pick(&hosts).clone();
        let route = *rng.pick(&["/api/orders", "/api/cart", "/api/events"]);
        let failing = slow(t) && rng.chance(0.35);
        let rec = match (python, failing) {
            (true, true) => Rec::new(t, &h, "api.db", Level::Error, format!("{route} failed: sqlalchemy.exc.OperationalError: (psycopg2.errors.QueryCanceled) canceling statement due to statement timeout")),
            (true, false) => Rec::new(t, &h, "api.access", Level::Info, format!("GET {route} 200 {}ms", rng.range(5, 120))),
            (false, true) => Rec::new(t, &h, "api", Level::Error, "request failed").kv("route", route).kv("err", "Query read timeout").kv("code", "ETIMEDOUT"),
            (false, false) => Rec::new(t, &h, "api", Level::Info, "request completed").kv("route", route).kv("statusCode", 200).kv("responseTime", rng.range(5, 120)),
        };
        Some(rec.pid(4242))
    });
    s.herring(app, "consequence", "statement timeout|Query read timeout");

    s.cause(cause, "system", &[r"CMD \(/usr/local/bin/backup\.sh\)"]);
    s.incident(saturated, (done + 20 * SECOND).min(end));
    s.description = format!(
        "cron started /usr/local/bin/backup.sh on {db} (syslog); it saturated the disk for {:.1} minutes: PostgreSQL's \
         statements took seconds or were cancelled, checkpoints took long to sync, and the API on {} timed out. No \
         change caused it. Red herrings: {}the other cron jobs every few minutes; 'Connection reset by \
         peer' from PostgreSQL all along; the API's timeouts.",
        backup_len as f64 / 60_000.0,
        app_hosts.join(", "),
        if reloaded { "a PostgreSQL reload changing work_mem minutes before; " } else { "" },
    );
}
