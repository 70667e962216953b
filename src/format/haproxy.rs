//! HAProxy's HTTP log line, as it arrives through syslog:
//! `10.0.0.7:51234 [22/Jan/2024:15:30:01.123] fe_https~ be_web/web-1 0/0/1/12/13 503 217 - - SC-- 5/5/1/0/0 0/0 "GET /x HTTP/1.1"`.
//! The status comes before the request, so the access-log rules that read `"GET /x HTTP/1.1" 503`
//! never see it; read as columns, the line gets the same fields as an access log (status, method,
//! path, client, bytes) and its level from the status.

use super::scan::find_any;
use super::{keys, Level, Parsed, Span};

/// Reads the HTTP log fields from `msg` (the syslog message of `line`) into `out`. Returns false,
/// leaving `out` as it was, when the message is not an HTTP log line.
pub fn http_log(line: &[u8], msg: Span, out: &mut Parsed) -> bool {
    let start = msg.start as usize;
    let end = msg.end as usize;
    // Cheap first test, as every syslog line passes here: `ADDRESS:PORT [`.
    if !line.get(start).is_some_and(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'[') {
        return false;
    }
    let client_end = find_any(&line[..end], start, [b' ']);
    let client = &line[start..client_end];
    let Some(colon) = memchr::memrchr(b':', client) else { return false };
    if colon + 1 == client.len() || !client[colon + 1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    // `[dd/Mon/yyyy:hh:mm:ss.mmm]`
    let date = client_end + 1;
    if line.get(date) != Some(&b'[') || line.get(date + 3) != Some(&b'/') || line.get(date + 7) != Some(&b'/') {
        return false;
    }
    let Some(close) = line.get(date..end.min(date + 40)).and_then(|d| memchr::memchr(b']', d)) else {
        return false;
    };
    // Frontend, backend/server, timers, status.
    let mut pos = date + close + 2;
    let next = |pos: &mut usize| -> Option<Span> {
        if *pos >= end {
            return None;
        }
        let e = find_any(&line[..end], *pos, [b' ']);
        let s = Span::new(*pos, e);
        *pos = e + 1;
        Some(s)
    };
    let (Some(_frontend), Some(backend), Some(timers), Some(status)) =
        (next(&mut pos), next(&mut pos), next(&mut pos), next(&mut pos))
    else {
        return false;
    };
    let status_bytes = status.get(line);
    let timers_ok = timers.get(line).iter().all(|&c| c.is_ascii_digit() || c == b'/' || c == b'-' || c == b'+');
    if !backend.get(line).contains(&b'/')
        || !timers_ok
        || !(status_bytes.len() == 3 && status_bytes.iter().all(u8::is_ascii_digit) || status_bytes == b"-1")
    {
        return false;
    }
    let bytes = next(&mut pos);
    out.push_field(keys::CLIENT, Span::new(start, client_end));
    if status_bytes.len() == 3 {
        out.push_field(keys::STATUS, status);
        out.level = match status_bytes[0] {
            b'5' => Level::Error,
            b'4' => Level::Warn,
            _ => Level::Info,
        };
    }
    if let Some(b) = bytes.filter(|b| b.get(line).iter().all(|&c| c.is_ascii_digit() || c == b'+')) {
        out.push_field(keys::BYTES, b);
    }
    // The request is the last quoted string: `"METHOD PATH PROTOCOL"` (captured headers come before it).
    if line[..end].ends_with(b"\"") {
        if let Some(open) = memchr::memrchr(b'"', &line[pos.min(end - 1)..end - 1]).map(|o| pos.min(end - 1) + o) {
            let request = &line[open + 1..end - 1];
            if let Some(sp) = memchr::memchr(b' ', request) {
                let path_start = open + 1 + sp + 1;
                let path_end = memchr::memchr(b' ', &line[path_start..end - 1]).map_or(end - 1, |e| path_start + e);
                out.push_field(keys::METHOD, Span::new(open + 1, open + 1 + sp));
                out.push_field(keys::PATH, Span::new(path_start, path_end));
                if path_end < end - 1 {
                    out.push_field(keys::PROTOCOL, Span::new(path_end + 1, end - 1));
                }
            }
        }
    }
    // The message keeps the proxy's own columns (frontend, backend/server, timers, status, termination
    // state) for the templates; the client address and date would only split them.
    out.msg = Span::new(date + close + 2, end);
    out.message_from_fields = true;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(msg: &str) -> Option<Parsed> {
        let mut p = Parsed::default();
        http_log(msg.as_bytes(), Span::new(0, msg.len()), &mut p).then_some(p)
    }

    #[test]
    fn an_http_log_line_gives_status_request_and_level() {
        let line = r#"66.165.20.5:54152 [26/Aug/2025:12:14:42.254] fe_https~ be_web/<NOSRV> 2/-1/-1/-1/2 503 217 - - SC-- 52/51/6/3/0 0/0 "GET /p/26720-hose HTTP/1.1""#;
        let p = read(line).expect("an HTTP log line");
        let b = line.as_bytes();
        assert_eq!(p.level, Level::Error);
        let field = |k: Span| p.fields.iter().find(|f| f.key == k).map(|f| f.value.get(b));
        assert_eq!(field(keys::STATUS), Some(&b"503"[..]));
        assert_eq!(field(keys::METHOD), Some(&b"GET"[..]));
        assert_eq!(field(keys::PATH), Some(&b"/p/26720-hose"[..]));
        assert_eq!(field(keys::PROTOCOL), Some(&b"HTTP/1.1"[..]));
        assert_eq!(field(keys::CLIENT), Some(&b"66.165.20.5:54152"[..]));
        assert_eq!(field(keys::BYTES), Some(&b"217"[..]));
        assert!(p.message_from_fields);
        assert!(p.msg.get(b).starts_with(b"fe_https~ be_web/<NOSRV>"));
    }

    #[test]
    fn captured_headers_before_the_request_are_skipped() {
        let line = r#"10.0.0.1:1 [22/Jan/2024:15:30:01.123] fe be/s1 0/0/1/12/13 200 +512 - - ---- 1/1/1/0/0 0/0 {host.example|curl} "POST /login HTTP/2.0""#;
        let p = read(line).expect("an HTTP log line");
        assert_eq!(p.level, Level::Info);
        let field = |k: Span| p.fields.iter().find(|f| f.key == k).map(|f| f.value.get(line.as_bytes()));
        assert_eq!(field(keys::PATH), Some(&b"/login"[..]));
        assert_eq!(field(keys::BYTES), Some(&b"+512"[..]));
    }

    #[test]
    fn other_haproxy_lines_are_left_alone() {
        for line in [
            "Server be_web/web-3 is DOWN, reason: Layer7 wrong status, code: 301. 4 active and 0 backup servers left.",
            "Proxy fe_http started.",
            "10.0.0.1:1 [22/Jan/2024:15:30:01.123] fe be/s1 0/0/5001 0 -- 1/1/1/0/0 0/0",
            "10.0.0.1 connected to backend",
            "abc:12 [x] y",
            "",
        ] {
            assert!(read(line).is_none(), "{line}");
        }
    }
}
