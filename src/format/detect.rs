//! Format detection: try every parser on the first lines of an input and keep
//! the one that explains the most of them.
//!
//! A line is explained when the parser makes it a record with a timestamp or
//! claims it as a continuation (a PostgreSQL `DETAIL:` line is explained by the
//! PostgreSQL parser, and by the generic parser as a record of its own; both
//! count). Ties go to the more specific candidate, which is why the list below
//! runs from narrow shapes (custom, PostgreSQL, access logs) to broad ones
//! (RFC 3164 syslog, logfmt, the generic timestamp parser). When no candidate
//! finds a timestamp, the one with the most records wins (JSON without times).

use super::{generic, CustomFormat, FormatKind, LineKind, ParseCtx, Parsed, Parser};
use crate::time::NO_TIME;
use std::sync::Arc;

/// How many leading non-empty lines detection looks at.
const SNIFF_LINES: usize = 64;

/// Built-in candidates, most specific first.
const BUILTIN: [FormatKind; 17] = [
    FormatKind::Journald,
    FormatKind::DockerJson,
    FormatKind::Cri,
    FormatKind::PostgresJson,
    FormatKind::JsonLines,
    FormatKind::Syslog5424,
    FormatKind::PostgresCsv,
    FormatKind::Postgres,
    FormatKind::MariadbAudit,
    FormatKind::Mysql,
    FormatKind::Klog,
    FormatKind::Access,
    FormatKind::NginxError,
    FormatKind::ApacheError,
    FormatKind::Syslog,
    FormatKind::Logfmt,
    FormatKind::Generic,
];

/// The first non-empty lines of `data`, without `\r`.
pub fn sample_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(SNIFF_LINES)
        .collect()
}

/// (explained lines, records) for one parser over the sample.
fn score(parser: &Parser, lines: &[&[u8]], ctx: &ParseCtx, parsed: &mut Parsed) -> (usize, usize) {
    let mut timed = 0;
    let mut continued = 0;
    let mut records = 0;
    for l in lines {
        match parser.parse_own(l, ctx, parsed) {
            LineKind::Record => {
                records += 1;
                if parsed.ts != NO_TIME {
                    timed += 1;
                }
            }
            LineKind::Continuation => continued += 1,
            LineKind::Unparsed => {}
        }
    }
    // Continuations count only next to records the parser understood (csvlog calls any line
    // without a stamp a continuation of a quoted field).
    let explained = if timed > 0 { timed + continued } else { 0 };
    // Records count only when nothing has a timestamp: a PostgreSQL file whose DETAIL lines are
    // continuations must not lose to the generic parser that calls each of them a record.
    (explained, if explained == 0 { records } else { 0 })
}

/// How many places past the first lines detection probes for another format, and how far
/// apart at least (files concatenated into one stream: `cat a.log b.jsonl | culprit report -`).
const PROBES: usize = 16;
const PROBE_GAP: usize = 4 << 10;

/// Picks the parser that best explains the first lines of `data`; `custom` formats take part
/// (before the built-ins, so a user's definition wins a tie). Later stretches of the input that
/// this parser cannot read and another can are read by that other one too.
pub fn detect(data: &[u8], ctx: &ParseCtx, custom: &[Arc<CustomFormat>]) -> Parser {
    let mut main = detect_first(data, ctx, custom);
    let gap = (data.len() / PROBES).max(PROBE_GAP);
    let mut parsed = Parsed::default();
    let mut at = gap;
    while at < data.len() {
        let start = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
        let probe = &data[start..data.len().min(start + gap)];
        at += gap;
        let lines = sample_lines(probe);
        // Half the probe read by what is there already: the same stretch.
        if lines.len() < 8 || explained(&main, &lines, ctx, &mut parsed) * 2 >= lines.len() {
            continue;
        }
        let other = detect_first(probe, ctx, custom);
        if other.kind != FormatKind::Unknown && explained(&other, &lines, ctx, &mut parsed) * 4 >= lines.len() * 3 {
            main.others.push(other);
        }
    }
    main
}

