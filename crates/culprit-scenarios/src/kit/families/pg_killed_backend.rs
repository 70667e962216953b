//! A DBA kills a runaway PostgreSQL backend with SIGKILL while restart_after_crash is off:
//! the postmaster terminates every session and shuts down, and nothing restarts it until the DBA
//! does. The start-up lines minutes before and an unrelated nginx reload are red herrings.

use super::common::{edge_traffic, nginx_reload, pg_missing_extension, pg_started, request_id, status_regex};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let web = s.hosts("web", 1).remove(0);
    let apps = {
        let n = s.rng.range(1, 2) as usize;
        s.hosts("app", n)
    };
    let pg = s.file("postgresql-15-main.log", Fmt::Postgres);
    let app_fmt = s.choose(&[Fmt::Logfmt, Fmt::Pino, Fmt::PythonLogging]);
    let app = s.file("login-api.log", app_fmt);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let nginx_err = s.file("error.log", Fmt::NginxError);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let restarted = trigger + s.between(2 * MINUTE, 5 * MINUTE);
    let onset = trigger + 200;
    let postmaster = s.pid();
    let victim = s.pid();
    let npid = s.pid();

    pg_started(s, pg, postmaster);
    pg_missing_extension(s, pg);
    s.every(pg, start, trigger, 1.0, |rng, t| {
        Some(
            Rec::new(
                t,
                "",
                "postgres",
                Level::Info,
                format!(
                    "checkpoint complete: wrote {} buffers (0.{}%); 0 WAL file(s) added, 0 removed, 0 recycled",
                    rng.range(10, 400),
                    rng.range(1, 9)
                ),
            )
            .pid(62),
        )
    });
    let cause = s.once(pg, Rec::new(trigger, "", "postgres", Level::Info, format!("server process (PID {victim}) was terminated by signal 9: Killed\nDETAIL:  Failed process was running: SELECT a.plan, o.total FROM accounts a, orders o WHERE a.region = $1")).pid(postmaster));
    for (i, m) in [
        "terminating any other active server processes",
        "shutting down because restart_after_crash is off",
        "database system is shut down",
    ]
    .into_iter()
    .enumerate()
    {
        s.once(pg, Rec::new(trigger + 5 + i as i64 * 40, "", "postgres", Level::Info, m).pid(postmaster));
    }
    let back = s.pid();
    for (i, m) in [
        "starting PostgreSQL 15.10 (Debian 15.10-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
        "database system was interrupted; last known up at 2026-11-02 00:00:00 UTC",
        "database system was not properly shut down; automatic recovery in progress",
        "redo done at 0/1F3A2B8 system usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: 0.01 s",
        "database system is ready to accept connections",
    ]
    .into_iter()
    .enumerate()
    {
        s.once(pg, Rec::new(restarted + i as i64 * 200, "", "postgres", Level::Info, m).pid(back));
    }
    s.herring(
        pg,
        "consequence",
        "terminating any other active server processes|shutting down because restart_after_crash is off",
    );

    for h in apps.clone() {
        s.every(app, start, end, 40.0, move |rng, t| {
            let rec = if t >= onset && t < restarted + SECOND {
                Rec::new(t, &h, "login-api", Level::Error, "database error")
                    .kv("error", "connection to server at \"10.0.5.20\", port 5432 failed: Connection refused")
            } else {
                Rec::new(t, &h, "login-api", Level::Info, "login ok").kv("status", 200)
            };
            Some(rec.kv("request_id", request_id(rng)))
        });
    }
    s.herring(app, "consequence", "Connection refused");
    edge_traffic(s, access_log, &web, 120.0, ("POST", "/api/login"), 0.4, move |_, t| {
        if t >= onset && t < restarted {
            503
        } else {
            200
        }
    });
    let failed = status_regex(s, access_log, "503");
    s.herring(access_log, "consequence", &failed);
    let reload_at = trigger - s.between(2 * MINUTE, 4 * MINUTE).min(trigger - start - 20 * SECOND);
    nginx_reload(s, nginx_err, reload_at, npid);
    s.herring(nginx_err, "unrelated-change", r"signal process started|reconfiguring");

    s.cause(
        cause,
        "database",
        &[
            r"server process \(PID \d+\) was terminated by signal 9: Killed",
            r"Failed process was running: SELECT a\.plan",
        ],
    );
    s.incident(onset, restarted);
    s.description = "A DBA killed a runaway report query's PostgreSQL backend with kill -9 while restart_after_crash \
                     was off: the postmaster terminated every session and shut down, every login failed (connection \
                     refused, 503) until the DBA started PostgreSQL again (crash recovery). The server's own start-up \
                     at the top of the log is old. Red herrings: an nginx reload minutes before (unrelated change); \
                     pg_stat_statements errors (chronic); the shutdown lines and app errors (consequences)."
        .to_string();
}
