//! Time: byte-level timestamp parsing for the hot path, and the user-facing
//! time flags (`--since 15:30`, `-2h`, RFC 3339).
//!
//! All instants are milliseconds since the Unix epoch, UTC (`i64`). Parsing
//! never allocates and never goes through a generic format-string parser: log
//! timestamps come in a handful of layouts and a direct digit walk is an order
//! of magnitude faster than chrono's `parse_from_str`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// Marker for records that carry no timestamp.
pub const NO_TIME: Millis = i64::MIN;

pub const MS_PER_SEC: i64 = 1_000;
pub const MS_PER_MIN: i64 = 60_000;
pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether a calendar date exists (rejects Feb 30, month 13, …).
pub fn valid_date(year: i64, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let dim = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    day <= dim[(month - 1) as usize]
}

/// Milliseconds for a civil date-time, without any zone applied.
pub fn civil_to_millis(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32, ms: u32) -> Millis {
    days_from_civil(year, month, day) * MS_PER_DAY
        + h as i64 * MS_PER_HOUR
        + m as i64 * MS_PER_MIN
        + s as i64 * MS_PER_SEC
        + ms as i64
}

/// Year of an instant (UTC).
pub fn year_of(ms: Millis) -> i64 {
    civil_from_days(ms.div_euclid(MS_PER_DAY)).0
}

/// Parses exactly `n` ASCII digits at `pos`.
#[inline]
pub fn digits(b: &[u8], pos: usize, n: usize) -> Option<u32> {
    let s = b.get(pos..pos + n)?;
    let mut v: u32 = 0;
    for &c in s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u32;
    }
    Some(v)
}

/// Three-letter English month abbreviation (any case) to 1..=12.
#[inline]
pub fn month_abbrev(b: &[u8]) -> Option<u32> {
    if b.len() < 3 {
        return None;
    }
    let key = [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    Some(match &key {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

/// How a timestamp without its own zone is placed on the UTC axis.
#[derive(Clone, Debug, Default)]
pub enum LocalZone {
    #[default]
    Utc,
    Fixed(i32),
    Named(chrono_tz::Tz),
}

impl LocalZone {
    /// Parses `UTC`, `Z`, `+02:00`, `-0530` or an IANA name such as `Europe/Paris`.
    pub fn parse(s: &str) -> Result<LocalZone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(LocalZone::Utc);
        }
        if let Some((off, used)) = parse_zone_offset(t.as_bytes(), 0) {
            if used == t.len() {
                return Ok(LocalZone::Fixed(off));
            }
        }
        t.parse::<chrono_tz::Tz>()
            .map(LocalZone::Named)
            .map_err(|_| format!("unknown time zone '{s}' (expected UTC, +HH:MM or an IANA name like Europe/Paris)"))
    }

    /// Converts a zone-less civil time (expressed as naive millis) to UTC millis.
    pub fn to_utc(&self, naive_ms: Millis) -> Millis {
        match self {
            LocalZone::Utc => naive_ms,
            LocalZone::Fixed(off_s) => naive_ms - *off_s as i64 * MS_PER_SEC,
            LocalZone::Named(tz) => {
                let secs = naive_ms.div_euclid(MS_PER_SEC);
                let sub = naive_ms.rem_euclid(MS_PER_SEC);
                let Some(naive) = DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
                    return naive_ms;
                };
                // Ambiguous (DST fall-back) times take the earlier instant; skipped times shift forward.
                match tz.from_local_datetime(&naive).earliest() {
                    Some(dt) => dt.timestamp() * MS_PER_SEC + sub,
                    None => tz
                        .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                        .earliest()
                        .map(|dt| dt.timestamp() * MS_PER_SEC + sub)
                        .unwrap_or(naive_ms),
                }
            }
        }
    }
}

/// Parses a zone designator at `pos`: `Z`, `+HH:MM`, `+HHMM`, `+HH`. Returns (offset seconds east, bytes used).
pub fn parse_zone_offset(b: &[u8], pos: usize) -> Option<(i32, usize)> {
    match b.get(pos)? {
        b'Z' | b'z' => Some((0, 1)),
        c @ (b'+' | b'-') => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits(b, pos + 1, 2)?;
            let (m, used) = if b.get(pos + 3) == Some(&b':') {
                (digits(b, pos + 4, 2)?, 6)
            } else if let Some(m) = digits(b, pos + 3, 2) {
                (m, 5)
            } else {
                (0, 3)
            };
            if h > 18 || m > 59 {
                return None;
            }
            Some((sign * (h as i32 * 3600 + m as i32 * 60), used))
        }
        _ => None,
    }
}