/// Sample lines the parser (with the formats found so far) makes timed records of, or continues
/// when it reads some lines as records.
fn explained(parser: &Parser, lines: &[&[u8]], ctx: &ParseCtx, parsed: &mut Parsed) -> usize {
    let (mut timed, mut continued) = (0, 0);
    for l in lines {
        match parser.parse_known(l, ctx, parsed) {
            LineKind::Record if parsed.ts != NO_TIME => timed += 1,
            LineKind::Continuation => continued += 1,
            _ => {}
        }
    }
    if timed > 0 {
        timed + continued
    } else {
        0
    }
}

fn detect_first(data: &[u8], ctx: &ParseCtx, custom: &[Arc<CustomFormat>]) -> Parser {
    let lines = sample_lines(data);
    if lines.is_empty() {
        return Parser::new(FormatKind::Unknown);
    }
    let mut candidates: Vec<Parser> =
        custom.iter().enumerate().map(|(i, f)| Parser::custom(i.min(u16::MAX as usize) as u16, f.clone())).collect();
    for kind in BUILTIN {
        if kind == FormatKind::Generic {
            if let Some(layout) = generic::detect_layout(&lines, ctx) {
                candidates.push(Parser::with_generic_layout(kind, layout));
            }
        } else {
            candidates.push(Parser::new(kind));
        }
    }
    let mut best: Option<(Parser, (usize, usize))> = None;
    let mut parsed = Parsed::default();
    for parser in candidates {
        let s = score(&parser, &lines, ctx, &mut parsed);
        if s == (0, 0) {
            continue;
        }
        if best.as_ref().is_none_or(|(_, b)| s > *b) {
            best = Some((parser, s));
        }
    }
    best.map(|(p, _)| p).unwrap_or_else(|| Parser::new(FormatKind::Unknown))
}

