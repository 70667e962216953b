//! The fallback: any line whose first tokens hold a recognisable timestamp.
//!
//! Detection looks at a source's sample lines and picks the timestamp layout
//! and token position that parse most of them (HDFS `081109 203615` at token 0,
//! HPC's epoch at token 4, OpenStack's stamp after a file name at token 1, …).
//! Every line is then tried at that position first (the fast path) and, when
//! that fails, scanned across its first tokens with every layout.
//! The level is the first level word near the stamp, else a keyword guess.

use super::columns::{learn_header, Column, MAX_COLUMNS};
use super::{level_from_word, Level, LineKind, ParseCtx, Parsed, Span};
use crate::time::{
    days_from_civil, digits, month_abbrev, parse_clock, parse_epoch_digits, parse_iso, parse_zone_offset, valid_date,
    MS_PER_DAY, MS_PER_SEC,
};

/// How many leading tokens may hold the timestamp.
const MAX_TOKENS: usize = 10;
/// How far into the line the timestamp may start.
const MAX_OFFSET: usize = 160;

/// The timestamp layouts the generic parser knows, in order of preference when two parse equally well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampKind {
    /// `2024-01-22T15:30:01.123Z`, `2016-09-28 04:30:30,`, `2024/01/22 15:30:01`.
    Iso,
    /// BGL: `2005-06-03-15.42.50.675872`.
    DashedClock,
    /// Apache/ctime: `Sun Dec 04 04:47:44 2005` (also with microseconds before the year).
    Ctime,
    /// CLF: `22/Jan/2024:15:30:01 +0000`.
    Clf,
    /// HDFS `081109 203615`, MySQL 5 `240122 15:30:01` / `240122  5:30:01`.
    Yymmdd,
    /// Spark: `17/06/09 20:10:40`.
    YySlash,
    /// HealthApp: `20171223-22:15:29:606`.
    Compact,
    /// Java util logging / Tomcat: `22-Jan-2024 15:30:01.123`.
    DayMonYear,
    /// Syslog: `Jan 22 15:30:01` (yearless).
    Bsd,
    /// Android logcat: `03-17 16:13:38.811` (yearless).
    MonthDay,
    /// Proxifier: `10.30 16:49:06` (yearless).
    DotMonthDay,
    /// Epoch seconds/millis/micros/nanos.
    Epoch,
}

impl StampKind {
    pub const ALL: [StampKind; 12] = [
        StampKind::Iso,
        StampKind::DashedClock,
        StampKind::Ctime,
        StampKind::Clf,
        StampKind::Yymmdd,
        StampKind::YySlash,
        StampKind::Compact,
        StampKind::DayMonYear,
        StampKind::Bsd,
        StampKind::MonthDay,
        StampKind::DotMonthDay,
        StampKind::Epoch,
    ];