/// A parsed instant plus what the parse consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// UTC millis when `zoned`, otherwise naive civil millis awaiting a [`LocalZone`].
    pub ms: Millis,
    pub zoned: bool,
    /// Bytes consumed from the start position.
    pub len: usize,
}

impl Stamp {
    pub fn resolve(&self, zone: &LocalZone) -> Millis {
        if self.zoned {
            self.ms
        } else {
            zone.to_utc(self.ms)
        }
    }
}

/// Fractional seconds after `.` or `,` at `pos`: returns (millis, bytes used incl. separator).
#[inline]
fn fraction(b: &[u8], pos: usize) -> (u32, usize) {
    match b.get(pos) {
        Some(b'.') | Some(b',') => {}
        _ => return (0, 0),
    }
    let mut i = pos + 1;
    let mut ms = 0u32;
    let mut n = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 3 {
            ms = ms * 10 + (c - b'0') as u32;
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

/// `HH:MM:SS[.frac]` at `pos`: (millis of day, bytes used).
#[inline]
pub fn parse_clock(b: &[u8], pos: usize) -> Option<(i64, usize)> {
    let h = digits(b, pos, 2)?;
    if b.get(pos + 2) != Some(&b':') {
        return None;
    }
    let m = digits(b, pos + 3, 2)?;
    if b.get(pos + 5) != Some(&b':') {
        return None;
    }
    let s = digits(b, pos + 6, 2)?;
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let (ms, flen) = fraction(b, pos + 8);
    Some((h as i64 * MS_PER_HOUR + m as i64 * MS_PER_MIN + s.min(59) as i64 * MS_PER_SEC + ms as i64, 8 + flen))
}

/// Most buckets a time axis has (1 h buckets cover 85 days).
pub const MAX_BUCKETS: i64 = 2048;

/// The width of time buckets over `lo..hi`: a few hundred buckets, 10 s for short spans up to
/// 1 h for weeks; whole hours, at most `max_buckets` of them, beyond (one stray far-off timestamp
/// must not make millions of buckets). The analysis buckets by it, and a source that counts in a
/// database predicts it.
pub fn bucket_size(lo: Millis, hi: Millis) -> Millis {
    let span = (hi - lo).max(1);
    const NICE: [i64; 9] = [
        10 * MS_PER_SEC,
        15 * MS_PER_SEC,
        20 * MS_PER_SEC,
        30 * MS_PER_SEC,
        MS_PER_MIN,
        2 * MS_PER_MIN,
        5 * MS_PER_MIN,
        15 * MS_PER_MIN,
        MS_PER_HOUR,
    ];
    let want = span / 600;
    let mut size = NICE.iter().copied().find(|&s| s >= want).unwrap_or(MS_PER_HOUR);
    let least = span / MAX_BUCKETS + 1;
    if size < least {
        size = (least + MS_PER_HOUR - 1) / MS_PER_HOUR * MS_PER_HOUR;
    }
    size
}

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

/// ISO 8601 / RFC 3339 and close relatives at `pos`:
/// `2024-01-22T15:30:01.123Z`, `2024-01-22 15:30:01,123 +0100`, `2024-01-22 15:30:01 UTC`,
/// `2024/01/22 15:30:01`.
pub fn parse_iso(b: &[u8], pos: usize) -> Option<Stamp> {
    let y = digits(b, pos, 4)? as i64;
    let sep = *b.get(pos + 4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let mo = digits(b, pos + 5, 2)?;
    if b.get(pos + 7) != Some(&sep) {
        return None;
    }
    let d = digits(b, pos + 8, 2)?;
    if !valid_date(y, mo, d) {
        return None;
    }
    let t = *b.get(pos + 10)?;
    if t != b'T' && t != b' ' && t != b't' && t != b'_' {
        // Date alone is not a usable log timestamp.
        return None;
    }
    let (clock, clen) = match parse_clock(b, pos + 11) {
        Some(c) => c,
        // MariaDB pads a one-digit hour with a space: `2024-01-22  5:30:01`.
        // apt's history.log puts two spaces between date and time: `2024-06-03  10:15:02`.
        None if t == b' ' && b.get(pos + 11) == Some(&b' ') && b.get(pos + 14) == Some(&b':') => {
            let (clock, clen) = parse_clock(b, pos + 12)?;
            (clock, clen + 1)
        }
        None if t == b' ' && b.get(pos + 11) == Some(&b' ') && b.get(pos + 13) == Some(&b':') => {
            let mut padded = [b'0'; 8];
            padded[1..].copy_from_slice(b.get(pos + 12..pos + 19)?);
            let (clock, _) = parse_clock(&padded, 0)?;
            let (ms, flen) = fraction(b, pos + 19);
            (clock + ms as i64, 8 + flen)
        }
        None => return None,
    };
    let mut i = pos + 11 + clen;
    let naive = days_from_civil(y, mo, d) * MS_PER_DAY + clock;
    if let Some((off, used)) = parse_zone_offset(b, i) {
        i += used;
        return Some(Stamp { ms: naive - off as i64 * MS_PER_SEC, zoned: true, len: i - pos });
    }
    if b.get(i) == Some(&b' ') {
        if let Some((off, used)) = parse_zone_offset(b, i + 1) {
            // "+0100" after a space, as in PostgreSQL's %m with numeric zones.
            if used >= 3 {
                i += 1 + used;
                return Some(Stamp { ms: naive - off as i64 * MS_PER_SEC, zoned: true, len: i - pos });
            }
        }
        let rest = &b[i + 1..];
        if rest.starts_with(b"UTC") || rest.starts_with(b"GMT") {
            let after = rest.get(3).copied().unwrap_or(b' ');
            if !after.is_ascii_alphanumeric() {
                return Some(Stamp { ms: naive, zoned: true, len: i + 4 - pos });
            }
        }
    }
    Some(Stamp { ms: naive, zoned: false, len: i - pos })
}

/// Epoch seconds, millis, micros or nanos as a run of digits (optionally with a fraction), told apart by magnitude.
/// Accepts only instants between 2000 and 2100 so that ordinary numbers are not taken for times.
pub fn parse_epoch_digits(b: &[u8]) -> Option<Millis> {
    let mut int: i64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if i >= 19 {
            return None;
        }
        int = int * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let (frac_ms, _) = fraction(b, i);
    let ms = match i {
        9 | 10 => int * 1000 + frac_ms as i64,
        12 | 13 => int,
        15 | 16 => int / 1000,
        18 | 19 => int / 1_000_000,
        _ => return None,
    };
    const Y2000: i64 = 946_684_800_000;
    const Y2100: i64 = 4_102_444_800_000;
    (Y2000..Y2100).contains(&ms).then_some(ms)
}

/// Formats an instant as RFC 3339 UTC with milliseconds, e.g. `2024-01-22T15:30:01.123Z`.
pub fn rfc3339(ms: Millis) -> String {
    if ms == NO_TIME {
        return "-".to_string();
    }
    match DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "-".to_string(),
    }
}

/// How much later something came, in words: `2m27s later`, `at the same time` (within a
/// second, which files stamped to the second cannot order), `3s earlier`.
pub fn later(ms: i64) -> String {
    if ms.abs() < MS_PER_SEC {
        "at the same time".into()
    } else if ms > 0 {
        format!("{} later", human_duration(ms))
    } else {
        format!("{} earlier", human_duration(-ms))
    }
}

/// Short clock form for views: `15:30:01`.
pub fn clock(ms: Millis) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%H:%M:%S").to_string(),
        None => "--:--:--".to_string(),
    }
}

