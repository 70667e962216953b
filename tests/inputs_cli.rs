//! `culprit inputs` on a folder mixing a gz-rotated syslog set, PostgreSQL, JSON lines and an
//! nginx access log: each file is reported with its format, counts and time span.

use assert_cmd::Command;
use std::io::Write;

#[test]
fn mixed_folder_reports_each_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let syslog_old = "Jan 22 14:00:01 web-1 sshd[811]: Failed password for root from 10.0.0.9 port 52211 ssh2\n\
                      Jan 22 14:00:05 web-1 sshd[811]: Connection closed by 10.0.0.9 port 52211 [preauth]\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(syslog_old.as_bytes()).unwrap();
    std::fs::write(d.join("auth.log.1.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        d.join("auth.log"),
        "Jan 22 15:00:01 web-1 sshd[900]: Accepted publickey for deploy from 10.0.0.5 port 40022 ssh2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("postgresql.log"),
        "2024-01-22 15:00:02.123 UTC [4242] ERROR:  duplicate key value violates unique constraint \"users_pkey\"\n\
         2024-01-22 15:00:02.123 UTC [4242] DETAIL:  Key (id)=(7) already exists.\n\
         2024-01-22 15:00:02.123 UTC [4242] STATEMENT:  INSERT INTO users VALUES (7)\n\
         2024-01-22 15:00:03.000 UTC [4243] LOG:  checkpoint starting: time\n",
    )
    .unwrap();
    std::fs::write(
        d.join("app.json"),
        "{\"ts\":\"2024-01-22T15:00:04Z\",\"level\":\"error\",\"msg\":\"token signing failed\",\"host\":\"auth-2\"}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("access.log"),
        "10.0.0.7 - - [22/Jan/2024:15:00:05 +0000] \"POST /login HTTP/1.1\" 500 71 \"-\" \"curl/8.0\"\n",
    )
    .unwrap();
    let out =
        Command::cargo_bin("culprit").unwrap().args(["--year", "2024", "inputs", "--json"]).arg(d).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = doc["inputs"].as_array().unwrap();
    let get = |name: &str| {
        inputs
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing from {doc}"))
    };
    let expect = [
        ("auth.log.1.gz", "syslog", 2, "2024-01-22T14:00:01.000Z"),
        ("auth.log", "syslog", 1, "2024-01-22T15:00:01.000Z"),
        ("postgresql.log", "postgres", 2, "2024-01-22T15:00:02.123Z"),
        ("app.json", "json", 1, "2024-01-22T15:00:04.000Z"),
        ("access.log", "access", 1, "2024-01-22T15:00:05.000Z"),
    ];
    for (name, format, records, first) in expect {
        let i = get(name);
        assert_eq!(i["format"], format, "{name}: {i}");
        assert_eq!(i["records"], records, "{name}: {i}");
        assert_eq!(i["unparsed"], 0, "{name}: {i}");
        assert_eq!(i["untimed"], 0, "{name}: {i}");
        assert_eq!(i["first"], first, "{name}: {i}");
    }
    // The rotated set reads oldest first.
    let order: Vec<&str> = inputs.iter().map(|i| i["path"].as_str().unwrap()).collect();
    let old = order.iter().position(|p| p.ends_with("auth.log.1.gz")).unwrap();
    let new = order.iter().position(|p| p.ends_with("/auth.log")).unwrap();
    assert!(old < new, "{order:?}");
}

/// `cat a.log b.jsonl c.log | culprit …`: each stretch is read by its own format.
fn concatenated() -> String {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&format!(
            "Jan 22 14:{:02}:{:02} web-1 sshd[811]: Failed password for root from 10.0.0.9\n",
            i / 60,
            i % 60
        ));
    }
    for i in 0..300 {
        text.push_str(&format!(
            "{{\"ts\":\"2024-01-22T15:{:02}:{:02}Z\",\"level\":\"error\",\"msg\":\"token signing failed\"}}\n",
            i / 60,
            i % 60
        ));
    }
    for i in 0..300 {
        text.push_str(&format!("time=2024-01-22T16:{:02}:{:02}Z level=info msg=\"served\" path=/x\n", i / 60, i % 60));
    }
    text
}

#[test]
fn concatenated_stdin_is_read_in_stretches() {
    let out = Command::cargo_bin("culprit")
        .unwrap()
        .args(["--year", "2024", "inputs", "--json", "-"])
        .write_stdin(concatenated())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let input = &doc["inputs"][0];
    assert_eq!(input["format"], "syslog+json+logfmt", "{input}");
    assert_eq!((input["records"].as_u64(), input["unparsed"].as_u64()), (Some(900), Some(0)), "{input}");
    assert_eq!(input["untimed"], 0, "{input}");
    assert_eq!(input["first"], "2024-01-22T14:00:00.000Z");
    assert_eq!(input["last"], "2024-01-22T16:04:59.000Z");
}

#[test]
fn a_mostly_unparsed_input_says_so_on_stderr() {
    let mut text = String::from("2024-01-22T15:00:00Z ERROR one stamped line\n");
    for i in 0..40 {
        text.push_str(&format!("free text {i} that no format reads\n"));
    }
    let out = Command::cargo_bin("culprit").unwrap().args(["report", "-"]).write_stdin(text).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("40 of 41 lines unparsed"), "{stderr}");
}

#[test]
fn crlf_lines_leave_no_carriage_return_in_messages() {
    let text = "{\"ts\":\"2024-01-22T15:00:04Z\",\"level\":\"error\",\"msg\":\"token signing failed\"}\r\n\
                time=2024-01-22T15:00:05Z level=error msg=boom\r\n";
    let out =
        Command::cargo_bin("culprit").unwrap().args(["patterns", "--json", "-"]).write_stdin(text).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("token signing failed") && !stdout.contains("\\r"), "{stdout}");
}

#[test]
fn xz_and_zstd_rotations_are_decompressed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old = b"Jan 22 13:00:01 web-1 sshd[811]: Failed password for root from 10.0.0.9 port 52211 ssh2\n".repeat(120);
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &old[..], &mut xz).unwrap();
    std::fs::write(d.join("auth.log.2.xz"), xz).unwrap();
    let newer = b"Jan 22 14:00:01 web-1 sshd[811]: Accepted publickey for deploy from 10.0.0.5 port 40022 ssh2\n";
    let zst = ruzstd::encoding::compress_to_vec(&newer[..], ruzstd::encoding::CompressionLevel::Fastest);
    std::fs::write(d.join("auth.log.1.zst"), zst).unwrap();
    let out =
        Command::cargo_bin("culprit").unwrap().args(["--year", "2024", "inputs", "--json"]).arg(d).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = doc["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "{doc}");
    for (input, records) in inputs.iter().zip([120, 1]) {
        assert_eq!(input["format"], "syslog", "{input}");
        assert_eq!((input["records"].as_u64(), input["unparsed"].as_u64()), (Some(records), Some(0)), "{input}");
        assert_eq!(input["stream"], "auth.log", "{input}");
    }
}
