//! Formats through the whole index: detection per input, continuation lines, yearless stamps
//! across New Year, epoch stamps and malformed lines.

use culprit::format::Level;
use culprit::index::{Index, IndexOptions};
use culprit::rules::RuleSet;
use culprit::source::{Data, Source};
use culprit::time::{civil_to_millis, NO_TIME};
use std::path::PathBuf;

fn source(id: u32, name: &str, text: &str) -> Source {
    Source {
        id,
        path: PathBuf::from(name),
        stream: culprit::source::stream_name(std::path::Path::new(name)),
        data: Data::Owned(text.as_bytes().to_vec()),
        mtime: None,
        warnings: Vec::new(),
    }
}

fn build(inputs: &[(&str, &str)], year: Option<i64>) -> Index {
    let sources = inputs.iter().enumerate().map(|(i, (n, t))| source(i as u32, n, t)).collect();
    let opts = IndexOptions { year, mine_patterns: false, chunk_size: 64, ..Default::default() };
    Index::build(sources, Vec::new(), RuleSet::empty(), &opts)
}

#[test]
fn postgres_detail_lines_join_their_record() {
    let text =
        "2024-01-22 15:30:01.123 UTC [4242] ERROR:  duplicate key value violates unique constraint \"users_pkey\"\n\
                2024-01-22 15:30:01.123 UTC [4242] DETAIL:  Key (id)=(1) already exists.\n\
                2024-01-22 15:30:01.123 UTC [4242] STATEMENT:  INSERT INTO users VALUES (1)\n\
                2024-01-22 15:30:02.000 UTC [4243] LOG:  checkpoint starting: time\n";
    let idx = build(&[("postgresql.log", text)], None);
    assert_eq!(idx.inputs[0].format, "postgres");
    assert_eq!(idx.records.len(), 2);
    assert_eq!(idx.inputs[0].unparsed, 0);
    assert!(idx.record_bytes(0).ends_with(b"INSERT INTO users VALUES (1)"));
    assert_eq!(idx.records.level(0), Level::Error);
    assert_eq!(idx.services.get(idx.records.service(0)), "postgres");
    assert_eq!(idx.message(0), b"duplicate key value violates unique constraint \"users_pkey\"");
}

#[test]
fn java_stack_trace_joins_the_json_record() {
    let text = "{\"ts\":\"2024-01-22T15:30:01Z\",\"level\":\"error\",\"msg\":\"boom\"}\n\
                java.lang.IllegalStateException: pool exhausted\n\
                \tat com.example.Pool.get(Pool.java:42)\n\
                \t... 12 more\n\
                {\"ts\":\"2024-01-22T15:30:02Z\",\"level\":\"info\",\"msg\":\"ok\"}\n";
    let idx = build(&[("auth.json", text)], None);
    assert_eq!(idx.inputs[0].format, "json");
    assert_eq!(idx.records.len(), 2);
    assert_eq!(idx.line_of(1), 5);
}

#[test]
fn yearless_syslog_across_new_year() {
    let text = "Dec 31 23:59:58 h app[1]: a\nDec 31 23:59:59 h app[1]: b\nJan  1 00:00:01 h app[1]: c\n";
    let idx = build(&[("syslog", text)], Some(2023));
    assert_eq!(idx.inputs[0].format, "syslog");
    assert_eq!(idx.records.ts(0), civil_to_millis(2023, 12, 31, 23, 59, 58, 0));
    assert_eq!(idx.records.ts(2), civil_to_millis(2024, 1, 1, 0, 0, 1, 0));
}

#[test]
fn yearless_klog_and_generic_across_new_year() {
    let klog = "I1231 23:59:59.000000       1 a.go:1] before\nE0101 00:00:02.000000       1 a.go:2] after\n";
    let android = "12-31 23:59:59.100  1  2 I A: before\n01-01 00:00:01.200  1  2 E A: after\n";
    let idx = build(&[("kubelet.log", klog), ("logcat.txt", android)], Some(2023));
    assert_eq!(idx.inputs[0].format, "klog");
    assert_eq!(idx.inputs[1].format, "generic");
    assert_eq!(idx.records.ts(1), civil_to_millis(2024, 1, 1, 0, 0, 2, 0));
    assert_eq!(idx.records.ts(3), civil_to_millis(2024, 1, 1, 0, 0, 1, 200));
    assert_eq!(idx.records.level(3), Level::Error);
}

