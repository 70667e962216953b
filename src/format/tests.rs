//! Tests across parsers: syslog variants, continuation lines, hostile bytes.

use super::*;
use crate::time::civil_to_millis;

fn ctx() -> ParseCtx {
    ParseCtx { year: 2024, ..Default::default() }
}

fn run(kind: FormatKind, line: &[u8]) -> (LineKind, Parsed) {
    let mut p = Parsed::default();
    let k = Parser::new(kind).parse(line, &ctx(), &mut p);
    (k, p)
}

/// The format alone, without the per-line fallback to other programs' stamps.
fn run_own(kind: FormatKind, line: &[u8]) -> LineKind {
    Parser::new(kind).parse_own(line, &ctx(), &mut Parsed::default())
}

#[test]
fn syslog_3164_variants() {
    let line = b"<34>Jan 22 15:30:01 auth-2 sshd[4121]: Failed password for root";
    let (k, p) = run(FormatKind::Syslog, line);
    assert_eq!(k, LineKind::Record);
    assert_eq!(p.level, Level::Fatal, "severity 2 (crit) from <34>");
    assert_eq!(p.host.get(line), b"auth-2");
    assert_eq!(p.service.get(line), b"sshd");
    assert_eq!(p.field(line, b"pid"), Some(&b"4121"[..]));

    let line = b"Jan 22 15:30:01 db-1 kernel: [12345.678] Out of memory: Killed process 812 (postgres)";
    let (k, p) = run(FormatKind::Syslog, line);
    assert_eq!(k, LineKind::Record);
    assert_eq!(p.service.get(line), b"kernel");
    assert_eq!(p.level, Level::Fatal);
    assert!(p.msg.get(line).starts_with(b"[12345.678] Out of memory"));

    let line = b"2024-01-22T15:30:01.123456+01:00 auth-2 CRON[99]: (root) CMD (run-parts)";
    let (k, p) = run(FormatKind::Syslog, line);
    assert_eq!(k, LineKind::Record);
    assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 14, 30, 1, 123));
    assert_eq!(p.service.get(line), b"CRON");
    assert_eq!(p.host.get(line), b"auth-2");

    // Over the wire, without a host.
    let line = b"<30>Jan 22 15:30:01 dhclient[77]: DHCPACK from 10.0.0.1";
    let (k, p) = run(FormatKind::Syslog, line);
    assert_eq!(k, LineKind::Record);
    assert!(p.host.is_empty());
    assert_eq!(p.service.get(line), b"dhclient");
    assert_eq!(p.level, Level::Info);
    assert_eq!(p.msg.get(line), b"DHCPACK from 10.0.0.1");

    let line = b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=1.2.3.4";
    let (_, p) = run(FormatKind::Syslog, line);
    assert_eq!(p.service.get(line), b"sshd(pam_unix)");

    // No tag at all.
    let line = b"Jan 22 15:30:01 h last message repeated 3 times";
    let (k, p) = run(FormatKind::Syslog, line);
    assert_eq!(k, LineKind::Record);
    assert!(p.service.is_empty());
    assert_eq!(p.msg.get(line), b"last message repeated 3 times");

    // Application lines that start with an ISO stamp are not syslog.
    for line in [
        &b"2024-01-22T15:30:01Z INFO auth: starting"[..],
        b"2024-01-22T15:30:01Z auth started",
        b"2024-01-22 15:30:01 h app: x",
    ] {
        assert_eq!(run_own(FormatKind::Syslog, line), LineKind::Unparsed, "{:?}", String::from_utf8_lossy(line));
    }
}

