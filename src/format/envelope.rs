//! Envelopes: lines that wrap another program's line with a time and a stream of their own.
//!
//! - CRI (containerd, CRI-O, `/var/log/pods`): `2024-06-03T10:15:02.123456789Z stderr F text`.
//!   `F` and `P` say whether the line is full or a partial piece of a longer one (the kubelet
//!   cuts at 16 KiB); they are not levels. A partial line's pieces join the record it starts
//!   ([`Parsed::partial`] tells the indexer the next line continues it).
//! - Docker's json-file driver: `{"log":"text\n","stream":"stderr","time":"…"}`.
//! - systemd's journal exported with `journalctl -o json`: `__REALTIME_TIMESTAMP` (µs),
//!   `PRIORITY` (syslog severity), `MESSAGE` (a string, or an array of bytes when the text is not
//!   clean UTF-8), `_HOSTNAME`, `SYSLOG_IDENTIFIER` or `_SYSTEMD_UNIT`, `_PID`.
//!
//! The wrapped text is parsed again by its own format, detected per line (klog inside CRI, JSON
//! inside either, nginx's error log, …); the envelope's time, level, host and service fill in
//! what the inner line does not say. Spans must point into the physical line, so escaped text
//! (a JSON string) is decoded into a scratch buffer with a map from each decoded byte back to
//! the line, parsed there, and its spans mapped back: a message with escapes reads as written.

use super::json::for_each_pair;
use super::{access, generic, json, keys, klog, logfmt, mysql, nginx, postgres, syslog};
use super::{Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_epoch_digits, parse_iso, NO_TIME};
use std::cell::RefCell;

/// What the envelope itself says about the line.
#[derive(Default)]
struct Outer {
    ts: i64,
    level: Level,
    host: Span,
    service: Span,
}

/// CRI: `<RFC 3339 time> <stdout|stderr> <F|P>[:tags] <text>`.
pub fn parse_cri(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some(stamp) = parse_iso(line, 0) else { return LineKind::Unparsed };
    let mut pos = stamp.len;
    if line.get(pos) != Some(&b' ') || line.get(pos.wrapping_sub(1)).is_some_and(|c| !c.is_ascii_alphanumeric()) {
        return LineKind::Unparsed;
    }
    pos += 1;
    let stream_end = pos + line[pos..].iter().position(|&c| c == b' ').unwrap_or(line.len() - pos);
    let stream = Span::new(pos, stream_end);
    if !matches!(stream.get(line), b"stdout" | b"stderr") {
        return LineKind::Unparsed;
    }
    pos = stream_end + 1;
    let tag_end = pos + line.get(pos..).unwrap_or(&[]).iter().position(|&c| c == b' ').unwrap_or(0);
    let partial = match line.get(pos..tag_end).and_then(|t| t.split(|&c| c == b':').next()) {
        Some(b"F") => false,
        Some(b"P") => true,
        _ => return LineKind::Unparsed,
    };
    let text = Span::new(tag_end + 1, line.len());
    let outer = Outer { ts: stamp.resolve(&ctx.zone), ..Outer::default() };
    inner(line, text, false, &outer, ctx, out);
    out.push_field(keys::STREAM, stream);
    out.partial = partial;
    LineKind::Record
}

/// Docker json-file: the `log` string, its stream and time.
pub fn parse_docker(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    if !line.starts_with(b"{\"log\":") {
        return LineKind::Unparsed;
    }
    let (mut text, mut stream, mut ts) = (None, Span::EMPTY, NO_TIME);
    let ok = for_each_pair(line, |key, value, is_str| match key.get(line) {
        b"log" if is_str => text = Some(value),
        b"stream" => stream = value,
        b"time" => ts = parse_iso(value.get(line), 0).map_or(NO_TIME, |st| st.resolve(&ctx.zone)),
        _ => {}
    });
    let Some(mut text) = text.filter(|_| ok && ts != NO_TIME) else { return LineKind::Unparsed };
    // The line's own newline is part of the string.
    for end in [&b"\\n"[..], b"\\r"] {
        if text.get(line).ends_with(end) {
            text.end -= 2;
        }
    }
    inner(line, text, true, &Outer { ts, ..Outer::default() }, ctx, out);
    out.push_field(keys::STREAM, stream);
    LineKind::Record
}