#[test]
fn epoch_stamps() {
    let text = "{\"time\":1705937401.25,\"msg\":\"a\"}\n{\"time\":\"1705937402000\",\"msg\":\"b\"}\n{\"time\":1705937403000000000,\"msg\":\"c\"}\n";
    let idx = build(&[("app.json", text)], None);
    assert_eq!(
        (0..idx.records.len()).map(|i| idx.records.ts(i)).collect::<Vec<_>>(),
        vec![1_705_937_401_250, 1_705_937_402_000, 1_705_937_403_000]
    );
    let text = "1705937401.123 10.0.0.1 TCP_MISS/200 512 GET http://x/ - DIRECT/1.2.3.4 text/html\n";
    let idx = build(&[("access.log", text)], None);
    assert_eq!(idx.inputs[0].format, "generic");
    assert_eq!(idx.records.ts(0), 1_705_937_401_123);
}

#[test]
fn malformed_lines_are_kept_unparsed() {
    let text = "10.0.0.7 - - [22/Jan/2024:15:30:01 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"c\"\n\
                \u{1b}[31mgarbage\0line\n\
                10.0.0.7 - - [22/Jan/2024:15:30:02 +0000] \"GET /x HTTP/1.1\" 503 1 \"-\" \"c\"\n";
    let idx = build(&[("access.log", text)], None);
    assert_eq!(idx.inputs[0].format, "access");
    assert_eq!(idx.records.len(), 3);
    assert_eq!(idx.inputs[0].unparsed, 1);
    assert_eq!(idx.records.ts(1), NO_TIME);
    assert_eq!(idx.records.level(2), Level::Error);
    assert_eq!(idx.message(2), b"\"GET /x HTTP/1.1\" 503 1 \"-\" \"c\"");
}

#[test]
fn custom_formats_from_a_rules_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("formats")).unwrap();
    std::fs::write(
        dir.path().join("formats/gw.toml"),
        "[[format]]\nname = \"gateway\"\nregex = '^GW\\|(?P<ts>[^|]+)\\|(?P<level>\\w+)\\|(?P<service>[^|]+)\\|(?P<msg>.*)$'\n\
         timestamp = \"%d.%m.%Y %H:%M:%S\"\nsamples = [\"GW|22.01.2024 15:30:01|ERROR|billing|card declined\"]\n",
    )
    .unwrap();
    let formats = culprit::format::custom::load_all(&[dir.path().to_path_buf()]).unwrap();
    let opts = IndexOptions { custom_formats: formats, mine_patterns: false, ..Default::default() };
    let text = "GW|22.01.2024 15:30:01|ERROR|billing|card declined\nGW|22.01.2024 15:30:02|INFO|billing|ok\n";
    let idx = Index::build(vec![source(0, "gw.log", text)], Vec::new(), RuleSet::empty(), &opts);
    assert_eq!(idx.inputs[0].format, "gateway");
    assert_eq!(idx.records.ts(0), civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
    assert_eq!(idx.records.level(0), Level::Error);
    assert_eq!(idx.services.get(idx.records.service(0)), "billing");
}

#[test]
fn a_service_named_after_its_file_drops_the_extension() {
    let text = "2024-01-22 15:30:01,123 ERROR [main] c.f.Feed: feed failed\n";
    let idx = build(&[("logs/feed-api.log", text), ("var/log/billing.jsonl", text), ("logs/syslog", text)], None);
    let service = |i: usize| idx.services.get(idx.records.service(idx.records.source_range(i as u32).unwrap().start));
    assert_eq!(service(0), "feed-api");
    assert_eq!(service(1), "billing");
    assert_eq!(service(2), "syslog");
}

fn build_with_rules(inputs: &[(&str, &str)]) -> Index {
    let sources = inputs.iter().enumerate().map(|(i, (n, t))| source(i as u32, n, t)).collect();
    let opts = IndexOptions { mine_patterns: false, chunk_size: 64, ..Default::default() };
    Index::build(sources, Vec::new(), RuleSet::builtin().expect("built-in rules"), &opts)
}

