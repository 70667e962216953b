//! Hand-made incidents (`tests/data/incidents/<name>/`, written by `gen.py` there) in the formats
//! culprit reads, with their own service and host names and wording, unlike the built-in scenario
//! generator's world. Each folder's `truth.json` names the trigger line (path:line), or none for a
//! quiet day. The real binary runs on each (`culprit report --format json`); the first cause must
//! be the likely cause and hold the trigger line among its evidence, and a quiet day must get no
//! likely cause at all.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn incidents() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/incidents")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(logs: &Path) -> Value {
    let out = Command::cargo_bin("culprit")
        .expect("binary")
        .env_remove("NO_COLOR")
        // A user's own rule folder must not change what the built-in pack finds.
        .env("XDG_CONFIG_HOME", logs.join("no-such-config"))
        .args(["report", "--format", "json"])
        .arg(logs)
        .output()
        .expect("run culprit");
    assert!(out.status.success(), "culprit failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// One line per cause, for failure messages.
fn causes_brief(f: &Value) -> String {
    let mut s = String::new();
    for c in f["causes"].as_array().into_iter().flatten().take(6) {
        let ev: Vec<String> = c["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| format!("{}:{}", e["path"].as_str().unwrap_or(""), e["line"]))
            .collect();
        s.push_str(&format!(
            "  #{} [{}] {:.2} {} — evidence {}\n",
            c["rank"],
            c["verdict"].as_str().unwrap_or(""),
            c["score"].as_f64().unwrap_or(0.0),
            c["title"].as_str().unwrap_or(""),
            ev.join(", ")
        ));
    }
    format!("summary: {}\n{s}", f["summary"].as_str().unwrap_or(""))
}

fn holds(cause: &Value, path: &str, line: u64) -> bool {
    cause["evidence"].as_array().into_iter().flatten().any(|e| {
        e["line"].as_u64() == Some(line)
            && e["path"].as_str().is_some_and(|p| p.replace('\\', "/").ends_with(&format!("/{path}")))
    })
}

/// Runs one incident and checks the first cause against its truth.
fn check(name: &str) {
    let dir = incidents().join(name);
    let truth = read_json(&dir.join("truth.json"));
    let logs = dir.join("logs");
    let f = report(&logs);
    let causes = f["causes"].as_array().cloned().unwrap_or_default();
    let trigger = &truth["trigger"];
    if trigger.is_null() {
        assert!(
            !causes.iter().any(|c| c["verdict"] == "likely-cause"),
            "{name}: a quiet day got a likely cause\n{}",
            causes_brief(&f)
        );
        return;
    }
    let path = trigger["path"].as_str().expect("trigger path");
    let line = trigger["line"].as_u64().expect("trigger line");
    // The truth must still point at the line it describes (gen.py and the folder agree).
    let text = std::fs::read_to_string(logs.join(path)).expect("trigger file");
    assert_eq!(
        text.lines().nth(line as usize - 1),
        trigger["text"].as_str(),
        "{name}: truth.json is stale; rerun tests/data/incidents/gen.py"
    );
    let top = causes.first().unwrap_or_else(|| panic!("{name}: no cause at all\n{}", causes_brief(&f)));
    assert_eq!(top["verdict"], "likely-cause", "{name}: the first cause is not a likely cause\n{}", causes_brief(&f));
    assert!(
        holds(top, path, line),
        "{name}: the first cause does not hold the trigger {path}:{line}\n{}",
        causes_brief(&f)
    );
    let hosts: Vec<&str> = trigger["hosts"].as_array().into_iter().flatten().filter_map(|h| h.as_str()).collect();
    if !hosts.is_empty() {
        let named: Vec<&str> = top["hosts"].as_array().into_iter().flatten().filter_map(|h| h.as_str()).collect();
        assert!(
            named.iter().any(|h| hosts.contains(h)),
            "{name}: the first cause names hosts {named:?}, the trigger acted on {hosts:?}\n{}",
            causes_brief(&f)
        );
    }
}

/// A deploy introduces an exception template no rule knows (only pattern mining sees it), while a
/// loud cache timeout has been failing at the same rate all along.
#[test]
fn deploy_with_an_unknown_exception_beats_a_loud_chronic_timeout() {
    check("payments-deploy");
}

/// A certificate rotation on one of three proxies; handshake errors and 502s only on that proxy.
#[test]
fn certificate_rotation_on_one_proxy_explains_its_handshake_failures() {
    check("cert-rotation");
}

/// A feature flag raises memory use; the kernel (classic yearless syslog) OOM-kills the service
/// again and again, and the automatic restarts that follow each kill are not the cause.
#[test]
fn feature_flag_before_an_oom_kill_cascade_is_the_cause() {
    check("oom-cascade");
}

/// A chronic loud database error, routine deploys, ordinary 5xx noise: no likely cause.
#[test]
fn quiet_day_has_no_likely_cause() {
    check("quiet-day");
}

/// A certificate rotation known only from an audit record naming `lb-b`; the proxies' own lines
/// carry no host, only their folders (`lb-a/`, `lb-b/`, `lb-c/`) say which proxy wrote them.
#[test]
fn audit_only_rotation_links_through_per_host_folders() {
    check("tls-rotation-audit");
}

/// No access log: a database limit lowered on the database host; the applications' logfmt lines
/// carry the reason ("Too many connections") in an `err` field beside a generic message.
#[test]
fn database_limit_change_explains_errors_told_in_an_err_field() {
    check("mysql-max-connections");
}

/// Kubernetes: a ConfigMap patch in the API audit log (timestamps in `stageTimestamp`, the object in
/// a nested `objectRef`) among reads all day; the pods crash-loop and the ingress answers 503.
#[test]
fn configmap_patch_in_a_kubernetes_audit_log_explains_a_crash_loop() {
    check("k8s-configmap");
}

/// A DDL statement in the PostgreSQL log takes a lock the application's updates wait on; a
/// release of another application ten minutes earlier is not it.
#[test]
fn ddl_lock_in_the_database_log_explains_statement_timeouts() {
    check("pg-ddl-lock");
}

/// An nginx reload on one of two proxies, followed only by symptoms (502s, upstream connect
/// errors): the reload is the cause, and its two lines are one change.
#[test]
fn nginx_reload_before_symptoms_alone_is_the_cause() {
    check("nginx-reload");
}

/// More traffic from 08:00 brings more failures at the same small share, and a routine deploy
/// came just before: not an incident, no likely cause.
#[test]
fn morning_traffic_rise_with_a_steady_failure_share_has_no_likely_cause() {
    check("morning-rise");
}

/// No access log, an hourly job's retry storm (the one at 04:00 like every one before it), a trickle
/// of job errors and routine deploys: no likely cause.
#[test]
fn hourly_retry_storm_like_every_hour_before_has_no_likely_cause() {
    check("hourly-retry-storm");
}

/// Every incident folder has a test above, so a new fixture cannot be forgotten.
#[test]
fn every_incident_folder_is_checked() {
    const CHECKED: &[&str] = &[
        "bank-api-degraded",
        "canary-audit",
        "cert-rotation",
        "disk-fault-db-stop",
        "earlier-deploy-elsewhere",
        "first-cron-run",
        "flag-buffer-leak",
        "haproxy-check-change",
        "hourly-retry-storm",
        "k8s-configmap",
        "morning-rise",
        "mysql-max-connections",
        "nginx-reload",
        "oom-cascade",
        "payments-deploy",
        "pg-ddl-lock",
        "proxy-cert-expiry",
        "quiet-day",
        "resolver-playbook",
        "stale-credentials",
        "tls-rotation-audit",
        "volume-full-timeouts",
    ];
    let mut found: Vec<String> = std::fs::read_dir(incidents())
        .expect("incidents folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("truth.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, CHECKED, "add a test for each folder under tests/data/incidents");
}

/// A fleet-wide playbook edits every host's chrony.conf two hours before another playbook edits
/// the resolver config on two hosts: one earlier occasion of the same kind of change, not a
/// routine that would hide the real one.
#[test]
fn a_fleet_run_earlier_does_not_make_the_resolver_change_routine() {
    check("resolver-playbook");
}

/// A canary deploy known only from a pipeline's JSON audit record (`"action":"deploy"`) fails a
/// share of one host's quotes; the rollout 40 minutes later fails far more. The incident begins at
/// the canary, so the canary deploy is the cause; hourly log rotation is housekeeping.
#[test]
fn a_canary_deploy_in_an_audit_record_starts_the_incident() {
    check("canary-audit");
}

/// The proxies' own error logs name an expired upstream certificate at the first 502, with no
/// change anywhere; a client's louder failures follow seconds later and are its consequence.
#[test]
fn a_proxy_whose_own_errors_come_first_is_the_cause() {
    check("proxy-cert-expiry");
}

/// A deploy elsewhere eight minutes earlier leaves a trickle of its own errors; then a config change
/// lowers a connection pool on two of three hosts and their requests fail. The deploy's story
/// touches none of the failing hosts or services: it must not outrank the change on them.
#[test]
fn a_deploy_off_the_failing_path_minutes_earlier_is_not_the_cause() {
    check("earlier-deploy-elsewhere");
}

/// An external API slows down with no change of ours; the service that serves the failing endpoint
/// logs the failed calls a minute before the 5xx. A deploy of an unrelated service nine minutes
/// earlier, with new errors of its own, is not the cause.
#[test]
fn a_dependency_failing_on_the_failing_path_beats_an_unrelated_earlier_deploy() {
    check("bank-api-degraded");
}

/// A flag turns on a cache that leaks buffers on two hosts; the leak detector's errors say
/// "release() was not called". A method name is no change: the flag stays the cause of the leak
/// reports and of the OOM kills that follow.
#[test]
fn a_change_word_in_a_method_name_does_not_make_an_error_a_change() {
    check("flag-buffer-leak");
}

/// A database host's disk stops completing I/O; systemd then says it stopped the crashed database,
/// and the app cannot connect to that host. The stop echoes the crash, and the app's errors name
/// the host where the disk errors began: the disk errors are the cause.
#[test]
fn a_stop_after_a_host_failed_is_its_echo_not_the_cause() {
    check("disk-fault-db-stop");
}

/// A password rotation: two hosts recover within minutes, two keep failing. The host that logs the
/// error first in file order recovers; the cause's evidence comes from the hosts that fail, and
/// from their earliest line.
#[test]
fn evidence_comes_from_the_failing_hosts_and_their_earliest_line() {
    check("stale-credentials");
}

/// A batch job runs for the first time a minute and a half before the database slows down; nothing
/// names it, only time ties them. The sysstat and hourly jobs that ran all night are a schedule.
#[test]
fn a_job_never_run_before_just_ahead_of_the_failures_is_the_cause() {
    check("first-cron-run");
}

/// A database volume fills and mysqld cannot write; the API's writes time out 20 s later. The API
/// has logged a warning of the same kind (an i/o timeout to a slow search backend) all day, one of
/// them seconds before the disk filled. The timeouts are an echo: their onset is the first error,
/// not the chronic warning, and they say what they likely waited on.
#[test]
fn timeouts_after_another_service_fails_are_its_echo() {
    check("volume-full-timeouts");
    let f = report(&incidents().join("volume-full-timeouts/logs"));
    let causes = f["causes"].as_array().cloned().unwrap_or_default();
    let timeouts = causes
        .iter()
        .find(|c| c["service"] == "cart" && c["verdict"] != "chronic")
        .unwrap_or_else(|| panic!("no story for the cart timeouts\n{}", causes_brief(&f)));
    let onset = timeouts["onset"].as_str().expect("onset");
    assert!(onset >= "2025-03-11T08:41:32", "the chronic warning set the timeouts' onset: {onset}");
    let reasons: Vec<&str> = timeouts["reasons"].as_array().into_iter().flatten().filter_map(|r| r.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("waiting on something, and mysql began failing")),
        "the timeouts do not name what they waited on: {reasons:?}"
    );
}

/// HAProxy's HTTP log lines, shipped through syslog, put the status before the request: read as
/// columns, the 503 <NOSRV> lines are the symptom, and the health-check change that took every
/// server down is the cause; the PHP warnings and the odd slow static file are chronic.
#[test]
fn haproxy_http_log_lines_through_syslog_are_the_symptom() {
    check("haproxy-check-change");
}
