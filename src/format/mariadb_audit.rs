//! MariaDB's audit plugin (`server_audit.log`), one CSV record per event:
//! `timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode`,
//! e.g. `20261207 17:13:48,vm,root,localhost,699,2208,QUERY,,'SET GLOBAL max_connections = 10',0`.
//!
//! The object is the statement (single-quoted, `\'` escaped, and possibly cut short by
//! `server_audit_query_log_limit`) or a table name; it may hold commas, so it is whatever lies
//! between the eighth comma and the last. The message is the object without its quotes, or the
//! operation when there is none (`FAILED_CONNECT`): the two are not adjacent in the line, and a
//! message is a span of it. A non-zero retcode (MariaDB's error number: 1040 too many
//! connections, 1045 access denied) makes the record an error.

use super::{keys, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{days_from_civil, digits, parse_clock, valid_date, MS_PER_DAY};

/// `20261207 17:13:48`: (UTC millis, bytes used).
fn stamp(line: &[u8], ctx: &ParseCtx) -> Option<(i64, usize)> {
    let (y, mo, d) = (digits(line, 0, 4)? as i64, digits(line, 4, 2)?, digits(line, 6, 2)?);
    if line.get(8) != Some(&b' ') || !valid_date(y, mo, d) {
        return None;
    }
    let (clock, used) = parse_clock(line, 9)?;
    Some((ctx.zone.to_utc(days_from_civil(y, mo, d) * MS_PER_DAY + clock), 9 + used))
}

/// Operations the plugin writes; a CSV line with another word in that column is not this log.
fn is_operation(word: &[u8]) -> bool {
    matches!(
        word,
        b"CONNECT"
            | b"DISCONNECT"
            | b"FAILED_CONNECT"
            | b"CHANGEUSER"
            | b"QUERY"
            | b"QUERY_DDL"
            | b"QUERY_DML"
            | b"QUERY_DCL"
            | b"QUERY_DML_NO_SELECT"
            | b"READ"
            | b"WRITE"
            | b"CREATE"
            | b"ALTER"
            | b"RENAME"
            | b"DROP"
    )
}

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((ts, mut pos)) = stamp(line, ctx) else { return LineKind::Unparsed };
    // serverhost, username, host, connectionid, queryid, operation, database: none holds a comma.
    let mut cols = [Span::EMPTY; 7];
    for col in cols.iter_mut() {
        if line.get(pos) != Some(&b',') {
            return LineKind::Unparsed;
        }
        let start = pos + 1;
        let end = memchr::memchr(b',', &line[start..]).map_or(line.len(), |i| start + i);
        *col = Span::new(start, end);
        pos = end;
    }
    let [server, user, client, connection, query_id, operation, database] = cols;
    let numeric = |s: Span| !s.is_empty() && s.get(line).iter().all(u8::is_ascii_digit);
    if line.get(pos) != Some(&b',') || !numeric(connection) || !numeric(query_id) || !is_operation(operation.get(line))
    {
        return LineKind::Unparsed;
    }
    let object_start = pos + 1;
    let Some(last_comma) = memchr::memrchr(b',', &line[object_start..]).map(|i| object_start + i) else {
        return LineKind::Unparsed;
    };
    let retcode = Span::new(last_comma + 1, line.len());
    if !retcode.get(line).iter().all(u8::is_ascii_digit) {
        return LineKind::Unparsed;
    }
    // Quotes off; a statement cut short by the plugin's length limit has no closing one.
    let (mut start, mut end) = (object_start, last_comma);
    if line.get(start) == Some(&b'\'') {
        start += 1;
        if end > start && line[end - 1] == b'\'' {
            end -= 1;
        }
    }
    let object = Span::new(start, end);
    out.ts = ts;
    out.host = server;
    out.msg = if object.is_empty() { operation } else { object };
    let failed = retcode.get(line).iter().any(|&c| c != b'0');
    out.level = if failed { Level::Error } else { Level::Info };
    for (key, value) in [
        (keys::USER, user),
        (keys::CLIENT, client),
        (keys::CONNECTION, connection),
        (keys::QUERY_ID, query_id),
        (keys::OPERATION, operation),
        (keys::DB, database),
        (keys::RETCODE, retcode),
    ] {
        if !value.is_empty() {
            out.push_field(key, value);
        }
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
    fn query_reads_its_statement() {
        let line = b"20261207 17:13:48,vm,root,localhost,699,2208,QUERY,,'SET GLOBAL max_connections = 10',0";
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2026, 12, 7, 17, 13, 48, 0));
        assert_eq!(p.host.get(line), b"vm");
        assert_eq!(p.msg.get(line), b"SET GLOBAL max_connections = 10");
        assert_eq!(p.level, Level::Info);
        assert_eq!(p.field(line, b"user"), Some(&b"root"[..]));
        assert_eq!(p.field(line, b"client"), Some(&b"localhost"[..]));
        assert_eq!(p.field(line, b"connection"), Some(&b"699"[..]));
        assert_eq!(p.field(line, b"query_id"), Some(&b"2208"[..]));
        assert_eq!(p.field(line, b"operation"), Some(&b"QUERY"[..]));
        assert_eq!(p.field(line, b"retcode"), Some(&b"0"[..]));
        assert_eq!(p.field(line, b"db"), None);
    }

    #[test]
    fn failed_connect_is_an_error_named_by_its_operation() {
        let line = b"20261207 17:13:50,vm,app,127.0.0.1,702,0,FAILED_CONNECT,,,1040";
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Error));
        assert_eq!(p.msg.get(line), b"FAILED_CONNECT");
        assert_eq!(p.field(line, b"retcode"), Some(&b"1040"[..]));
        // An anonymous failed attempt has no user.
        let line = b"20261207 17:07:30,vm,,127.0.0.1,3,0,FAILED_CONNECT,,,1130";
        let (k, p) = run(line);
        assert_eq!((k, p.level, p.field(line, b"user")), (LineKind::Record, Level::Error, None));
    }

    #[test]
    fn statements_with_commas_quotes_and_cuts() {
        let line = br"20261207 17:07:30,vm,root,localhost,4,3,QUERY,mysql,'GRANT SELECT, INSERT ON appdb.* TO \'app\'@\'127.0.0.1\'',0";
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.msg.get(line), br"GRANT SELECT, INSERT ON appdb.* TO \'app\'@\'127.0.0.1\'");
        assert_eq!(p.field(line, b"db"), Some(&b"mysql"[..]));
        // Cut short by the plugin's length limit: no closing quote.
        let line = b"20261207 17:07:30,vm,root,localhost,4,14,QUERY,appdb,'INSERT INTO t VALUES (1,2),(3,4,0";
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.msg.get(line), b"INSERT INTO t VALUES (1,2),(3,4");
        // Table events carry a bare table name and may leave the retcode empty.
        let line = b"20261207 17:07:31,vm,app,127.0.0.1,15,3,READ,appdb,accounts,";
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Info));
        assert_eq!(p.msg.get(line), b"accounts");
    }

    #[test]
    fn other_csv_is_not_audit() {
        for line in [
            &b"20261207 17:13:48,vm,root,localhost,699,2208,SELECTED,,'x',0"[..],
            b"20261207 17:13:48,vm,root,localhost,x,2208,QUERY,,'x',0",
            b"20261207 17:13:48,vm,root",
            b"2026-12-07 17:13:48,vm,root,localhost,1,2,QUERY,,'x',0",
            b"20261307 17:13:48,vm,root,localhost,1,2,QUERY,,'x',0",
            b"20261207 17:13:48,vm,root,localhost,1,2,QUERY,,'x',abc",
        ] {
            assert_eq!(run(line).0, LineKind::Unparsed, "{}", String::from_utf8_lossy(line));
        }
    }
}
