//! A normal stretch of a small stack: routine changes (a package upgrade, an nginx reload, a
//! PostgreSQL setting) and loud chronic errors, but no incident.

use super::common::{edge_traffic, request_id, ssh_scanner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let web = s.hosts("web", 1).remove(0);
    let apps = {
        let n = s.rng.range(1, 3) as usize;
        s.hosts("app", n)
    };
    let access_log = s.file("access.log", Fmt::NginxAccess);
    let nginx_err = s.file("error.log", Fmt::NginxError);
    let app_fmt = s.choose(&[Fmt::Logfmt, Fmt::PythonJson, Fmt::Pino]);
    let app = s.file("login-api.log", app_fmt);
    let pg = s.file("postgresql-15-main.log", Fmt::Postgres);
    let dpkg = s.file("dpkg.log", Fmt::Dpkg);
    let auth = s.file("auth.log", Fmt::SyslogBsd);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let npid = s.pid();

    // Routine changes around the middle.
    let reload = trigger - s.between(0, 2 * MINUTE);
    s.once(nginx_err, Rec::new(reload, "", "nginx", Level::Notice, "signal process started").pid(npid + 9));
    s.once(
        nginx_err,
        Rec::new(
            reload + 40,
            "",
            "nginx",
            Level::Notice,
            format!("signal 1 (SIGHUP) received from {}, reconfiguring", npid + 9),
        )
        .pid(npid),
    );
    s.once(nginx_err, Rec::new(reload + 45, "", "nginx", Level::Notice, "reconfiguring").pid(npid));
    let pg_change = trigger + s.between(30 * SECOND, 3 * MINUTE);
    s.once(
        pg,
        Rec::new(pg_change, "", "postgres", Level::Info, "received SIGHUP, reloading configuration files").pid(611),
    );
    s.once(
        pg,
        Rec::new(
            pg_change + 2,
            "",
            "postgres",
            Level::Info,
            "parameter \"log_min_duration_statement\" changed to \"250\"",
        )
        .pid(611),
    );
    let upgrade = trigger + s.between(-3 * MINUTE, 3 * MINUTE);
    let pkg = *s.rng.pick(&[
        "libssl3:amd64 3.0.15-1~deb12u1 3.0.15-1~deb12u2",
        "tzdata:all 2024a-0+deb12u1 2025b-0+deb12u1",
        "curl:amd64 7.88.1-10+deb12u7 7.88.1-10+deb12u8",
    ]);
    let name = pkg.split(' ').next().unwrap_or(pkg);
    for (i, m) in [
        "startup archives unpack".to_string(),
        format!("upgrade {pkg}"),
        format!("status half-configured {name} {}", pkg.rsplit(' ').next().unwrap_or("")),
        format!("status installed {name} {}", pkg.rsplit(' ').next().unwrap_or("")),
    ]
    .into_iter()
    .enumerate()
    {
        s.once(dpkg, Rec::new(upgrade + i as i64 * SECOND, "", "dpkg", Level::Info, m));
    }
    s.herring(nginx_err, "unrelated-change", r"signal process started|reconfiguring");
    s.herring(pg, "unrelated-change", r#"parameter "log_min_duration_statement" changed"#);
    s.herring(dpkg, "unrelated-change", r"upgrade |status (half-configured|installed)");

    // Traffic, with wrong passwords (401), all healthy.
    for h in apps.clone() {
        s.every(app, start, end, 30.0, move |rng, t| {
            let rec = if rng.chance(0.08) {
                Rec::new(t, &h, "login-api", Level::Warn, "login failed").kv("reason", "bad_password").kv("status", 401)
            } else {
                Rec::new(t, &h, "login-api", Level::Info, "login ok").kv("status", 200)
            };
            Some(rec.kv("request_id", request_id(rng)).kv("duration_ms", rng.range(5, 80)))
        });
    }
    edge_traffic(
        s,
        access_log,
        &web,
        120.0,
        ("POST", "/api/login"),
        0.3,
        |rng, _| if rng.chance(0.08) { 401 } else { 200 },
    );
    s.every(nginx_err, start, end, 3.0, move |rng, t| {
        Some(Rec::new(t, "", "nginx", Level::Error, "open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory), client: 81.2.69.160, server: shop.example.com, request: \"GET /favicon.ico HTTP/1.1\"").pid(npid).kv("conn", rng.range(1000, 9999)))
    });
    s.herring(nginx_err, "chronic", r"open\(\) .* failed \(2: No such file or directory\)");
    s.every(pg, start, end, 6.0, |rng, t| {
        Some(Rec::new(t, "", "postgres", Level::Error, "relation \"pg_stat_statements\" does not exist at character 15\nSTATEMENT:  SELECT * FROM pg_stat_statements").pid(rng.range(20000, 60000) as u32).kv("user", "metrics").kv("db", "appdb"))
    });
    s.every(pg, start, end, 1.5, |rng, t| {
        Some(Rec::new(t, "", "postgres", Level::Error, format!("duplicate key value violates unique constraint \"users_email_key\"\nDETAIL:  Key (email)=(user{}@example.com) already exists.", rng.range(1, 999))).pid(rng.range(20000, 60000) as u32).kv("user", "app").kv("db", "appdb"))
    });
    s.herring(pg, "chronic", r#"relation "pg_stat_statements" does not exist"#);
    s.herring(pg, "chronic", r#"duplicate key value violates unique constraint"#);
    let mut hs = apps.clone();
    hs.push(web);
    ssh_scanner(s, auth, &hs, 8.0);
    s.description = "A normal stretch: nginx -> login-api -> PostgreSQL, no incident. Routine changes: an nginx \
                     reload, a PostgreSQL reload changing log_min_duration_statement, a package upgrade (dpkg). \
                     Chronic noise: an ssh scanner, probe 404s and a missing favicon, a metrics collector \
                     querying a missing pg_stat_statements, duplicate-key signups, wrong passwords (401)."
        .to_string();
}
