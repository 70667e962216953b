//! BSD syslog (RFC 3164) as written by rsyslog/syslog-ng/journald forwarding:
//! `Jan 22 15:30:01 host app[123]: message`, and the same with an RFC 3339 stamp
//! (rsyslog's default file template on current Debian).

use super::{level_from_word, LineKind, ParseCtx, Parsed, Span};
use crate::time::{days_from_civil, digits, month_abbrev, parse_clock, parse_iso, MS_PER_DAY};

/// `Mmm dd HH:MM:SS` (day space-padded) at the start: (naive millis in `year`, bytes used).
pub fn parse_bsd_stamp(line: &[u8], year: i64) -> Option<(i64, usize)> {
    let month = month_abbrev(line)?;
    if line.get(3) != Some(&b' ') {
        return None;
    }
    let (day, dlen) = if line.get(4) == Some(&b' ') {
        (digits(line, 5, 1)?, 2)
    } else if let Some(d) = digits(line, 4, 2) {
        (d, 2)
    } else {
        (digits(line, 4, 1)?, 1)
    };
    if !(1..=31).contains(&day) || line.get(4 + dlen) != Some(&b' ') {
        return None;
    }
    let (clock, clen) = parse_clock(line, 5 + dlen)?;
    // Feb 29 in a non-leap provisional year is kept on Mar 1; the year fix-up moves it.
    let ms = days_from_civil(year, month, day) * MS_PER_DAY + clock;
    Some((ms, 5 + dlen + clen))
}

pub fn parse_3164(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let mut pos = 0;
    // Optional `<PRI>` as sent over the wire.
    let mut pri_level = None;
    if line.first() == Some(&b'<') {
        if let Some(end) = line.iter().take(5).position(|&c| c == b'>') {
            if let Ok(p) = std::str::from_utf8(&line[1..end]).unwrap_or("x").parse::<u8>() {
                pri_level = Some(super::Level::from_syslog_severity(p & 7));
                pos = end + 1;
            }
        }
    }
    let rest = &line[pos..];
    let (ts, used) = if let Some((naive, used)) = parse_bsd_stamp(rest, ctx.year) {
        (ctx.zone.to_utc(naive), used)
    } else if let Some(st) = parse_iso(rest, 0) {
        (st.resolve(&ctx.zone), st.len)
    } else {
        return LineKind::Unparsed;
    };
    out.ts = ts;
    pos += used;
    if line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    pos += 1;
    // Host: next token.
    let host_end = memchr::memchr(b' ', &line[pos..]).map(|i| pos + i).unwrap_or(line.len());
    out.host = Span::new(pos, host_end);
    pos = (host_end + 1).min(line.len());
    // Tag: `app[pid]:` or `app:`; absent tags (kernel lines from some daemons) leave the service empty.
    let tag_region = &line[pos..line.len().min(pos + 64)];
    if let Some(colon) = memchr::memchr(b':', tag_region) {
        let tag = &tag_region[..colon];
        if !tag.is_empty() && !tag.contains(&b' ') || tag.ends_with(b"]") {
            let name_end = memchr::memchr(b'[', tag).unwrap_or(tag.len());
            out.service = Span::new(pos, pos + name_end);
            pos += colon + 1;
            if line.get(pos) == Some(&b' ') {
                pos += 1;
            }
        }
    }
    out.msg = Span::new(pos, line.len());
    out.level = pri_level.unwrap_or_else(|| guess_level(&line[pos..]));
    LineKind::Record
}

/// Syslog lines rarely carry a level word; look at the first few words and for tell-tale phrases.
pub fn guess_level(msg: &[u8]) -> super::Level {
    for word in msg.split(|&c| c == b' ' || c == b':' || c == b'[' || c == b']').take(3) {
        if word.len() >= 3 {
            if let Some(l) = level_from_word(word) {
                return l;
            }
        }
    }
    super::generic::keyword_level(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Level;
    use crate::time::civil_to_millis;

    fn parse(line: &str) -> (LineKind, Parsed) {
        let ctx = ParseCtx { year: 2024, ..Default::default() };
        let mut p = Parsed::default();
        let k = parse_3164(line.as_bytes(), &ctx, &mut p);
        (k, p)
    }

    #[test]
    fn classic_line() {
        let line = "Jan 22 15:30:01 auth-2 sshd[4121]: Failed password for root from 10.0.0.7 port 22 ssh2";
        let (k, p) = parse(line);
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
        assert_eq!(p.host.get(line.as_bytes()), b"auth-2");
        assert_eq!(p.service.get(line.as_bytes()), b"sshd");
        assert!(p.msg.get(line.as_bytes()).starts_with(b"Failed password"));
    }

    #[test]
    fn padded_day_and_rfc3339() {
        let (k, p) = parse("Jul  1 09:00:55 calvisitor kernel[0]: AppleThunderboltNHI: link down");
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 7, 1, 9, 0, 55, 0));
        let (k, p) = parse("2024-01-22T15:30:01.5+00:00 db-1 kernel: Out of memory: Killed process 812");
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2024, 1, 22, 15, 30, 1, 500));
        assert_eq!(p.level, Level::Fatal);
    }

    #[test]
    fn not_syslog() {
        assert_eq!(parse("hello world").0, LineKind::Unparsed);
        assert_eq!(parse("Jan 99 15:30:01 x y: z").0, LineKind::Unparsed);
    }
}
