//! culprit on logs in a real two-shard ClickHouse cluster: two `clickhouse-server` processes on free
//! loopback ports, run as user `clickhouse`, each with its own config, data and log folder, declared
//! as two shards of one cluster. The tables of `scripts/clickhouse-tables.sql` are created on both;
//! `sample-logs/` and five generated incidents are loaded with `culprit export --format jsonl` posted
//! as `INSERT … FORMAT JSONEachRow`, rows land on both shards through the Distributed table, and
//! `culprit report` on the Distributed table must give the same incident window and top cause as on
//! the files. Servers are stopped by pid at the end (and on a panic).
//!
//! Skips with a message when `clickhouse-server` is not installed or we are not root (`.ci/run`
//! installs it). Run alone with `cargo test --test clickhouse`.

mod real;

use culprit_scenarios::{self as scenario, Family, Options};
use real::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const TABLES_SQL: &str = include_str!("../scripts/clickhouse-tables.sql");
const CLUSTER: &str = "culprit_logs";

/// One server of the cluster.
struct Shard {
    http: u16,
    _proc: Proc,
}

/// POSTs `body` to `path` on a loopback port; returns the body of a 200 answer.
fn post(port: u16, path: &str, body: &[u8]) -> Result<String, String> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect {port}: {e}"))?;
    c.set_read_timeout(Some(Duration::from_secs(120))).map_err(|e| e.to_string())?;
    let head = format!("POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", body.len());
    c.write_all(head.as_bytes()).and_then(|_| c.write_all(body)).map_err(|e| format!("send: {e}"))?;
    let mut resp = Vec::new();
    c.read_to_end(&mut resp).map_err(|e| format!("read: {e}"))?;
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = resp.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!("{}: {body}", head.lines().next().unwrap_or("")));
    }
    Ok(body.to_string())
}

fn query(port: u16, sql: &str) -> Result<String, String> {
    post(port, "/", sql.as_bytes()).map_err(|e| format!("{sql}: {e}"))
}

fn clickhouse_ids() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").arg(flag).arg("clickhouse").stderr(Stdio::null()).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn config(dir: &Path, http: u16, tcp: u16, interserver: u16, shards: &[u16]) -> String {
    let d = dir.display();
    let shards: String = shards
        .iter()
        .map(|p| format!("<shard><replica><host>127.0.0.1</host><port>{p}</port></replica></shard>"))
        .collect();
    format!(
        r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/log/server.log</log><errorlog>{d}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <interserver_http_port>{interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>500</flush_interval_milliseconds></query_log>
  <remote_servers><{CLUSTER}>{shards}</{CLUSTER}></remote_servers>
</yandex>
"#
    )
}

const USERS: &str = r#"<?xml version="1.0"?>
<yandex>
  <profiles><default><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#;

/// Starts both servers; each knows the cluster of both.
fn start_cluster(w: &Workdir, bin: &Path) -> Result<Vec<Shard>, String> {
    let ports: Vec<(u16, u16, u16)> = (0..2).map(|_| (free_port(), free_port(), free_port())).collect();
    let tcps: Vec<u16> = ports.iter().map(|p| p.1).collect();
    let mut shards = Vec::new();
    for (i, &(http, tcp, inter)) in ports.iter().enumerate() {
        let dir = w.mkdir(&format!("shard{i}"));
        for sub in ["data", "tmp", "log", "user_files"] {
            w.mkdir(&format!("shard{i}/{sub}"));
        }
        w.write(&format!("shard{i}/config.xml"), &config(&dir, http, tcp, inter, &tcps));
        w.write(&format!("shard{i}/users.xml"), USERS);
        let out = std::fs::File::create(dir.join("log/stdout.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--config-file={}", dir.join("config.xml").display()))
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(|e| e.to_string())?)
            .stderr(out);
        as_service(&mut cmd, w.ids, &dir);
        if let Some((u, g)) = w.ids {
            cmd.uid(u).gid(g);
        }
        let mut proc = Proc::spawn(&format!("clickhouse-server shard {i}"), &mut cmd, "TERM")?;
        wait_port(&mut proc, http, Duration::from_secs(60), &dir.join("log/server.err.log"))
            .map_err(|e| w.failed(e))?;
        shards.push(Shard { http, _proc: proc });
    }
    Ok(shards)
}

/// The statements of the tables file for one database, comments dropped.
fn table_statements(db: &str) -> Vec<String> {
    let text: String = TABLES_SQL.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    text.split(';')
        .map(|s| s.trim().replace("{db}", db).replace("{cluster}", CLUSTER))
        .filter(|s| !s.is_empty())
        .collect()
}