/// The parser for a format the user named (`--log-format PATH=NAME`): custom formats by their
/// index, and the generic parser with the timestamp layout found in the sample.
pub fn forced(kind: FormatKind, data: &[u8], ctx: &ParseCtx, custom: &[Arc<CustomFormat>]) -> Parser {
    match kind {
        FormatKind::Custom(i) => match custom.get(i as usize) {
            Some(f) => Parser::custom(i, f.clone()),
            None => Parser::new(FormatKind::Unknown),
        },
        FormatKind::Generic => {
            let layout = generic::detect_layout(&sample_lines(data), ctx).unwrap_or_default();
            Parser::with_generic_layout(kind, layout)
        }
        k => Parser::new(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> FormatKind {
        detect(text.as_bytes(), &ParseCtx { year: 2024, ..Default::default() }, &[]).kind
    }

    #[test]
    fn picks_each_family() {
        let cases: &[(&str, FormatKind)] = &[
            ("Jan 22 15:30:01 auth-2 sshd[4121]: Failed password for root\nJan 22 15:30:02 auth-2 kernel: x\n", FormatKind::Syslog),
            ("2024-01-22T15:30:01.123456+00:00 db-1 postgres[77]: ready\n2024-01-22T15:30:02.5+00:00 db-1 kernel: oom\n", FormatKind::Syslog),
            ("<34>1 2024-01-22T15:30:01.003Z host app 1234 ID47 [ex@1 a=\"b\"] msg\n<165>1 2024-01-22T15:30:02Z h a - - - m\n", FormatKind::Syslog5424),
            ("{\"ts\":\"2024-01-22T15:30:01Z\",\"level\":\"error\",\"msg\":\"x\"}\n", FormatKind::JsonLines),
            ("{\"timestamp\":\"2024-01-22 15:30:01.123 UTC\",\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"x\"}\n", FormatKind::PostgresJson),
            ("time=2024-01-22T15:30:01Z level=error msg=\"boom\" svc=auth\ntime=2024-01-22T15:30:02Z level=info msg=ok\n", FormatKind::Logfmt),
            ("2024-01-22T15:30:01Z level=error msg=\"boom\" svc=auth\n2024-01-22T15:30:02Z level=info msg=ok\n", FormatKind::Logfmt),
            ("2024-01-22 15:30:01.123 UTC [4242] ERROR:  duplicate key\n2024-01-22 15:30:01.123 UTC [4242] DETAIL:  Key (id)=(1) exists.\n2024-01-22 15:30:01.123 UTC [4242] STATEMENT:  INSERT 1\n", FormatKind::Postgres),
            ("2024-01-22 15:30:01.123 UTC,\"u\",\"d\",42,\"h:1\",s.1,1,\"SELECT\",2024-01-22 15:00:00 UTC,3/7,0,ERROR,42P01,\"relation \"\"x\"\" does not exist\",,,,,,\"SELECT 1\",15,,\"psql\",\"client backend\",,0\n", FormatKind::PostgresCsv),
            ("2024-01-22T15:30:01.123456Z 8 [Warning] [MY-010055] [Server] IP address could not be resolved\n", FormatKind::Mysql),
            ("2024-01-22 15:30:01 0 [Note] InnoDB: Buffer pool(s) load completed\n", FormatKind::Mysql),
            ("20261207 17:13:48,vm,root,localhost,699,2208,QUERY,,'SET GLOBAL max_connections = 10',0\n20261207 17:13:50,vm,app,127.0.0.1,702,0,FAILED_CONNECT,,,1040\n", FormatKind::MariadbAudit),
            ("10.0.0.7 - - [22/Jan/2024:15:30:01 +0000] \"POST /login HTTP/1.1\" 401 512 \"-\" \"curl/8\"\n", FormatKind::Access),
            ("2024/01/22 15:30:01 [error] 1234#1234: *5 connect() failed\n", FormatKind::NginxError),
            ("[Mon Jan 22 15:30:01.123456 2024] [core:error] [pid 1:tid 2] AH00124: x\n", FormatKind::ApacheError),
            ("E0122 15:30:01.123456       1 reflector.go:138] failed to watch\n", FormatKind::Klog),
            ("2024-06-03T10:15:02.123456789Z stderr F E0603 10:15:02.123456 1 main.go:12] boom\n2024-06-03T10:15:03Z stdout F ok\n", FormatKind::Cri),
            ("{\"log\":\"ok\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-03T10:15:02.1Z\"}\n", FormatKind::DockerJson),
            ("{\"__REALTIME_TIMESTAMP\":\"1717409702123456\",\"PRIORITY\":\"6\",\"MESSAGE\":\"ok\"}\n", FormatKind::Journald),
            ("2015-10-18 18:01:47,978 INFO [main] org.apache.X: Created\n", FormatKind::Generic),
            ("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating\n", FormatKind::Generic),
        ];
        for (text, want) in cases {
            assert_eq!(kind_of(text), *want, "{text}");
        }
    }

    #[test]
    fn iso_app_lines_are_not_syslog() {
        let text = "2024-01-22T15:30:01Z INFO starting auth service\n2024-01-22T15:30:02Z ERROR auth: token signing failed\n2024-01-22T15:30:03Z WARN slow: 2s\n";
        assert_eq!(kind_of(text), FormatKind::Generic);
    }

    #[test]
    fn forced_generic_finds_its_layout() {
        let data = b"134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component\n";
        let p = forced(FormatKind::Generic, data, &ParseCtx::default(), &[]);
        assert_eq!(p.layout().stamp, Some((generic::StampKind::Epoch, 4)));
        assert_eq!(forced(FormatKind::Custom(3), data, &ParseCtx::default(), &[]).kind, FormatKind::Unknown);
    }

    #[test]
    fn nothing_recognisable() {
        assert_eq!(kind_of(""), FormatKind::Unknown);
        assert_eq!(kind_of("hello\nworld\n"), FormatKind::Unknown);
        // JSON without timestamps is still JSON.
        assert_eq!(kind_of("{\"msg\":\"a\"}\n{\"msg\":\"b\"}\n"), FormatKind::JsonLines);
    }

    #[test]
    fn custom_formats_take_part() {
        let all = super::super::custom::builtin().unwrap();
        let p = detect(
            b"1:M 22 Jan 2024 15:30:01.123 * Ready to accept connections\n1:M 22 Jan 2024 15:30:02.000 # oops\n",
            &ParseCtx::default(),
            &all,
        );
        assert_eq!(p.name(), "redis");
        assert!(matches!(p.kind, FormatKind::Custom(_)));
    }
}
