use super::*;

fn cols(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

#[test]
fn urls_parse_with_defaults_and_overrides() {
    let u = Url::parse("clickhouse://reader@db.example:9123/logs.events?time=t&ms=t_ms&message=body").unwrap();
    assert_eq!(u.user.as_deref(), Some("reader"));
    assert_eq!((u.host.as_str(), u.port), ("db.example", 9123));
    assert_eq!((u.database.as_str(), u.table.as_str()), ("logs", "events"));
    assert_eq!(u.param("ms"), Some("t_ms"));
    let u = Url::parse("clickhouse://localhost/default.otel_logs").unwrap();
    assert_eq!((u.user, u.port), (None, 8123));
    assert_eq!(Url::parse("clickhouse://h/db.t%60x").unwrap().table, "t`x");
    for bad in
        ["clickhouse://h/nodot", "clickhouse:///db.t", "clickhouse://h:99999/db.t", "clickhouse://h/db.t?color=red"]
    {
        assert!(Url::parse(bad).is_err(), "{bad}");
    }
    let tls = Url::parse("clickhouses://h/db.t").unwrap_err().to_string();
    assert!(tls.contains("not supported"), "{tls}");
}

#[test]
fn a_password_in_the_url_is_refused_without_being_echoed() {
    let e = Url::parse("clickhouse://bob:s3cret-pw@h/db.t").unwrap_err().to_string();
    assert!(!e.contains("s3cret"), "{e}");
    assert!(e.contains(PASSWORD_ENV), "{e}");
    let e = Url::parse("clickhouse://bob@h/db.t?password=s3cret-pw").unwrap_err().to_string();
    assert!(!e.contains("s3cret") && e.contains("unknown parameter 'password'"), "{e}");
}

#[test]
fn opentelemetry_layout_is_found() {
    let otel = cols(&[
        ("Timestamp", "DateTime64(9)"),
        ("TraceId", "String"),
        ("SeverityText", "LowCardinality(String)"),
        ("SeverityNumber", "Int32"),
        ("ServiceName", "LowCardinality(String)"),
        ("Body", "String"),
        ("ResourceAttributes", "Map(LowCardinality(String), String)"),
        ("LogAttributes", "Map(LowCardinality(String), String)"),
    ]);
    let url = Url::parse("clickhouse://h/otel.otel_logs").unwrap();
    let l = Layout::find(&otel, &url).unwrap();
    assert!(l.time64);
    assert_eq!(l.message, "Body");
    assert_eq!(l.level, Some(LevelColumn::Text("SeverityText".into())));
    assert_eq!(l.host, Some(HostColumn::MapKey("ResourceAttributes".into(), "host.name".into())));
    assert_eq!(l.service.as_deref(), Some("ServiceName"));
    let sql = l.grouped_sql(&table("otel", "otel_logs"), Some(1_705_937_400_500), Some(1_705_941_000_000), 30_000, &[]);
    let t = "toInt64(toUnixTimestamp64Milli(`Timestamp`))";
    let (level, host) = ("toString(`SeverityText`)", "`ResourceAttributes`['host.name']");
    let group = "concat(toString(`ServiceName`), '@', `ResourceAttributes`['host.name'])";
    let order = format!("({t}, 0)");
    assert_eq!(
        sql,
        format!(
            "SELECT count(), min({t}), max({t}), {level}, {host}, toString(`ServiceName`), {group}, \
             argMin(toString(`Body`), {order}), argMax(toString(`Body`), {order}), argMin(0, {order}), argMax(0, {order}) \
             FROM `otel`.`otel_logs` WHERE `Timestamp` >= toDateTime(1705937400) AND {t} >= 1705937400500 \
             AND `Timestamp` <= toDateTime(1705941000) AND {t} <= 1705941000000 \
             GROUP BY intDiv({t}, 30000), {level}, {host}, toString(`ServiceName`), {group}, \
             replaceRegexpAll(toString(`Body`), '[0-9a-fA-F]*[0-9][0-9a-fA-F]*', '0') FORMAT TabSeparated"
        )
    );
    // Without a text level, the severity number is read in OpenTelemetry's ranges.
    let no_text: Vec<_> = otel.iter().filter(|(n, _)| n != "SeverityText").cloned().collect();
    let l = Layout::find(&no_text, &url).unwrap();
    assert!(l.level_sql().starts_with("multiIf(`SeverityNumber` >= 21, 'fatal'"));
}

#[test]
fn plain_layout_with_milliseconds_and_overrides() {
    let plain = cols(&[
        ("ts", "DateTime"),
        ("ms", "UInt16"),
        ("level", "String"),
        ("hostname", "String"),
        ("app", "String"),
        ("msg", "String"),
        ("path", "String"),
        ("line", "UInt32"),
    ]);
    let url = Url::parse("clickhouse://h/default.logs?ms=ms").unwrap();
    let l = Layout::find(&plain, &url).unwrap();
    assert_eq!(l.time_ms(), "toInt64(toUnixTimestamp(`ts`)) * 1000 + toInt64(`ms`)");
    assert_eq!(l.host, Some(HostColumn::Plain("hostname".into())));
    assert_eq!((l.service.as_deref(), l.message.as_str()), (Some("app"), "msg"));
    assert!(l.grouped_sql("`default`.`logs`", None, None, 10_000, &[]).contains("FROM `default`.`logs` GROUP BY"));
    let url = Url::parse("clickhouse://h/default.logs?message=path").unwrap();
    assert_eq!(Layout::find(&plain, &url).unwrap().message, "path");
    let url = Url::parse("clickhouse://h/default.logs?host=nope").unwrap();
    assert!(Layout::find(&plain, &url).unwrap_err().contains("no column 'nope'"));
    let untimed = cols(&[("msg", "String"), ("ts", "String")]);
    assert!(Layout::find(&untimed, &url).is_err());
}

#[test]
fn a_hostile_column_name_from_the_server_stays_one_identifier() {
    let evil = "msg`) FROM system.users; --";
    let c = cols(&[("ts", "DateTime"), (evil, "String")]);
    let url =
        Url::parse(&format!("clickhouse://h/default.logs?message={}", "msg%60)%20FROM%20system.users;%20--")).unwrap();
    let l = Layout::find(&c, &url).unwrap();
    // A rule pattern is a value too: a hostile one stays one string literal.
    let pattern = r"x') OR 1 = 1 --\'".to_string();
    let sql = l.grouped_sql(&table("default", "logs`; DROP TABLE x"), None, None, 10_000, &[pattern]);
    assert!(sql.contains("toString(`msg\\`) FROM system.users; --`)"), "{sql}");
    assert!(sql.contains("FROM `default`.`logs\\`; DROP TABLE x` GROUP BY"), "{sql}");
    assert!(sql.contains(r"if(match(toString(`msg\`) FROM system.users; --`), 'x\') OR 1 = 1 --\\\'')"), "{sql}");
}

#[test]
fn patterns_that_read_masked_text_are_asked_of_every_row() {
    for reads in [
        r"(?i)\bdisk usage\b.{0,30}?\b(?:9[5-9]|100)%",
        r#"HTTP/[\d.]+" (?:5\d\d) "#,
        r"status=[1-9]\S*",
        r"error code 49",
        r"\S{8,}",
    ] {
        assert!(reads_masked_text(reads), "{reads}");
    }
    for alike in [r"(?i)\bdeploy\b.{0,40}?\bstarted", r"PID \d+ exited", r"took [\d.]+ms", r"(?i)connection refused"] {
        assert!(!reads_masked_text(alike), "{alike}");
    }
}

#[test]
fn named_groups_become_plain_groups_for_re2() {
    assert_eq!(for_re2(r"(?P<user>\S+) from (?<host>\S+)"), r"(?:\S+) from (?:\S+)");
    // Look-behind and a literal parenthesis stay as written.
    assert_eq!(for_re2(r"(?<=a)b\(?<x>"), r"(?<=a)b\(?<x>");
    assert_eq!(for_re2(r"(?i)x"), r"(?i)x");
}

#[test]
fn fetched_rows_read_back_through_the_row_format() {
    let f = row_format();
    let mut p = crate::format::Parsed::default();
    let ctx = crate::format::ParseCtx::default();
    let line = b"2024-01-22T15:30:01.250Z\terror\tauth-2\tauth\ttoken signing failed\twith a tab";
    assert_eq!(f.parse(line, &ctx, &mut p), crate::format::LineKind::Record);
    assert_eq!(p.ts, 1_705_937_401_250);
    assert_eq!(p.level, crate::format::Level::Error);
    assert_eq!((p.host.get(line), p.service.get(line)), (&b"auth-2"[..], &b"auth"[..]));
    assert_eq!(p.msg.get(line), b"token signing failed\twith a tab");
    p.clear();
    assert_eq!(f.parse(b"\t\t\t\tno time", &ctx, &mut p), crate::format::LineKind::Record);
    assert_eq!(p.ts, NO_TIME);
}

#[test]
fn base64_matches_the_standard() {
    assert_eq!(base64(b"default:"), "ZGVmYXVsdDo=");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
    assert_eq!(base64(b""), "");
}

#[test]
fn groups_are_put_back_in_line_order_with_their_counts() {
    let mut g = Group { key: "a.log".into(), text: Vec::new(), rows: Vec::new() };
    let fields: [&[u8]; 3] = [b"info", b"h", b"s"];
    g.push(1_000, &fields, b"four", 4, 7, true);
    g.push(1_000, &fields, b"one\\nsecond line", 1, 1, true);
    g.push(2_000, &fields, b"two", 2, 3, true);
    let (bytes, counts) = g.into_file(true);
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines[0].ends_with("\tinfo\th\ts\tone"), "{text:?}");
    assert!(lines[1].ends_with("\ttwo") && lines[2].is_empty() && lines[3].ends_with("\tfour"), "{text:?}");
    assert_eq!(counts, vec![1, 3, 7]);
}

