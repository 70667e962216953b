//! MySQL 8 / 5.7 and MariaDB error logs:
//! `2024-01-22T15:30:01.123456Z 8 [Warning] [MY-010055] [Server] msg` (MySQL 8),
//! `2024-01-22T15:30:01.123456Z 0 [Note] msg` (5.7),
//! `2024-01-22 15:30:01 0 [Note] InnoDB: msg` (MariaDB 10.x),
//! `240122 15:30:01 [ERROR] msg` and `240122  5:30:01 [Note] msg` (MySQL 5.5 / old MariaDB).

use super::{generic::StampKind, keys, Level, LineKind, ParseCtx, Parsed, Span};

fn mysql_level(w: &[u8]) -> Option<Level> {
    Some(match w {
        b"Note" | b"NOTE" | b"System" | b"SYSTEM" | b"Info" => Level::Info,
        b"Warning" | b"WARNING" | b"Warn" => Level::Warn,
        b"ERROR" | b"Error" => Level::Error,
        b"FATAL" | b"Fatal" => Level::Fatal,
        _ => return None,
    })
}

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let iso = StampKind::Iso.parse(line, ctx);
    let yymmdd = iso.is_none();
    let Some((ts, mut pos)) = iso.or_else(|| StampKind::Yymmdd.parse(line, ctx)) else {
        // Every record starts with its date; what does not is the crash report's body ("Thread
        // pointer: 0x0", the backtrace) or the version banner, printed under a stamped line.
        return if line.first().is_some_and(u8::is_ascii_digit) { LineKind::Unparsed } else { LineKind::Continuation };
    };
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    // The crash report's head: `2025-04-09T15:13:16Z UTC - mysqld got signal 6 ;`.
    if let Some(rest) = line[pos..].strip_prefix(b"UTC - ") {
        out.ts = ts;
        out.level = Level::Fatal;
        out.msg = Span::new(line.len() - rest.len(), line.len());
        return LineKind::Record;
    }
    // Thread / connection id.
    let id_start = pos;
    while line.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    if pos > id_start {
        out.push_field(keys::THREAD, Span::new(id_start, pos));
        if line.get(pos) != Some(&b' ') {
            return LineKind::Unparsed;
        }
        pos += 1;
    }
    // `[Level]` is what makes this MySQL rather than any app log.
    if line.get(pos) != Some(&b'[') {
        // Under the old short stamp, plugins and 5.5's InnoDB write `name: text` without a level
        // (`261207 17:07:30 server_audit: logging started …`, `140122 15:30:01  InnoDB: …`).
        let name = line[pos..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
        if yymmdd && pos == id_start && name >= 2 && line[pos + name..].starts_with(b": ") {
            out.ts = ts;
            out.level = Level::Info;
            out.msg = Span::new(pos, line.len());
            return LineKind::Record;
        }
        return LineKind::Unparsed;
    }
    let Some(close) = line[pos..].iter().take(12).position(|&c| c == b']').map(|c| pos + c) else {
        return LineKind::Unparsed;
    };
    let Some(level) = mysql_level(&line[pos + 1..close]) else { return LineKind::Unparsed };
    pos = close + 1;
    // MySQL 8: `[MY-010055] [Server]`.
    for key in [keys::CODE, keys::SUBSYSTEM] {
        if line.get(pos) == Some(&b' ') && line.get(pos + 1) == Some(&b'[') {
            let Some(c) = line[pos + 2..].iter().take(32).position(|&c| c == b']').map(|c| pos + 2 + c) else { break };
            let inner = Span::new(pos + 2, c);
            if key == keys::CODE && !inner.get(line).starts_with(b"MY-") {
                break;
            }
            out.push_field(key, inner);
            pos = c + 1;
        }
    }
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    out.ts = ts;
    out.level = level;
    out.msg = Span::new(pos, line.len());
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
    fn mysql8() {
        let line =
            b"2024-01-22T15:30:01.123456Z 8 [Warning] [MY-010055] [Server] IP address '10.0.0.9' could not be resolved";
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Warn);
        assert_eq!(p.field(line, b"code"), Some(&b"MY-010055"[..]));
        assert_eq!(p.field(line, b"subsystem"), Some(&b"Server"[..]));
        assert_eq!(p.field(line, b"thread"), Some(&b"8"[..]));
        assert!(p.msg.get(line).starts_with(b"IP address"));
        let (k, p) = run(b"2024-01-22T15:30:01.000000Z 0 [System] [MY-010931] [Server] ready for connections.");
        assert_eq!((k, p.level), (LineKind::Record, Level::Info));
    }

    #[test]
    fn mariadb_and_old() {
        let line = b"2024-01-22 15:30:01 0 [Note] InnoDB: Buffer pool(s) load completed";
        let (k, p) = run(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.level, Level::Info);
        assert_eq!(p.msg.get(line), b"InnoDB: Buffer pool(s) load completed");
        let line = b"240122 15:30:01 [ERROR] mysqld: Table './auth/users' is marked as crashed";
        let (k, p) = run(line);
        assert_eq!((k, p.level), (LineKind::Record, Level::Error));
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        let (k, p) = run(b"240122  5:30:01 [Note] /usr/sbin/mysqld: Shutdown complete");
        assert_eq!((k, p.ts), (LineKind::Record, civil_to_millis(2024, 1, 22, 5, 30, 1, 0)));
        // MariaDB pads hours before 10:00 with a space.
        let (k, p) = run(b"2024-01-22  0:04:02 0 [Note] Starting MariaDB 10.11.19");
        assert_eq!((k, p.ts, p.level), (LineKind::Record, civil_to_millis(2024, 1, 22, 0, 4, 2, 0), Level::Info));
        assert_eq!(run(b"2024-01-22 15:30:01 INFO not mysql").0, LineKind::Unparsed);
        // A plugin's own line under the short stamp.
        let line = b"261207 17:07:30 server_audit: MariaDB Audit Plugin version 1.4.14 STARTED.";
        let (k, p) = run(line);
        assert_eq!((k, p.level, p.ts), (LineKind::Record, Level::Info, civil_to_millis(2026, 12, 7, 17, 7, 30, 0)));
        assert_eq!(p.msg.get(line), b"server_audit: MariaDB Audit Plugin version 1.4.14 STARTED.");
        assert_eq!(run(b"2024-01-22 15:30:01 app: not mysql").0, LineKind::Unparsed);
        assert_eq!(run(b"261207 17:07:30 just words").0, LineKind::Unparsed);
        assert_eq!(run(b"2024-01-22 15:30:01 0 [Bogus] x").0, LineKind::Unparsed);
    }

    #[test]
    fn crash_report() {
        let (k, p) = run(b"2025-04-09T15:13:16Z UTC - mysqld got signal 6 ;");
        assert_eq!((k, p.level), (LineKind::Record, Level::Fatal));
        assert_eq!(p.ts, civil_to_millis(2025, 4, 9, 15, 13, 16, 0));
        for body in [&b"Thread pointer: 0x0"[..], b"/usr/sbin/mysqld(my_print_stacktrace()+0x41) [0x55d2c1e9a2c1]"] {
            assert_eq!(run(body).0, LineKind::Continuation, "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(run(b"2024-13-45 nonsense").0, LineKind::Unparsed);
    }
}
