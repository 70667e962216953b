//! BSD syslog (RFC 3164) as written by rsyslog/syslog-ng/journald forwarding:
//! `Jan 22 15:30:01 host app[123]: message`, and the same with an RFC 3339 stamp
//! (rsyslog's default file template on current Debian).

use super::{keys, level_from_word, LineKind, ParseCtx, Parsed, Span};
use crate::time::{parse_bsd_stamp, parse_iso};

/// `<PRI>` at the start: (level from the severity bits, bytes used).
fn parse_pri(line: &[u8]) -> Option<(super::Level, usize)> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let end = line.iter().take(5).position(|&c| c == b'>')?;
    if end < 2 {
        return None;
    }
    let mut pri: u32 = 0;
    for &c in &line[1..end] {
        if !c.is_ascii_digit() {
            return None;
        }
        pri = pri * 10 + (c - b'0') as u32;
    }
    (pri <= 191).then(|| (super::Level::from_syslog_severity((pri & 7) as u8), end + 1))
}

pub fn parse_3164(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let mut pos = 0;
    // Optional `<PRI>` as sent over the wire.
    let mut pri_level = None;
    if let Some((l, used)) = parse_pri(line) {
        pri_level = Some(l);
        pos = used;
    }
    let rest = &line[pos..];
    let (ts, used, iso) = if let Some((naive, used)) = parse_bsd_stamp(rest, ctx.year) {
        (ctx.zone.to_utc(naive), used, false)
    } else if let Some(st) = parse_iso(rest, 0).filter(|_| rest.get(10) == Some(&b'T')) {
        // rsyslog's RFC 3339 template always has the `T`; `2024-01-22 15:30:01 …` is an application log.
        (st.resolve(&ctx.zone), st.len, true)
    } else {
        return LineKind::Unparsed;
    };
    pos += used;
    if line.get(pos) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    pos += 1;
    // Host: next token. A bracket there, or a level word after an ISO stamp, means an application log that
    // merely starts with a stamp (a BSD-stamped host may well be called `log`).
    let mut host_end = memchr::memchr(b' ', &line[pos..]).map(|i| pos + i).unwrap_or(line.len());
    let mut host = &line[pos..host_end];
    // Devices sending over the wire often omit the host: `<34>Jan 22 15:30:01 sshd[42]: msg`.
    if pri_level.is_some() && host.ends_with(b":") {
        host_end = pos;
        host = b"-";
    }
    if host.is_empty()
        || host.len() > 255
        || (iso && level_from_word(host).is_some())
        || host.iter().any(|&c| matches!(c, b'[' | b']' | b'{' | b'"' | b'=' | b'|'))
    {
        return LineKind::Unparsed;
    }
    out.ts = ts;
    out.host = Span::new(pos, host_end);
    if host_end > pos {
        pos = (host_end + 1).min(line.len());
    }
    // Tag: `app[pid]:`, `app:`, `sshd(pam_unix)[42]:`, `kernel:`. Absent tags (`last message repeated`) leave
    // the service empty.
    let tag_region = &line[pos..line.len().min(pos + 64)];
    let mut tagged = false;
    if let Some(colon) = memchr::memchr(b':', tag_region) {
        let tag = &tag_region[..colon];
        if !tag.is_empty() && !tag.contains(&b' ') {
            let name_end = memchr::memchr(b'[', tag).unwrap_or(tag.len());
            if name_end > 0 {
                out.service = Span::new(pos, pos + name_end);
                if name_end < tag.len() && tag.ends_with(b"]") {
                    let pid = Span::new(pos + name_end + 1, pos + tag.len() - 1);
                    out.push_field(keys::PID, pid);
                }
                tagged = true;
                pos += colon + 1;
                if line.get(pos) == Some(&b' ') {
                    pos += 1;
                }
            }
        }
    }
    if iso && !tagged {
        return LineKind::Unparsed;
    }
    out.msg = Span::new(pos, line.len());
    out.level = pri_level.unwrap_or_else(|| guess_level(&line[pos..]));
    super::haproxy::http_log(line, out.msg, out);
    LineKind::Record
}

/// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ELEMENT]... MSG`, `-` for absent values.
pub fn parse_5424(line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((level, mut pos)) = parse_pri(line) else { return LineKind::Unparsed };
    // Version: `1`, then a space.
    if !line.get(pos).is_some_and(|c| c.is_ascii_digit()) || line.get(pos + 1) != Some(&b' ') {
        return LineKind::Unparsed;
    }
    pos += 2;
    let next = |pos: &mut usize| -> Option<Span> {
        let start = *pos;
        let end = memchr::memchr(b' ', &line[start..]).map(|i| start + i)?;
        *pos = end + 1;
        Some(if &line[start..end] == b"-" { Span::EMPTY } else { Span::new(start, end) })
    };
    let Some(ts_span) = next(&mut pos) else { return LineKind::Unparsed };
    let (Some(host), Some(app), Some(procid), Some(msgid)) =
        (next(&mut pos), next(&mut pos), next(&mut pos), next(&mut pos))
    else {
        return LineKind::Unparsed;
    };
    if !ts_span.is_empty() {
        match parse_iso(ts_span.get(line), 0) {
            Some(st) if st.len as u32 == ts_span.end - ts_span.start => out.ts = st.resolve(&ctx.zone),
            _ => return LineKind::Unparsed,
        }
    }
    out.level = level;
    out.host = host;
    out.service = app;
    if !procid.is_empty() {
        out.push_field(keys::PID, procid);
    }
    if !msgid.is_empty() {
        out.push_field(keys::MSGID, msgid);
    }
    // Structured data: `-` or one or more `[id k="v" …]` with `\"`, `\\` and `\]` escaped.
    if line.get(pos) == Some(&b'-') {
        pos += 1;
    } else if line.get(pos) == Some(&b'[') {
        while line.get(pos) == Some(&b'[') {
            let Some(end) = sd_element(line, pos, out) else { return LineKind::Unparsed };
            pos = end;
        }
    } else if pos < line.len() {
        return LineKind::Unparsed;
    }
    if line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    // A UTF-8 BOM may start the message.
    if line[pos.min(line.len())..].starts_with(b"\xEF\xBB\xBF") {
        pos += 3;
    }
    out.msg = Span::new(pos.min(line.len()), line.len());
    super::haproxy::http_log(line, out.msg, out);
    LineKind::Record
}

/// One SD element at `pos` (`[`); its params become fields. Returns the index after `]`.
fn sd_element(line: &[u8], mut pos: usize, out: &mut Parsed) -> Option<usize> {
    pos += 1;
    // SD-ID
    while pos < line.len() && !matches!(line[pos], b' ' | b']') {
        pos += 1;
    }
    loop {
        match line.get(pos)? {
            b']' => return Some(pos + 1),
            b' ' => pos += 1,
            _ => {
                let kstart = pos;
                while pos < line.len() && line[pos] != b'=' && line[pos] != b']' && line[pos] != b' ' {
                    pos += 1;
                }
                let key = Span::new(kstart, pos);
                if line.get(pos) != Some(&b'=') || line.get(pos + 1) != Some(&b'"') {
                    return None;
                }
                pos += 2;
                let vstart = pos;
                loop {
                    match line.get(pos)? {
                        b'\\' => pos += 2,
                        b'"' => break,
                        _ => pos += 1,
                    }
                }
                out.push_field(key, Span::new(vstart, pos));
                pos += 1;
            }
        }
    }
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
    super::level::keyword_level(msg)
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
    fn host_named_like_a_level() {
        let (k, p) = parse("Jan 22 15:30:01 log rsyslogd: imuxsock lost 12 messages");
        assert_eq!(k, LineKind::Record);
        assert_eq!(p.service.get(b"Jan 22 15:30:01 log rsyslogd: imuxsock lost 12 messages"), b"rsyslogd");
        assert_eq!(parse("2024-01-22T15:30:01Z ERROR db: down").0, LineKind::Unparsed);
    }

    #[test]
    fn not_syslog() {
        assert_eq!(parse("hello world").0, LineKind::Unparsed);
        assert_eq!(parse("Jan 99 15:30:01 x y: z").0, LineKind::Unparsed);
    }
}
