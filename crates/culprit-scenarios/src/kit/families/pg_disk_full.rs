//! A nightly export writes into PostgreSQL's volume until it is full: PostgreSQL fails to extend
//! files ("No space left on device", "wrote only 4096 of 8192 bytes") and writes fail until the
//! export is stopped and space freed. A work_mem change minutes before is unrelated.

use super::common::{edge_traffic, pg_missing_extension, pg_setting_reload, pg_started, request_id, status_regex};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let web = s.hosts("web", 1).remove(0);
    let apps = {
        let n = s.rng.range(1, 3) as usize;
        s.hosts("checkout", n)
    };
    let pg = s.file("postgresql-15-main.log", Fmt::Postgres);
    let app_fmt = s.choose(&[Fmt::PythonJson, Fmt::Logstash, Fmt::Zap]);
    let app = s.file("checkout-api.log", app_fmt);
    let export = s.file("nightly-export.log", Fmt::PythonLogging);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let export_start = trigger - s.between(40 * SECOND, 2 * MINUTE);
    let freed = trigger + s.between(2 * MINUTE, 5 * MINUTE);
    let short_write = s.rng.chance(0.5);
    let rel = s.rng.range(16400, 16900);

    pg_started(s, pg, 20647);
    pg_missing_extension(s, pg);
    let change = (trigger - s.between(3 * MINUTE, 5 * MINUTE)).max(start + 20 * SECOND);
    pg_setting_reload(s, pg, change, "work_mem", "8MB");
    let bid = s.rng.range(1000, 9999);
    s.once(
        export,
        Rec::new(
            export_start,
            "",
            "nightly-export",
            Level::Info,
            format!("starting export batch={bid} target=/var/lib/postgresql/15/main/export"),
        ),
    );
    s.every(export, export_start + SECOND, trigger, 6.0, move |rng, t| {
        Some(Rec::new(
            t,
            "",
            "nightly-export",
            Level::Info,
            format!("wrote chunk {} ({} MB)", rng.range(1, 400), rng.range(200, 512)),
        ))
    });
    s.once(
        export,
        Rec::new(
            freed - 20 * SECOND,
            "",
            "nightly-export",
            Level::Error,
            format!("export batch={bid} aborted by operator"),
        ),
    );

    let msg = |pid: u32| {
        if short_write {
            format!("could not extend file \"base/16384/{rel}\": wrote only 4096 of 8192 bytes at block {}\nHINT:  Check free disk space.", 9000 + pid % 997)
        } else {
            format!(
                "could not extend file \"base/16384/{rel}\": No space left on device\nHINT:  Check free disk space."
            )
        }
    };
    let first_pid = s.pid();
    let cause = s.once(
        pg,
        Rec::new(trigger, "", "postgres", Level::Error, msg(first_pid))
            .pid(first_pid)
            .kv("user", "checkout")
            .kv("db", "shop"),
    );
    s.every(pg, trigger + 1, freed, 30.0, move |rng, t| {
        let pid = rng.range(20000, 60000) as u32;
        Some(Rec::new(t, "", "postgres", Level::Error, msg(pid)).pid(pid).kv("user", "checkout").kv("db", "shop"))
    });
    let onset = trigger + 300;
    for h in apps.clone() {
        s.every(app, start, end, 40.0, move |rng, t| {
            let rec = if t >= onset && t < freed && rng.chance(0.7) {
                Rec::new(t, &h, "checkout-api", Level::Error, "database error")
                    .kv("error", "could not extend file: No space left on device")
            } else {
                Rec::new(t, &h, "checkout-api", Level::Info, "order stored").kv("status", 201)
            };
            Some(rec.kv("request_id", request_id(rng)))
        });
    }
    s.herring(app, "consequence", "database error");
    edge_traffic(s, access_log, &web, 120.0, ("POST", "/api/orders"), 0.4, move |rng, t| {
        if t >= onset && t < freed && rng.chance(0.7) {
            500
        } else {
            201
        }
    });
    let failed = status_regex(s, access_log, "500");
    s.herring(access_log, "consequence", &failed);

    s.cause(
        cause,
        "database",
        &[
            r#"No space left on device|could not extend file "[^"]+": wrote only \d+ of \d+ bytes"#,
            "starting export batch=",
            r"HINT:  Check free disk space\.",
        ],
    );
    s.incident(onset, freed);
    s.description = "A nightly export wrote into PostgreSQL's data volume until it was full: PostgreSQL failed to \
                     extend table files (No space left on device / wrote only 4096 of 8192 bytes, HINT: Check free \
                     disk space) and order writes failed with 500 until the operator aborted the export and freed \
                     space. Red herrings: ALTER SYSTEM work_mem and a reload minutes before (unrelated change); \
                     pg_stat_statements errors (chronic); the server's own start-up at the top of the log."
        .to_string();
}