/// `journalctl -o json`: one object per entry, every value a string (or a byte array).
pub fn parse_journald(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    if line.first() != Some(&b'{') {
        return LineKind::Unparsed;
    }
    let mut outer = Outer { ts: NO_TIME, ..Outer::default() };
    let (mut message, mut unit, mut identifier, mut pid) = (None, Span::EMPTY, Span::EMPTY, Span::EMPTY);
    let mut other = [(Span::EMPTY, Span::EMPTY); 8];
    let mut n_other = 0;
    let ok = for_each_pair(line, |key, value, is_str| match key.get(line) {
        b"__REALTIME_TIMESTAMP" => outer.ts = parse_epoch_digits(value.get(line)).unwrap_or(NO_TIME),
        b"PRIORITY" => {
            if let [d @ b'0'..=b'7'] = value.get(line) {
                outer.level = Level::from_syslog_severity(d - b'0');
            }
        }
        b"MESSAGE" => message = Some((value, is_str)),
        b"_HOSTNAME" => outer.host = value,
        b"SYSLOG_IDENTIFIER" => identifier = value,
        b"_SYSTEMD_UNIT" => unit = value,
        b"_PID" => pid = value,
        // A few keys that say where the line came from; the journal's own bookkeeping
        // (cursors, boot ids, capabilities) says nothing about an incident.
        b"_COMM" | b"_TRANSPORT" | b"SYSLOG_FACILITY" | b"CONTAINER_NAME" | b"UNIT" | b"CODE_FILE"
            if n_other < other.len() =>
        {
            other[n_other] = (key, value);
            n_other += 1;
        }
        _ => {}
    });
    if !ok || outer.ts == NO_TIME {
        return LineKind::Unparsed;
    }
    // `nginx.service` is the service nginx.
    if unit.get(line).ends_with(b".service") {
        unit.end -= b".service".len() as u32;
    }
    outer.service = if identifier.is_empty() { unit } else { identifier };
    match message {
        Some((message, true)) => inner(line, message, true, &outer, ctx, out),
        Some((message, false)) => inner_bytes(line, message, &outer, ctx, out),
        // An entry without a message (a bare structured entry) is still a timed record.
        None => fill(out, &outer),
    }
    if !pid.is_empty() {
        out.push_field(keys::PID, pid);
    }
    if !unit.is_empty() {
        out.push_field(keys::UNIT, unit);
    }
    for &(k, v) in &other[..n_other] {
        out.push_field(k, v);
    }
    LineKind::Record
}

