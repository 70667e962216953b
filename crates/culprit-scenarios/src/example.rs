//! A hand-built, realistic [`Findings`]: the example in `docs/findings.md` and
//! the fixture the report views are tested against. The story: a config push
//! changed the OIDC issuer on two of three auth hosts; logins failed there;
//! PostgreSQL then ran out of connection slots as clients retried (a
//! consequence); its "connection reset" errors were there all day (chronic);
//! a backup host's disk warning is unrelated.

use culprit::findings::*;
use culprit::time::civil_to_millis;

fn at(h: u32, m: u32, s: u32, ms: u32) -> i64 {
    civil_to_millis(2024, 3, 14, h, m, s, ms)
}

fn ev(path: &str, line: u64, ts: i64, text: &str) -> Evidence {
    Evidence { path: path.into(), line, ts: Some(ts), text: text.into(), record: None }
}

fn tl(ts: i64, path: &str, line: u64, summary: &str) -> TimelineEntry {
    TimelineEntry { ts, path: path.into(), line, summary: summary.into(), record: None }
}

fn input(path: &str, format: &str, records: u64, unparsed: u64, first: i64, last: i64) -> InputSummary {
    InputSummary { path: path.into(), format: format.into(), records, unparsed, first: Some(first), last: Some(last) }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn example() -> Findings {
    let day_start = at(8, 0, 0, 0);
    let day_end = at(14, 59, 58, 412);
    Findings {
        schema: SCHEMA.into(),
        inputs: vec![
            input("logs/auth/auth-1.json", "json", 61_204, 0, day_start, day_end),
            input("logs/auth/auth-2.json", "json", 63_881, 0, day_start, day_end),
            input("logs/auth/auth-3.json", "json", 62_950, 2, day_start, day_end),
            input("logs/config-audit.log", "logfmt", 1_214, 0, at(8, 12, 40, 0), at(14, 27, 5, 0)),
            input("logs/nginx/access.log", "access", 402_118, 17, day_start, day_end),
            input("logs/postgres/postgresql.log", "postgres", 95_307, 0, day_start, day_end),
        ],
        incident: Some(Incident {
            start: at(14, 2, 40, 118),
            onset: at(14, 2, 40, 118),
            end: Some(at(14, 27, 9, 0)),
            source: WindowSource::Auto,
            impact: Impact {
                description: "44.8% of login requests failed (baseline 0.6%), on auth-2, auth-3".into(),
                baseline_ratio: Some(0.006),
                incident_ratio: Some(0.448),
                hosts: strings(&["auth-2", "auth-3"]),
                services: strings(&["auth-api", "nginx"]),
                short: "44.8% of login requests failing".into(),
            },
        }),
        causes: vec![
            Cause {
                rank: 1,
                score: 0.91,
                verdict: Verdict::LikelyCause,
                subsystem: "auth-config".into(),
                service: "auth-api".into(),
                hosts: strings(&["auth-2", "auth-3"]),
                title: "OIDC issuer changed in the auth config".into(),
                signal: SignalRef { kind: SignalKind::Rule, id: "auth.config-change".into() },
                onset: Some(at(14, 2, 11, 0)),
                baseline_per_min: 0.0,
                incident_per_min: 0.1,
                reasons: strings(&[
                    "config change on auth-2, auth-3 at 14:02:11, 29s before login failures began",
                    "login failures are new on exactly the hosts that changed: auth-1 kept the old issuer and \
                     stayed healthy",
                    "explains 1,284 'issuer mismatch' token errors (0.0/min before, 51.4/min during)",
                ]),
                evidence: vec![
                    ev(
                        "logs/config-audit.log",
                        1187,
                        at(14, 2, 11, 0),
                        "ts=2024-03-14T14:02:11Z host=auth-2 user=deploy-bot action=set key=oidc.issuer \
                         old=https://id.example.com new=https://id.example.com/",
                    ),
                    ev(
                        "logs/config-audit.log",
                        1188,
                        at(14, 2, 11, 0),
                        "ts=2024-03-14T14:02:11Z host=auth-3 user=deploy-bot action=set key=oidc.issuer \
                         old=https://id.example.com new=https://id.example.com/",
                    ),
                    ev(
                        "logs/auth/auth-2.json",
                        40211,
                        at(14, 2, 40, 118),
                        r#"{"ts":"2024-03-14T14:02:40.118Z","level":"error","host":"auth-2","msg":"token validation failed: issuer mismatch","expected":"https://id.example.com/","got":"https://id.example.com"}"#,
                    ),
                ],
                related: vec![SignalRef { kind: SignalKind::Rule, id: "auth.token-invalid".into() }],
            },
            Cause {
                rank: 2,
                score: 0.34,
                verdict: Verdict::Consequence,
                subsystem: "database".into(),
                service: "postgres".into(),
                hosts: strings(&["db-1"]),
                title: "connection slots exhausted".into(),
                signal: SignalRef { kind: SignalKind::Rule, id: "postgres.too-many-connections".into() },
                onset: Some(at(14, 5, 10, 331)),
                baseline_per_min: 0.0,
                incident_per_min: 8.7,
                reasons: strings(&[
                    "began 2m30s after the login failures, as clients retried",
                    "stopped within a minute of the config revert at 14:27:05",
                ]),
                evidence: vec![ev(
                    "logs/postgres/postgresql.log",
                    88213,
                    at(14, 5, 10, 331),
                    "2024-03-14 14:05:10.331 UTC [41277] FATAL:  remaining connection slots are reserved for \
                     non-replication superuser connections",
                )],
                related: Vec::new(),
            },
            Cause {
                rank: 3,
                score: 0.12,
                verdict: Verdict::Chronic,
                subsystem: "database".into(),
                service: "postgres".into(),
                hosts: strings(&["db-1"]),
                title: "could not receive data from client: connection reset by peer".into(),
                signal: SignalRef { kind: SignalKind::Pattern, id: "p17".into() },
                onset: None,
                baseline_per_min: 3.9,
                incident_per_min: 4.1,
                reasons: strings(&[
                    "same rate for 6h before the incident (3.9/min before, 4.1/min during)",
                    "first seen at 08:00:03, six hours before the onset",
                ]),
                evidence: vec![ev(
                    "logs/postgres/postgresql.log",
                    1021,
                    at(8, 0, 3, 512),
                    "2024-03-14 08:00:03.512 UTC [3312] LOG:  could not receive data from client: Connection reset \
                     by peer",
                )],
                related: Vec::new(),
            },
            Cause {
                rank: 4,
                score: 0.05,
                verdict: Verdict::Unrelated,
                subsystem: "kernel".into(),
                service: "kernel".into(),
                hosts: strings(&["backup-1"]),
                title: "ext4 directory index full".into(),
                signal: SignalRef { kind: SignalKind::Rule, id: "kernel.ext4-warning".into() },
                onset: None,
                baseline_per_min: 0.2,
                incident_per_min: 0.2,
                reasons: strings(&["only on backup-1, which serves no login traffic", "no change around the incident"]),
                evidence: vec![ev(
                    "logs/syslog",
                    5530,
                    at(13, 58, 2, 0),
                    "Mar 14 13:58:02 backup-1 kernel: EXT4-fs warning (device sdb1): ext4_dx_add_entry:1250: \
                     Directory index full!",
                )],
                related: Vec::new(),
            },
        ],
        timeline: vec![
            tl(at(14, 2, 11, 0), "logs/config-audit.log", 1187, "oidc.issuer changed on auth-2 by deploy-bot"),
            tl(at(14, 2, 11, 0), "logs/config-audit.log", 1188, "oidc.issuer changed on auth-3 by deploy-bot"),
            tl(
                at(14, 2, 40, 118),
                "logs/auth/auth-2.json",
                40211,
                "login failures begin on auth-2, auth-3: token validation failed: issuer mismatch",
            ),
            tl(at(14, 2, 41, 0), "logs/nginx/access.log", 301_877, "HTTP 401 on POST /login rises to 45%"),
            tl(at(14, 5, 10, 331), "logs/postgres/postgresql.log", 88213, "postgres runs out of connection slots"),
            tl(at(14, 27, 5, 0), "logs/config-audit.log", 1201, "oidc.issuer reverted on auth-2, auth-3"),
            tl(at(14, 27, 9, 0), "logs/nginx/access.log", 365_002, "login failures back to baseline"),
        ],
        summary: "likely cause: the OIDC issuer changed in the auth config on auth-2, auth-3 at 14:02:11, 29s \
                  before 44.8% of logins began failing"
            .into(),
        notices: strings(&["logs/archive/core.dump: binary file, skipped"]),
        charts: vec![Series {
            label: "auth-api errors".into(),
            start: at(14, 0, 0, 0),
            bucket_ms: 60_000,
            counts: vec![0, 0, 48, 52, 51, 50],
        }],
        patterns: vec![PatternStat {
            id: "p17".into(),
            text: "could not receive data from client: Connection reset by peer".into(),
            count: 1_433,
            services: strings(&["postgres"]),
            first: Some(at(8, 0, 3, 512)),
            last: Some(at(14, 58, 40, 2)),
            baseline_per_min: 3.9,
            incident_per_min: 4.1,
            new: false,
            sparkline: vec![4, 4, 3, 4, 5, 4, 4, 4],
            examples: vec![ev(
                "logs/postgres/postgresql.log",
                1021,
                at(8, 0, 3, 512),
                "2024-03-14 08:00:03.512 UTC [3312] LOG:  could not receive data from client: Connection reset by peer",
            )],
        }],
        change: Some(ChangeFacts {
            id: None,
            what: "action=set key=oidc.issuer old=https://id.example.com new=https://id.example.com/".into(),
            settings: vec![SettingChange {
                name: "oidc.issuer".into(),
                old: Some("https://id.example.com".into()),
                new: "https://id.example.com/".into(),
            }],
            hosts: strings(&["auth-2", "auth-3"]),
            at: at(14, 2, 11, 0),
        }),
    }
}
