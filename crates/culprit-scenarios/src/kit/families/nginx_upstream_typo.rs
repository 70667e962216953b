//! An operator edits an nginx upstream to a mistyped port and reloads: every proxied request is
//! refused (502) until the port is fixed and nginx reloaded again. A PostgreSQL setting change
//! minutes before is unrelated; the app itself is healthy (it just stops getting requests).

use super::common::{
    edge_traffic, nginx_reload, pg_missing_extension, pg_setting_reload, request_id, ssh_scanner, status_regex,
};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let web = s.hosts("web", 1).remove(0);
    let app_host = s.hosts("app", 1).remove(0);
    let nginx_err = s.file("error.log", Fmt::NginxError);
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let app_fmt = s.choose(&[Fmt::Logfmt, Fmt::PythonJson, Fmt::Klog]);
    let app = s.file("account-api.log", app_fmt);
    let pg = s.file("postgresql-15-main.log", Fmt::Postgres);
    let syslog_fmt = s.choose(&[Fmt::SyslogBsd, Fmt::SyslogRfc3339]);
    let auth = s.file("auth.log", syslog_fmt);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let fixed = trigger + s.between(2 * MINUTE, 4 * MINUTE);
    let port = s.rng.range(8000, 8099);
    let typo = (port % 10) * 10 + (port / 10) % 10 + (port / 100) * 100;
    let typo = if typo == port { port + 1 } else { typo };
    let npid = s.pid();
    let onset = trigger + 400;

    let sudo = s.pid();
    s.once(
        auth,
        Rec::new(
            trigger - 600,
            &web,
            "sudo",
            Level::Notice,
            "     ops : TTY=pts/1 ; PWD=/etc/nginx ; USER=root ; COMMAND=/usr/sbin/nginx -s reload",
        )
        .pid(sudo),
    );
    let cause = nginx_reload(s, nginx_err, trigger, npid);
    s.once(
        auth,
        Rec::new(
            fixed - 600,
            &web,
            "sudo",
            Level::Notice,
            "     ops : TTY=pts/1 ; PWD=/etc/nginx ; USER=root ; COMMAND=/usr/sbin/nginx -s reload",
        )
        .pid(sudo + 40),
    );
    nginx_reload(s, nginx_err, fixed, npid);
    s.every(nginx_err, onset, fixed, 50.0, move |rng, t| {
        Some(Rec::new(t, "", "nginx", Level::Error, format!("connect() failed (111: Connection refused) while connecting to upstream, client: 81.{}.{}.{}, server: shop.example.com, request: \"GET /api/account HTTP/1.1\", upstream: \"http://127.0.0.1:{typo}/api/account\", host: \"shop.example.com\"", rng.range(1, 254), rng.range(1, 254), rng.range(1, 254))).pid(npid).kv("conn", rng.range(10000, 99999)))
    });
    s.herring(nginx_err, "consequence", r"connect\(\) failed \(111: Connection refused\)");
    edge_traffic(s, access_log, &web, 120.0, ("GET", "/api/account"), 0.5, move |_, t| {
        if t >= onset && t < fixed {
            502
        } else {
            200
        }
    });
    let failed = status_regex(s, access_log, "502");
    s.herring(access_log, "consequence", &failed);

    let ah = app_host.clone();
    s.every(app, start, end, 50.0, move |rng, t| {
        if t >= onset && t < fixed {
            return None;
        }
        Some(
            Rec::new(t, &ah, "account-api", Level::Info, "request served")
                .pid(4242)
                .kv("path", "/api/account")
                .kv("status", 200)
                .kv("request_id", request_id(rng)),
        )
    });
    pg_missing_extension(s, pg);
    let change = (trigger - s.between(2 * MINUTE, 4 * MINUTE)).max(start + 20 * SECOND);
    pg_setting_reload(s, pg, change, "log_min_duration_statement", "250");
    ssh_scanner(s, auth, &[web, app_host], 6.0);

    s.cause(
        cause,
        "web",
        &[
            r"\[notice\] \d+#\d+: signal process started",
            r"signal 1 \(SIGHUP\) received from \d+, reconfiguring",
            r"\[notice\] \d+#\d+: reconfiguring",
            r"COMMAND=/usr/sbin/nginx -s reload",
        ],
    );
    s.incident(onset, fixed);
    s.description = format!(
        "An operator changed the nginx upstream of account-api from port {port} to {typo} (two digits swapped) and \
         reloaded nginx: every proxied request failed with 'connect() failed (111: Connection refused)' and 502 \
         until the port was fixed and nginx reloaded again. The app was healthy and simply got no requests. Red \
         herrings: ALTER SYSTEM log_min_duration_statement and a PostgreSQL reload minutes before (unrelated \
         change); pg_stat_statements errors, probe 404s and an ssh scanner (chronic)."
    );
}
