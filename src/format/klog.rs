//! klog (Kubernetes components, glog): `E0122 15:30:01.123456    1 file.go:123] msg`.
//! The stamp has no year: it takes the provisional year and the index fixes rollovers.

use super::{keys, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{days_from_civil, digits, parse_clock, MS_PER_DAY};

pub fn parse(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let level = match line.first() {
        Some(b'I') => Level::Info,
        Some(b'W') => Level::Warn,
        Some(b'E') => Level::Error,
        Some(b'F') => Level::Fatal,
        _ => return LineKind::Unparsed,
    };
    let (Some(mo), Some(d)) = (digits(line, 1, 2), digits(line, 3, 2)) else { return LineKind::Unparsed };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || line.get(5) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    let Some((clock, clen)) = parse_clock(line, 6) else { return LineKind::Unparsed };
    let mut pos = 6 + clen;
    if line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    let tid = pos;
    while line.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    if pos == tid || line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    let tid_span = Span::new(tid, pos);
    pos += 1;
    // `file.go:123]`
    let Some(close) = line[pos..].iter().take(256).position(|&c| c == b']').map(|c| pos + c) else {
        return LineKind::Unparsed;
    };
    if !line[pos..close].contains(&b':') {
        return LineKind::Unparsed;
    }
    out.ts = ctx.zone.to_utc(days_from_civil(ctx.year, mo, d) * MS_PER_DAY + clock);
    out.level = level;
    out.push_field(keys::THREAD, tid_span);
    out.push_field(keys::FILE, Span::new(pos, close));
    let msg = if line.get(close + 1) == Some(&b' ') { close + 2 } else { close + 1 };
    out.msg = Span::new(msg, line.len());
    LineKind::Record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::civil_to_millis;

    #[test]
    fn klog_lines() {
        let ctx = ParseCtx { year: 2024, ..Default::default() };
        let mut p = Parsed::default();
        let line = b"E0122 15:30:01.123456       1 reflector.go:138] k8s.io/client-go: Failed to watch *v1.Pod";
        assert_eq!(parse(line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.field(line, b"file"), Some(&b"reflector.go:138"[..]));
        assert!(p.msg.get(line).starts_with(b"k8s.io/client-go"));
        p.clear();
        assert_eq!(parse(b"I1301 15:30:01.1 1 a.go:1] x", &ctx, &mut p), LineKind::Unparsed);
        p.clear();
        assert_eq!(parse(b"Info about things", &ctx, &mut p), LineKind::Unparsed);
    }
}
