//! Vault rotates a static database role's password; the service that cached the old password
//! fails every new login until it reloads its credentials (a reaction, a consequence herring).
//! PostgreSQL's chronic password failures of a dashboard user look the same but are old.

use super::common::{edge_traffic, request_id};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let svc = *s.rng.pick(&["billing", "orders", "ledger"]);
    let role = format!("{svc}_app");
    let hosts = {
        let n = s.rng.range(2, 3) as usize;
        s.hosts(svc, n)
    };
    let edge = s.hosts("lb", 1).remove(0);
    let vault = s.file("vault-audit.log", Fmt::VaultAudit);
    let app_fmt = s.choose(&[Fmt::Pino, Fmt::Docker(Box::new(Fmt::Pino))]);
    let app = s.file(&format!("{svc}.log"), app_fmt);
    let pg = s.file("postgresql.log", Fmt::Postgres);
    let access_log = s.file("access.log", Fmt::NginxAccess);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let onset = trigger + s.between(SECOND, 8 * SECOND);
    let reload = onset + s.between(90 * SECOND, 4 * MINUTE);

    // Vault: routine reads by every service, then the rotation.
    let vh = hosts.clone();
    s.every(vault, start, end, 6.0, move |rng, t| {
        let who = rng.pick(&["search", "catalog", "notifier"]).to_string();
        Some(
            Rec::new(t, "", "vault", Level::Info, format!("database/static-creds/{who}_app"))
                .kv("actor", format!("kubernetes-shop-{who}"))
                .kv("request_id", rng.hex_string(32))
                .kv("operation", "read")
                .kv("remote", format!("10.0.4.{}", 10 + vh.len())),
        )
    });
    let rotation_id = s.rng.hex_string(32);
    let cause = s.once(
        vault,
        Rec::new(trigger, "", "vault", Level::Info, format!("database/rotate-role/{role}"))
            .kv("actor", "approle-secrets-rotator")
            .kv("request_id", rotation_id)
            .kv("operation", "update")
            .kv("remote", "10.0.9.4"),
    );

    // The service: queries fine; new connections fail with the old password; then it reloads.
    for h in hosts.clone() {
        let pid = s.pid();
        let reload_at = reload + s.between(0, 20 * SECOND);
        let (host, user) = (h.clone(), role.clone());
        s.every(app, start, end, 30.0, move |rng, t| {
            let rec = if t >= onset && t < reload_at && rng.chance(0.85) {
                Rec::new(
                    t,
                    &host,
                    svc,
                    Level::Error,
                    format!("error: password authentication failed for user \"{user}\""),
                )
                .kv("code", "28P01")
            } else {
                Rec::new(t, &host, svc, Level::Info, "request completed")
                    .kv("statusCode", 200)
                    .kv("responseTime", rng.range(5, 120))
            };
            Some(rec.pid(pid).kv("reqId", request_id(rng)))
        });
        s.once(
            app,
            Rec::new(
                reload_at,
                &h,
                svc,
                Level::Warn,
                format!("reloading database credentials from vault (database/static-creds/{role})"),
            )
            .pid(pid),
        );
        s.once(
            app,
            Rec::new(reload_at + 400, &h, svc, Level::Info, "database pool recreated with new credentials").pid(pid),
        );
    }
    s.herring(app, "consequence", "reloading database credentials from vault");
    s.herring(app, "consequence", "password authentication failed");

    // PostgreSQL: the rejected logins, and a dashboard's stale password all day long.
    let db_role = role.clone();
    s.every(pg, onset, reload + 20 * SECOND, 40.0, move |rng, t| {
        Some(Rec::new(t, "", "postgres", Level::Fatal, format!("password authentication failed for user \"{db_role}\"\nDETAIL:  Connection matched pg_hba.conf line 99: \"host all all 10.0.0.0/8 scram-sha-256\"")).pid(rng.range(20000, 60000) as u32).kv("user", db_role.clone()).kv("db", svc))
    });
    s.every(pg, start, end, 3.0, |rng, t| {
        Some(Rec::new(t, "", "postgres", Level::Fatal, "password authentication failed for user \"grafana\"\nDETAIL:  Connection matched pg_hba.conf line 99: \"host all all 10.0.0.0/8 scram-sha-256\"").pid(rng.range(20000, 60000) as u32).kv("user", "grafana").kv("db", "metrics"))
    });
    s.every(pg, start, end, 2.0, |rng, t| {
        Some(
            Rec::new(
                t,
                "",
                "postgres",
                Level::Info,
                format!(
                    "checkpoint complete: wrote {} buffers ({}.{}%); 0 WAL file(s) added, 0 removed, 1 recycled",
                    rng.range(20, 900),
                    rng.range(0, 5),
                    rng.range(0, 9)
                ),
            )
            .pid(61),
        )
    });
    s.herring(pg, "chronic", r#"password authentication failed for user "grafana""#);
    edge_traffic(s, access_log, &edge, 90.0, ("POST", "/api/invoices"), 0.3, move |rng, t| {
        if t >= onset && t < reload && rng.chance(0.85) {
            500
        } else {
            200
        }
    });
    s.herring(access_log, "consequence", r#"" 500 \d+ ""#);

    s.cause(cause, "auth", &[&format!("database/rotate-role/{role}")]);
    s.incident(onset, reload);
    s.description = format!(
        "Vault rotated the password of the static database role {role} (vault-audit.log, database/rotate-role). \
         {svc} ({}) kept the old password: new connections failed with 'password authentication failed' \
         (also in postgresql.log) and the API answered 500 until each instance reloaded its credentials from \
         Vault. Red herrings: the reload (a reaction, consequence); a dashboard's stale password failing all day \
         (chronic); probe 404s.",
        hosts.join(", ")
    );
}
