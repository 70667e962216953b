//! nginx error log:
//! `2024/01/22 15:30:01 [error] 1234#1234: *5 connect() failed (111: Connection refused) while connecting
//! to upstream, client: 10.0.0.1, server: _, request: "POST /login HTTP/1.1", upstream: "http://10.0.0.5:8080/login", host: "auth"`.
//! The trailing `, key: value` context becomes fields; the message keeps the whole text.

use super::{keys, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::parse_iso;

fn nginx_level(w: &[u8]) -> Option<Level> {
    Some(match w {
        b"debug" => Level::Debug,
        b"info" => Level::Info,
        b"notice" => Level::Notice,
        b"warn" => Level::Warn,
        b"error" => Level::Error,
        b"crit" | b"alert" | b"emerg" => Level::Fatal,
        _ => return None,
    })
}

/// Context keys nginx appends after the message.
const CONTEXT_KEYS: [&[u8]; 8] =
    [b"client", b"server", b"request", b"upstream", b"host", b"referrer", b"subrequest", b"login"];

pub fn parse_error(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some(st) = parse_iso(line, 0).filter(|st| line.get(4) == Some(&b'/') && st.len == 19) else {
        return LineKind::Unparsed;
    };
    let mut pos = st.len;
    if line.get(pos) != Some(&b' ') || line.get(pos + 1) != Some(&b'[') {
        return LineKind::Unparsed;
    }
    let Some(close) = line[pos + 2..].iter().take(8).position(|&c| c == b']').map(|c| pos + 2 + c) else {
        return LineKind::Unparsed;
    };
    let Some(level) = nginx_level(&line[pos + 2..close]) else { return LineKind::Unparsed };
    pos = close + 1;
    if line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    // `pid#tid: `
    let pid_start = pos;
    while line.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    if pos > pid_start && line.get(pos) == Some(&b'#') {
        out.push_field(keys::PID, Span::new(pid_start, pos));
        let tid = pos + 1;
        pos = tid;
        while line.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        out.push_field(keys::TID, Span::new(tid, pos));
        if line.get(pos) == Some(&b':') {
            pos += 1;
        }
        if line.get(pos) == Some(&b' ') {
            pos += 1;
        }
    } else {
        pos = pid_start;
    }
    // `*cid ` connection number.
    if line.get(pos) == Some(&b'*') {
        let c = pos + 1;
        let mut e = c;
        while line.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        if e > c {
            out.push_field(keys::CONNECTION, Span::new(c, e));
            pos = if line.get(e) == Some(&b' ') { e + 1 } else { e };
        }
    }
    out.ts = st.resolve(&ctx.zone);
    out.level = level;
    out.msg = Span::new(pos, line.len());
    context_fields(line, pos, out);
    LineKind::Record
}

/// `, client: 10.0.0.1, request: "GET / HTTP/1.1"`: each known key after `, `.
fn context_fields(line: &[u8], from: usize, out: &mut Parsed) {
    let mut i = from;
    while let Some(c) = memchr::memmem::find(&line[i..], b", ").map(|c| i + c) {
        let kstart = c + 2;
        let Some(colon) = line[kstart..].iter().take(12).position(|&b| b == b':').map(|p| kstart + p) else {
            i = kstart;
            continue;
        };
        let key = &line[kstart..colon];
        if !CONTEXT_KEYS.contains(&key) || line.get(colon + 1) != Some(&b' ') {
            i = kstart;
            continue;
        }
        let vstart = colon + 2;
        let (value, next) = if line.get(vstart) == Some(&b'"') {
            let end = memchr::memchr(b'"', &line[vstart + 1..]).map_or(line.len(), |e| vstart + 1 + e);
            (Span::new(vstart + 1, end), end)
        } else {
            let end = memchr::memmem::find(&line[vstart..], b", ").map_or(line.len(), |e| vstart + e);
            (Span::new(vstart, end), end)
        };
        let k = if key == b"client" { keys::CLIENT } else { Span::new(kstart, colon) };
        out.push_field(k, value);
        i = next.min(line.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn upstream_failure() {
        let line = br#"2024/01/22 15:30:01 [error] 1234#1234: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: _, request: "POST /login HTTP/1.1", upstream: "http://10.0.0.5:8080/login", host: "auth.example.com""#;
        let mut p = Parsed::default();
        p.clear();
        assert_eq!(parse_error(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.level, Level::Error);
        assert!(p.msg.get(line).starts_with(b"connect() failed (111: Connection refused)"));
        assert_eq!(p.field(line, b"pid"), Some(&b"1234"[..]));
        assert_eq!(p.field(line, b"connection"), Some(&b"5"[..]));
        assert_eq!(p.field(line, b"client"), Some(&b"10.0.0.1"[..]));
        assert_eq!(p.field(line, b"request"), Some(&b"POST /login HTTP/1.1"[..]));
        assert_eq!(p.field(line, b"upstream"), Some(&b"http://10.0.0.5:8080/login"[..]));
        assert_eq!(p.field(line, b"host"), Some(&b"auth.example.com"[..]));
    }

    #[test]
    fn other_levels_and_junk() {
        let mut p = Parsed::default();
        let line = b"2024/01/22 15:30:01 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)";
        p.clear();
        assert_eq!(parse_error(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Fatal);
        p.clear();
        assert_eq!(parse_error(b"2024/01/22 15:30:01 [bogus] x", &ParseCtx::default(), &mut p), LineKind::Unparsed);
        p.clear();
        assert_eq!(parse_error(b"2024-01-22 15:30:01 [error] x", &ParseCtx::default(), &mut p), LineKind::Unparsed);
    }
}
