//! nginx/Apache access logs, common and combined:
//! `10.0.0.7 - alice [22/Jan/2024:15:30:01 +0000] "POST /login HTTP/1.1" 401 512 "-" "curl/8.5"`,
//! optionally followed by nginx extensions: bare numbers (`$request_time $upstream_response_time`)
//! or `key=value` pairs (`rt=0.120 urt="0.118"`).
//! The level comes from the status (5xx error, 4xx warn, else info); the message is the request,
//! status and size (`"GET /x HTTP/1.1" 200 512`), and everything after it is fields.

use super::scan::find_any;
use super::{keys, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{days_from_civil, digits, month_abbrev, parse_clock, parse_zone_offset, MS_PER_DAY, MS_PER_SEC};

/// `[22/Jan/2024:15:30:01 +0000]` starting at `[`: (UTC millis, index after `]`).
pub fn clf_stamp(line: &[u8], pos: usize, ctx: &ParseCtx) -> Option<(i64, usize)> {
    let b = line.get(pos + 1..)?;
    let d = digits(b, 0, 2)?;
    if b.get(2) != Some(&b'/') || b.get(6) != Some(&b'/') || b.get(11) != Some(&b':') {
        return None;
    }
    let mo = month_abbrev(b.get(3..)?)?;
    let y = digits(b, 7, 4)? as i64;
    let (clock, clen) = parse_clock(b, 12)?;
    if !crate::time::valid_date(y, mo, d) {
        return None;
    }
    let naive = days_from_civil(y, mo, d) * MS_PER_DAY + clock;
    let mut i = 12 + clen;
    let ts = if b.get(i) == Some(&b' ') {
        let (off, used) = parse_zone_offset(b, i + 1)?;
        i += 1 + used;
        naive - off as i64 * MS_PER_SEC
    } else {
        ctx.zone.to_utc(naive)
    };
    (b.get(i) == Some(&b']')).then_some((ts, pos + 1 + i + 1))
}

/// A double-quoted string at `pos` with `\"` escapes: (inner span, index after the closing quote).
fn quoted(line: &[u8], pos: usize) -> Option<(Span, usize)> {
    if line.get(pos) != Some(&b'"') {
        return None;
    }
    let mut i = pos + 1;
    // User agents run to a hundred bytes and more: jump between quotes and escapes.
    loop {
        i += memchr::memchr2(b'"', b'\\', line.get(i..)?)?;
        match line[i] {
            b'\\' => i += 2,
            _ => return Some((Span::new(pos + 1, i), i + 1)),
        }
    }
}

fn token(line: &[u8], pos: usize) -> (Span, usize) {
    // Addresses, sizes, times: a few bytes each, shorter than memchr's set-up pays for.
    let pos = pos.min(line.len());
    let end = find_any(line, pos, [b' ']);
    (Span::new(pos, end), end)
}

/// Method and path spans of the request `METHOD PATH PROTOCOL` (the protocol may be missing).
fn split_request(line: &[u8], request: Span) -> Option<(Span, Span)> {
    let s = request.start as usize;
    let sp = memchr::memchr(b' ', request.get(line))?;
    let rest = s + sp + 1;
    let path_end = memchr::memrchr(b' ', &line[rest..request.end as usize]).map_or(request.end as usize, |e| rest + e);
    Some((Span::new(s, s + sp), Span::new(rest, path_end)))
}

/// Method and path of an access line's request, read without parsing the rest of the line:
/// the analysis reads the endpoints of many lines it has already indexed.
pub fn method_and_path(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, pos) = token(line, 0);
    let close = pos + memchr::memchr(b']', line.get(pos..)?)?;
    if line.get(close + 1) != Some(&b' ') {
        return None;
    }
    let (request, _) = quoted(line, close + 2)?;
    let (method, path) = split_request(line, request)?;
    Some((method.get(line), path.get(line)))
}

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    // client, ident, user; the user may be absent in odd configs, so find the `[` of the stamp.
    let (client, mut pos) = token(line, 0);
    if client.is_empty() {
        return LineKind::Unparsed;
    }
    let Some(open) = line.get(pos..pos + 256.min(line.len() - pos)).and_then(|r| memchr::memchr(b'[', r)) else {
        return LineKind::Unparsed;
    };
    pos += open;
    let Some((ts, after)) = clf_stamp(line, pos, ctx) else { return LineKind::Unparsed };
    pos = after;
    if line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    pos += 1;
    let msg_start = pos;
    let Some((request, after)) = quoted(line, pos) else { return LineKind::Unparsed };
    pos = after;
    if line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    let status_pos = pos + 1;
    let Some(status) = digits(line, status_pos, 3) else { return LineKind::Unparsed };
    if !(100..=599).contains(&status) || !matches!(line.get(status_pos + 3), None | Some(b' ')) {
        return LineKind::Unparsed;
    }
    out.ts = ts;
    out.level = match status {
        500..=599 => Level::Error,
        400..=499 => Level::Warn,
        _ => Level::Info,
    };
    out.push_field(keys::CLIENT, client);
    out.push_field(keys::STATUS, Span::new(status_pos, status_pos + 3));
    // `METHOD PATH PROTOCOL`; a malformed request (`-`, binary junk) keeps only the status.
    if let Some((method, path)) = split_request(line, request) {
        out.push_field(keys::METHOD, method);
        out.push_field(keys::PATH, path);
        if (path.end as usize) < request.end as usize {
            out.push_field(keys::PROTOCOL, Span::new(path.end as usize + 1, request.end as usize));
        }
    }
    pos = status_pos + 3;
    if line.get(pos) == Some(&b' ') {
        let (bytes, after) = token(line, pos + 1);
        if bytes.get(line).iter().all(u8::is_ascii_digit) || bytes.get(line) == b"-" {
            out.push_field(keys::BYTES, bytes);
            pos = after;
        }
    }
    // The message is the request, status and size: the referer, agent and extensions are
    // kept as fields, so they neither split templates nor make rules scan them.
    out.msg = Span::new(msg_start, pos);
    out.message_from_fields = true;
    // Combined: referer and agent.
    for key in [keys::REFERER, keys::AGENT] {
        if line.get(pos) == Some(&b' ') {
            if let Some((s, after)) = quoted(line, pos + 1) {
                out.push_field(key, s);
                pos = after;
            }
        }
    }
    // Extensions: bare numbers are $request_time then $upstream_response_time; `k=v` keep their keys;
    // other quoted strings (X-Forwarded-For) are skipped.
    let mut bare = 0;
    while pos < line.len() {
        while line.get(pos) == Some(&b' ') {
            pos += 1;
        }
        if pos >= line.len() {
            break;
        }
        if let Some((_, after)) = quoted(line, pos) {
            pos = after;
            continue;
        }
        let (tok, after) = token(line, pos);
        let t = tok.get(line);
        if let Some(eq) = memchr::memchr(b'=', t) {
            let v = Span::new(pos + eq + 1, after);
            let v = match quoted(line, pos + eq + 1) {
                Some((q, qa)) => {
                    pos = qa;
                    q
                }
                None => {
                    pos = after;
                    v
                }
            };
            out.push_field(Span::new(tok.start as usize, tok.start as usize + eq), v);
            continue;
        }
        if !t.is_empty() && t.iter().all(|c| c.is_ascii_digit() || *c == b'.') || t == b"-" {
            match bare {
                0 => out.push_field(keys::REQUEST_TIME, tok),
                1 => out.push_field(keys::UPSTREAM_RESPONSE_TIME, tok),
                _ => {}
            }
            bare += 1;
        }
        pos = after;
    }
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    fn run(line: &[u8]) -> (LineKind, Parsed) {
        crate::format::run_parser(parse, line)
    }

    #[test]
    fn combined_with_timings() {
        let line = br#"10.0.0.7 - alice [22/Jan/2024:16:30:01 +0100] "POST /login?next=%2F HTTP/1.1" 502 157 "https://example.com/" "Mozilla/5.0 (X11; \"Linux\")" 0.512 0.510"#;
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.level, Level::Error);
        let f = |k: &[u8]| p.field(line, k).map(|v| String::from_utf8_lossy(v).into_owned());
        assert_eq!(f(b"status").as_deref(), Some("502"));
        assert_eq!(f(b"method").as_deref(), Some("POST"));
        assert_eq!(f(b"path").as_deref(), Some("/login?next=%2F"));
        assert_eq!(f(b"bytes").as_deref(), Some("157"));
        assert_eq!(f(b"client").as_deref(), Some("10.0.0.7"));
        assert_eq!(f(b"referer").as_deref(), Some("https://example.com/"));
        assert_eq!(f(b"agent").as_deref(), Some(r#"Mozilla/5.0 (X11; \"Linux\")"#));
        assert_eq!(f(b"request_time").as_deref(), Some("0.512"));
        assert_eq!(f(b"upstream_response_time").as_deref(), Some("0.510"));
        assert!(p.msg.get(line).starts_with(b"\"POST /login"));
    }

    #[test]
    fn common_and_key_values() {
        let line = br#"192.168.1.20 - - [22/Jan/2024:15:30:01 +0000] "GET /health HTTP/1.0" 200 2"#;
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Info));
        assert_eq!(p.field(line, b"referer"), None);
        let line = br#"10.0.0.7 - - [22/Jan/2024:15:30:01 +0000] "GET /x HTTP/1.1" 404 0 "-" "curl/8" rt=0.003 urt="0.002" uct="-""#;
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Warn));
        assert_eq!(p.field(line, b"rt"), Some(&b"0.003"[..]));
        assert_eq!(p.field(line, b"urt"), Some(&b"0.002"[..]));
        // Junk in the request line (scanners, TLS handshakes on the HTTP port).
        let line = br#"10.0.0.9 - - [22/Jan/2024:15:30:01 +0000] "\x16\x03\x01" 400 157 "-" "-""#;
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Warn));
        assert_eq!(p.field(line, b"method"), None);
    }

    #[test]
    fn not_access() {
        for line in [
            &b"2024-01-22 15:30:01 INFO x"[..],
            b"a [b] \"c\" 200",
            b"x - - [22/Jan/2024:15:30:01 +0000] \"GET /\" 99 1",
            b"",
        ] {
            assert_eq!(run(line).0, LineKind::Unparsed, "{:?}", line);
        }
    }
}
