//! PostgreSQL server logs.
//!
//! - stderr with a `log_line_prefix`: the default `%m [%p] `, and common ones such as
//!   `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ` and `%m [%p] %q%u@%d `. The prefix is
//!   read loosely (stamp first, then `[pid]`, `user=`/`db=` pairs or `user@db`) up to the
//!   `SEVERITY:  ` marker that PostgreSQL always writes with two spaces.
//!   `DETAIL:`/`HINT:`/`STATEMENT:`/`CONTEXT:`/`QUERY:`/`LOCATION:` lines carry the same prefix
//!   and continue the record above.
//! - csvlog (`log_destination = csvlog`): one CSV row per record; quoted fields may span lines.
//! - jsonlog (PostgreSQL 15+): JSON lines with `error_severity`.

use super::{keys, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::parse_iso;

/// The severity words PostgreSQL writes, and what they mean here. `None`: a continuation line.
fn severity(w: &[u8]) -> Option<Option<Level>> {
    Some(Some(match w {
        b"DEBUG1" | b"DEBUG2" | b"DEBUG3" | b"DEBUG4" | b"DEBUG5" | b"DEBUG" => Level::Debug,
        b"INFO" | b"LOG" => Level::Info,
        b"NOTICE" => Level::Notice,
        b"WARNING" => Level::Warn,
        b"ERROR" => Level::Error,
        b"FATAL" | b"PANIC" => Level::Fatal,
        b"DETAIL" | b"HINT" | b"STATEMENT" | b"CONTEXT" | b"QUERY" | b"LOCATION" => return Some(None),
        _ => return None,
    }))
}

/// A PostgreSQL timestamp (`%m`, `%t`, `%n` epoch): (UTC millis, bytes used). Zone abbreviations other
/// than UTC/GMT (`CET`, `EST`) are skipped and the `--tz` zone applies.
fn stamp(line: &[u8], ctx: &ParseCtx) -> Option<(i64, usize)> {
    if let Some(st) = parse_iso(line, 0) {
        let mut len = st.len;
        let mut ts = st.resolve(&ctx.zone);
        if !st.zoned && line.get(len) == Some(&b' ') {
            let z = &line[len + 1..];
            let n = z.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count();
            if (2..=5).contains(&n) && z.get(n) == Some(&b' ') {
                len += 1 + n;
            }
            ts = ctx.zone.to_utc(st.ms);
        }
        return Some((ts, len));
    }
    // `%n`: epoch seconds with milliseconds.
    let n = line.iter().take(20).take_while(|c| c.is_ascii_digit() || **c == b'.').count();
    crate::time::parse_epoch_digits(&line[..n]).filter(|_| n >= 10).map(|ms| (ms, n))
}

pub fn parse_stderr(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((ts, mut pos)) = stamp(line, ctx) else { return LineKind::Unparsed };
    // Find `WORD:  ` with a known severity, within a bounded prefix.
    let limit = line.len().min(pos + 400);
    let mut marker = None;
    let mut i = pos;
    while i + 3 <= limit {
        let Some(c) = memchr::memchr(b':', &line[i..limit]).map(|c| i + c) else { break };
        if line.get(c + 1) == Some(&b' ') && line.get(c + 2) == Some(&b' ') {
            let wstart = line[..c].iter().rposition(|&b| !b.is_ascii_alphanumeric()).map_or(0, |p| p + 1);
            if let Some(lv) = severity(&line[wstart..c]) {
                marker = Some((wstart, c + 3, lv));
                break;
            }
        }
        i = c + 1;
    }
    let Some((wstart, msg_start, level)) = marker else { return LineKind::Unparsed };
    let Some(level) = level else {
        return LineKind::Continuation;
    };
    out.ts = ts;
    out.level = level;
    out.msg = Span::new(msg_start, line.len());
    // Prefix fields between the stamp and the severity.
    let prefix_end = wstart;
    while pos < prefix_end {
        match line[pos] {
            b'[' => {
                let close = memchr::memchr(b']', &line[pos..prefix_end]).map(|c| pos + c).unwrap_or(prefix_end);
                let inner = &line[pos + 1..close];
                if !inner.is_empty() && inner.iter().all(u8::is_ascii_digit) && out.field(line, b"pid").is_none() {
                    out.push_field(keys::PID, Span::new(pos + 1, close));
                }
                pos = close + 1;
            }
            b' ' | b':' | b',' => pos += 1,
            _ => {
                let end = line[pos..prefix_end]
                    .iter()
                    .position(|&c| matches!(c, b' ' | b','))
                    .map_or(prefix_end, |e| pos + e);
                let tok = &line[pos..end];
                if let Some(eq) = memchr::memchr(b'=', tok) {
                    let key = match &tok[..eq] {
                        b"user" => keys::USER,
                        b"db" | b"database" => keys::DB,
                        b"app" | b"application" => keys::APP,
                        b"client" | b"host" | b"remote" => keys::CLIENT,
                        _ => Span::new(pos, pos + eq),
                    };
                    if eq + 1 < tok.len() && &tok[eq + 1..] != b"[unknown]" {
                        out.push_field(key, Span::new(pos + eq + 1, end));
                    }
                } else if let Some(at) = memchr::memchr(b'@', tok) {
                    out.push_field(keys::USER, Span::new(pos, pos + at));
                    out.push_field(keys::DB, Span::new(pos + at + 1, end));
                }
                pos = end;
            }
        }
    }
    LineKind::Record
}

/// Splits one CSV row into up to `N` field spans (quotes excluded; `""` escapes left as written).
/// Returns the number of fields, or `None` when a quoted field runs past the line (a multi-line row).
fn csv_fields<const N: usize>(line: &[u8], spans: &mut [Span; N]) -> Option<usize> {
    let mut n = 0;
    let mut pos = 0;
    loop {
        let (span, next) = if line.get(pos) == Some(&b'"') {
            let mut i = pos + 1;
            loop {
                match line.get(i) {
                    None => return None,
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            (Span::new(pos + 1, i), i + 1)
        } else {
            let end = memchr::memchr(b',', &line[pos.min(line.len())..]).map_or(line.len(), |e| pos + e);
            (Span::new(pos, end), end)
        };
        if n < N {
            spans[n] = span;
        }
        n += 1;
        match line.get(next) {
            Some(b',') => pos = next + 1,
            None => return Some(n.min(N)),
            // Junk after a closing quote: not CSV.
            Some(_) => return Some(0),
        }
    }
}

/// csvlog columns (PostgreSQL 13+; older versions have a prefix of these).
const CSV_USER: usize = 1;
const CSV_DB: usize = 2;
const CSV_PID: usize = 3;
const CSV_CLIENT: usize = 4;
const CSV_SEVERITY: usize = 11;
const CSV_STATE: usize = 12;
const CSV_MESSAGE: usize = 13;
const CSV_APP: usize = 22;

pub fn parse_csv(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((ts, used)) = stamp(line, ctx) else {
        // Inside a multi-line quoted message.
        return LineKind::Continuation;
    };
    if line.get(used) != Some(&b',') {
        return LineKind::Unparsed;
    }
    let mut f = [Span::EMPTY; 26];
    // A row whose message holds a newline ends on a later line: read what this line has.
    let n = match csv_fields(line, &mut f) {
        Some(n) => n,
        None => partial_csv(line, &mut f),
    };
    if n <= CSV_SEVERITY {
        return LineKind::Unparsed;
    }
    let Some(Some(level)) = severity(f[CSV_SEVERITY].get(line)) else { return LineKind::Unparsed };
    out.ts = ts;
    out.level = level;
    out.msg = if n > CSV_MESSAGE { f[CSV_MESSAGE] } else { Span::new(f[CSV_SEVERITY].end as usize, line.len()) };
    if out.msg.is_empty() && n > CSV_MESSAGE {
        // An unterminated quoted message runs to the end of the line.
        out.msg = Span::new(f[CSV_MESSAGE].start as usize, line.len());
    }
    for (i, key) in [(CSV_USER, keys::USER), (CSV_DB, keys::DB), (CSV_PID, keys::PID), (CSV_CLIENT, keys::CLIENT)] {
        if !f[i].is_empty() {
            out.push_field(key, f[i]);
        }
    }
    if !f[CSV_STATE].is_empty() {
        out.push_field(keys::CODE, f[CSV_STATE]);
    }
    if n > CSV_APP && !f[CSV_APP].is_empty() {
        out.push_field(keys::APP, f[CSV_APP]);
    }
    LineKind::Record
}

/// Fields of a row cut by a newline inside a quoted field: the open field runs to the end of the line.
fn partial_csv(line: &[u8], f: &mut [Span; 26]) -> usize {
    let mut n = 0;
    let mut pos = 0;
    while n < f.len() {
        if line.get(pos) == Some(&b'"') {
            let mut i = pos + 1;
            loop {
                match line.get(i) {
                    None => {
                        f[n] = Span::new(pos + 1, line.len());
                        return n + 1;
                    }
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            f[n] = Span::new(pos + 1, i);
            pos = i + 1;
        } else {
            let end = memchr::memchr(b',', &line[pos.min(line.len())..]).map_or(line.len(), |e| pos + e);
            f[n] = Span::new(pos, end);
            pos = end;
        }
        n += 1;
        if line.get(pos) != Some(&b',') {
            return n;
        }
        pos += 1;
    }
    n
}

/// jsonlog: a JSON line with `error_severity` (other JSON is not PostgreSQL's).
pub fn parse_json(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    if super::json::parse(line, ctx, out) != LineKind::Record {
        return LineKind::Unparsed;
    }
    let Some(sev) = out.field(line, b"error_severity") else { return LineKind::Unparsed };
    if let Some(Some(l)) = severity(sev) {
        out.level = l;
    }
    // The `application_name` role would name the service after the client (psql); the server is postgres.
    out.service = Span::EMPTY;
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    fn ctx() -> ParseCtx {
        ParseCtx::default()
    }

    #[test]
    fn default_prefix() {
        let line = b"2024-01-22 15:30:01.123 UTC [4242] LOG:  checkpoint starting: time";
        let mut p = Parsed::default();
        p.clear();
        assert_eq!(parse_stderr(line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Info);
        assert_eq!(p.msg.get(line), b"checkpoint starting: time");
        assert_eq!(p.field(line, b"pid"), Some(&b"4242"[..]));
        let line = b"2024-01-22 15:30:02.001 UTC [4242] FATAL:  remaining connection slots are reserved";
        p.clear();
        assert_eq!(parse_stderr(line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Fatal);
    }

    #[test]
    fn continuation_lines_share_the_prefix() {
        let mut p = Parsed::default();
        for line in [
            &b"2024-01-22 15:30:01.123 UTC [4242] DETAIL:  Key (id)=(1) already exists."[..],
            b"2024-01-22 15:30:01.123 UTC [4242] STATEMENT:  INSERT INTO t VALUES (1)",
            b"2024-01-22 15:30:01.123 UTC [4242] HINT:  Is the server running?",
            b"2024-01-22 15:30:01 UTC [4242]: [3-1] user=app,db=auth,app=psql,client=10.0.0.4 CONTEXT:  SQL function",
        ] {
            p.clear();
            assert_eq!(parse_stderr(line, &ctx(), &mut p), LineKind::Continuation, "{:?}", line);
        }
    }

    #[test]
    fn common_prefixes() {
        let line = b"2024-01-22 15:30:01 UTC [4242]: [3-1] user=app,db=auth,app=psql,client=10.0.0.4 ERROR:  duplicate key value violates unique constraint \"users_pkey\"";
        let mut p = Parsed::default();
        p.clear();
        assert_eq!(parse_stderr(line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.field(line, b"user"), Some(&b"app"[..]));
        assert_eq!(p.field(line, b"db"), Some(&b"auth"[..]));
        assert_eq!(p.field(line, b"app"), Some(&b"psql"[..]));
        assert_eq!(p.field(line, b"client"), Some(&b"10.0.0.4"[..]));
        assert!(p.msg.get(line).starts_with(b"duplicate key"));
        let line = b"2024-01-22 16:30:01.500 CET [77] app@auth WARNING:  there is no transaction in progress";
        let ctx = ParseCtx { zone: crate::time::LocalZone::Fixed(3600), ..Default::default() };
        p.clear();
        assert_eq!(parse_stderr(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 500));
        assert_eq!(p.level, Level::Warn);
        assert_eq!(p.field(line, b"user"), Some(&b"app"[..]));
        assert_eq!(p.field(line, b"db"), Some(&b"auth"[..]));
        // `%q` leaves background processes without user@db.
        let line = b"2024-01-22 15:30:01.123 UTC [99] LOG:  database system is ready to accept connections";
        p.clear();
        assert_eq!(parse_stderr(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.field(line, b"user"), None);
        p.clear();
        assert_eq!(
            parse_stderr(b"2024-01-22 15:30:01.123 UTC [99] hello", &ParseCtx::default(), &mut p),
            LineKind::Unparsed
        );
    }

    #[test]
    fn csvlog() {
        let line = br#"2024-01-22 15:30:01.123 UTC,"app","auth",4242,"10.0.0.4:51234",65ae8a39.1092,3,"INSERT",2024-01-22 15:29:00 UTC,3/7,0,ERROR,23505,"duplicate key value violates unique constraint ""users_pkey""","Key (id)=(1) already exists.",,,,,"INSERT INTO users VALUES (1)",,,"psql","client backend",,0"#;
        let mut p = Parsed::default();
        p.clear();
        assert_eq!(parse_csv(line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), br#"duplicate key value violates unique constraint ""users_pkey"""#);
        assert_eq!(p.field(line, b"pid"), Some(&b"4242"[..]));
        assert_eq!(p.field(line, b"code"), Some(&b"23505"[..]));
        assert_eq!(p.field(line, b"app"), Some(&b"psql"[..]));
        // A message with a newline: the row continues on the next physical line.
        let first = br#"2024-01-22 15:30:02.000 UTC,"app","auth",4242,"10.0.0.4:51234",65ae8a39.1092,4,"SELECT",2024-01-22 15:29:00 UTC,3/8,0,ERROR,42601,"syntax error"#;
        p.clear();
        assert_eq!(parse_csv(first, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.msg.get(first), b"syntax error");
        p.clear();
        assert_eq!(
            parse_csv(br#"at or near ""x""",,,,,,"x",1,,"psql","client backend",,0"#, &ctx(), &mut p),
            LineKind::Continuation
        );
    }

    #[test]
    fn jsonlog() {
        let line = br#"{"timestamp":"2024-01-22 15:30:01.123 UTC","user":"app","dbname":"auth","pid":4242,"remote_host":"10.0.0.4","session_id":"65ae8a39.1092","line_num":3,"ps":"INSERT","error_severity":"FATAL","state_code":"53300","message":"sorry, too many clients already","application_name":"psql","backend_type":"client backend","query_id":0}"#;
        let mut p = Parsed::default();
        p.clear();
        assert_eq!(parse_json(line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Fatal);
        assert_eq!(p.msg.get(line), b"sorry, too many clients already");
        assert!(p.service.is_empty());
        p.clear();
        assert_eq!(parse_json(br#"{"ts":"2024-01-22T15:30:01Z","msg":"x"}"#, &ctx(), &mut p), LineKind::Unparsed);
    }
}
