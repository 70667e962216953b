//! Pieces several families share: web traffic, client addresses, user names, common chronic noise.

use super::super::{FileId, Fmt, Level, Rec, Scene};
use crate::rng::Rng;
use culprit::time::Millis;

pub const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "okhttp/4.12.0",
];

pub fn client(rng: &mut Rng) -> String {
    format!("{}.{}.{}.{}", rng.pick(&[81, 92, 176, 203]), rng.range(1, 254), rng.range(1, 254), rng.range(1, 254))
}

pub fn request_id(rng: &mut Rng) -> String {
    rng.hex_string(16)
}

/// An nginx/HAProxy access record (rendered by `Fmt::NginxAccess` or `Fmt::HaproxyHttp`).
pub fn access(rng: &mut Rng, t: Millis, host: &str, method: &str, path: &str, status: u16) -> Rec {
    let bytes = if status >= 500 { rng.range(150, 560) } else { rng.range(200, 9000) };
    Rec::new(t, host, "haproxy", Level::Info, "")
        .pid(1873)
        .kv("client", client(rng))
        .kv("method", method)
        .kv("path", path)
        .kv("status", status)
        .kv("bytes", bytes)
        .kv("agent", *rng.pick(&AGENTS))
        .kv("ms", rng.range(3, 90))
        .kv("frontend", "fe_https")
        .kv("backend", "be_app")
        .kv("server", format!("app{}", rng.range(1, 3)))
}

/// An ssh scanner trying invalid users on `hosts`, steady over the whole span (a chronic herring).
pub fn ssh_scanner(s: &mut Scene, file: FileId, hosts: &[String], per_min: f64) {
    let (from, to) = (s.start, s.end);
    let hosts = hosts.to_vec();
    s.every(file, from, to, per_min, move |rng, t| {
        let user = *rng.pick(&["admin", "oracle", "test", "ubuntu", "git", "postgres", "user1", "support"]);
        let ip = format!(
            "{}.{}.{}.{}",
            rng.pick(&[45, 61, 103, 185, 193]),
            rng.range(1, 254),
            rng.range(1, 254),
            rng.range(1, 254)
        );
        let host = rng.pick(&hosts).clone();
        Some(
            Rec::new(
                t,
                &host,
                "sshd",
                Level::Info,
                format!("Invalid user {user} from {ip} port {}", rng.range(30000, 65000)),
            )
            .pid(rng.range(2000, 60000) as u32),
        )
    });
    s.herring(file, "chronic", r"sshd\[\d+\]: Invalid user \S+ from [\d.]+ port \d+");
}

/// An edge access log (nginx combined or HAProxy): `api_share` of requests hit `api` and get the
/// status `api_status` returns (200 when healthy), scanner probes get 404 (a chronic herring),
/// the rest are healthy page views.
pub fn edge_traffic(
    s: &mut Scene,
    file: FileId,
    host: &str,
    per_min: f64,
    api: (&'static str, &'static str),
    api_share: f64,
    api_status: impl Fn(&mut Rng, Millis) -> u16 + 'static,
) {
    let (from, to) = (s.start, s.end);
    let host = host.to_string();
    s.every(file, from, to, per_min, move |rng, t| {
        let roll = rng.unit();
        let rec = if roll < api_share {
            let status = api_status(rng, t);
            access(rng, t, &host, api.0, api.1, status)
        } else if roll < api_share + 0.03 {
            let probe = format!("/{}", rng.pick(&["wp-login.php", ".env", "favicon.ico", "phpmyadmin/"]));
            access(rng, t, &host, "GET", &probe, 404)
        } else {
            let page = format!("/{}/{}", rng.pick(&["products", "category", "static/js"]), rng.range(100, 9999));
            access(rng, t, &host, "GET", &page, 200)
        };
        Some(rec)
    });
    let probes = status_regex(s, file, "404");
    s.herring(file, "chronic", &probes);
}

/// A regex for access lines with HTTP status `status` (a regex) in the file's access format.
pub fn status_regex(s: &Scene, file: FileId, status: &str) -> String {
    match s.format_of(file) {
        Fmt::HaproxyHttp => format!(r"\d+/\d+/\d+/\d+/\d+ {status} \d+ "),
        _ => format!(r#"" {status} \d+ ""#),
    }
}

/// PostgreSQL's start-up lines at the top of the capture (the server started when the logs begin).
pub fn pg_started(s: &mut Scene, pg: FileId, pid: u32) {
    let t = s.start;
    for (i, m) in [
        "starting PostgreSQL 15.10 (Debian 15.10-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
        "listening on IPv4 address \"0.0.0.0\", port 5432",
        "listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"",
        "database system was shut down at 2026-11-01 23:58:11 UTC",
        "database system is ready to accept connections",
    ]
    .into_iter()
    .enumerate()
    {
        s.once(pg, Rec::new(t + i as Millis * 3, "", "postgres", Level::Info, m).pid(pid));
    }
}

/// A metrics collector querying a never-installed extension every few seconds (chronic).
pub fn pg_missing_extension(s: &mut Scene, pg: FileId) {
    let (from, to) = (s.start, s.end);
    s.every(pg, from, to, 6.0, |rng, t| {
        Some(
            Rec::new(t, "", "postgres", Level::Error, "relation \"pg_stat_statements\" does not exist at character 15\nSTATEMENT:  SELECT * FROM pg_stat_statements")
                .pid(rng.range(20000, 60000) as u32)
                .kv("user", "metrics")
                .kv("db", "appdb"),
        )
    });
    s.herring(pg, "chronic", r#"relation "pg_stat_statements" does not exist"#);
}

/// An `ALTER SYSTEM` and reload of PostgreSQL at `t`: an unrelated change.
pub fn pg_setting_reload(s: &mut Scene, pg: FileId, t: Millis, param: &str, value: &str) {
    s.once(pg, Rec::new(t, "", "postgres", Level::Info, "received SIGHUP, reloading configuration files").pid(611));
    s.once(
        pg,
        Rec::new(t + 3, "", "postgres", Level::Info, format!("parameter \"{param}\" changed to \"{value}\"")).pid(611),
    );
    s.herring(pg, "unrelated-change", &format!(r#"parameter "{param}" changed"#));
}

/// An nginx reload at `t` as its error log shows it (the new master signals the old).
pub fn nginx_reload(s: &mut Scene, err: FileId, t: Millis, master: u32) -> super::super::Mark {
    let first = s.once(err, Rec::new(t, "", "nginx", Level::Notice, "signal process started").pid(master + 311));
    s.once(
        err,
        Rec::new(
            t + 2,
            "",
            "nginx",
            Level::Notice,
            format!("signal 1 (SIGHUP) received from {}, reconfiguring", master + 311),
        )
        .pid(master),
    );
    s.once(err, Rec::new(t + 3, "", "nginx", Level::Notice, "reconfiguring").pid(master));
    first
}