fn culprit(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(assert_cmd::cargo::cargo_bin("culprit"))
        .args(args)
        .output()
        .map_err(|e| format!("culprit {args:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("culprit {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

/// What must agree between a run on files and a run on the table.
#[derive(Debug, PartialEq)]
struct Verdict {
    start: serde_json::Value,
    onset: serde_json::Value,
    end: serde_json::Value,
    cause: Option<(String, String, String, Vec<String>, String)>,
}

fn verdict(report: &[u8]) -> Verdict {
    let f: serde_json::Value = serde_json::from_slice(report).expect("JSON report");
    let inc = &f["incident"];
    let cause = f["causes"].as_array().and_then(|c| c.first()).map(|c| {
        let mut hosts: Vec<String> =
            c["hosts"].as_array().into_iter().flatten().filter_map(|h| h.as_str().map(String::from)).collect();
        hosts.sort();
        let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
        (s("verdict"), s("subsystem"), s("service"), hosts, s("onset"))
    });
    Verdict { start: inc["start"].clone(), onset: inc["onset"].clone(), end: inc["end"].clone(), cause }
}

/// Rows the last grouped query on `db` returned to culprit, from the server's `system.query_log`.
fn grouped_rows_returned(port: u16, db: &str) -> Result<usize, String> {
    let sql = format!(
        "SELECT result_rows FROM system.query_log WHERE type = 2 AND is_initial_query \
         AND query LIKE 'SELECT count(), min(%' AND query LIKE '%FROM `{db}`.`logs`%' ORDER BY event_time DESC LIMIT 1"
    );
    // The log is written every half second.
    for _ in 0..20 {
        let n: usize = query(port, &sql)?.trim().parse().unwrap_or(0);
        if n > 0 {
            return Ok(n);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("{db}: no grouped query in system.query_log"))
}

/// Loads `logs` into database `db` through the Distributed table and compares the findings.
fn load_and_compare(shards: &[Shard], db: &str, logs: &Path) -> Result<(), String> {
    for s in shards {
        for stmt in table_statements(db) {
            query(s.http, &stmt)?;
        }
    }
    let logs_arg = logs.to_str().ok_or("path")?;
    let jsonl = culprit(&["export", "--format", "jsonl", logs_arg])?;
    let timed = jsonl.split(|&c| c == b'\n').filter(|l| l.starts_with(b"{\"ts\":\"")).count();
    let path = format!(
        "/?query={}&input_format_skip_unknown_fields=1&insert_distributed_sync=1",
        format!("INSERT INTO {db}.logs_in FORMAT JSONEachRow").replace(' ', "%20")
    );
    post(shards[0].http, &path, &jsonl).map_err(|e| format!("insert into {db}: {e}"))?;
    let per_shard: Vec<usize> = shards
        .iter()
        .map(|s| query(s.http, &format!("SELECT count() FROM {db}.logs_local")).map(|n| n.trim().parse().unwrap_or(0)))
        .collect::<Result<_, _>>()?;
    assert!(per_shard.iter().all(|&n| n > 0), "{db}: rows on every shard: {per_shard:?}");
    assert_eq!(per_shard.iter().sum::<usize>(), timed, "{db}: every timed record stored once");

    let url = format!("clickhouse://127.0.0.1:{}/{db}.logs?ms=ms", shards[0].http);
    let local = verdict(&culprit(&["report", "--format", "json", logs_arg])?);
    let remote = verdict(&culprit(&["report", "--format", "json", &url])?);
    assert!(local.cause.is_some(), "{db}: the local run names causes");
    assert_eq!(remote, local, "{db}: findings from the Distributed table differ from the files'");
    // The servers counted: the grouped query returned fewer rows than the table holds.
    let returned = grouped_rows_returned(shards[0].http, db)?;
    let stored: usize = per_shard.iter().sum();
    assert!(returned > 0 && returned < stored, "{db}: {returned} groups returned for {stored} rows stored");
    // Relative bounds are resolved against the table's span, as against the files', and become a WHERE.
    // Rows outside them are not fetched, while a run on files still sees them (the window's start can
    // move by a bucket): the top cause must agree.
    let bounds = ["report", "--format", "json", "--since=-3h", "--until=-20m"];
    let local = verdict(&culprit(&[&bounds[..], &[logs_arg]].concat())?);
    let remote = verdict(&culprit(&[&bounds[..], &[url.as_str()]].concat())?);
    assert_eq!(remote.cause, local.cause, "{db}: the top cause within --since/--until differs");
    Ok(())
}

#[test]
fn distributed_table_gives_the_findings_of_the_files() {
    let Some(bin) = find_bin("clickhouse-server", &["/usr/bin/clickhouse-server"]) else {
        return skip("clickhouse-server is not installed (apt-get install clickhouse-server)");
    };
    if !is_root() {
        return skip("starting clickhouse-server as user clickhouse needs root");
    }
    let Some(ids) = clickhouse_ids() else {
        return skip("no user clickhouse (the clickhouse-server package creates it)");
    };
    let w = Workdir::new("clickhouse", Some(ids));
    let shards = start_cluster(&w, &bin).unwrap_or_else(|e| panic!("{e}"));

    let mut sets: Vec<(String, PathBuf)> =
        vec![("sample".into(), PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-logs"))];
    let families = [Family::DbDiskFull, Family::PoolExhaustion, Family::DnsResolver, Family::OomKill, Family::TlsChain];
    for (i, fam) in families.into_iter().enumerate() {
        let dir = w.mkdir(&format!("logs/{}", fam.name()));
        scenario::generate(&dir, &Options { size: Some(512 << 10), ..Options::new(fam, 100 + i as u64) })
            .unwrap_or_else(|e| panic!("generate {}: {e}", fam.name()));
        sets.push((fam.name().replace('-', "_"), dir));
    }
    for (name, dir) in &sets {
        load_and_compare(&shards, &format!("culprit_{name}"), dir).unwrap_or_else(|e| panic!("{}", w.failed(e)));
    }
    drop(shards);
}