thread_local! {
    /// Decoded text and, per decoded byte (plus one past the end), its offset in the line.
    static SCRATCH: RefCell<(Vec<u8>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Parses the wrapped text at `text` (JSON-escaped when `escaped`) into `out`, spans in `line`.
fn inner(line: &[u8], text: Span, escaped: bool, outer: &Outer, ctx: &ParseCtx, out: &mut Parsed) {
    let ctx = &inner_ctx(outer, ctx);
    let raw = text.get(line);
    if !escaped || memchr::memchr(b'\\', raw).is_none() {
        parse_text(raw, ctx, out);
        shift(out, |o| text.start + o);
    } else {
        SCRATCH.with(|s| {
            let (buf, map) = &mut *s.borrow_mut();
            unescape(line, text, buf, map);
            parse_text(buf, ctx, out);
            shift(out, |o| map.get(o as usize).copied().unwrap_or(text.end));
        });
    }
    fill(out, outer);
}

/// A `MESSAGE` written as an array of byte values (journald's spelling of text that is not clean
/// UTF-8 or holds control characters): the bytes are decoded, lossily as UTF-8, and parsed for
/// their time and level. The record's message is the decoded text (control characters are escaped
/// where it is shown, as for any line); what the inner parse found besides time, level and message
/// would point into the numbers, so the envelope's host and service stand.
fn inner_bytes(line: &[u8], array: Span, outer: &Outer, ctx: &ParseCtx, out: &mut Parsed) {
    let ctx = &inner_ctx(outer, ctx);
    SCRATCH.with(|s| {
        let (buf, _) = &mut *s.borrow_mut();
        buf.clear();
        let raw = array.get(line);
        let inside = raw.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")).unwrap_or(raw);
        for number in inside.split(|&c| c == b',') {
            let digits = number.trim_ascii();
            if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
                buf.push(digits.iter().fold(0u32, |v, &d| (v * 10 + (d - b'0') as u32).min(255)) as u8);
            }
        }
        while buf.last().is_some_and(|&c| c == b'\n' || c == b'\r') {
            buf.pop();
        }
        parse_text(buf, ctx, out);
        let said = if out.msg.is_empty() { &buf[..] } else { out.msg.get(buf) };
        let text = String::from_utf8_lossy(said).into_owned().into_bytes();
        out.host = Span::EMPTY;
        out.service = Span::EMPTY;
        out.fields.clear();
        out.msg = array;
        out.decoded = Some(text);
    });
    fill(out, outer);
}

/// A yearless stamp inside (klog's `E0603 10:15:02`) takes its year from the envelope's time.
fn inner_ctx(outer: &Outer, ctx: &ParseCtx) -> ParseCtx {
    let year = if outer.ts == NO_TIME { ctx.year } else { crate::time::year_of(outer.ts) };
    ParseCtx { year, zone: ctx.zone.clone() }
}

/// The envelope fills in what the inner line left out; a level is the more severe of the two
/// (a service under systemd logs at priority 6 whatever its own line says).
fn fill(out: &mut Parsed, outer: &Outer) {
    if out.ts == NO_TIME {
        out.ts = outer.ts;
    }
    out.level = out.level.max(outer.level);
    if out.host.is_empty() {
        out.host = outer.host;
    }
    if out.service.is_empty() {
        out.service = outer.service;
    }
}

/// Moves every span of `out` (parsed from a slice) into the line's coordinates.
fn shift(out: &mut Parsed, to_line: impl Fn(u32) -> u32) {
    let map = |s: &mut Span| {
        if !s.is_empty() {
            *s = Span { start: to_line(s.start), end: to_line(s.end) };
        }
    };
    map(&mut out.host);
    map(&mut out.service);
    map(&mut out.msg);
    for f in out.fields.iter_mut() {
        if keys::implied_index(f.key).is_none() {
            map(&mut f.key);
        }
        map(&mut f.value);
    }
}

/// Decodes the JSON string body at `text` into `buf`, with `map[i]` the line offset where
/// decoded byte `i` came from (and one entry past the end).
fn unescape(line: &[u8], text: Span, buf: &mut Vec<u8>, map: &mut Vec<u32>) {
    buf.clear();
    map.clear();
    let raw = text.get(line);
    let mut i = 0;
    while i < raw.len() {
        let at = text.start + i as u32;
        if raw[i] != b'\\' {
            buf.push(raw[i]);
            map.push(at);
            i += 1;
            continue;
        }
        let (decoded, used): (char, usize) = match raw.get(i + 1) {
            Some(b'n') => ('\n', 2),
            Some(b't') => ('\t', 2),
            Some(b'r') => ('\r', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'u') => {
                let hex = raw.get(i + 2..i + 6).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
                    Some(v) => (char::from_u32(v).unwrap_or('\u{fffd}'), 6),
                    None => ('\\', 1),
                }
            }
            Some(&c) => (c as char, 2),
            None => ('\\', 1),
        };
        let mut utf8 = [0u8; 4];
        for &b in decoded.encode_utf8(&mut utf8).as_bytes() {
            buf.push(b);
            map.push(at);
        }
        i += used;
    }
    map.push(text.end);
}

