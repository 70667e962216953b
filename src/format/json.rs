//! JSON lines. A shallow, allocation-free scanner over the top-level object:
//! well-known keys become timestamp/level/message/service/host, every other
//! top-level key is kept as a field. Nested values are skipped by bracket
//! counting (no recursion, so hostile nesting cannot overflow the stack).

use super::{level_from_word, Field, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_epoch_digits, parse_iso};

/// Skips a JSON string starting at the opening quote; returns the index after the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Skips any JSON value at `i`; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t') {
                j += 1;
            }
            Some(j)
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i
}

/// Iterates the top-level `key: value` pairs; value spans exclude quotes for strings.
pub fn for_each_pair(b: &[u8], mut f: impl FnMut(Span, Span, bool)) -> bool {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return false;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'}') => return true,
            Some(b'"') => {}
            _ => return false,
        }
        let Some(kend) = skip_string(b, i) else { return false };
        let key = Span::new(i + 1, kend - 1);
        i = skip_ws(b, kend);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = skip_ws(b, i + 1);
        let Some(vend) = skip_value(b, i) else { return false };
        let is_str = b.get(i) == Some(&b'"');
        let value = if is_str { Span::new(i + 1, vend - 1) } else { Span::new(i, vend) };
        f(key, value, is_str);
        i = skip_ws(b, vend);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return true,
            _ => return false,
        }
    }
}

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let mut ts = None;
    let mut level = None;
    let ok = for_each_pair(line, |key, value, _is_str| {
        let k = key.get(line);
        let v = value.get(line);
        match k {
            b"@timestamp" | b"timestamp" | b"time" | b"ts" | b"t" | b"datetime" | b"date" | b"eventTime"
                if ts.is_none() =>
            {
                ts = parse_iso(v, 0).map(|st| st.resolve(&ctx.zone)).or_else(|| parse_epoch_digits(v));
            }
            b"level" | b"log.level" | b"severity" | b"lvl" | b"loglevel" | b"levelname" | b"severity_text"
                if level.is_none() =>
            {
                level = level_from_word(v);
            }
            b"msg" | b"message" | b"event" | b"error" if out.msg.is_empty() => out.msg = value,
            b"service" | b"service.name" | b"logger" | b"app" | b"component" | b"source" if out.service.is_empty() => {
                out.service = value
            }
            b"host" | b"hostname" | b"instance" | b"host.name" | b"node" | b"pod" if out.host.is_empty() => {
                out.host = value
            }
            _ => {}
        }
        out.fields.push(Field { key, value });
    });
    if !ok {
        return LineKind::Unparsed;
    }
    out.ts = ts.unwrap_or(crate::time::NO_TIME);
    if out.msg.is_empty() {
        out.msg = Span::new(0, line.len());
    }
    out.level = level.unwrap_or_else(|| super::generic::keyword_level(out.msg.get(line)));
    if out.level == Level::Unknown {
        out.level = Level::Info;
    }
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn fields_and_roles() {
        let line = br#"{"ts":"2024-01-22T15:30:01.250Z","level":"error","service":"auth","host":"auth-2","msg":"token signing failed","kid":"k2","ctx":{"a":[1,{"b":"}"}]}}"#;
        let mut p = Parsed::default();
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 250));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.service.get(line), b"auth");
        assert_eq!(p.host.get(line), b"auth-2");
        assert_eq!(p.msg.get(line), b"token signing failed");
        assert_eq!(p.field(line, b"kid"), Some(&b"k2"[..]));
    }

    #[test]
    fn epoch_and_garbage() {
        let mut p = Parsed::default();
        let line = br#"{"time": 1705937401123, "message": "x"}"#;
        assert_eq!(parse(line, &ParseCtx::default(), &mut p), LineKind::Record);
        assert_eq!(p.ts, 1_705_937_401_123);
        assert_eq!(parse(b"{\"a\":", &ParseCtx::default(), &mut p), LineKind::Unparsed);
        let deep = "[".repeat(100_000);
        let line = format!("{{\"a\":{deep}");
        assert_eq!(parse(line.as_bytes(), &ParseCtx::default(), &mut p), LineKind::Unparsed);
    }
}