/// Human duration: `2m10s`, `1h15m`, `40s`, `850ms`, and days past two days (`12d4h`, not `292h`),
/// so every view and reason writes a span the same way.
pub fn human_duration(ms: i64) -> String {
    let neg = ms < 0;
    let a = ms.unsigned_abs().min(i64::MAX as u64) as i64;
    let s = if a >= 2 * MS_PER_DAY {
        let (d, h) = (a / MS_PER_DAY, (a % MS_PER_DAY) / MS_PER_HOUR);
        if h == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{h}h")
        }
    } else if a < 1000 {
        format!("{a}ms")
    } else if a < MS_PER_MIN {
        format!("{}s", a / 1000)
    } else if a < MS_PER_HOUR {
        let (m, s) = (a / MS_PER_MIN, (a % MS_PER_MIN) / 1000);
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{s}s")
        }
    } else {
        let (h, m) = (a / MS_PER_HOUR, (a % MS_PER_HOUR) / MS_PER_MIN);
        if m == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{m}m")
        }
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

/// A user-supplied time bound, resolved against the data once it is known.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSpec {
    Absolute(Millis),
    /// A clock time (`15:30`) on the day of the data's last record.
    ClockOfDay(i64),
    /// Relative to the data's last record (`-2h`), or its first when positive (`+30m`).
    Relative(i64),
}

