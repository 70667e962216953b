//! A Java service is redeployed with a much larger worker pool; minutes later, as load creates
//! the threads, the JVM hits the unit's task limit and every request that needs a new thread fails
//! with `OutOfMemoryError: unable to create native thread`. Just before, an unrelated change went
//! out by the same route; HikariCP warns about thread starvation all day long.

use crate::kit::{FileId, Fmt, Level, Mark, Rec, Scene, MINUTE, SECOND};
use culprit::time::Millis;

const SERVICES: [&str; 3] = ["reports", "exporter", "pricing"];
const OOM: &str =
    "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached";

/// How the change reaches the hosts.
#[derive(Clone, Copy)]
enum Route {
    /// Chef rewrites the service's properties and restarts it.
    Chef,
    /// A deploy tool logs each rollout in logfmt.
    DeployTool,
}

pub fn build(s: &mut Scene) {
    let svc = *s.rng.pick(&SERVICES);
    let hosts = {
        let n = s.rng.range(1, 3) as usize;
        s.hosts(svc, n)
    };
    let route = if s.rng.chance(0.5) { Route::Chef } else { Route::DeployTool };
    let app_fmt = if s.rng.chance(0.5) { Fmt::SpringBoot } else { Fmt::Logstash };
    let app = s.file(&format!("{svc}.log"), app_fmt);
    let ops = match route {
        Route::Chef => s.file("chef-client.log", Fmt::Chef),
        Route::DeployTool => s.file("deploy.log", Fmt::Logfmt),
    };
    let kern = if s.rng.chance(0.5) { Some(s.file("kern.log", Fmt::SyslogBsd)) } else { None };

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let onset = trigger + s.between(2 * MINUTE, 6 * MINUTE);
    let old_pool = *s.rng.pick(&[50, 64, 100]);
    let new_pool = *s.rng.pick(&[2000, 4000, 5000]);
    let old_version = format!("4.{}.{}", s.rng.range(2, 9), s.rng.range(0, 9));
    let new_version = format!("4.{}.0", s.rng.range(10, 14));
    let herring_at = trigger - s.between(60 * SECOND, (trigger - start - 20 * SECOND).min(6 * MINUTE));
    let pid_before = s.pid();
    let pid_after = s.pid();
    let restarted = trigger + s.between(4 * SECOND, 9 * SECOND);

    let cause = match route {
        Route::Chef => {
            chef_file(s, ops, herring_at, &format!("/etc/logrotate.d/{svc}"), None);
            chef_file(s, ops, trigger, &format!("/etc/{svc}/application.properties"), Some(svc))
        }
        Route::DeployTool => {
            let other = *s.rng.pick(&["billing-ui", "status-page", "docs-site"]);
            deploy(s, ops, herring_at, other, "1.8.3", "1.8.4", "-");
            let change = format!("executor.max-pool-size {old_pool} -> {new_pool}");
            deploy(s, ops, trigger, svc, &old_version, &new_version, &change)
        }
    };

    // The service: requests served, the restart, then failures once the pool outgrows the limit.
    let failing_share = 0.25 + 0.5 * s.rng.unit();
    let class: String = svc[..1].to_uppercase() + &svc[1..];
    for host in hosts.clone() {
        let (class_c, host_c) = (class.clone(), host.clone());
        s.every(app, start, end, 30.0, move |rng, t| {
            let (class, host) = (&class_c, &host_c);
            if t >= trigger && t < restarted + 2 * SECOND {
                return None;
            }
            let pid = if t < trigger { pid_before } else { pid_after };
            let job = rng.hex_string(10);
            let thread = format!("http-nio-8080-exec-{}", rng.range(1, 60));
            let rec = if t >= onset && rng.chance(failing_share) {
                Rec::new(
                    t,
                    host,
                    svc,
                    Level::Error,
                    format!(
                        "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Handler dispatch failed: {OOM}] with root cause\n\
                         {OOM}\n\
                         \tat java.base/java.lang.Thread.start0(Native Method)\n\
                         \tat java.base/java.lang.Thread.start(Thread.java:1526)\n\
                         \tat java.base/java.util.concurrent.ThreadPoolExecutor.addWorker(ThreadPoolExecutor.java:945)\n\
                         \tat java.base/java.util.concurrent.ThreadPoolExecutor.execute(ThreadPoolExecutor.java:1364)\n\
                         \tat com.example.{svc}.{class}JobService.submit({class}JobService.java:77)"
                    ),
                )
                .kv("logger", "o.a.c.c.C.[.[.[/].[dispatcherServlet]")
            } else {
                Rec::new(t, host, svc, Level::Info, format!("Job {job} queued for export"))
                    .kv("logger", format!("c.e.{svc}.{class}JobService"))
            };
            Some(rec.pid(pid).kv("thread", thread))
        });
        // The restart, as Spring Boot logs it.
        let lines = [
            (
                trigger,
                "o.s.b.w.e.tomcat.GracefulShutdown",
                "Commencing graceful shutdown. Waiting for active requests to complete",
            ),
            (trigger + 300, "o.s.b.w.e.tomcat.GracefulShutdown", "Graceful shutdown complete"),
        ];
        for (t, logger, msg) in lines {
            s.once(
                app,
                Rec::new(t, &host, svc, Level::Info, msg)
                    .pid(pid_before)
                    .kv("thread", "tomcat-shutdown")
                    .kv("logger", logger),
            );
        }
        let main_logger = format!("c.e.{svc}.{class}Application");
        let tenths = s.rng.range(1, 9);
        let up = [
            (
                restarted,
                main_logger.clone(),
                format!("Starting {class}Application v{new_version} using Java 21.0.5 with PID {pid_after}"),
            ),
            (
                restarted + 2100,
                "o.s.b.w.embedded.tomcat.TomcatWebServer".to_string(),
                "Tomcat initialized with port 8080 (http)".to_string(),
            ),
            (
                restarted + 5200,
                main_logger.clone(),
                format!("Started {class}Application in 5.{tenths} seconds (process running for 6.1)"),
            ),
        ];
        for (t, logger, msg) in up {
            s.once(
                app,
                Rec::new(t, &host, svc, Level::Info, msg).pid(pid_after).kv("thread", "main").kv("logger", logger),
            );
        }
    }
    s.herring(app, "consequence", "unable to create native thread");

    // HikariCP's housekeeper reports starvation now and then, all day (chronic).
    let hh = hosts.clone();
    s.every(app, start, end, 0.8, move |rng, t| {
        let host = rng.pick(&hh).clone();
        let pid = if t < trigger { pid_before } else { pid_after };
        Some(
            Rec::new(
                t,
                &host,
                svc,
                Level::Warn,
                format!(
                    "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={}s{}ms).",
                    rng.range(45, 90),
                    rng.range(100, 999)
                ),
            )
            .pid(pid)
            .kv("thread", "HikariPool-1 housekeeper")
            .kv("logger", "com.zaxxer.hikari.pool.HikariPool"),
        )
    });
    s.herring(app, "chronic", "Thread starvation or clock leap detected");

    // The unit's task limit rejects the forks in the kernel log, once per burst.
    if let Some(k) = kern {
        let hh = hosts.clone();
        s.every(k, onset, end, 3.0, move |rng, t| {
            let host = rng.pick(&hh).clone();
            Some(Rec::new(
                t,
                &host,
                "kernel",
                Level::Info,
                format!("cgroup: fork rejected by pids controller in /system.slice/{svc}.service"),
            ))
        });
        s.herring(k, "consequence", "fork rejected by pids controller");
    }

    match route {
        Route::Chef => {
            s.herring(ops, "unrelated-change", "logrotate");
            s.cause(
                cause,
                "deploy",
                &[&format!(r"template\[/etc/{svc}/application\.properties\]"), &format!(r"service\[{svc}\] restarted")],
            );
        }
        Route::DeployTool => {
            s.herring(ops, "unrelated-change", "service=(billing-ui|status-page|docs-site)");
            s.cause(cause, "deploy", &[&format!(r"service={svc} .*version={}", regex::escape(&new_version))]);
        }
    }
    s.incident(onset, end);
    s.description = format!(
        "{svc} ({} hosts, {svc}.log) was {} with its worker pool raised from {old_pool} to {new_pool}; {} minutes later, \
         under load, about {:.0}% of requests failed with '{OOM}'{}. Red herrings: an unrelated change just before by the \
         same route; HikariCP thread-starvation warnings all day.",
        hosts.len(),
        match route {
            Route::Chef => "reconfigured by Chef (application.properties) and restarted",
            Route::DeployTool => "redeployed",
        },
        (onset - trigger) / MINUTE,
        failing_share * 100.0,
        if kern.is_some() { "; the kernel rejected forks in its pids cgroup" } else { "" },
    );
}

