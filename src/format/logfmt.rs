//! logfmt: `time=2024-01-22T15:30:01Z level=error msg="token signing failed" kid=k2`.
//! Values are bare or double-quoted with backslash escapes; the value span excludes the quotes
//! (escapes are left as written). Well-known keys take roles; every pair is kept as a field.

use super::scan::find_any;
use super::{level_from_word, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_epoch_digits, parse_iso};

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let mut pos = 0;
    let mut pairs = 0usize;
    let mut bare = 0usize;
    let mut level = None;
    let mut ts = None;
    while pos < line.len() {
        while pos < line.len() && matches!(line[pos], b' ' | b'\t') {
            pos += 1;
        }
        if pos >= line.len() {
            break;
        }
        let kstart = pos;
        pos = find_any(line, pos, [b' ', b'\t', b'=', b'"']);
        let key = Span::new(kstart, pos);
        if line.get(pos) != Some(&b'=') || key.is_empty() {
            // A leading bare stamp (`2024-01-22T15:30:01Z level=info …`, as some shippers prefix) is the time.
            if kstart == 0 && pos > 0 {
                if let Some(st) = parse_iso(key.get(line), 0).filter(|st| st.len == pos) {
                    ts = Some(st.resolve(&ctx.zone));
                    continue;
                }
            }
            // A bare word: allowed now and then (`INFO user=bob`, `msg=x done`), but a line of prose is not logfmt.
            bare += 1;
            if level.is_none() && pos > kstart {
                level = level_from_word(key.get(line)).filter(|_| pos - kstart > 1);
            }
            if line.get(pos) == Some(&b'"') || bare > pairs + 1 {
                return LineKind::Unparsed;
            }
            continue;
        }
        pos += 1;
        let value = if line.get(pos) == Some(&b'"') {
            let vstart = pos + 1;
            let mut i = vstart;
            loop {
                let Some(at) = line.get(i..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) else {
                    return LineKind::Unparsed;
                };
                i += at;
                if line[i] == b'"' {
                    break;
                }
                i += 2;
            }
            pos = i + 1;
            Span::new(vstart, i)
        } else {
            let vstart = pos;
            pos = find_any(line, pos, [b' ', b'\t']);
            Span::new(vstart, pos)
        };
        pairs += 1;
        let v = value.get(line);
        match key.get(line) {
            b"time" | b"ts" | b"timestamp" | b"t" | b"@timestamp" | b"date" if ts.is_none() => {
                ts = parse_iso(v, 0).map(|st| st.resolve(&ctx.zone)).or_else(|| parse_epoch_digits(v));
            }
            b"level" | b"lvl" | b"severity" | b"loglevel" | b"log.level" if level.is_none() => {
                level = level_from_word(v)
            }
            b"msg" | b"message" if out.msg.is_empty() => out.msg = value,
            b"service" | b"svc" | b"app" | b"component" | b"logger" | b"module" | b"caller_service"
                if out.service.is_empty() =>
            {
                out.service = value
            }
            b"host" | b"hostname" | b"instance" | b"node" | b"pod" if out.host.is_empty() => out.host = value,
            _ => {}
        }
        out.push_field(key, value);
    }
    // One `a=b` inside a sentence is not logfmt: at least two pairs, or one with a role.
    if pairs < 2 && ts.is_none() && out.msg.is_empty() {
        return LineKind::Unparsed;
    }
    out.ts = ts.unwrap_or(crate::time::NO_TIME);
    if out.msg.is_empty() {
        out.msg = Span::new(0, line.len());
    }
    out.level = level.unwrap_or_else(|| super::level::keyword_level(out.msg.get(line)));
    if out.level == Level::Unknown {
        out.level = Level::Info;
    }
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{civil_to_millis, NO_TIME};

    #[test]
    fn roles_quotes_and_escapes() {
        let line =
            br#"time=2024-01-22T15:30:01.5Z level=error msg="token \"k2\" signing failed" service=auth host=auth-2 kid=k2"#;
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 500));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), br#"token \"k2\" signing failed"#);
        assert_eq!(p.service.get(line), b"auth");
        assert_eq!(p.host.get(line), b"auth-2");
        assert_eq!(p.field(line, b"kid"), Some(&b"k2"[..]));
        assert_eq!(p.fields.len(), 6);
    }

    #[test]
    fn epoch_and_empty_values() {
        let line = b"ts=1705937401 lvl=warn msg= retries=3";
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, 1_705_937_401_000);
        assert_eq!(p.level, Level::Warn);
        assert_eq!(p.field(line, b"retries"), Some(&b"3"[..]));
    }

    #[test]
    fn leading_stamp() {
        let line = b"2024-01-22T15:30:01Z level=warn msg=slow dur=2s";
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.level, Level::Warn);
        assert_eq!(p.msg.get(line), b"slow");
        let line = b"2024-01-22T15:30:01Z ERROR user=bob action=login";
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Error);
    }

    #[test]
    fn not_logfmt() {
        let mut p = Parsed::default();
        for line in [&b"the quick brown fox set x=1 today"[..], b"msg=\"unterminated", b"hello", b"a \"b\" c=d"] {
            assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Unparsed, "{:?}", line);
        }
        let mut many = String::new();
        for i in 0..100_000 {
            many.push_str(&format!("k{i}=v "));
        }
        assert_eq!(parse(many.as_bytes(), &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.fields.len(), crate::format::MAX_FIELDS);
        assert_eq!(p.ts, NO_TIME);
    }
}