impl TimeSpec {
    pub fn parse(s: &str, zone: &LocalZone) -> Result<TimeSpec, String> {
        let t = s.trim();
        let b = t.as_bytes();
        if let Some(rest) = t.strip_prefix('-').or_else(|| t.strip_prefix('+')) {
            if let Some(d) = parse_duration(rest) {
                return Ok(TimeSpec::Relative(if t.starts_with('-') { -d } else { d }));
            }
        }
        if let Some(st) = parse_iso(b, 0) {
            if st.len == b.len() {
                return Ok(TimeSpec::Absolute(st.resolve(zone)));
            }
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            return Ok(TimeSpec::Absolute(dt.with_timezone(&Utc).timestamp_millis()));
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            let naive = NaiveDateTime::new(d, NaiveTime::MIN).and_utc().timestamp_millis();
            return Ok(TimeSpec::Absolute(zone.to_utc(naive)));
        }
        for layout in ["%H:%M:%S", "%H:%M"] {
            if let Ok(tm) = NaiveTime::parse_from_str(t, layout) {
                let since_midnight = (tm - NaiveTime::MIN).num_milliseconds();
                return Ok(TimeSpec::ClockOfDay(since_midnight));
            }
        }
        Err(format!(
            "cannot read time '{s}': expected RFC 3339 (2024-01-22T15:30:00Z), a clock time (15:30), or a relative time (-2h, -15m)"
        ))
    }

    /// Resolves against the data span `[first, last]`; a clock time is taken on the day of `last`.
    pub fn resolve(&self, first: Millis, last: Millis, zone: &LocalZone) -> Millis {
        match *self {
            TimeSpec::Absolute(ms) => ms,
            TimeSpec::Relative(d) if d < 0 => last + d,
            TimeSpec::Relative(d) => first + d,
            TimeSpec::ClockOfDay(tod) => {
                let day_start_naive = last.div_euclid(MS_PER_DAY) * MS_PER_DAY;
                zone.to_utc(day_start_naive + tod)
            }
        }
    }
}