/// The formats a wrapped line may have, tried in order; the first that reads it wins. Text that
/// none reads is still the record's message, its level guessed from its words.
fn parse_text(text: &[u8], ctx: &ParseCtx, out: &mut Parsed) {
    type Parse = fn(&[u8], &ParseCtx, &mut Parsed) -> LineKind;
    const ORDER: [Parse; 8] = [
        json::parse,
        klog::parse,
        nginx::parse_error,
        postgres::parse_stderr,
        mysql::parse,
        access::parse,
        syslog::parse_3164,
        logfmt::parse,
    ];
    let starts_json = text.first() == Some(&b'{');
    for parse in ORDER.iter().skip(usize::from(!starts_json)) {
        out.clear();
        if parse(text, ctx, out) == LineKind::Record && out.ts != NO_TIME {
            return;
        }
    }
    out.clear();
    if starts_json && json::parse(text, ctx, out) == LineKind::Record {
        return;
    }
    out.clear();
    if let Some(layout) = generic::detect_layout(&[text], ctx) {
        if generic::parse(&layout, text, ctx, out) == LineKind::Record {
            return;
        }
    }
    out.clear();
    out.msg = Span::new(0, text.len());
    out.level = super::level::keyword_level(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    fn run(parse: fn(&[u8], &ParseCtx, &mut Parsed) -> LineKind, line: &[u8]) -> (LineKind, Parsed) {
        let ctx = ParseCtx { year: 2024, ..ParseCtx::default() };
        let mut p = Parsed::default();
        let k = parse(line, &ctx, &mut p);
        (k, p)
    }

    #[test]
    fn cri_flag_is_not_a_level_and_klog_inside_is_read() {
        let line =
            b"2024-06-03T10:15:02.123456789Z stderr F E0603 10:15:02.123456       1 main.go:12] connection refused";
        let (k, p) = run(parse_cri, line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), b"connection refused");
        // klog's stamp has no year: the envelope's, not the context's.
        let ctx = ParseCtx { year: 2026, ..ParseCtx::default() };
        let mut in_2026 = Parsed::default();
        parse_cri(line, &ctx, &mut in_2026);
        assert_eq!((p.ts, in_2026.ts), (civil_to_millis(2024, 6, 3, 10, 15, 2, 123), p.ts));
        assert_eq!(p.field(line, b"stream"), Some(&b"stderr"[..]));
        assert!(!p.partial);
        // Plain text takes the envelope's time, and its level from its words, not from the `F`.
        let line = b"2024-06-03T10:15:02.5Z stdout F listening on :8080";
        let (k, p) = run(parse_cri, line);
        assert_eq!((k, p.ts, p.level), (LineKind::Record, civil_to_millis(2024, 6, 3, 10, 15, 2, 500), Level::Info));
        assert_eq!(p.msg.get(line), b"listening on :8080");
        let (k, p) = run(parse_cri, b"2024-06-03T10:15:02.5Z stdout P {\"level\":\"error\",\"msg\":\"cut");
        assert_eq!((k, p.partial), (LineKind::Record, true));
        for bad in [&b"2024-06-03T10:15:02Z stdin F x"[..], b"2024-06-03T10:15:02Z stdout X x", b"stdout F x"] {
            assert_eq!(run(parse_cri, bad).0, LineKind::Unparsed, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn cri_json_and_nginx_inside() {
        let line =
            br#"2024-06-03T10:15:02Z stdout F {"time":"2024-06-03T10:15:01Z","level":"warn","msg":"slow query"}"#;
        let (_, p) = run(parse_cri, line);
        assert_eq!((p.level, p.ts), (Level::Warn, civil_to_millis(2024, 6, 3, 10, 15, 1, 0)));
        assert_eq!(p.msg.get(line), b"slow query");
        let line = b"2024-06-03T10:15:02Z stderr F 2024/06/03 10:15:02 [error] 7#7: *1 connect() failed (111: Connection refused)";
        let (_, p) = run(parse_cri, line);
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), b"connect() failed (111: Connection refused)");
    }

    #[test]
    fn docker_strips_the_newline_and_reads_escaped_json() {
        let line = br#"{"log":"2024/06/03 10:15:02 [error] 7#7: *1 upstream timed out\n","stream":"stderr","time":"2024-06-03T10:15:02.123456789Z"}"#;
        let (k, p) = run(parse_docker, line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Error));
        assert_eq!(p.msg.get(line), b"upstream timed out");
        let line = br#"{"log":"{\"level\":\"error\",\"msg\":\"db \\\"main\\\" down\",\"ts\":1717409702.5}\n","stream":"stdout","time":"2024-06-03T10:15:09Z"}"#;
        let (k, p) = run(parse_docker, line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Error));
        assert_eq!(p.ts, civil_to_millis(2024, 6, 3, 10, 15, 2, 500));
        assert_eq!(p.msg.get(line), br#"db \\\"main\\\" down"#);
        assert_eq!(p.field(line, b"stream"), Some(&b"stdout"[..]));
        // Plain text without a time of its own: the envelope's.
        let line = br#"{"log":"ready\n","stream":"stdout","time":"2024-06-03T10:15:09Z"}"#;
        let (_, p) = run(parse_docker, line);
        assert_eq!((p.msg.get(line), p.ts), (&b"ready"[..], civil_to_millis(2024, 6, 3, 10, 15, 9, 0)));
        assert_eq!(run(parse_docker, br#"{"log":"x","stream":"stdout"}"#).0, LineKind::Unparsed);
        assert_eq!(run(parse_docker, br#"{"msg":"x","time":"2024-06-03T10:15:09Z"}"#).0, LineKind::Unparsed);
    }

    #[test]
    fn journald_export() {
        let line = br#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1717409702123456","PRIORITY":"3","_HOSTNAME":"web-1","SYSLOG_IDENTIFIER":"nginx","_SYSTEMD_UNIT":"nginx.service","_PID":"812","MESSAGE":"upstream went away"}"#;
        let (k, p) = run(parse_journald, line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 6, 3, 10, 15, 2, 123));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.host.get(line), b"web-1");
        assert_eq!(p.service.get(line), b"nginx");
        assert_eq!(p.msg.get(line), b"upstream went away");
        assert_eq!(p.field(line, b"pid"), Some(&b"812"[..]));
        assert_eq!(p.field(line, b"unit"), Some(&b"nginx"[..]));
        // No identifier: the unit names the service. A byte array is decoded.
        let line = br#"{"__REALTIME_TIMESTAMP":"1717409702123456","PRIORITY":"6","_SYSTEMD_UNIT":"api.service","MESSAGE":[69,82,82,79,82,32,98,111,111,109,10]}"#;
        let (k, p) = run(parse_journald, line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Error));
        assert_eq!(p.service.get(line), b"api");
        assert_eq!(p.message(line), b"ERROR boom");
        assert_eq!(run(parse_journald, br#"{"MESSAGE":"no time"}"#).0, LineKind::Unparsed);
        let (k, p) =
            run(parse_journald, br#"{"__REALTIME_TIMESTAMP":"1717409702123456","PRIORITY":"2","COREDUMP_PID":"7"}"#);
        assert_eq!((k, p.level, p.msg.is_empty()), (LineKind::Record, Level::Fatal, true));
    }

    #[test]
    fn journald_byte_array_with_invalid_utf8_and_an_escape_sequence() {
        // `café \x1b[31mdisk full\x1b[0m` with `é` as a lone Latin-1 byte: journald writes it as numbers.
        let text = b"caf\xe9 \x1b[31mdisk full\x1b[0m\n";
        let numbers: Vec<String> = text.iter().map(|b| b.to_string()).collect();
        let line = format!(
            r#"{{"__REALTIME_TIMESTAMP":"1717409702123456","PRIORITY":"3","_HOSTNAME":"web-1","SYSLOG_IDENTIFIER":"api","MESSAGE":[{}]}}"#,
            numbers.join(", ")
        );
        let line = line.as_bytes();
        let (k, p) = run(parse_journald, line);
        assert_eq!((k, p.level, p.ts), (LineKind::Record, Level::Error, civil_to_millis(2024, 6, 3, 10, 15, 2, 123)));
        assert_eq!((p.host.get(line), p.service.get(line)), (&b"web-1"[..], &b"api"[..]));
        assert_eq!(std::str::from_utf8(p.message(line)).unwrap(), "caf\u{fffd} \u{1b}[31mdisk full\u{1b}[0m");
        assert_eq!(crate::text::escape(p.message(line)), "caf\u{fffd} \\x1b[31mdisk full\\x1b[0m");
        // Another record on the next line starts clean.
        let (_, p) = run(parse_journald, br#"{"__REALTIME_TIMESTAMP":"1717409702123456","MESSAGE":"plain"}"#);
        assert_eq!(p.decoded, None);
    }

    #[test]
    fn unescape_maps_back() {
        let line = br#"a\"b\u00e9\n"#;
        let (mut buf, mut map) = (Vec::new(), Vec::new());
        unescape(line, Span::new(0, line.len()), &mut buf, &mut map);
        assert_eq!(buf, "a\"bé\n".as_bytes());
        assert_eq!(map, vec![0, 1, 3, 4, 4, 10, 12]);
    }
}