fn rule_of(idx: &Index, i: usize) -> Option<String> {
    idx.rules.get(idx.records.rule(i)).map(|r| r.id.clone())
}

#[test]
fn mariadb_audit_log_is_the_same_server_as_its_error_log() {
    let audit = "20261207 17:13:48,vm,root,localhost,699,2208,QUERY,,'SET GLOBAL max_connections = 10',0\n\
                 20261207 17:13:50,vm,app,127.0.0.1,702,0,FAILED_CONNECT,,,1040\n\
                 20261207 17:13:50,vm,app,127.0.0.1,702,0,DISCONNECT,,,0\n";
    let error = "2026-12-07 17:07:30 0 [Note] InnoDB: Using io_uring\n\
                 261207 17:07:30 server_audit: MariaDB Audit Plugin version 1.4.14 STARTED.\n\
                 2026-12-07 17:07:30 0 [Note] mariadbd: ready for connections.\n\
                 Version: '10.11.19-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12\n";
    let idx = build_with_rules(&[("server_audit.log", audit), ("mysql-error.log", error)]);
    assert_eq!(idx.inputs[0].format, "mariadb-audit");
    assert_eq!(idx.inputs[1].format, "mysql");
    assert_eq!((idx.inputs[0].unparsed, idx.inputs[1].unparsed), (0, 0));
    assert_eq!(idx.records.len(), 3 + 3);
    for i in 0..idx.records.len() {
        assert_eq!(idx.services.get(idx.records.service(i)), "mysql", "record {i}");
    }
    assert_eq!(idx.hosts.get(idx.records.host(0)), "vm");
    assert_eq!(idx.records.ts(0), civil_to_millis(2026, 12, 7, 17, 13, 48, 0));
    assert!(idx.message(0).starts_with(b"SET GLOBAL max_connections = 10"));
    assert_eq!(rule_of(&idx, 0).as_deref(), Some("db.audit-setting-change"));
    assert_eq!(idx.records.level(1), Level::Error);
    assert_eq!(rule_of(&idx, 1).as_deref(), Some("db.audit-too-many-connections"));
    assert_eq!((idx.records.level(2), rule_of(&idx, 2)), (Level::Info, None));
}

#[test]
fn container_and_journal_envelopes_unwrap_to_their_lines() {
    // CRI: the pieces of a long line are one record, even across chunk boundaries (chunks of 64 bytes).
    let cri = "2024-06-03T10:15:02.100000000Z stderr P E0603 10:15:02.100000       1 main.go:12] a very long mess\n\
               2024-06-03T10:15:02.100000001Z stderr P age cut by the runtime into pieces\n\
               2024-06-03T10:15:02.100000002Z stderr F that ends here\n\
               2024-06-03T10:15:03.000000000Z stdout F {\"level\":\"info\",\"msg\":\"served\"}\n";
    let docker = "{\"log\":\"2024/06/03 10:15:02 [error] 7#7: *1 connect() failed\\n\",\"stream\":\"stderr\",\"time\":\"2024-06-03T10:15:02.5Z\"}\n\
                  {\"log\":\"ready\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-03T10:15:04Z\"}\n";
    let journal = "{\"__REALTIME_TIMESTAMP\":\"1717409702123456\",\"PRIORITY\":\"3\",\"_HOSTNAME\":\"web-1\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"9\",\"MESSAGE\":\"error: kex_exchange_identification: Connection closed\"}\n\
                   {\"__REALTIME_TIMESTAMP\":\"1717409703000000\",\"PRIORITY\":\"6\",\"_HOSTNAME\":\"web-1\",\"_SYSTEMD_UNIT\":\"api.service\",\"MESSAGE\":\"started\"}\n";
    let idx = build(&[("0.log", cri), ("container-json.log", docker), ("journal.json", journal)], None);
    let formats: Vec<&str> = idx.inputs.iter().map(|i| i.format.as_str()).collect();
    assert_eq!(formats, ["cri", "docker-json", "journald"]);
    for input in &idx.inputs {
        assert_eq!((input.unparsed, input.untimed), (0, 0), "{}", input.path);
    }
    assert_eq!(idx.records.len(), 2 + 2 + 2);
    assert_eq!(idx.records.level(0), Level::Error);
    // klog's yearless stamp inside takes the envelope's year.
    assert_eq!(idx.records.ts(0), civil_to_millis(2024, 6, 3, 10, 15, 2, 100));
    assert!(idx.record_bytes(0).ends_with(b"that ends here"));
    assert_eq!(idx.records.ts(1), civil_to_millis(2024, 6, 3, 10, 15, 3, 0));
    assert_eq!(idx.records.level(2), Level::Error);
    assert_eq!(idx.services.get(idx.records.service(2)), "container-json");
    assert_eq!(idx.records.ts(3), civil_to_millis(2024, 6, 3, 10, 15, 4, 0));
    assert_eq!((idx.records.level(4), idx.hosts.get(idx.records.host(4))), (Level::Error, "web-1"));
    assert_eq!(idx.services.get(idx.records.service(4)), "sshd");
    assert_eq!(idx.services.get(idx.records.service(5)), "api");
}

