//! Argo CD syncs a ConfigMap change for the payments service (a duration written in a form the
//! service cannot parse) and rolls its Deployment; every new pod exits at start-up and the kubelet
//! backs off restarting it. Minutes earlier Argo CD rolled another application (an unrelated
//! change); the web HPA rescales now and then all day long.

use crate::kit::{FileId, Fmt, Level, Rec, Scene, MINUTE, SECOND};
use crate::rng::Rng;
use chrono::DateTime;
use culprit::time::Millis;

const SERVICES: [(&str, &str); 3] = [("payments", "shop"), ("ledger", "finance"), ("notifications", "platform")];
const OTHER_APPS: [&str; 3] = ["search-api", "catalog", "image-resizer"];
const BACKOFF: [&str; 6] = ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s"];

/// The crashing service's language decides its log and how it dies.
#[derive(Clone, Copy)]
enum Stack {
    Spring,
    Go,
}

pub fn build(s: &mut Scene) {
    let (svc, ns) = *s.rng.pick(&SERVICES);
    let other = *s.rng.pick(&OTHER_APPS);
    let stack = if s.rng.chance(0.5) { Stack::Spring } else { Stack::Go };
    let node = s.hosts("node", 1).remove(0);
    let cm = format!("{svc}-config");
    let old_rs = format!("{svc}-{}", s.rng.hex_string(9));
    let new_rs = format!("{svc}-{}", s.rng.hex_string(9));
    let bad_value = *s.rng.pick(&["30 seconds", "5 min", "1.5m s", "10sec"]);
    let replicas = s.rng.range(2, 4);

    let argo = s.file("argocd-application-controller.log", Fmt::Logfmt);
    let kcm = s.file("kube-controller-manager.log", Fmt::Klog);
    let kubelet_fmt = if s.rng.chance(0.5) { Fmt::JournalShortIso } else { Fmt::SyslogBsd };
    let kubelet = s.file("kubelet.log", kubelet_fmt);
    let app_fmt = match stack {
        Stack::Spring => Fmt::Cri(Box::new(Fmt::SpringBoot)),
        Stack::Go => Fmt::Cri(Box::new(Fmt::Zap)),
    };
    let old_pod = format!("{old_rs}-{}", s.rng.hex_string(5));
    let old_log = s.file(&format!("{old_pod}.log"), app_fmt.clone());

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let other_sync = trigger - s.between(2 * MINUTE, (trigger - start - 30 * SECOND).min(8 * MINUTE));
    let kubelet_pid = s.pid();
    let argo_apps = [svc, other, "web", "argocd-notifications"];

    // Argo CD reconciles every application every few seconds (steady INFO chatter).
    s.every(argo, start, end, 8.0, move |rng, t| {
        let app = *rng.pick(&argo_apps);
        Some(
            Rec::new(t, "", "argocd", Level::Info, "Reconciliation completed")
                .kv("application", format!("argocd/{app}"))
                .kv("dedup_ms", 0)
                .kv("diff_ms", rng.range(1, 40))
                .kv("time_ms", rng.range(20, 900)),
        )
    });
    let sync = |s: &mut Scene, at: Millis, app: &str, namespace: &str, resources: &[String]| -> Vec<crate::kit::Mark> {
        let sha = s.rng.hex_string(40);
        s.once(
            argo,
            Rec::new(at, "", "argocd", Level::Info, format!("Initiated automated sync to '{sha}'"))
                .kv("application", format!("argocd/{app}"))
                .kv("dest-namespace", namespace)
                .kv("dest-server", "https://kubernetes.default.svc")
                .kv("reason", "OperationStarted")
                .kv("type", "Normal"),
        );
        let mut marks = Vec::new();
        for (i, r) in resources.iter().enumerate() {
            let msg = format!("Applying resource {r} in cluster: https://172.20.0.1:443, namespace: {namespace}");
            let rec = Rec::new(at + 300 + i as Millis * 150, "", "argocd", Level::Info, msg)
                .kv("dry-run", "none")
                .kv("manager", "argocd-controller")
                .kv("serverSideApply", "false");
            marks.push(s.once(argo, rec));
        }
        s.once(
            argo,
            Rec::new(
                at + 2 * SECOND,
                "",
                "argocd",
                Level::Info,
                "Updating operation state. phase: Running -> Succeeded, message: 'successfully synced (all tasks run)'",
            )
            .kv("application", format!("argocd/{app}")),
        );
        marks
    };
    sync(s, other_sync, other, "platform", &[format!("Deployment/{other}")]);
    let marks = sync(s, trigger, svc, ns, &[format!("ConfigMap/{cm}"), format!("Deployment/{svc}")]);
    let cause = marks[0];

    // kube-controller-manager: both rollouts, and the web HPA rescaling all day.
    let other_rs = format!("{other}-{}", s.rng.hex_string(9));
    let event = |t: Millis, object: &str, kind: &str, api: &str, reason: &str, message: &str| {
        Rec::new(t, "", "kube-controller-manager", Level::Info, "\"Event occurred\"")
            .pid(1)
            .kv("object", object)
            .kv("fieldPath", "")
            .kv("kind", kind)
            .kv("apiVersion", api)
            .kv("type", "Normal")
            .kv("reason", reason)
            .kv("message", message)
    };
    s.once(
        kcm,
        event(
            other_sync + 3 * SECOND,
            &format!("platform/{other}"),
            "Deployment",
            "apps/v1",
            "ScalingReplicaSet",
            &format!("Scaled up replica set {other_rs} to 1"),
        ),
    );
    s.once(
        kcm,
        event(
            trigger + 3 * SECOND,
            &format!("{ns}/{svc}"),
            "Deployment",
            "apps/v1",
            "ScalingReplicaSet",
            &format!("Scaled up replica set {new_rs} to 1"),
        ),
    );
    s.once(
        kcm,
        event(
            trigger + 3 * SECOND + 20,
            &format!("{ns}/{svc}"),
            "Deployment",
            "apps/v1",
            "ScalingReplicaSet",
            &format!("Scaled down replica set {old_rs} to {} from {replicas}", replicas - 1),
        ),
    );
    s.once(
        kcm,
        event(
            trigger + 3 * SECOND + 40,
            &format!("{ns}/{svc}"),
            "Deployment",
            "apps/v1",
            "ScalingReplicaSet",
            &format!("Scaled up replica set {new_rs} to 2 from 1"),
        ),
    );
    let mut size = s.rng.range(3, 6);
    let mut t = start + s.between(20 * SECOND, 3 * MINUTE);
    while t < end {
        let up = size <= 3 || s.rng.chance(0.5);
        let new_size = if up { size + s.rng.range(1, 2) } else { size - 1 };
        let why = if up { "above" } else { "All metrics below" };
        let reason = if up {
            format!("New size: {new_size}; reason: cpu resource utilization (percentage of request) {why} target")
        } else {
            format!("New size: {new_size}; reason: {why} target")
        };
        s.once(kcm, event(t, "shop/web", "HorizontalPodAutoscaler", "autoscaling/v2", "SuccessfulRescale", &reason));
        size = new_size;
        t += s.between(90 * SECOND, 5 * MINUTE);
    }
    s.herring(kcm, "chronic", "SuccessfulRescale");
    s.herring(kcm, "unrelated-change", &format!("Scaled up replica set {}", regex::escape(&other_rs)));
    s.herring(
        argo,
        "unrelated-change",
        &format!("Deployment/{}|argocd/{}", regex::escape(other), regex::escape(other)),
    );

    // The old pod serves until it is scaled down.
    let scaled_down = trigger + 3 * SECOND + 20;
    let app_pid = 1;
    let np = node.clone();
    s.every(old_log, start, scaled_down, 20.0, move |rng, t| {
        Some(
            Rec::new(
                t,
                &np,
                svc,
                Level::Info,
                format!("request completed path=/v1/{svc}/{} status=200", rng.range(1000, 99999)),
            )
            .pid(app_pid)
            .kv("thread", format!("http-nio-8080-exec-{}", rng.range(1, 20)))
            .kv("logger", format!("com.example.{svc}.web.RequestLog")),
        )
    });
    s.once(
        old_log,
        Rec::new(
            scaled_down + 200,
            &node,
            svc,
            Level::Info,
            "Commencing graceful shutdown. Waiting for active requests to complete",
        )
        .pid(app_pid)
        .kv("thread", "tomcat-shutdown")
        .kv("logger", "o.s.b.w.e.tomcat.GracefulShutdown"),
    );
    let (old_uid, container) = (uid(&mut s.rng), s.rng.hex_string(64));
    kubelet_line(s, kubelet, &node, kubelet_pid, scaled_down + 50, 'I', "kuberuntime_container.go:779", &format!(
        "\"Killing container with a grace period\" pod=\"{ns}/{old_pod}\" podUID=\"{old_uid}\" containerName=\"{svc}\" containerID=\"containerd://{container}\" gracePeriod=30"
    ));

    // The new pods start, die at once, and back off.
    let new_pods: Vec<String> = (0..2).map(|_| format!("{new_rs}-{}", s.rng.hex_string(5))).collect();
    let mut first_crash = end;
    for (i, pod) in new_pods.iter().enumerate() {
        let log = s.file(&format!("{pod}.log"), app_fmt.clone());
        let pod_uid = uid(&mut s.rng);
        let mut t = trigger + 3 * SECOND + 400 + i as Millis * 20 + s.between(2 * SECOND, 5 * SECOND);
        let mut attempt = 0;
        while t < end {
            let died = crash(s, log, stack, &node, svc, &cm, bad_value, t);
            first_crash = first_crash.min(died);
            let backoff = BACKOFF[attempt.min(BACKOFF.len() - 1)];
            let msg = format!(
                "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"{svc}\\\" with CrashLoopBackOff: \\\"back-off {backoff} restarting failed container={svc} pod={pod}_{ns}({pod_uid})\\\"\" pod=\"{ns}/{pod}\" podUID=\"{pod_uid}\""
            );
            let noticed = died + s.between(300, 900);
            kubelet_line(s, kubelet, &node, kubelet_pid, noticed, 'E', "pod_workers.go:1298", &msg);
            let wait = backoff_ms(attempt);
            // The kubelet repeats the back-off error at every sync while it waits.
            let mut r = died + 10 * SECOND;
            while r < died + wait && r < end {
                kubelet_line(s, kubelet, &node, kubelet_pid, r, 'E', "pod_workers.go:1298", &msg);
                r += s.between(10 * SECOND, 15 * SECOND);
            }
            t = died + wait + s.between(200, 900);
            attempt += 1;
        }
        s.herring(
            log,
            "consequence",
            "Application run failed|invalid configuration|is not a valid duration|invalid duration",
        );
    }
    // Routine kubelet chatter on the node.
    let nh = node.clone();
    let np = old_pod.clone();
    s.every(kubelet, start, end, 2.0, move |rng, t| {
        let msg = format!(
            "\"SyncLoop (probe)\" probe=\"readiness\" status=\"ready\" pod=\"{}\"",
            if rng.chance(0.5) {
                format!("{ns}/{np}")
            } else {
                format!("shop/web-{}-{}", "6b7c9d8f4", rng.hex_string(5))
            }
        );
        Some(kubelet_rec(t, &nh, kubelet_pid, 'I', "prober.go:107", &msg))
    });
    s.herring(kubelet, "consequence", "CrashLoopBackOff");

    // The sync of one commit is one change: its ConfigMap, its Deployment, its start line.
    let (cm_re, svc_re) = (regex::escape(&cm), regex::escape(svc));
    s.cause(
        cause,
        "deploy",
        &[
            &format!(r"Applying resource (ConfigMap/{cm_re}|Deployment/{svc_re}) in cluster"),
            &format!(r#"Initiated automated sync to '[0-9a-f]+'" application=argocd/{svc_re}\b"#),
        ],
    );
    s.incident(first_crash, end);
    s.description = format!(
        "Argo CD synced {ns}/{svc}: ConfigMap/{cm} (a timeout written as '{bad_value}') and the Deployment. Every pod of \
         the new replica set {new_rs} exits at start-up ({}) and the kubelet backs off restarting it (kubelet.log). \
         Red herrings: Argo CD rolled {other} minutes earlier (unrelated change); the web HPA rescales all day.",
        match stack {
            Stack::Spring => "Spring Boot: Application run failed, BindException",
            Stack::Go => "Go service: fatal 'invalid configuration'",
        }
    );
}

fn uid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        rng.hex_string(8),
        rng.hex_string(4),
        rng.hex_string(4),
        rng.hex_string(4),
        rng.hex_string(12)
    )
}