    /// Parses this layout at the start of `b`: (UTC millis, bytes used).
    pub fn parse(self, b: &[u8], ctx: &ParseCtx) -> Option<(i64, usize)> {
        match self {
            StampKind::Iso => parse_iso(b, 0).map(|st| (st.resolve(&ctx.zone), st.len)),
            StampKind::DashedClock => dashed_clock(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::Ctime => ctime(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::Clf => clf(b, ctx),
            StampKind::Yymmdd => yymmdd(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::YySlash => yy_slash(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::Compact => compact(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::DayMonYear => day_mon_year(b).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::Bsd => crate::time::parse_bsd_stamp(b, ctx.year).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::MonthDay => month_day(b, b'-', ctx.year).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::DotMonthDay => month_day(b, b'.', ctx.year).map(|(n, l)| (ctx.zone.to_utc(n), l)),
            StampKind::Epoch => epoch(b),
        }
    }
}

/// Where in the line a source's timestamps were found when the format was detected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The layout and the whitespace-separated token it starts at; `None` means scan every line.
    pub stamp: Option<(StampKind, u8)>,
    /// Columns the source writes between its stamp (and level) and the message, learned from the
    /// sample: a `[thread]`, a `logger:`, a pid, a `|`-separated field. A line whose column does
    /// not have the learned shape keeps the rest as its message.
    pub header: [Option<Column>; MAX_COLUMNS],
    /// Fewer than half of the sample lines carry a level word after the stamp: the source has no
    /// level column, and a level word near the stamp is part of what the line says (Proxifier:
    /// `chrome.exe - host:443 error : Could not connect …`). It still sets the line's level.
    pub no_level_column: bool,
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Start offsets of the first [`MAX_TOKENS`] tokens, skipping one leading `[` or `(`.
fn token_starts(line: &[u8], out: &mut [usize; MAX_TOKENS]) -> usize {
    token_starts_upto(line, out, MAX_TOKENS)
}

/// As [`token_starts`], stopping after `want` tokens.
pub(super) fn token_starts_upto<const N: usize>(line: &[u8], out: &mut [usize; N], want: usize) -> usize {
    let mut n = 0;
    let mut i = 0;
    let limit = line.len().min(MAX_OFFSET);
    while i < limit && n < want.min(N) {
        while i < limit && is_space(line[i]) {
            i += 1;
        }
        if i >= limit {
            break;
        }
        let start = if matches!(line[i], b'[' | b'(') { i + 1 } else { i };
        out[n] = start;
        n += 1;
        while i < line.len() && !is_space(line[i]) {
            i += 1;
        }
    }
    n
}

/// Finds the `n`-th token's start.
fn nth_token(line: &[u8], n: usize) -> Option<usize> {
    let mut starts = [0usize; MAX_TOKENS];
    let count = token_starts_upto(line, &mut starts, n + 1);
    (n < count).then(|| starts[n])
}

/// Picks the layout (and token) that parses the most sample lines, or `None` when no line has a timestamp.
pub fn detect_layout(lines: &[&[u8]], ctx: &ParseCtx) -> Option<Layout> {
    let mut counts = [[0u32; MAX_TOKENS]; StampKind::ALL.len()];
    let mut starts = [0usize; MAX_TOKENS];
    for line in lines {
        let n = token_starts(line, &mut starts);
        for (k, kind) in StampKind::ALL.iter().enumerate() {
            for (t, &s) in starts[..n].iter().enumerate() {
                if kind.parse(&line[s..], ctx).is_some() {
                    counts[k][t] += 1;
                }
            }
        }
    }
    // Most lines first; ties go to the preferred layout, then to the earlier token.
    let mut best: Option<(u32, usize, usize)> = None;
    for (k, row) in counts.iter().enumerate() {
        for (t, &c) in row.iter().enumerate() {
            if c > 0 && best.is_none_or(|(bc, _, _)| c > bc) {
                best = Some((c, k, t));
            }
        }
    }
    let mut layout = Layout { stamp: Some((StampKind::ALL[best?.1], best?.2 as u8)), ..Layout::default() };
    let stamped: Vec<(&[u8], usize, usize)> =
        lines.iter().filter_map(|l| find_timestamp(l, ctx, &layout).map(|(_, start, end)| (*l, start, end))).collect();
    let leveled = stamped.iter().filter(|(l, _, end)| level_after(l, *end, LEVEL_WORDS).is_some()).count();
    layout.no_level_column = leveled * 2 < stamped.len();
    // Where each line's message begins with no header known, to learn the header from.
    let rests: Vec<&[u8]> =
        stamped.iter().map(|&(l, start, end)| &l[message_start(l, start, end, !layout.no_level_column).1..]).collect();
    layout.header = learn_header(&rests);
    Some(layout)
}

/// Finds a timestamp in the first tokens of the line: (ts, start, end).
pub fn find_timestamp(line: &[u8], ctx: &ParseCtx, layout: &Layout) -> Option<(i64, usize, usize)> {
    if let Some((kind, tok)) = layout.stamp {
        if let Some(start) = nth_token(line, tok as usize) {
            if let Some((ts, len)) = kind.parse(&line[start..], ctx) {
                return Some((ts, start, start + len));
            }
        }
    }
    // An indented line that missed the source's layout is a continuation (a stack frame that happens
    // to mention a date), not a record.
    if layout.stamp.is_some() && matches!(line.first(), Some(b' ' | b'\t')) {
        return None;
    }
    // A bare number is an epoch stamp only where the source's stamps are epochs: elsewhere it is a
    // size or an id in a continuation line (`Invalid receive (size = 1195725856 …)`).
    let epochs = layout.stamp.is_none_or(|(kind, _)| kind == StampKind::Epoch);
    let mut starts = [0usize; MAX_TOKENS];
    let n = token_starts(line, &mut starts);
    for &s in &starts[..n] {
        for kind in StampKind::ALL.into_iter().filter(|&k| epochs || k != StampKind::Epoch) {
            if let Some((ts, len)) = kind.parse(&line[s..], ctx) {
                return Some((ts, s, s + len));
            }
        }
    }
    None
}

pub fn parse(layout: &Layout, line: &[u8], ctx: &ParseCtx, out: &mut Parsed) -> LineKind {
    let Some((ts, start, end)) = find_timestamp(line, ctx, layout) else {
        return LineKind::Unparsed;
    };
    out.ts = ts;
    let (level, mut msg_start) = message_start(line, start, end, !layout.no_level_column);
    out.level = level;
    for column in layout.header.iter().map_while(|c| *c) {
        // A column is never the whole message: a record blank but for its tags (Rails' request
        // id) takes its message from the line below.
        match Column::at(&line[msg_start..]) {
            Some((c, used)) if c == column && msg_start + used < line.len() => msg_start += used,
            _ => break,
        }
    }
    out.msg = Span::new(msg_start, line.len());
    if out.level == Level::Unknown {
        out.level = super::level::keyword_level(&line[msg_start..]);
    }
    LineKind::Record
}

/// Words after the stamp a level may be: a host and a component may come first (BGL:
/// `R02-M1-N0-C:J12-U11 RAS KERNEL INFO`).
const LEVEL_WORDS: usize = 5;

/// The level near the stamp (`start..end`) and where the message begins, before any header
/// columns; the message begins after the level word when the source has a level column.
fn message_start(line: &[u8], start: usize, end: usize, level_column: bool) -> (Level, usize) {
    let mut level = Level::Unknown;
    let mut msg_start = end;
    if let Some((l, word_end)) = level_after(line, end, LEVEL_WORDS) {
        level = l;
        if level_column {
            msg_start = word_end;
        }
    } else if let Some((l, _)) = level_after(&line[..start], 0, 4) {
        // `ERROR 2024-01-22 …`: the level came first.
        level = l;
    }
    while msg_start < line.len() && matches!(line[msg_start], b' ' | b'\t' | b']' | b':' | b'|' | b',' | b'-') {
        msg_start += 1;
    }
    (level, msg_start)
}

/// A level word among the next `words` tokens after `pos` (`INFO`, `[error]`, `E`): (level, end of word).
pub fn level_after(line: &[u8], mut pos: usize, words: usize) -> Option<(Level, usize)> {
    for _ in 0..words {
        while pos < line.len() && matches!(line[pos], b' ' | b'\t' | b'[' | b']' | b'|' | b':' | b',' | b'<') {
            pos += 1;
        }
        if pos >= line.len() {
            return None;
        }
        let word_end = line[pos..]
            .iter()
            .position(|&c| matches!(c, b' ' | b'\t' | b']' | b'|' | b':' | b',' | b'>'))
            .map(|i| pos + i)
            .unwrap_or(line.len());
        if word_end > pos {
            if let Some(l) = level_from_word(&line[pos..word_end]) {
                // Single letters (`E`, `I`) count only as a token of their own.
                if word_end - pos > 1 || line.get(word_end) == Some(&b' ') {
                    return Some((l, word_end));
                }
            }
        }
        pos = word_end;
    }
    None
}

// ---- layouts ---------------------------------------------------------------------------------

fn naive(y: i64, mo: u32, d: u32, clock_ms: i64) -> Option<i64> {
    valid_date(y, mo, d).then(|| days_from_civil(y, mo, d) * MS_PER_DAY + clock_ms)
}

/// Yearless dates are placed in the provisional year; Feb 29 of a non-leap year lands on Mar 1
/// and the index's rollover fix-up moves it.
fn naive_yearless(y: i64, mo: u32, d: u32, clock_ms: i64) -> Option<i64> {
    ((1..=12).contains(&mo) && (1..=31).contains(&d)).then(|| days_from_civil(y, mo, d) * MS_PER_DAY + clock_ms)
}

/// A timestamp must end at a token boundary, so `2024-01-22 15:30:01abc` or `1234567890123x` is not one.
fn ends_token(b: &[u8], len: usize) -> bool {
    b.get(len).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// `HHMMSS` or `HH:MM:SS[.frac]` or space-padded `H:MM:SS` at `pos`: (ms of day, used).
fn clock_any(b: &[u8], pos: usize) -> Option<(i64, usize)> {
    if let Some(c) = parse_clock(b, pos) {
        return Some(c);
    }
    if b.get(pos + 1) == Some(&b':') {
        // `5:30:01`: one-digit hour.
        let h = digits(b, pos, 1)?;
        let m = digits(b, pos + 2, 2)?;
        let s = digits(b, pos + 5, 2)?;
        if b.get(pos + 4) != Some(&b':') || m > 59 || s > 59 {
            return None;
        }
        return Some((h as i64 * 3_600_000 + m as i64 * 60_000 + s as i64 * MS_PER_SEC, 7));
    }
    let h = digits(b, pos, 2)?;
    let m = digits(b, pos + 2, 2)?;
    let s = digits(b, pos + 4, 2)?;
    if h > 23 || m > 59 || s > 59 || b.get(pos + 6).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((h as i64 * 3_600_000 + m as i64 * 60_000 + s as i64 * MS_PER_SEC, 6))
}

/// Fractional digits after `sep` at `pos`: (ms, used including the separator).
fn frac(b: &[u8], pos: usize, sep: u8) -> (i64, usize) {
    if b.get(pos) != Some(&sep) {
        return (0, 0);
    }
    let mut i = pos + 1;
    let mut ms = 0i64;
    let mut n = 0;
    while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        if n < 3 {
            ms = ms * 10 + (c - b'0') as i64;
        }
        n += 1;
        i += 1;
    }
    if n == 0 {
        return (0, 0);
    }
    for _ in n..3 {
        ms *= 10;
    }
    (ms, i - pos)
}

fn dashed_clock(b: &[u8]) -> Option<(i64, usize)> {
    let y = digits(b, 0, 4)? as i64;
    let (mo, d) = (digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (h, mi, s) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(10) != Some(&b'-') {
        return None;
    }
    if b.get(13) != Some(&b'.') || b.get(16) != Some(&b'.') || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let (ms, flen) = frac(b, 19, b'.');
    let clock = h as i64 * 3_600_000 + mi as i64 * 60_000 + s as i64 * MS_PER_SEC + ms;
    Some((naive(y, mo, d, clock)?, 19 + flen)).filter(|&(_, l)| ends_token(b, l))
}

fn ctime(b: &[u8]) -> Option<(i64, usize)> {
    if !b.get(..3)?.iter().all(|c| c.is_ascii_alphabetic()) || b.get(3) != Some(&b' ') {
        return None;
    }
    let rest = &b[4..];
    let mo = month_abbrev(rest)?;
    if rest.get(3) != Some(&b' ') {
        return None;
    }
    let d = if rest.get(4) == Some(&b' ') { digits(rest, 5, 1)? } else { digits(rest, 4, 2)? };
    if rest.get(6) != Some(&b' ') {
        return None;
    }
    let (clock, clen) = parse_clock(rest, 7)?;
    let ypos = 7 + clen + 1;
    if rest.get(7 + clen) != Some(&b' ') {
        return None;
    }
    let y = digits(rest, ypos, 4)? as i64;
    Some((naive(y, mo, d, clock)?, 4 + ypos + 4)).filter(|&(_, l)| ends_token(b, l))
}

fn clf(b: &[u8], ctx: &ParseCtx) -> Option<(i64, usize)> {
    let d = digits(b, 0, 2)?;
    if b.get(2) != Some(&b'/') || b.get(6) != Some(&b'/') || b.get(11) != Some(&b':') {
        return None;
    }
    let mo = month_abbrev(&b[3..])?;
    let y = digits(b, 7, 4)? as i64;
    let (clock, clen) = parse_clock(b, 12)?;
    let n = naive(y, mo, d, clock)?;
    let mut len = 12 + clen;
    if b.get(len) == Some(&b' ') {
        if let Some((off, used)) = parse_zone_offset(b, len + 1) {
            len += 1 + used;
            return Some((n - off as i64 * MS_PER_SEC, len));
        }
    }
    Some((ctx.zone.to_utc(n), len))
}

fn yymmdd(b: &[u8]) -> Option<(i64, usize)> {
    let (yy, mo, d) = (digits(b, 0, 2)?, digits(b, 2, 2)?, digits(b, 4, 2)?);
    if b.get(6) != Some(&b' ') {
        return None;
    }
    let mut pos = 7;
    if b.get(pos) == Some(&b' ') {
        pos += 1;
    }
    let (clock, clen) = clock_any(b, pos)?;
    Some((naive(2000 + yy as i64, mo, d, clock)?, pos + clen)).filter(|&(_, l)| ends_token(b, l))
}

fn yy_slash(b: &[u8]) -> Option<(i64, usize)> {
    let (yy, mo, d) = (digits(b, 0, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?);
    if b.get(2) != Some(&b'/') || b.get(5) != Some(&b'/') || b.get(8) != Some(&b' ') {
        return None;
    }
    let (clock, clen) = parse_clock(b, 9)?;
    Some((naive(2000 + yy as i64, mo, d, clock)?, 9 + clen)).filter(|&(_, l)| ends_token(b, l))
}

/// Up to `max` digits at `*pos` as a number, advancing `*pos`.
fn small_int(b: &[u8], pos: &mut usize, max: usize) -> Option<u32> {
    let start = *pos;
    let mut v = 0u32;
    while *pos - start < max {
        match b.get(*pos) {
            Some(c) if c.is_ascii_digit() => v = v * 10 + (c - b'0') as u32,
            _ => break,
        }
        *pos += 1;
    }
    (*pos > start).then_some(v)
}

fn compact(b: &[u8]) -> Option<(i64, usize)> {
    let y = digits(b, 0, 4)? as i64;
    let (mo, d) = (digits(b, 4, 2)?, digits(b, 6, 2)?);
    if !matches!(b.get(8), Some(b'-') | Some(b' ') | Some(b'T')) {
        return None;
    }
    // HealthApp prints the clock fields as plain integers: `22:16:0:119`, `22:15:35:11`.
    let mut pos = 9;
    let h = small_int(b, &mut pos, 2)?;
    let next = |pos: &mut usize| -> Option<u32> {
        if b.get(*pos) != Some(&b':') {
            return None;
        }
        *pos += 1;
        small_int(b, pos, 2)
    };
    let mi = next(&mut pos)?;
    let s = next(&mut pos)?;
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    // Milliseconds after a colon are an integer count; after `.` or `,` a decimal fraction.
    let ms = match b.get(pos) {
        Some(b':') => {
            pos += 1;
            small_int(b, &mut pos, 3)? as i64
        }
        Some(b',') => {
            let (ms, flen) = frac(b, pos, b',');
            pos += flen;
            ms
        }
        _ => {
            let (ms, flen) = frac(b, pos, b'.');
            pos += flen;
            ms
        }
    };
    let clock = h as i64 * 3_600_000 + mi as i64 * 60_000 + s as i64 * MS_PER_SEC + ms;
    Some((naive(y, mo, d, clock)?, pos)).filter(|&(_, l)| ends_token(b, l))
}

fn day_mon_year(b: &[u8]) -> Option<(i64, usize)> {
    let d = digits(b, 0, 2)?;
    if b.get(2) != Some(&b'-') || b.get(6) != Some(&b'-') || b.get(11) != Some(&b' ') {
        return None;
    }
    let mo = month_abbrev(&b[3..])?;
    let y = digits(b, 7, 4)? as i64;
    let (clock, clen) = parse_clock(b, 12)?;
    Some((naive(y, mo, d, clock)?, 12 + clen)).filter(|&(_, l)| ends_token(b, l))
}

fn month_day(b: &[u8], sep: u8, year: i64) -> Option<(i64, usize)> {
    let (mo, d) = (digits(b, 0, 2)?, digits(b, 3, 2)?);
    if b.get(2) != Some(&sep) || b.get(5) != Some(&b' ') {
        return None;
    }
    let (clock, clen) = parse_clock(b, 6)?;
    Some((naive_yearless(year, mo, d, clock)?, 6 + clen)).filter(|&(_, l)| ends_token(b, l))
}

fn epoch(b: &[u8]) -> Option<(i64, usize)> {
    let int = b.iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len());
    if int < 9 {
        return None;
    }
    let (_, flen) = frac(b, int, b'.');
    let len = int + flen;
    if !ends_token(b, len) {
        return None;
    }
    parse_epoch_digits(&b[..len]).map(|ms| (ms, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(text: &str) -> Layout {
        let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
        detect_layout(&lines, &ParseCtx::default()).expect("a stamp")
    }

    fn message<'a>(layout: &Layout, line: &'a str) -> (&'a str, Level) {
        let mut p = Parsed::default();
        assert_eq!(parse(layout, line.as_bytes(), &ParseCtx::default(), &mut p), LineKind::Record);
        (std::str::from_utf8(p.msg.get(line.as_bytes())).unwrap(), p.level)
    }

    #[test]
    fn key_value_fields_closed_by_a_bar_are_not_the_message() {
        let ansible = "2024-06-03 10:15:01,345 p=4242 u=deploy n=ansible | PLAY [db] ****\n\
                       2024-06-03 10:15:02,345 p=4242 u=deploy n=ansible | TASK [network : Set mtu 9000 on ens5] ****\n\
                       2024-06-03 10:15:03,345 p=4242 u=deploy n=ansible | changed: [db-1]\n\
                       2024-06-03 10:15:04,345 p=4242 u=deploy n=ansible | ok: [db-2]";
        let layout = learned(ansible);
        assert_eq!(layout.header[0], Some(Column::Fields));
        let line = "2024-06-03 10:15:05,345 p=4243 u=deploy n=ansible | changed: [db-2] => (item=x)";
        assert_eq!(message(&layout, line).0, "changed: [db-2] => (item=x)");
        // Without the closing bar, fields are what the line says.
        let plain = "2024-06-03 10:15:01 user=bob action=login\n\
                     2024-06-03 10:15:02 user=ann action=login\n\
                     2024-06-03 10:15:03 user=bob action=logout\n\
                     2024-06-03 10:15:04 user=eve action=login";
        let layout = learned(plain);
        assert_eq!(message(&layout, "2024-06-03 10:15:05 user=bob action=login").0, "user=bob action=login");
    }

    #[test]
    fn thread_and_logger_columns_are_not_the_message() {
        let log4j = "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.MRAppMaster: Created MRAppMaster\n\
                     2015-10-18 18:01:48,963 INFO [main] org.apache.hadoop.MRAppMaster: Executing with tokens:\n\
                     2015-10-18 18:01:53,885 INFO [AsyncDispatcher event handler] org.apache.hadoop.TaskAttemptImpl: attempt_1 moved\n\
                     2015-10-18 18:01:54,001 WARN [main] org.apache.hadoop.Foo: disk slow";
        let layout = learned(log4j);
        assert_eq!(layout.header[..2], [Some(Column::Bracket), Some(Column::Logger)]);
        let line = "2015-10-18 18:01:53,885 ERROR [AsyncDispatcher event handler] org.apache.hadoop.TaskAttemptImpl: attempt_1 failed";
        assert_eq!(message(&layout, line), ("attempt_1 failed", Level::Error));
        let python = "2024-01-22 15:30:01,123 ERROR payments.client: payment provider returned 503\n\
                      2024-01-22 15:30:02,123 INFO payments.api: request served\n\
                      2024-01-22 15:30:03,123 INFO payments.api: request served\n\
                      2024-01-22 15:30:04,123 WARNING payments.client: retrying";
        let layout = learned(python);
        assert_eq!(
            message(&layout, "2024-01-22 15:30:01,123 ERROR payments.client: payment provider returned 503").0,
            "payment provider returned 503"
        );
        // A line without the column keeps what it has.
        assert_eq!(message(&layout, "2024-01-22 15:30:01,123 ERROR plain words here").0, "plain words here");
    }

    #[test]
    fn pipe_fields_and_dashed_programs() {
        let health = "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579\n\
                      20171223-22:15:29:615|Step_LSC|30002312|onExtend:1514038530000 14 0 4\n\
                      20171223-22:15:29:633|Step_StandReportReceiver|30002312|REPORT : 7007 5002 150089 240\n\
                      20171223-22:15:29:635|Step_LSC|30002312|onStandStepChanged 3580";
        let layout = learned(health);
        assert_eq!(
            message(&layout, "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579").0,
            "onStandStepChanged 3579"
        );
        // No level column: a level word near the stamp stays in the message (and sets the level).
        let proxy = "[10.30 16:49:06] chrome.exe - proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS\n\
                     [10.30 16:49:07] \"Google Chrome\" *64 - proxy.example.org:5070 close, 403 bytes sent\n\
                     [10.30 16:49:08] chrome.exe - proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS\n\
                     [10.30 16:49:09] chrome.exe - proxy.example.org:5070 close, 1190 bytes sent";
        let layout = learned(proxy);
        assert!(layout.no_level_column);
        let line = "[10.30 16:49:10] chrome.exe - host:443 error : Could not connect to proxy";
        assert_eq!(message(&layout, line), ("host:443 error : Could not connect to proxy", Level::Error));
        assert_eq!(message(&layout, "[10.30 16:49:07] \"Google Chrome\" *64 - a.b:1 open").0, "a.b:1 open");
    }
    use crate::time::civil_to_millis;

    fn ctx() -> ParseCtx {
        ParseCtx { year: 2024, ..Default::default() }
    }

    fn ts_of(line: &str) -> i64 {
        let mut p = Parsed::default();
        let layout = detect_layout(&[line.as_bytes()], &ctx()).unwrap_or_default();
        assert_eq!(parse(&layout, line.as_bytes(), &ctx(), &mut p), LineKind::Record, "{line}");
        p.ts
    }

    #[test]
    fn level_after_stamp() {
        let ctx = ParseCtx::default();
        let mut p = Parsed::default();
        let line = b"2015-10-18 18:01:47,978 ERROR [main] org.apache.Foo: boom";
        assert_eq!(parse(&Layout::default(), line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.ts, civil_to_millis(2015, 10, 18, 18, 1, 47, 978));
        assert_eq!(p.level, Level::Error);
        assert_eq!(p.msg.get(line), b"[main] org.apache.Foo: boom");
        let line = b"[2024-01-22 15:30:01] connection refused by upstream";
        assert_eq!(parse(&Layout::default(), line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Error);
        let line = b"WARN 2024-01-22 15:30:01 disk almost full";
        assert_eq!(parse(&Layout::default(), line, &ctx, &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Warn);
    }

    #[test]
    fn layouts() {
        assert_eq!(ts_of("081109 203615 148 INFO dfs.DataNode: x"), civil_to_millis(2008, 11, 9, 20, 36, 15, 0));
        assert_eq!(ts_of("17/06/09 20:10:40 INFO spark.X: y"), civil_to_millis(2017, 6, 9, 20, 10, 40, 0));
        assert_eq!(ts_of("03-17 16:13:38.811  1702  2395 D Wm: z"), civil_to_millis(2024, 3, 17, 16, 13, 38, 811));
        assert_eq!(ts_of("20171223-22:15:29:606|Step_LSC|1|x"), civil_to_millis(2017, 12, 23, 22, 15, 29, 606));
        assert_eq!(ts_of("20171223-22:16:0:11|Step_LSC|1|x"), civil_to_millis(2017, 12, 23, 22, 16, 0, 11));
        assert_eq!(ts_of("[07.26 13:54:27] chrome.exe - x"), civil_to_millis(2024, 7, 26, 13, 54, 27, 0));
        assert_eq!(
            ts_of("- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS KERNEL INFO x"),
            civil_to_millis(2005, 6, 3, 15, 42, 50, 675)
        );
        assert_eq!(ts_of("134681 node-246 unix.hw state 1077804742 1 x"), 1_077_804_742_000);
        assert_eq!(ts_of("2016-09-28 04:30:30, Info   CBS  x"), civil_to_millis(2016, 9, 28, 4, 30, 30, 0));
        assert_eq!(
            ts_of("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO n"),
            civil_to_millis(2017, 5, 16, 0, 0, 0, 8)
        );
        assert_eq!(ts_of("[Sun Dec 04 04:47:44 2005] [notice] x"), civil_to_millis(2005, 12, 4, 4, 47, 44, 0));
        assert_eq!(ts_of("240122  5:30:01 [ERROR] x"), civil_to_millis(2024, 1, 22, 5, 30, 1, 0));
        assert_eq!(ts_of("22-Jan-2024 15:30:01.123 SEVERE [main] x"), civil_to_millis(2024, 1, 22, 15, 30, 1, 123));
        assert_eq!(ts_of("10.0.0.1 - - [22/Jan/2024:16:30:01 +0100] x"), civil_to_millis(2024, 1, 22, 15, 30, 1, 0));
    }

    #[test]
    fn a_number_in_a_dated_source_is_not_an_epoch_stamp() {
        let ctx = ParseCtx::default();
        let lines: Vec<&[u8]> = vec![
            b"[2024-01-22 15:30:01,123] WARN Unexpected error from /10.0.0.7 (org.apache.kafka.common.network.Selector)",
            b"[2024-01-22 15:30:02,456] INFO [Partition orders-3 broker=1] ISR updated (kafka.cluster.Partition)",
        ];
        let layout = detect_layout(&lines, &ctx).expect("a layout");
        let line = b"org.apache.kafka.common.network.InvalidReceiveException: Invalid receive (size = 1195725856 larger than 104857600)";
        assert_eq!(find_timestamp(line, &ctx, &layout), None);
        // Where the stamps are epochs, a number is one.
        let epoch_lines: Vec<&[u8]> = vec![b"1705937401 node-1 up", b"1705937402 node-2 up"];
        let epoch_layout = detect_layout(&epoch_lines, &ctx).expect("an epoch layout");
        assert!(find_timestamp(b"x 1705937403 node-3 up", &ctx, &epoch_layout).is_some());
    }

    #[test]
    fn layout_detection_prefers_dates_over_epochs() {
        let line: &[u8] = b"- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD";
        let layout = detect_layout(&[line], &ctx()).unwrap();
        assert_eq!(layout.stamp, Some((StampKind::Bsd, 4)));
        let hpc: &[u8] = b"134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component";
        assert_eq!(detect_layout(&[hpc], &ctx()).unwrap().stamp, Some((StampKind::Epoch, 4)));
    }

    #[test]
    fn indented_lines_do_not_start_records() {
        let layout = Layout { stamp: Some((StampKind::Iso, 0)), ..Layout::default() };
        let mut p = Parsed::default();
        let line = b"    at job scheduled 2024-01-22 15:30:01 (retry)";
        assert_eq!(parse(&layout, line, &ctx(), &mut p), LineKind::Unparsed);
        // Without an indent the fallback scan still finds a stamp in a later token.
        let line = b"worker-3 2024-01-22 15:30:01 ERROR x";
        assert_eq!(parse(&layout, line, &ctx(), &mut p), LineKind::Record);
        assert_eq!(p.level, Level::Error);
    }

    #[test]
    fn not_timestamps() {
        let mut p = Parsed::default();
        for line in ["hello world", "12345 is a number", "99-99 10:00:00 x", "2024-13-01 10:00:00 x", ""] {
            assert_eq!(parse(&Layout::default(), line.as_bytes(), &ctx(), &mut p), LineKind::Unparsed, "{line}");
        }
    }
}