/// `90s`, `15m`, `2h`, `1d`, `1h30m`.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num: Option<i64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(d as i64)?);
            continue;
        }
        let unit = match c {
            's' => MS_PER_SEC,
            'm' => MS_PER_MIN,
            'h' => MS_PER_HOUR,
            'd' => MS_PER_DAY,
            _ => return None,
        };
        total = total.checked_add(num.take()?.checked_mul(unit)?)?;
    }
    if num.is_some() {
        return None;
    }
    (total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 19_744, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2024, 1, 22), 19_744);
    }

    #[test]
    fn iso_variants() {
        let want = civil_to_millis(2024, 1, 22, 15, 30, 1, 123);
        let z = parse_iso(b"2024-01-22T15:30:01.123Z rest", 0).unwrap();
        assert_eq!((z.ms, z.zoned, z.len), (want, true, 24));
        let c = parse_iso(b"2024-01-22 15:30:01,123 INFO", 0).unwrap();
        assert_eq!((c.ms, c.zoned), (want, false));
        let off = parse_iso(b"2024-01-22T16:30:01.123+01:00", 0).unwrap();
        assert_eq!(off.ms, want);
        let pg = parse_iso(b"2024-01-22 15:30:01.123 UTC [42] LOG:", 0).unwrap();
        assert_eq!((pg.ms, pg.zoned, pg.len), (want, true, 27));
        let pgoff = parse_iso(b"2024-01-22 16:30:01.123 +0100 [42]", 0).unwrap();
        assert_eq!(pgoff.ms, want);
        assert!(parse_iso(b"2024-02-30 10:00:00", 0).is_none());
        assert!(parse_iso(b"2024-01-22", 0).is_none());
        // A space-padded hour (MariaDB before 10:00).
        let padded = parse_iso(b"2024-01-22  5:30:01 0 [Note]", 0).unwrap();
        assert_eq!((padded.ms, padded.len), (civil_to_millis(2024, 1, 22, 5, 30, 1, 0), 19));
        let padded_ms = parse_iso(b"2024-01-22  5:30:01.123 x", 0).unwrap();
        assert_eq!((padded_ms.ms, padded_ms.len), (civil_to_millis(2024, 1, 22, 5, 30, 1, 123), 23));
        assert!(parse_iso(b"2024-01-22  5:3:01", 0).is_none());
        assert!(parse_iso(b"2024-01-22T 5:30:01", 0).is_none());
        // apt's history.log: two spaces before a two-digit hour.
        let apt = parse_iso(b"2024-06-03  10:15:02", 0).unwrap();
        assert_eq!((apt.ms, apt.len), (civil_to_millis(2024, 6, 3, 10, 15, 2, 0), 20));
    }

    #[test]
    fn epoch_magnitudes() {
        let s = 1_705_937_401i64;
        assert_eq!(parse_epoch_digits(b"1705937401"), Some(s * 1000));
        assert_eq!(parse_epoch_digits(b"1705937401.5"), Some(s * 1000 + 500));
        assert_eq!(parse_epoch_digits(b"1705937401123"), Some(s * 1000 + 123));
        assert_eq!(parse_epoch_digits(b"1705937401123456789"), Some(s * 1000 + 123));
        assert_eq!(parse_epoch_digits(b"42"), None);
    }

    #[test]
    fn time_flags() {
        let z = LocalZone::Utc;
        assert_eq!(TimeSpec::parse("-2h", &z).unwrap(), TimeSpec::Relative(-2 * MS_PER_HOUR));
        assert_eq!(TimeSpec::parse("15:30", &z).unwrap(), TimeSpec::ClockOfDay(15 * MS_PER_HOUR + 30 * MS_PER_MIN));
        let abs = TimeSpec::parse("2024-01-22T15:30:00Z", &z).unwrap();
        assert_eq!(abs, TimeSpec::Absolute(civil_to_millis(2024, 1, 22, 15, 30, 0, 0)));
        let last = civil_to_millis(2024, 1, 22, 17, 0, 0, 0);
        assert_eq!(
            TimeSpec::ClockOfDay(15 * MS_PER_HOUR + 30 * MS_PER_MIN).resolve(0, last, &z),
            civil_to_millis(2024, 1, 22, 15, 30, 0, 0)
        );
        assert!(TimeSpec::parse("yesterday-ish", &z).is_err());
    }

    #[test]
    fn zones() {
        let naive = civil_to_millis(2024, 7, 1, 12, 0, 0, 0);
        let paris = LocalZone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.to_utc(naive), naive - 2 * MS_PER_HOUR);
        assert_eq!(LocalZone::parse("+05:30").unwrap().to_utc(naive), naive - 330 * MS_PER_MIN);
        assert!(LocalZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(130_000), "2m10s");
        assert_eq!(human_duration(4_500_000), "1h15m");
        assert_eq!(human_duration(47 * MS_PER_HOUR), "47h");
        assert_eq!(human_duration(12_746 * MS_PER_HOUR + 8 * MS_PER_MIN), "531d2h");
        assert_eq!(human_duration(-3 * MS_PER_DAY), "-3d");
        assert_eq!(parse_duration("1h30m"), Some(90 * MS_PER_MIN));
        assert_eq!(parse_duration("h"), None);
    }
}