fn backoff_ms(attempt: usize) -> Millis {
    ((10 * SECOND) << attempt.min(5)).min(5 * MINUTE)
}

/// A kubelet record: klog's header inside the journal's message, as journald stores it.
fn kubelet_rec(t: Millis, host: &str, pid: u32, sev: char, caller: &str, msg: &str) -> Rec {
    let stamp = DateTime::from_timestamp_millis(t).unwrap_or_default().format("%m%d %H:%M:%S%.6f");
    let level = if sev == 'E' { Level::Error } else { Level::Info };
    Rec::new(t, host, "kubelet", level, format!("{sev}{stamp} {pid:>7} {caller}] {msg}")).pid(pid)
}

#[allow(clippy::too_many_arguments)]
fn kubelet_line(s: &mut Scene, file: FileId, host: &str, pid: u32, t: Millis, sev: char, caller: &str, msg: &str) {
    s.once(file, kubelet_rec(t, host, pid, sev, caller, msg));
}

/// One start of the new container: a few start-up lines and the fatal error; returns when it died.
#[allow(clippy::too_many_arguments)]
fn crash(s: &mut Scene, log: FileId, stack: Stack, host: &str, svc: &str, cm: &str, bad: &str, t: Millis) -> Millis {
    match stack {
        Stack::Spring => {
            let main = |t: Millis, level: Level, logger: &str, msg: String| {
                Rec::new(t, host, svc, level, msg).pid(1).kv("thread", "main").kv("logger", logger)
            };
            let class: String = svc[..1].to_uppercase() + &svc[1..];
            let version = s.rng.range(0, 9);
            s.once(
                log,
                main(
                    t,
                    Level::Info,
                    &format!("c.e.{svc}.{class}Application"),
                    format!("Starting {class}Application v2.14.{version} using Java 21.0.5 with PID 1"),
                ),
            );
            s.once(
                log,
                main(
                    t + 40,
                    Level::Info,
                    &format!("c.e.{svc}.{class}Application"),
                    "The following 1 profile is active: \"prod\"".to_string(),
                ),
            );
            let died = t + s.between(2500, 6 * SECOND);
            s.once(
                log,
                main(
                    died,
                    Level::Error,
                    "o.s.boot.SpringApplication",
                    format!(
                        "Application run failed\norg.springframework.boot.context.properties.bind.BindException: Failed to bind properties under '{svc}.provider.timeout' to java.time.Duration\n\
                         \tat org.springframework.boot.context.properties.bind.Binder.handleBindError(Binder.java:392)\n\
                         \tat org.springframework.boot.context.properties.bind.Binder.bind(Binder.java:355)\n\
                         \tat org.springframework.boot.context.properties.ConfigurationPropertiesBinder.bind(ConfigurationPropertiesBinder.java:93)\n\
                         Caused by: java.lang.IllegalArgumentException: '{bad}' is not a valid duration\n\
                         \tat org.springframework.boot.convert.DurationStyle.detectAndParse(DurationStyle.java:170)\n\
                         \t... 98 common frames omitted"
                    ),
                ),
            );
            died
        }
        Stack::Go => {
            s.once(
                log,
                Rec::new(t, host, svc, Level::Info, "loading configuration")
                    .pid(1)
                    .kv("path", format!("/etc/{cm}/config.yaml")),
            );
            let died = t + s.between(30, 400);
            s.once(
                log,
                Rec::new(died, host, svc, Level::Fatal, "invalid configuration")
                    .pid(1)
                    .kv("error", format!("provider.timeout: time: invalid duration \"{bad}\"")),
            );
            died
        }
    }
}