#[test]
fn syslog_5424() {
    let line = br#"<34>1 2024-01-22T15:30:01.003Z mymachine.example.com su 1234 ID47 [exampleSDID@32473 iut="3" eventSource="App\"l\"" eventID="1011"][x@1 a="]"] 'su root' failed on /dev/pts/8"#;
    let (k, p) = run(FormatKind::Syslog5424, line);
    assert_eq!(k, LineKind::Record);
    assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 3));
    assert_eq!(p.level, Level::Fatal);
    assert_eq!(p.host.get(line), b"mymachine.example.com");
    assert_eq!(p.service.get(line), b"su");
    assert_eq!(p.field(line, b"pid"), Some(&b"1234"[..]));
    assert_eq!(p.field(line, b"msgid"), Some(&b"ID47"[..]));
    assert_eq!(p.field(line, b"eventSource"), Some(&br#"App\"l\""#[..]));
    assert_eq!(p.field(line, b"a"), Some(&b"]"[..]));
    assert_eq!(p.msg.get(line), b"'su root' failed on /dev/pts/8");

    let line = b"<165>1 2024-01-22T15:30:01Z - - - - - \xEF\xBB\xBFhello";
    let (k, p) = run(FormatKind::Syslog5424, line);
    assert_eq!(k, LineKind::Record);
    assert!(p.host.is_empty() && p.service.is_empty());
    assert_eq!(p.level, Level::Notice);
    assert_eq!(p.msg.get(line), b"hello");

    // NILVALUE timestamp: a record without time.
    let (k, p) = run(FormatKind::Syslog5424, b"<13>1 - host app - - - msg");
    assert_eq!((k, p.ts), (LineKind::Record, crate::time::NO_TIME));

    for bad in [
        &b"<34>1 2024-01-22T15:30:01Z h a p m [unterminated"[..],
        b"<34> 2024",
        b"<999>1 - - - - - -",
        b"<34>1 nottime h a p m - x",
    ] {
        assert_eq!(run_own(FormatKind::Syslog5424, bad), LineKind::Unparsed, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn continuation_shapes() {
    for line in [
        &b"\tat com.example.Auth.sign(Auth.java:42)"[..],
        b"    at com.example.Auth.sign(Auth.java:42)",
        b"Caused by: java.io.IOException: broken pipe",
        b"\t... 12 more",
        b"... 12 more",
        b"Traceback (most recent call last):",
        b"  File \"/app/auth.py\", line 10, in sign",
        b"ValueError: bad key",
        b"java.lang.IllegalStateException: pool exhausted",
        b"psycopg2.OperationalError",
        b"psycopg.errors.AdminShutdown: terminating connection due to administrator command",
        b"[1bca990d-153b-4cb4-b65f-d592add53696] ActiveRecord::ConnectionNotEstablished (connection refused",
        b"[1bca990d-153b-4cb4-b65f-d592add53696]",
        b"Recent access records: ",
        b"#1:",
        b"Created at:",
        b"+++ after: /tmp/application-prod.yml.j2",
        b"--- before: /etc/checkout-api/application-prod.yml",
        b"@@ -19,9 +19,9 @@",
        b"-      maximum-pool-size: 60",
        b"+      maximum-pool-size: 6",
    ] {
        for kind in [FormatKind::Generic, FormatKind::JsonLines, FormatKind::Syslog, FormatKind::Logfmt] {
            assert_eq!(run(kind, line).0, LineKind::Continuation, "{kind:?} {:?}", String::from_utf8_lossy(line));
        }
    }
    for line in [
        &b"Error handling request"[..],
        b"hello: world",
        b"Exceptional",
        b"[ERROR] disk full",
        b"[notice] started",
        b"#comment: not a number",
        b"-1 degrees",
        b"version.Info: x",
    ] {
        assert!(!looks_like_continuation(line), "{:?}", String::from_utf8_lossy(line));
    }
}

#[test]
fn implied_keys_do_not_collide() {
    let line = b"status=ok";
    let mut p = Parsed::default();
    p.push_field(keys::STATUS, Span::new(7, 9));
    assert_eq!(p.field(line, b"status"), Some(&b"ok"[..]));
    assert_eq!(keys::implied_name(Span::new(0, 6)), None);
    assert_eq!(keys::implied_name(keys::MODULE), Some("module"));
}

const ALL: [FormatKind; FormatKind::BUILTIN.len()] = FormatKind::BUILTIN;

#[test]
fn hostile_lines() {
    let huge = vec![b'a'; 4 << 20];
    let mut many_kv = Vec::new();
    for i in 0..1_000_000u32 {
        many_kv.extend_from_slice(format!("k{i}=v ").as_bytes());
    }
    let mut many_json = b"{".to_vec();
    for i in 0..200_000u32 {
        many_json.extend_from_slice(format!("\"k{i}\":1,").as_bytes());
    }
    many_json.extend_from_slice(b"\"msg\":\"x\"}");
    let lines: Vec<&[u8]> = vec![
        &huge,
        &many_kv,
        &many_json,
        b"\0\0\0\xff\xfe",
        b"2024-01-22T15:30:01Z \xff\xfe\0 ERROR \x1b[31m",
        b"<",
        b"<1",
        b"[",
        b"{\"",
        b"2024/01/22 15:30:01 [error] ",
        b"1.2.3.4 - - [22/Jan/2024:15:30:01 +0000] \"",
        b"2024-01-22 15:30:01.123 UTC,\"",
        b"E0122 15:30:01.1 1 ",
        b"[Mon Jan 22 15:30:01 2024] [",
    ];
    let mut p = Parsed::default();
    for kind in ALL {
        let parser = Parser::new(kind);
        for l in &lines {
            parser.parse(l, &ctx(), &mut p);
            assert!(p.fields.len() <= MAX_FIELDS);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// No parser panics on arbitrary bytes, and spans stay inside the line.
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200), prefix in 0usize..8) {
        let prefixes: [&[u8]; 8] = [
            b"", b"2024-01-22T15:30:01Z ", b"Jan 22 15:30:01 h a: ", b"<34>1 2024-01-22T15:30:01Z h a p m ",
            b"{\"ts\":", b"1.2.3.4 - - [22/Jan/2024:15:30:01 +0000] \"", b"2024-01-22 15:30:01.123 UTC [1] ", b"E0122 15:30:01.1 1 a.go:1] ",
        ];
        let mut line = prefixes[prefix].to_vec();
        line.extend_from_slice(&bytes);
        let mut p = Parsed::default();
        for kind in ALL {
            Parser::new(kind).parse(&line, &ctx(), &mut p);
            for s in [p.host, p.service, p.msg] {
                proptest::prop_assert!(s.end as usize <= line.len());
            }
            for f in &p.fields {
                proptest::prop_assert!(f.value.end as usize <= line.len());
            }
        }
    }
}

#[test]
fn stray_lines_of_other_programs_are_records() {
    // An ingress controller's klog status line among its access log.
    let (k, p) = run(FormatKind::Access, b"W0506 10:59:40.101101       7 controller.go:1214] Service \"shop/catalog\" does not have any active Endpoint.");
    assert_eq!((k, p.level), (LineKind::Record, Level::Warn));
    // Its errors are not failed requests: in an access log a level of error means a 5xx.
    let (k, p) = run(FormatKind::Access, b"E0506 10:59:40.101101       7 store.go:88] error obtaining endpoints");
    assert_eq!((k, p.level), (LineKind::Record, Level::Warn));
    assert_eq!(
        run(FormatKind::Generic, b"E0506 10:59:40.101101       7 store.go:88] error obtaining endpoints").1.level,
        Level::Error
    );
    // wal-g's own line in PostgreSQL's log, from its archive_command.
    let line = b"ERROR: 2025/01/28 19:12:44.092000 failed to upload 'wal_005/0000000100000A2AFFFFFFA8.br' to bucket";
    let (k, p) = run(FormatKind::Postgres, line);
    assert_eq!((k, p.level), (LineKind::Record, Level::Error));
    assert_eq!(p.ts, crate::time::civil_to_millis(2025, 1, 28, 19, 12, 44, 92));
    assert!(p.msg.get(line).starts_with(b"failed to upload"));
    // Not every colon makes a level, nor every level a stamp.
    assert_eq!(run(FormatKind::Access, b"ERROR: no stamp here").0, LineKind::Unparsed);
    assert_eq!(run(FormatKind::Access, b"hello: at 2025/01/28 19:12:44 x").0, LineKind::Unparsed);
    assert_eq!(run(FormatKind::Logfmt, b"[mysql] 1706 connections").0, LineKind::Unparsed);
    // Go's log under a prefix, in a logfmt file: timed, and its message is what it said.
    let line = b"[mysql] 2024/01/22 13:02:07 packets.go:122: closing bad idle connection: EOF";
    let (k, p) = run(FormatKind::Logfmt, line);
    assert_eq!((k, p.ts), (LineKind::Record, crate::time::civil_to_millis(2024, 1, 22, 13, 2, 7, 0)));
    assert_eq!(p.msg.get(line), b"packets.go:122: closing bad idle connection: EOF");
}