#[test]
fn change_tools_lines_read_as_changes_in_their_files() {
    let dpkg = "2024-06-03 10:15:01 startup archives unpack\n\
                2024-06-03 10:15:02 upgrade openssl:amd64 3.0.11-1 3.0.13-1\n\
                2024-06-03 10:15:02 status half-configured openssl:amd64 3.0.11-1\n";
    let apt = "Start-Date: 2024-06-03  10:15:02\n\
               Commandline: apt-get -y upgrade openssl\n\
               Requested-By: deploy (1001)\n\
               Upgrade: openssl:amd64 (3.0.11-1, 3.0.13-1)\n\
               End-Date: 2024-06-03  10:15:09\n";
    let syslog = "Jun  3 10:15:02 web-1 puppet-agent[1234]: (/Stage[main]/Resolv/File[/etc/resolv.conf]/content) content changed '{sha256}e3b0c442' to '{sha256}9f86d081'\n\
                  Jun  3 10:15:03 web-1 ansible-ansible.builtin.lineinfile[4242]: Invoked with path=/etc/ssh/sshd_config line=PermitRootLogin no\n\
                  Jun  3 10:15:04 web-1 systemd[1]: Reloading requested from client PID 4242 ('systemctl') (unit session-3.scope)...\n";
    let idx = build_with_rules(&[("dpkg.log", dpkg), ("history.log", apt), ("syslog", syslog)]);
    for input in &idx.inputs {
        assert_eq!((input.unparsed, input.untimed), (0, 0), "{}: {}", input.path, input.format);
    }
    let rules: Vec<Option<String>> = (0..idx.records.len()).map(|i| rule_of(&idx, i)).collect();
    let want = [
        None,
        Some("pkg.dpkg"),
        None,
        // apt's block is one record (and its End-Date another), judged by its command line.
        Some("pkg.apt-history"),
        None,
        Some("cm.puppet-resource-changed"),
        Some("cm.ansible-module-invoked"),
        Some("cm.systemd-daemon-reload"),
    ];
    assert_eq!(rules, want.map(|r| r.map(str::to_string)));
    assert_eq!(idx.records.ts(3), civil_to_millis(2024, 6, 3, 10, 15, 2, 0));
    for (i, r) in rules.iter().enumerate() {
        if let Some(id) = r {
            let rule = idx.rules.get(idx.records.rule(i)).expect("rule");
            assert_eq!(rule.kind, culprit::rules::RuleKind::Change, "{id}");
        }
    }
}

#[test]
fn yearless_feb_29_stays_feb_29_in_a_leap_year_from_a_dated_sibling() {
    // No --year and a fresh file (this year, not a leap year, or one): the dated sibling says 2024.
    let syslog = "Feb 28 23:59:58 db-1 app[1]: a\nFeb 29 10:00:00 db-1 app[1]: b\nMar  1 00:00:01 db-1 app[1]: c\n";
    let dated = "{\"ts\":\"2024-02-28T12:00:00Z\",\"msg\":\"x\"}\n{\"ts\":\"2024-03-01T12:00:00Z\",\"msg\":\"y\"}\n";
    let idx = build(&[("syslog", syslog), ("app.json", dated)], None);
    assert_eq!(idx.records.ts(0), civil_to_millis(2024, 2, 28, 23, 59, 58, 0));
    assert_eq!(idx.records.ts(1), civil_to_millis(2024, 2, 29, 10, 0, 0, 0));
    assert_eq!(idx.records.ts(2), civil_to_millis(2024, 3, 1, 0, 0, 1, 0));
    // Given a leap year outright, too.
    let idx = build(&[("syslog", syslog)], Some(2028));
    assert_eq!(idx.records.ts(1), civil_to_millis(2028, 2, 29, 10, 0, 0, 0));
}

