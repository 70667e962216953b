//! An Ansible run rewrites haproxy.cfg with a new health-check path for the application backend
//! and reloads HAProxy; the application answers 404 on that path, so every server of the backend
//! is marked DOWN within seconds and HAProxy answers 503 with no server. An earlier run changed a
//! harmless setting and reloaded the same way.

use super::common::client;
use crate::kit::{FileId, Fmt, Level, Mark, Rec, Scene, MINUTE, SECOND};
use culprit::time::Millis;

const HARMLESS: [(&str, &str); 3] = [
    ("    timeout client 30s", "    timeout client 45s"),
    ("    maxconn 4000", "    maxconn 6000"),
    ("    retries 2", "    retries 3"),
];

pub fn build(s: &mut Scene) {
    let lb = s.hosts("lb", 1).remove(0);
    let n_app = s.rng.range(2, 4) as usize;
    let backend = *s.rng.pick(&["be_app", "be_api", "be_web"]);
    let servers: Vec<String> = (1..=n_app).map(|i| format!("app{i}")).collect();
    let (old_path, new_path) = *s.rng.pick(&[("/healthz", "/health"), ("/health", "/status"), ("/ping", "/healthz")]);
    let (harmless_old, harmless_new) = *s.rng.pick(&HARMLESS);

    let haproxy = s.file("haproxy.log", Fmt::SyslogBsd);
    let ansible = s.file("ansible.log", Fmt::Ansible);
    let app_access = s.file("app-access.log", Fmt::NginxAccess);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let herring_at = trigger - s.between(90 * SECOND, (trigger - start - 20 * SECOND).min(10 * MINUTE));
    // rise/fall defaults: three failed checks two seconds apart mark a server DOWN.
    let first_down = trigger + s.between(5 * SECOND, 7 * SECOND);
    let reverted = if s.rng.chance(0.5) { Some(trigger + s.between(4 * MINUTE, 7 * MINUTE)) } else { None };
    let outage_end = reverted.map(|r| r + 5 * SECOND).unwrap_or(end + 1);
    let master = s.pid();

    // The two Ansible runs, each with its diff and the reload handler.
    run(s, ansible, herring_at, &lb, harmless_old, harmless_new);
    let cause = run(
        s,
        ansible,
        trigger,
        &lb,
        &format!("    option httpchk GET {old_path}"),
        &format!("    option httpchk GET {new_path}"),
    );
    let mut reloads = vec![herring_at + 2 * SECOND, trigger + 2 * SECOND];
    if let Some(r) = reverted {
        run(
            s,
            ansible,
            r,
            &lb,
            &format!("    option httpchk GET {new_path}"),
            &format!("    option httpchk GET {old_path}"),
        );
        reloads.push(r + 2 * SECOND);
    }
    for &r in &reloads {
        let worker = s.pid();
        let lines = [
            (r, "systemd", 1, Level::Info, "Reloading HAProxy Load Balancer...".to_string()),
            (r + 20, "haproxy", master, Level::Notice, format!("[NOTICE]   ({master}) : Reloading HAProxy")),
            (r + 90, "haproxy", master, Level::Notice, format!("[NOTICE]   ({master}) : New worker ({worker}) forked")),
            (r + 95, "haproxy", master, Level::Notice, format!("[NOTICE]   ({master}) : Loading success.")),
            (r + 100, "systemd", 1, Level::Info, "Reloaded HAProxy Load Balancer.".to_string()),
        ];
        for (t, app, pid, level, msg) in lines {
            s.once(haproxy, Rec::new(t, &lb, app, level, msg).pid(pid));
        }
    }

    // Health checks fail on every server; the backend empties; HAProxy says so.
    let remaining = n_app;
    for (i, srv) in servers.iter().enumerate() {
        let t = first_down + i as Millis * s.between(10, 900);
        let left = remaining - i - 1;
        let msg = format!(
            "[WARNING]  ({master}) : Server {backend}/{srv} is DOWN, reason: Layer7 wrong status, code: 404, info: \"Not Found\", \
             check duration: {}ms. {left} active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            s.rng.range(1, 4)
        );
        s.once(haproxy, Rec::new(t, &lb, "haproxy", Level::Warn, msg).pid(master));
    }
    let empty_at = first_down + n_app as Millis * 900 + 5;
    s.once(
        haproxy,
        Rec::new(
            empty_at,
            &lb,
            "haproxy",
            Level::Error,
            format!("[ALERT]    ({master}) : backend '{backend}' has no server available!"),
        )
        .pid(master),
    );
    if let Some(r) = reverted {
        for (i, srv) in servers.iter().enumerate() {
            let msg = format!(
                "[WARNING]  ({master}) : Server {backend}/{srv} is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. \
                 {} active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
                i + 1
            );
            s.once(haproxy, Rec::new(r + 4 * SECOND + i as Millis * 300, &lb, "haproxy", Level::Warn, msg).pid(master));
        }
    }

    // HTTP traffic through HAProxy: served by the backend, or 503 <NOSRV> while it is empty.
    let (lbh, srv_c) = (lb.clone(), servers.clone());
    s.every(haproxy, start, end, 90.0, move |rng, t| {
        let down = t >= empty_at && t < outage_end;
        let path = if rng.chance(0.6) { format!("/api/items/{}", rng.range(1, 9999)) } else { "/".to_string() };
        let (server, status) = if down { ("<NOSRV>".to_string(), 503) } else { (rng.pick(&srv_c).clone(), 200) };
        let bytes = if status == 503 { 217 } else { rng.range(300, 9000) };
        // HAProxy's HTTP log line, as it reaches syslog with the admin messages.
        let accepted = chrono::DateTime::from_timestamp_millis(t).unwrap_or_default().format("%d/%b/%Y:%H:%M:%S%.3f");
        let timers = if down {
            "0/-1/-1/-1/0".to_string()
        } else {
            format!("0/0/{}/{}/{}", rng.range(0, 2), rng.range(2, 80), rng.range(3, 90))
        };
        let flags = if down { "SC--" } else { "----" };
        let method = if rng.chance(0.8) { "GET" } else { "POST" };
        let msg = format!(
            "{}:{} [{accepted}] fe_https~ {backend}/{server} {timers} {status} {bytes} - - {flags} {}/{}/0/0/0 0/0 \"{method} {path} HTTP/1.1\"",
            client(rng),
            rng.range(30000, 65000),
            rng.range(5, 40),
            rng.range(5, 40),
        );
        Some(Rec::new(t, &lbh, "haproxy", Level::Info, msg).pid(master))
    });
    s.herring(haproxy, "consequence", "<NOSRV>|is DOWN|has no server available");

    // The application servers' own access log: the checks, which start to 404 after the reload.
    let n = n_app as f64;
    s.every(app_access, start, end, 30.0 * n, move |rng, t| {
        let checking_new = t >= trigger + 2 * SECOND && t < outage_end - 5 * SECOND;
        let probe = rng.chance(0.03);
        let (path, status, agent) = if probe {
            (format!("/{}", rng.pick(&[".env", "wp-login.php", "phpmyadmin/"])), 404, "Mozilla/5.0 zgrab/0.x")
        } else if checking_new {
            (new_path.to_string(), 404, "-")
        } else {
            (old_path.to_string(), 200, "-")
        };
        Some(
            Rec::new(t, "", "nginx", Level::Info, "")
                .kv("client", format!("10.0.0.{}", 4))
                .kv("method", "GET")
                .kv("path", path)
                .kv("status", status)
                .kv("bytes", if status == 200 { 2 } else { 153 })
                .kv("agent", agent),
        )
    });
    s.herring(app_access, "chronic", r#""GET /(\.env|wp-login\.php|phpmyadmin/) HTTP/1\.1" 404"#);
    s.herring(app_access, "consequence", &format!(r#""GET {} HTTP/1\.1" 404"#, regex::escape(new_path)));

    s.herring(ansible, "unrelated-change", &regex::escape(harmless_new.trim()));
    s.cause(
        cause,
        "config",
        &[&format!(
            r"^\+\s+option httpchk GET {}\s*$|\+ *option httpchk GET {}",
            regex::escape(new_path),
            regex::escape(new_path)
        )],
    );
    s.incident(first_down, outage_end.min(end));
    s.description = format!(
        "An Ansible run changed HAProxy's health check for {backend} from GET {old_path} to GET {new_path} and reloaded \
         it; the application answers 404 there, so all {n_app} servers went DOWN (Layer7 wrong status) and HAProxy \
         answered 503 <NOSRV>{}. Red herrings: an earlier run changed '{}' and reloaded the same way; scanner 404s on \
         the app servers.",
        if reverted.is_some() { " until the change was reverted" } else { "" },
        harmless_new.trim(),
    );
}

/// One Ansible run that templates haproxy.cfg with a one-line diff and reloads HAProxy; returns
/// the mark of the added line.
fn run(s: &mut Scene, log: FileId, at: Millis, lb: &str, old: &str, new: &str) -> Mark {
    let pid = s.pid();
    let line = |t: Millis, msg: String| Rec::new(t, "", "ansible", Level::Info, msg).pid(pid);
    let stars = "*".repeat(40);
    let hunk = s.rng.range(20, 80);
    s.once(log, line(at - 6 * SECOND, format!("PLAY [loadbalancers] {stars}")));
    s.once(log, line(at - 5 * SECOND, format!("TASK [Gathering Facts] {stars}")));
    s.once(log, line(at - 3 * SECOND, format!("ok: [{lb}]")));
    s.once(log, line(at - 2 * SECOND, format!("TASK [haproxy : render /etc/haproxy/haproxy.cfg] {stars}")));
    let diff = format!(
        "--- before: /etc/haproxy/haproxy.cfg\n+++ after: /root/.ansible/tmp/ansible-local-{pid}/tmp{}/haproxy.cfg.j2\n@@ -{hunk},7 +{hunk},7 @@\n-{old}\n+{new}",
        s.rng.hex_string(8)
    );
    let mut mark = None;
    for (i, d) in diff.lines().enumerate() {
        let m = s.once(log, line(at - 10 + i as Millis, d.to_string()));
        if d.starts_with('+') && !d.starts_with("+++") {
            mark = Some(m);
        }
    }
    s.once(log, line(at, format!("changed: [{lb}]")));
    s.once(log, line(at + SECOND, format!("RUNNING HANDLER [haproxy : reload haproxy] {stars}")));
    s.once(log, line(at + 2 * SECOND + 200, format!("changed: [{lb}]")));
    s.once(log, line(at + 3 * SECOND, format!("PLAY RECAP {stars}")));
    s.once(
        log,
        line(at + 3 * SECOND, format!("{lb} : ok=3 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0")),
    );
    mark.expect("the diff has an added line")
}