/// A grouped answer (count, first and last time, level, host, service, key, first and last
/// message, first and last line) as the server sends it, after the head.
fn answer(rows: &[[&str; 11]]) -> Vec<u8> {
    let mut body = b"HTTP/1.0 200 OK\r\nX-ClickHouse-Format: TabSeparated\r\n\r\n".to_vec();
    for r in rows {
        body.extend_from_slice(r.join("\t").as_bytes());
        body.push(b'\n');
    }
    body
}

fn read_answer(body: &[u8], by_line: bool) -> Result<(Vec<Source>, u64), String> {
    let mut reader = body;
    read_head(&mut reader)?;
    read_groups(reader, by_line, "logs", 0)
}

fn counted(s: &Source) -> (&[u8], &[u32]) {
    match &s.data {
        Data::Counted { bytes, counts } => (bytes, counts),
        _ => panic!("rows become counted data"),
    }
}

#[test]
fn negative_and_huge_line_numbers_from_the_table_are_kept_in_bounds() {
    // -1 once wrapped to u64::MAX; two such rows overflowed the line arithmetic (a panic).
    let body = answer(&[
        ["1", "1000", "1000", "error", "h", "s", "a.log", "one", "one", "-1", "-1"],
        ["1", "2000", "2000", "error", "h", "s", "a.log", "two", "two", "-5", "-5"],
        ["1", "3000", "3000", "error", "h", "s", "a.log", "three", "three", "18446744073709551615", "0"],
        ["2", "4000", "5000", "error", "h", "s", "a.log", "four", "five", "9223372036854775807", "9223372036854775807"],
    ]);
    let (sources, rows) = read_answer(&body, true).expect("rows read");
    assert_eq!(rows, 4);
    let (bytes, counts) = counted(&sources[0]);
    assert_eq!(counts, &[1, 1, 1, 1, 1]);
    let text = String::from_utf8_lossy(bytes);
    for m in ["one", "two", "three", "four", "five"] {
        assert!(text.lines().any(|l| l.ends_with(&format!("\t{m}"))), "{m} in {text:?}");
    }
}