#[test]
fn journal_byte_array_messages_are_mined_and_exported_as_text() {
    // journald spells a message that is not clean UTF-8, or holds control characters, as its bytes.
    let bytes = |text: &[u8]| text.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",");
    let journal: String = (0..4)
        .map(|i| {
            let text = format!("\x1b[31mdisk full\x1b[0m on /dev/sd{} caf\u{e9}", (b'a' + i) as char);
            // The `é` goes in as a lone Latin-1 byte: not UTF-8.
            let raw: Vec<u8> = text.bytes().filter(|&b| b != 0xc3).map(|b| if b == 0xa9 { 0xe9 } else { b }).collect();
            format!(
                "{{\"__REALTIME_TIMESTAMP\":\"17174097{i}2123456\",\"PRIORITY\":\"3\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":[{}]}}\n",
                bytes(&raw)
            )
        })
        .collect();
    let sources = vec![source(0, "journal.json", &journal)];
    let opts = IndexOptions { mine_patterns: true, ..Default::default() };
    let idx = Index::build(sources, Vec::new(), RuleSet::empty(), &opts);
    assert_eq!(idx.inputs[0].format, "journald");
    assert_eq!((idx.inputs[0].records, idx.inputs[0].unparsed, idx.inputs[0].untimed), (4, 0, 0));
    let template = idx.records.template(0);
    assert!((1..4).all(|i| idx.records.template(i) == template));
    let text = &idx.templates.get(template).expect("template").text;
    // Decoded, not the numbers: the colour codes glued to the words hold digits, so they mask.
    assert_eq!(text, "<*> <*> on <*> caf\u{fffd}");
    let mut out = Vec::new();
    culprit::cli::export::write_records(&idx, &mut out).expect("export");
    let first: serde_json::Value = serde_json::from_slice(out.split(|&c| c == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["message"], "\u{1b}[31mdisk full\u{1b}[0m on /dev/sda caf\u{fffd}");
    assert_eq!(first["level"], "error");
}

#[test]
fn json_loggers_on_no_list_are_read_by_key_names_and_value_shapes() {
    // .NET's JSON console formatter and Rust's tracing JSON, in one service's file each.
    let dotnet = "{\"Timestamp\":\"2024-12-07T16:00:01.123Z\",\"EventId\":0,\"LogLevel\":\"Information\",\"Category\":\"Orders.Api\",\"Message\":\"Order 17 saved\",\"State\":{\"Message\":\"Order 17 saved\"}}\n\
                  {\"Timestamp\":\"2024-12-07T16:00:02.456Z\",\"EventId\":3,\"LogLevel\":\"Error\",\"Category\":\"Orders.Db\",\"Message\":\"Deadlock on orders\",\"State\":{\"Message\":\"Deadlock on orders\"}}\n";
    let tracing = "{\"timestamp\":\"2024-12-07T16:00:03.000001Z\",\"level\":\"WARN\",\"fields\":{\"message\":\"pool exhausted\",\"size\":10},\"target\":\"api::db\"}\n";
    let idx = build(&[("orders.log", dotnet), ("api.log", tracing)], None);
    for input in &idx.inputs {
        assert_eq!((input.format.as_str(), input.unparsed, input.untimed), ("json", 0, 0), "{}", input.path);
    }
    assert_eq!(idx.records.ts(1), civil_to_millis(2024, 12, 7, 16, 0, 2, 456));
    assert_eq!(
        (idx.records.level(0), idx.records.level(1), idx.records.level(2)),
        (Level::Info, Level::Error, Level::Warn)
    );
    assert!(idx.message(1).starts_with(b"Deadlock on orders\""));
    assert!(idx.message(2).starts_with(b"pool exhausted\""));
}
