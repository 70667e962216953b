//! Config management writes `PasswordAuthentication no` into sshd_config on the application hosts
//! and reloads sshd; the deploy account, which logs in with a password, is refused from then on
//! ("Connection closed by authenticating user deploy ... [preauth]") and the runner's rsync pushes fail
//! with "Permission denied (publickey)". Red herrings: an ssh scanner's steady failures, an unrelated
//! template changed on other hosts just before, and the deploy failures that outnumber the change.

use super::common::ssh_scanner;
use super::ops::{ansible, ansible_task, banner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let n = s.rng.range(2, 4) as usize;
    let apps = s.hosts("app", n);
    let others = s.hosts("cache", 2);
    let chef = s.rng.chance(0.5);
    let cm = if chef { s.file("chef-client.log", Fmt::Chef) } else { s.file("ansible.log", Fmt::Ansible) };
    let auth_fmt = if s.rng.chance(0.6) { Fmt::SyslogBsd } else { Fmt::JournalShortIso };
    let auth = s.file("auth.log", auth_fmt);
    // The runner that pushes releases with rsync over ssh (password via sshpass), in its syslog.
    let deploy = s.file("runner-syslog", Fmt::SyslogBsd);
    let runner_host = s.hosts("ci-runner", 1).remove(0);
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let runner = format!("10.0.{}.{}", s.rng.range(1, 30), s.rng.range(2, 250));
    let sshd_pids: Vec<u32> = (0..n).map(|_| s.pid()).collect();

    // The unrelated change: a template on other hosts, shortly before.
    let herring_at = trigger - s.between(40 * SECOND, (trigger - start - 20 * SECOND).min(5 * MINUTE));
    if chef {
        for (i, o) in others.iter().enumerate() {
            s.once(
                cm,
                Rec::new(
                    herring_at + i as i64 * 2 * SECOND,
                    o,
                    "chef",
                    Level::Info,
                    "template[/etc/logrotate.d/redis] updated file contents /etc/logrotate.d/redis",
                ),
            );
        }
        s.herring(cm, "unrelated-change", "logrotate.d/redis");
    } else {
        let p = s.pid();
        ansible_task(s, cm, herring_at, p, "redis : Install /etc/logrotate.d/redis", &others);
        let names = others.iter().map(|o| regex::escape(o)).collect::<Vec<_>>().join("|");
        s.herring(cm, "unrelated-change", &format!(r"logrotate\.d/redis|changed: \[({names})\]"));
    }

    // The change and the reloads, host after host.
    let cause;
    let mut reloaded = Vec::new();
    if chef {
        cause = s.once(
            cm,
            Rec::new(
                trigger,
                &apps[0],
                "chef",
                Level::Info,
                "template[/etc/ssh/sshd_config] updated file contents /etc/ssh/sshd_config",
            ),
        );
        s.once(
            cm,
            Rec::new(
                trigger + 20,
                &apps[0],
                "chef",
                Level::Info,
                "template[/etc/ssh/sshd_config] sending reload action to service[ssh] (delayed)",
            ),
        );
        s.once(cm, Rec::new(trigger + 2 * SECOND, &apps[0], "chef", Level::Info, "service[ssh] reloaded"));
        reloaded.push(trigger + 2 * SECOND);
        // The other hosts' chef clients run on their own splay.
        for _ in 1..n {
            let t = trigger + s.between(20 * SECOND, 3 * MINUTE);
            reloaded.push(t + 2 * SECOND);
        }
        for (i, h) in apps.iter().enumerate().skip(1) {
            let t = reloaded[i] - 2 * SECOND;
            s.once(
                cm,
                Rec::new(
                    t,
                    h,
                    "chef",
                    Level::Info,
                    "template[/etc/ssh/sshd_config] updated file contents /etc/ssh/sshd_config",
                ),
            );
            s.once(cm, Rec::new(t + 2 * SECOND, h, "chef", Level::Info, "service[ssh] reloaded"));
        }
    } else {
        let p = s.pid();
        let task = "hardening : Set PasswordAuthentication no in /etc/ssh/sshd_config";
        cause = ansible_task(s, cm, trigger, p, task, &apps);
        ansible(s, cm, trigger + 2 * SECOND, p, banner("RUNNING HANDLER [hardening : reload sshd]"));
        for (i, h) in apps.iter().enumerate() {
            let t = trigger + 3 * SECOND + i as i64 * 600;
            reloaded.push(t);
            ansible(s, cm, t + 300, p, format!("changed: [{h}]"));
        }
    }
    for (i, h) in apps.iter().enumerate() {
        let t = reloaded[i];
        s.once(
            auth,
            Rec::new(t - 100, h, "systemd", Level::Info, "Reloading ssh.service - OpenBSD Secure Shell server...")
                .pid(1),
        );
        s.once(auth, Rec::new(t, h, "sshd", Level::Info, "Received SIGHUP; restarting.").pid(sshd_pids[i]));
        s.once(
            auth,
            Rec::new(t + 5, h, "systemd", Level::Info, "Reloaded ssh.service - OpenBSD Secure Shell server.").pid(1),
        );
        s.once(auth, Rec::new(t + 8, h, "sshd", Level::Info, "Server listening on 0.0.0.0 port 22.").pid(sshd_pids[i]));
        s.once(auth, Rec::new(t + 9, h, "sshd", Level::Info, "Server listening on :: port 22.").pid(sshd_pids[i]));
    }

    // The deploy account: password logins that work, then are refused once that host reloaded.
    let per_min = s.rng.range(1, 3) as f64;
    let mut first_refusal = i64::MAX;
    for (i, h) in apps.iter().enumerate() {
        let (h, from, runner) = (h.clone(), reloaded[i], runner.clone());
        let mut t = start + s.between(0, 20 * SECOND);
        while t < end {
            let pid = s.pid();
            let port = s.rng.range(32768, 60999);
            let files = s.rng.range(0, 40);
            // (file, delay, host, program, level, message): the server's and the runner's view.
            let lines: Vec<(_, i64, &str, &str, Level, String)> = if t >= from {
                first_refusal = first_refusal.min(t);
                vec![
                    (
                        auth,
                        0,
                        &h,
                        "sshd",
                        Level::Info,
                        format!("Connection closed by authenticating user deploy {runner} port {port} [preauth]"),
                    ),
                    (
                        deploy,
                        300,
                        &runner_host,
                        "deploy-agent",
                        Level::Error,
                        format!("deploy@{h}: Permission denied (publickey)."),
                    ),
                    (
                        deploy,
                        310,
                        &runner_host,
                        "deploy-agent",
                        Level::Error,
                        "rsync: connection unexpectedly closed (0 bytes received so far) [sender]".into(),
                    ),
                    (
                        deploy,
                        320,
                        &runner_host,
                        "deploy-agent",
                        Level::Error,
                        "rsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]".into(),
                    ),
                ]
            } else {
                let stats = format!(
                    "sent {} bytes  received {} bytes  {}.{:02} bytes/sec",
                    900 + files * 811,
                    120 + files * 9,
                    400 + files * 97,
                    files
                );
                vec![
                    (
                        auth,
                        0,
                        &h,
                        "sshd",
                        Level::Info,
                        format!("Accepted password for deploy from {runner} port {port} ssh2"),
                    ),
                    (
                        auth,
                        20,
                        &h,
                        "sshd",
                        Level::Info,
                        "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)".into(),
                    ),
                    (
                        auth,
                        2 * SECOND,
                        &h,
                        "sshd",
                        Level::Info,
                        "pam_unix(sshd:session): session closed for user deploy".into(),
                    ),
                    (deploy, 2 * SECOND, &runner_host, "deploy-agent", Level::Info, stats),
                ]
            };
            for (file, delay, host, program, level, msg) in lines {
                s.once(file, Rec::new(t + delay, host, program, level, msg).pid(pid));
            }
            t += (60_000.0 / per_min) as i64 + s.between(0, 9 * SECOND);
        }
    }
    s.herring(deploy, "consequence", "Permission denied|rsync: connection unexpectedly closed|rsync error");
    s.herring(auth, "consequence", "Connection closed by authenticating user deploy");

    // The scanner: invalid users all along; its password tries stop once passwords are off.
    let scan_rate = s.rng.range(3, 8) as f64;
    ssh_scanner(s, auth, &apps, scan_rate);
    let hosts = apps.clone();
    let reloads = reloaded.clone();
    s.every(auth, start, end, 4.0, move |rng, t| {
        let i = rng.below(hosts.len() as u64) as usize;
        let ip = format!(
            "{}.{}.{}.{}",
            rng.pick(&[45, 61, 103, 185]),
            rng.range(1, 254),
            rng.range(1, 254),
            rng.range(1, 254)
        );
        let user = *rng.pick(&["admin", "test", "ubuntu", "oracle"]);
        let port = rng.range(30000, 65000);
        let msg = if t >= reloads[i] {
            format!("Connection closed by invalid user {user} {ip} port {port} [preauth]")
        } else {
            format!("Failed password for invalid user {user} from {ip} port {port} ssh2")
        };
        Some(Rec::new(t, &hosts[i], "sshd", Level::Info, msg).pid(rng.range(2000, 60000) as u32))
    });
    s.herring(auth, "chronic", r"Failed password for invalid user");
    // Once passwords are off the scanner's tries end before authentication: new lines, but a
    // consequence of the change, not the cause.
    s.herring(auth, "consequence", r"Connection closed by invalid user");

    s.cause(
        cause,
        "auth",
        &[r"sshd_config", r"PasswordAuthentication", r"Received SIGHUP; restarting", r"Reload(ing|ed) ssh\.service"],
    );
    s.incident(first_refusal.min(end), end);
    s.description = format!(
        "{} set PasswordAuthentication no in /etc/ssh/sshd_config on {n} hosts and reloaded sshd; the deploy \
         account (password logins from {runner}) was refused from then on and the runner's rsync pushes fail with \
         'Permission denied (publickey)'. Red herrings: an ssh scanner's steady failures (whose password tries turn into preauth \
         closes); a logrotate template changed on other hosts shortly before; the deploy failures.",
        if chef { "Chef" } else { "Ansible" },
    );
}