#[test]
fn far_apart_line_numbers_do_not_fill_memory_with_blank_lines() {
    // Each gap alone is allowed; together they once asked for twice the cap in blank lines.
    let far = (MAX_LINE_GAP - 1).to_string();
    let farther = (2 * MAX_LINE_GAP - 2).to_string();
    let body = answer(&[
        ["1", "1000", "1000", "info", "h", "s", "a.log", "first", "first", "1", "1"],
        ["1", "2000", "2000", "info", "h", "s", "a.log", "second", "second", &far, &far],
        ["1", "3000", "3000", "info", "h", "s", "a.log", "third", "third", &farther, &farther],
    ]);
    let (sources, _) = read_answer(&body, true).expect("rows read");
    let (bytes, counts) = counted(&sources[0]);
    assert_eq!(counts.len(), 3);
    assert!(bytes.len() as u64 <= MAX_LINE_GAP + 200, "{} bytes", bytes.len());
    // Within the cap, a row still sits on its own line number.
    let second = bytes.split(|&c| c == b'\n').position(|l| l.ends_with(b"\tsecond")).expect("second row");
    assert_eq!(second as u64 + 1, MAX_LINE_GAP - 1);
}

#[test]
fn an_error_answer_names_the_servers_message_and_odd_rows_are_refused() {
    let mut reader =
        &b"HTTP/1.0 500 Internal Server Error\r\n\r\nCode: 60. DB::Exception: Table db.logs does not exist.\x1b[2J\n"[..];
    let err = read_head(&mut reader).expect_err("a 500 is an error");
    assert!(err.contains("Table db.logs does not exist") && !err.contains('\x1b'), "{err}");
    assert!(read_head(&mut &b"HTTP/1.0 200 OK\r\nX-A: b\r\n"[..]).is_err(), "an answer cut in its head");
    let err = read_answer(&answer(&[["1"; 11]])[..20], false).map(|_| ());
    assert!(err.is_err(), "a head cut short");
    let mut bad = answer(&[]);
    bad.extend_from_slice(b"1\t2\t3\n");
    assert!(read_answer(&bad, false).err().is_some_and(|e| e.starts_with("unexpected row")));
}