/// A Chef run that rewrites one file and, for a service's config, restarts the service; returns
/// the mark of the line naming the updated file.
fn chef_file(s: &mut Scene, log: FileId, at: Millis, path: &str, restart: Option<&str>) -> Mark {
    let stamp = s.rng.range(20261101000000, 20261130235959);
    let rec = |t: Millis, msg: String| Rec::new(t, "", "chef", Level::Info, msg);
    s.once(log, rec(at - 4 * SECOND, "*** Chef Infra Client 18.5.0 ***".to_string()));
    s.once(log, rec(at - 3 * SECOND, "Run List expands to [role[base], role[app]]".to_string()));
    s.once(log, rec(at - 20, format!("template[{path}] backed up to /var/chef/backup{path}.chef-{stamp}")));
    let mark = s.once(log, rec(at, format!("template[{path}] updated file contents {path}")));
    if let Some(svc) = restart {
        s.once(log, rec(at + 10, format!("template[{path}] sending restart action to service[{svc}] (delayed)")));
        s.once(log, rec(at + 900, format!("service[{svc}] restarted")));
    }
    let (n, tenths) = (s.rng.range(3, 9), s.rng.range(1, 9));
    s.once(log, rec(at + 2 * SECOND, format!("Chef Infra Client Run complete in {n}.{tenths} seconds")));
    s.once(
        log,
        rec(at + 2 * SECOND + 5, format!("{} resources updated in {n} seconds", if restart.is_some() { 2 } else { 1 })),
    );
    mark
}

/// A deploy tool's rollout record.
fn deploy(s: &mut Scene, log: FileId, at: Millis, svc: &str, from: &str, to: &str, change: &str) -> Mark {
    let who = *s.rng.pick(&["ci-bot", "spinnaker", "release-bot"]);
    s.once(
        log,
        Rec::new(at - 40 * SECOND, "", "deployer", Level::Info, "deploy started")
            .kv("service", svc)
            .kv("version", to)
            .kv("by", who),
    );
    s.once(
        log,
        Rec::new(at, "", "deployer", Level::Info, "deploy finished")
            .kv("service", svc)
            .kv("version", to)
            .kv("previous", from)
            .kv("config_change", change)
            .kv("by", who),
    )
}
