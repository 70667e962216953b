//! A DBA lowers MariaDB's max_connections below what the pools hold: `SET GLOBAL
//! max_connections` in the audit log, "Too many connections" two seconds later. A `SET GLOBAL
//! long_query_time` minutes before is unrelated.

use super::common::{edge_traffic, request_id, ssh_scanner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let db = s.hosts("db", 1).remove(0);
    let apps = {
        let n = s.rng.range(1, 3) as usize;
        s.hosts("api", n)
    };
    let edge = s.hosts("web", 1).remove(0);
    let audit = s.file("server_audit.log", Fmt::MariadbAudit);
    let errlog = s.file("mysql-error.log", Fmt::MariadbError);
    let app_fmt = s.choose(&[Fmt::PythonJson, Fmt::PythonLogging]);
    let app = s.file("orders-api.log", app_fmt);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let auth = s.file("auth.log", Fmt::SyslogBsd);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let herring_at = trigger - s.between(2 * MINUTE, 6 * MINUTE).min(trigger - start - 20 * SECOND);
    let onset = trigger + 2 * SECOND;
    let fixed = trigger + s.between(2 * MINUTE, 5 * MINUTE);
    let limit = *s.rng.pick(&[10, 12, 15, 20]);
    let mut conn = 300u32;
    let mut query = 5000u32;

    // Audit: the apps' connections and queries (one connection per request), the DBA's statements.
    let audit_app = apps.clone();
    let dbh = db.clone();
    s.every(audit, start, end, 60.0, move |rng, t| {
        let c = rng.range(1000, 90000);
        let client = format!("10.0.2.{}", 10 + rng.below(audit_app.len() as u64));
        let failed = t >= onset && t < fixed && rng.chance(0.9);
        let rec = Rec::new(
            t,
            &dbh,
            "audit",
            Level::Info,
            if failed { String::new() } else { "SELECT id, status FROM orders WHERE customer_id = ?".to_string() },
        )
        .kv("user", "orders")
        .kv("client", client)
        .kv("conn", c)
        .kv("query_id", if failed { 0 } else { rng.range(100000, 999999) })
        .kv("op", if failed { "FAILED_CONNECT" } else { "QUERY" })
        .kv("db", if failed { "-" } else { "orders" })
        .kv("code", if failed { 1040 } else { 0 });
        Some(rec)
    });
    let mut dba = |s: &mut Scene, t, stmt: &str| {
        conn += 1;
        query += 3;
        let rec = Rec::new(t, &db, "audit", Level::Info, stmt)
            .kv("user", "root")
            .kv("client", "localhost")
            .kv("conn", conn)
            .kv("query_id", query)
            .kv("op", "QUERY")
            .kv("db", "-")
            .kv("code", 0);
        s.once(audit, rec)
    };
    dba(s, herring_at, "SET GLOBAL long_query_time = 0.5");
    dba(s, herring_at + SECOND, "SET GLOBAL slow_query_log = ON");
    let cause = dba(s, trigger, &format!("SET GLOBAL max_connections = {limit}"));
    dba(s, fixed, "SET GLOBAL max_connections = 500");
    s.herring(audit, "unrelated-change", "SET GLOBAL (long_query_time|slow_query_log)");

    // Error log: the exporter's stale password and the load balancer's TCP checks, all the time.
    s.every(errlog, start, end, 4.0, |rng, t| {
        let thread = rng.range(100, 9000);
        let rec = if rng.chance(0.5) {
            Rec::new(t, "", "mariadbd", Level::Warn, "Access denied for user 'exporter'@'10.0.9.7' (using password: YES)")
        } else {
            Rec::new(t, "", "mariadbd", Level::Warn, format!("Aborted connection {thread} to db: 'unconnected' user: 'unauthenticated' host: '10.0.0.5' (This connection closed normally without authentication)"))
        };
        Some(rec.kv("thread", thread))
    });
    s.herring(errlog, "chronic", r"Access denied for user 'exporter'");
    s.herring(errlog, "chronic", r"\(This connection closed normally without authentication\)");

    for h in apps.clone() {
        s.every(app, start, end, 40.0, move |rng, t| {
            let rec = if t >= onset && t < fixed && rng.chance(0.9) {
                Rec::new(t, &h, "orders-api", Level::Error, "database error")
                    .kv("error", "ERROR 1040 (08004): Too many connections")
            } else {
                Rec::new(t, &h, "orders-api", Level::Info, "request").kv("path", "/api/orders").kv("status", 200)
            };
            Some(rec.kv("request_id", request_id(rng)))
        });
    }
    s.herring(app, "consequence", r"ERROR 1040 \(08004\): Too many connections");
    edge_traffic(s, access_log, &edge, 120.0, ("GET", "/api/orders"), 0.5, move |rng, t| {
        if t >= onset && t < fixed && rng.chance(0.9) {
            503
        } else {
            200
        }
    });
    s.herring(access_log, "consequence", r#"" 503 \d+ ""#);
    ssh_scanner(s, auth, &[edge, db], 6.0);

    s.cause(cause, "database", &[&format!(r"SET GLOBAL max_connections = {limit}'"), "Too many connections"]);
    s.incident(onset, fixed);
    s.description = format!(
        "A DBA ran 'SET GLOBAL max_connections = {limit}' (server_audit.log) while the pools already held more; \
         two seconds later every new connection failed (audit FAILED_CONNECT 1040, orders-api 'ERROR 1040 \
         (08004): Too many connections', 503 at the edge) until max_connections was raised again. Red herrings: \
         'SET GLOBAL long_query_time' minutes before (unrelated change); the exporter's stale password and the \
         load balancer's unauthenticated checks (chronic); an ssh scanner; probe 404s."
    );
}
