//! Apache httpd error log: 2.2 `[Sun Dec 04 04:47:44 2005] [error] msg` and 2.4
//! `[Mon Jan 22 15:30:01.123456 2024] [core:error] [pid 1:tid 2] [client 10.0.0.1:5678] AH00124: msg`.

use super::{generic::StampKind, keys, Level, LineKind, ParseCtx, Parsed, Span};

fn apache_level(w: &[u8]) -> Option<Level> {
    if w.starts_with(b"trace") {
        return Some(Level::Trace);
    }
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

/// A `[...]` group at `pos` (after optional spaces): (inner span, index after `]`).
fn bracket(line: &[u8], mut pos: usize) -> Option<(Span, usize)> {
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    if line.get(pos) != Some(&b'[') {
        return None;
    }
    let close = line[pos..].iter().take(300).position(|&c| c == b']').map(|c| pos + c)?;
    Some((Span::new(pos + 1, close), close + 1))
}

pub fn parse_error(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    if line.first() != Some(&b'[') {
        return LineKind::Unparsed;
    }
    let Some((ts, used)) = StampKind::Ctime.parse(&line[1..], ctx) else { return LineKind::Unparsed };
    if line.get(1 + used) != Some(&b']') {
        return LineKind::Unparsed;
    }
    let Some((lv, mut pos)) = bracket(line, 2 + used) else { return LineKind::Unparsed };
    let lvb = lv.get(line);
    // `module:level` in 2.4.
    let (module, lvword) = match memchr::memchr(b':', lvb) {
        Some(c) => (Some(Span::new(lv.start as usize, lv.start as usize + c)), &lvb[c + 1..]),
        None => (None, lvb),
    };
    let Some(level) = apache_level(lvword) else { return LineKind::Unparsed };
    out.ts = ts;
    out.level = level;
    if let Some(m) = module {
        out.push_field(keys::MODULE, m);
    }
    // `[pid N:tid M]`, `[client A:P]`, `[remote A:P]`.
    while let Some((inner, after)) = bracket(line, pos) {
        let b = inner.get(line);
        let s = inner.start as usize;
        if let Some(rest) = b.strip_prefix(b"pid ") {
            let pid_end = rest.iter().position(|c| !c.is_ascii_digit()).unwrap_or(rest.len());
            out.push_field(keys::PID, Span::new(s + 4, s + 4 + pid_end));
            if let Some(t) = memchr::memmem::find(b, b"tid ") {
                out.push_field(keys::TID, Span::new(s + t + 4, inner.end as usize));
            }
        } else if b.starts_with(b"client ") || b.starts_with(b"remote ") {
            out.push_field(keys::CLIENT, Span::new(s + 7, inner.end as usize));
        } else {
            break;
        }
        pos = after;
    }
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    // `AH00124: ` error code.
    if line.get(pos..pos + 2) == Some(b"AH") {
        let e = pos + 2 + line[pos + 2..].iter().take(6).take_while(|c| c.is_ascii_digit()).count();
        if e > pos + 2 && line.get(e) == Some(&b':') {
            out.push_field(keys::CODE, Span::new(pos, e));
        }
    }
    out.msg = Span::new(pos, line.len());
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn both_generations() {
        let mut p = Parsed::default();
        let ctx = ParseCtx::default();
        let line = b"[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6";
        p.clear();
        assert_eq!(parse_error(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2005, 12, 4, 4, 47, 44, 0));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), b"mod_jk child workerEnv in error state 6");
        let line = b"[Mon Jan 22 15:30:01.123456 2024] [proxy:error] [pid 1234:tid 140234] [client 10.0.0.1:5678] AH00957: HTTP: attempt to connect to 10.0.0.5:8080 failed";
        p.clear();
        assert_eq!(parse_error(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.field(line, b"module"), Some(&b"proxy"[..]));
        assert_eq!(p.field(line, b"pid"), Some(&b"1234"[..]));
        assert_eq!(p.field(line, b"tid"), Some(&b"140234"[..]));
        assert_eq!(p.field(line, b"client"), Some(&b"10.0.0.1:5678"[..]));
        assert_eq!(p.field(line, b"code"), Some(&b"AH00957"[..]));
        assert!(p.msg.get(line).starts_with(b"AH00957: HTTP"));
        let line = b"[Mon Jan 22 15:30:01.123456 2024] [core:trace3] [pid 1] x";
        p.clear();
        assert_eq!(parse_error(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Trace);
        p.clear();
        assert_eq!(parse_error(b"[Mon Jan 22 15:30:01 2024] [nope] x", &ctx, &mut p), LineKind::Unparsed);
    }
}
